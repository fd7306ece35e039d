#include "broker/network/subscription_regex.h"

#include <regex>
#include <string_view>

namespace ferry::broker {
namespace {

// The class a backslash letter stands for, as the inside of a bracket expression.
std::string_view class_body(char letter) {
  switch (letter) {
    case 'd':
    case 'D':
      return "0-9";
    case 'w':
    case 'W':
      return "A-Za-z0-9_";
    case 's':
    case 'S':
      return "[:space:]";
    default:
      return {};
  }
}

bool is_negated_class(char letter) { return letter == 'D' || letter == 'W' || letter == 'S'; }

}  // namespace

Result<std::string> librdkafka_subscription_regex(const std::string& pattern) {
  const auto refuse = [&](const std::string& why) {
    return Status::invalid_argument("Topic pattern " + pattern + ": " + why);
  };
  try {
    std::regex check(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& error) {
    return refuse(std::string("not a regular expression (") + error.what() + ")");
  }

  std::string out;
  bool in_bracket = false;
  bool after_quantifier = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    const bool was_quantifier = after_quantifier;
    after_quantifier = false;
    if (c == '\\') {
      if (i + 1 >= pattern.size()) return refuse("ends with a backslash");
      const char next = pattern[++i];
      const std::string_view body = class_body(next);
      if (!body.empty()) {
        if (in_bracket) {
          if (is_negated_class(next)) return refuse("negated class inside [...]");
          out += body;
        } else {
          out += is_negated_class(next) ? "[^" : "[";
          out += body;
          out += ']';
        }
        continue;
      }
      if (std::isalnum(static_cast<unsigned char>(next))) {
        return refuse(std::string("\\") + next + " has no POSIX equivalent");
      }
      if (in_bracket) {
        if (next == ']' || next == '^' || next == '-' || next == '\\') {
          return refuse(std::string("\\") + next + " inside [...] has no POSIX equivalent");
        }
        out += next;  // a backslash is literal inside a POSIX bracket expression
      } else {
        out += '\\';
        out += next;
      }
      continue;
    }
    if (in_bracket) {
      out += c;
      if (c == ']') in_bracket = false;
      continue;
    }
    switch (c) {
      case '[':
        in_bracket = true;
        out += c;
        // A leading ^ and a ] right after it (or after [) are part of the bracket's syntax.
        if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
        if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
        break;
      case '(':
        if (i + 1 < pattern.size() && pattern[i + 1] == '?') {
          if (i + 2 < pattern.size() && pattern[i + 2] == ':') {
            out += '(';
            i += 2;
          } else {
            return refuse("lookarounds and named groups have no POSIX equivalent");
          }
        } else {
          out += c;
        }
        break;
      case '*':
      case '+':
      case '?':
        if (c == '?' && was_quantifier) break;  // lazy: the same full matches as greedy
        out += c;
        after_quantifier = true;
        break;
      case '}':
        out += c;
        after_quantifier = true;
        break;
      default:
        out += c;
    }
  }
  return "^(" + out + ")$";
}

}  // namespace ferry::broker
