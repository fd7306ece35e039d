#include "ferry/sdk/config_def.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <set>
#include <sstream>
#include <system_error>

namespace ferry::sdk {
namespace {

template <typename... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
// Clang 14 has no class template argument deduction for aggregates yet.
template <typename... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += separator;
    out += parts[i];
  }
  return out;
}

// Java's String.trim: strips every char <= ' ' (all ASCII controls, not just whitespace).
std::string_view java_trim(std::string_view s) {
  std::size_t begin = 0;
  std::size_t end = s.size();
  while (begin < end && static_cast<unsigned char>(s[begin]) <= ' ') ++begin;
  while (end > begin && static_cast<unsigned char>(s[end - 1]) <= ' ') --end;
  return s.substr(begin, end - begin);
}

// Java regex \s, which is what Kafka's list split "\s*,\s*" strips around commas.
bool is_java_regex_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\x0B' || c == '\f' || c == '\r';
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Java's Double.toString: plain notation with at least one fraction digit for
// 1e-3 <= |d| < 1e7, "computerized" scientific notation ("1.0E10", "1.5E-4") otherwise, and the
// shortest digits that read back as the same double (what JDK 19+ prints).
std::string java_double_string(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  // Shortest digits first; when one digit would do, Java (JDK 19+) prints the two-digit decimal
  // closest to the exact value instead, which differs for values like 4.9E-324.
  auto scientific = [d](std::optional<int> precision, std::string& sign, std::string& digits,
                        int& exponent) {
    char buffer[64];
    std::to_chars_result result =
        precision ? std::to_chars(buffer, buffer + sizeof buffer, d, std::chars_format::scientific,
                                  *precision)
                  : std::to_chars(buffer, buffer + sizeof buffer, d, std::chars_format::scientific);
    std::string_view sci(buffer, static_cast<std::size_t>(result.ptr - buffer));
    sign.clear();
    digits.clear();
    if (sci.front() == '-') {
      sign = "-";
      sci.remove_prefix(1);
    }
    std::size_t e_pos = sci.find('e');
    for (char c : sci.substr(0, e_pos)) {
      if (c != '.') digits += c;
    }
    std::string_view exponent_text = sci.substr(e_pos + 1);
    if (!exponent_text.empty() && exponent_text.front() == '+') exponent_text.remove_prefix(1);
    std::from_chars(exponent_text.data(), exponent_text.data() + exponent_text.size(), exponent);
  };
  std::string sign;
  std::string digits;
  int exponent = 0;
  scientific(std::nullopt, sign, digits, exponent);
  if (digits.size() == 1) {
    scientific(1, sign, digits, exponent);
    while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  }

  if (exponent >= -3 && exponent < 7) {
    if (exponent < 0) {
      return sign + "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
    }
    auto integer_digits = static_cast<std::size_t>(exponent) + 1;
    if (digits.size() <= integer_digits) {
      return sign + digits + std::string(integer_digits - digits.size(), '0') + ".0";
    }
    return sign + digits.substr(0, integer_digits) + "." + digits.substr(integer_digits);
  }
  std::string fraction = digits.size() > 1 ? digits.substr(1) : "0";
  return sign + digits.substr(0, 1) + "." + fraction + "E" + std::to_string(exponent);
}

// Java's Integer/Short/Long.parseXxx: an optional sign and ASCII digits, within T's range.
template <typename T>
std::optional<T> parse_java_integer(std::string_view s) {
  std::string_view digits = s;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) digits.remove_prefix(1);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), is_digit)) return std::nullopt;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  T value{};
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

// Java's Double.parseDouble grammar: an optional sign, then "NaN", "Infinity", a decimal
// (digits with an optional point and exponent) or a hexadecimal ("0x1.8p3") literal, with an
// optional f/F/d/D suffix. Overflow is infinity and underflow zero, as in Java.
std::optional<double> parse_java_double(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "NaN") return std::nan("");
  if (s == "Infinity") return negative ? -HUGE_VAL : HUGE_VAL;
  if (!s.empty() && std::string_view("fFdD").find(s.back()) != std::string_view::npos) {
    s.remove_suffix(1);
  }
  if (s.empty()) return std::nullopt;
  double value = 0;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    std::string_view hex = s.substr(2);
    if (hex.find_first_of("pP") == std::string_view::npos) return std::nullopt;
    if (hex.front() == '+' || hex.front() == '-') return std::nullopt;
    auto [ptr, ec] =
        std::from_chars(hex.data(), hex.data() + hex.size(), value, std::chars_format::hex);
    if (ptr != hex.data() + hex.size()) return std::nullopt;
    if (ec == std::errc::result_out_of_range) {
      value = std::strtod(std::string(s).c_str(), nullptr);
    } else if (ec != std::errc()) {
      return std::nullopt;
    }
    return negative ? -value : value;
  }
  // digits [. digits] [e [sign] digits], with at least one mantissa digit.
  std::size_t i = 0;
  std::size_t mantissa_digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++mantissa_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t exponent_digits = 0;
    while (i < s.size() && is_digit(s[i])) ++i, ++exponent_digits;
    if (exponent_digits == 0) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec == std::errc::result_out_of_range) {
    // from_chars leaves the value alone; strtod gives Java's answer (infinity, or zero).
    value = std::strtod(std::string(s).c_str(), nullptr);
  } else if (ec != std::errc() || ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return negative ? -value : value;
}

// Kafka's list split: trim, "" is the empty list, else split on commas with \s stripped around
// each comma; empty elements (also trailing ones) are kept.
std::vector<std::string> parse_list(std::string_view trimmed) {
  std::vector<std::string> items;
  if (trimmed.empty()) return items;
  std::size_t start = 0;
  while (true) {
    std::size_t comma = trimmed.find(',', start);
    std::string_view item = trimmed.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (start > 0) {
      while (!item.empty() && is_java_regex_space(item.front())) item.remove_prefix(1);
    }
    if (comma != std::string_view::npos) {
      while (!item.empty() && is_java_regex_space(item.back())) item.remove_suffix(1);
    }
    items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return items;
}

// Kafka's ConfigDef.parseType for a string value.
ParsedValue parse_type(std::string_view name, const std::string& raw, ConfigType type) {
  std::string_view trimmed = java_trim(raw);
  auto not_a_number = [&] {
    return ConfigException(name, raw, "Not a number of type " + std::string(type_name(type)));
  };
  switch (type) {
    case ConfigType::kBoolean: {
      auto equals_ignore_case = [&](std::string_view word) {
        return trimmed.size() == word.size() &&
               std::equal(trimmed.begin(), trimmed.end(), word.begin(), [](char a, char b) {
                 return (a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) == b;
               });
      };
      if (equals_ignore_case("true")) return true;
      if (equals_ignore_case("false")) return false;
      throw ConfigException(name, raw, "Expected value to be either true or false");
    }
    case ConfigType::kPassword:
      return Password(std::string(trimmed));
    case ConfigType::kString:
    case ConfigType::kClass:
      return std::string(trimmed);
    case ConfigType::kInt:
      if (auto n = parse_java_integer<std::int32_t>(trimmed)) return *n;
      throw not_a_number();
    case ConfigType::kShort:
      if (auto n = parse_java_integer<std::int16_t>(trimmed)) return *n;
      throw not_a_number();
    case ConfigType::kLong:
      if (auto n = parse_java_integer<std::int64_t>(trimmed)) return *n;
      throw not_a_number();
    case ConfigType::kDouble:
      if (auto d = parse_java_double(trimmed)) return *d;
      throw not_a_number();
    case ConfigType::kList:
      return parse_list(trimmed);
  }
  throw std::logic_error("unknown ConfigType");
}

std::string_view kind_name(const ParsedValue& value) {
  static constexpr std::string_view kNames[] = {"null",   "bool",   "int16", "int32",   "int64",
                                                "double", "string", "list",  "password"};
  return kNames[value.index()];
}

// Brings a typed default to the alternative of its key's type (Kafka's parseType for non-string
// values); string defaults are parsed like property values.
ParsedValue coerce_default(std::string_view name, const ParsedValue& value, ConfigType type) {
  if (std::holds_alternative<std::nullptr_t>(value)) return value;
  if (const auto* text = std::get_if<std::string>(&value)) return parse_type(name, *text, type);
  auto integer = [&]() -> std::optional<std::int64_t> {
    if (const auto* n = std::get_if<std::int16_t>(&value)) return *n;
    if (const auto* n = std::get_if<std::int32_t>(&value)) return *n;
    if (const auto* n = std::get_if<std::int64_t>(&value)) return *n;
    return std::nullopt;
  }();
  auto expected = [&](std::string_view what) {
    return ConfigException(name, value,
                           std::string(what) + ", but it was a " + std::string(kind_name(value)));
  };
  switch (type) {
    case ConfigType::kBoolean:
      if (std::holds_alternative<bool>(value)) return value;
      throw ConfigException(name, value, "Expected value to be either true or false");
    case ConfigType::kPassword:
      if (std::holds_alternative<Password>(value)) return value;
      throw expected("Expected value to be a string");
    case ConfigType::kString:
      throw expected("Expected value to be a string");
    case ConfigType::kInt:
      if (integer && *integer >= INT32_MIN && *integer <= INT32_MAX) {
        return static_cast<std::int32_t>(*integer);
      }
      throw expected("Expected value to be a 32-bit integer");
    case ConfigType::kShort:
      if (integer && *integer >= INT16_MIN && *integer <= INT16_MAX) {
        return static_cast<std::int16_t>(*integer);
      }
      throw expected("Expected value to be a 16-bit integer (short)");
    case ConfigType::kLong:
      if (integer) return *integer;
      throw expected("Expected value to be a 64-bit integer (long)");
    case ConfigType::kDouble:
      if (integer) return static_cast<double>(*integer);
      if (std::holds_alternative<double>(value)) return value;
      throw expected("Expected value to be a double");
    case ConfigType::kList:
      if (std::holds_alternative<std::vector<std::string>>(value)) return value;
      throw ConfigException(name, value, "Expected a comma separated list.");
    case ConfigType::kClass:
      throw ConfigException(name, value, "Expected a Class instance or class name.");
  }
  throw std::logic_error("unknown ConfigType");
}

std::string missing_required(std::string_view name) {
  return "Missing required configuration \"" + std::string(name) + "\" which has no default value.";
}

// The value a key takes from props (or its default), with every problem appended to errors:
// Kafka's parseForValidate for one key.
ParsedValue parse_key(const ConfigKey& key, const ConfigMap& props,
                      std::vector<std::string>& errors) {
  ParsedValue value = nullptr;
  if (auto it = props.find(key.name); it != props.end()) {
    try {
      value = parse_type(key.name, it->second, key.type);
    } catch (const ConfigException& e) {
      errors.emplace_back(e.what());
    }
  } else if (!key.has_default()) {
    errors.push_back(missing_required(key.name));
  } else {
    value = *key.default_value;
  }
  if (key.validator) {
    try {
      key.validator.ensure_valid(key.name, value);
    } catch (const ConfigException& e) {
      errors.emplace_back(e.what());
    }
  }
  return value;
}

// Dependents that name no defined key, sorted for a stable order.
std::set<std::string> undefined_dependents(const ConfigDef& def) {
  std::set<std::string> undefined;
  for (const ConfigKey& key : def.keys()) {
    for (const std::string& dependent : key.dependents) {
      if (def.find(dependent) == nullptr) undefined.insert(dependent);
    }
  }
  return undefined;
}

// Kafka's sortedConfigs order, used by the docs and by embed: required keys first, then by
// importance (HIGH first), then by name.
std::vector<const ConfigKey*> sorted_for_docs(const std::vector<ConfigKey>& keys) {
  std::vector<const ConfigKey*> sorted;
  for (const ConfigKey& key : keys) sorted.push_back(&key);
  std::sort(sorted.begin(), sorted.end(), [](const ConfigKey* a, const ConfigKey* b) {
    if (a->has_default() != b->has_default()) return !a->has_default();
    if (a->importance != b->importance) return a->importance < b->importance;
    return a->name < b->name;
  });
  return sorted;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Kafka's docs suffixes: " (1 minute)" after a default of a ".ms" key, " (1 mebibyte)" after one
// of a ".bytes" key.
std::string nice_units(std::string_view name, std::int64_t n) {
  auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  auto format = [](std::int64_t value, std::string_view unit, bool plural) {
    return " (" + std::to_string(value) + " " + std::string(unit) + (plural ? "s)" : ")");
  };
  if (ends_with(".bytes")) {
    static constexpr std::string_view kUnits[] = {"kibibyte", "mebibyte", "gibibyte", "tebibyte"};
    int i = 0;
    while (n != 0 && i < 4 && n % 1024 == 0) n /= 1024, ++i;
    return i == 0 ? "" : format(n, kUnits[i - 1], n != 1);
  }
  if (ends_with(".ms")) {
    static constexpr std::int64_t kDivisors[] = {1000, 60, 60, 24};
    static constexpr std::string_view kUnits[] = {"second", "minute", "hour", "day"};
    int i = 0;
    while (n != 0 && i < 4 && n % kDivisors[i] == 0) n /= kDivisors[i], ++i;
    return i == 0 ? "" : format(n, kUnits[i - 1], n > 1);
  }
  return "";
}

}  // namespace

std::string_view type_name(ConfigType type) {
  switch (type) {
    case ConfigType::kBoolean:
      return "BOOLEAN";
    case ConfigType::kString:
      return "STRING";
    case ConfigType::kInt:
      return "INT";
    case ConfigType::kShort:
      return "SHORT";
    case ConfigType::kLong:
      return "LONG";
    case ConfigType::kDouble:
      return "DOUBLE";
    case ConfigType::kList:
      return "LIST";
    case ConfigType::kClass:
      return "CLASS";
    case ConfigType::kPassword:
      return "PASSWORD";
  }
  return "UNKNOWN";
}

std::string_view importance_name(Importance importance) {
  switch (importance) {
    case Importance::kHigh:
      return "HIGH";
    case Importance::kMedium:
      return "MEDIUM";
    case Importance::kLow:
      return "LOW";
  }
  return "UNKNOWN";
}

std::string_view width_name(Width width) {
  switch (width) {
    case Width::kNone:
      return "NONE";
    case Width::kShort:
      return "SHORT";
    case Width::kMedium:
      return "MEDIUM";
    case Width::kLong:
      return "LONG";
  }
  return "UNKNOWN";
}

std::string to_string(const Password&) { return std::string(Password::kHidden); }

std::ostream& operator<<(std::ostream& out, const Password&) { return out << Password::kHidden; }

std::optional<std::string> convert_to_string(const ParsedValue& value) {
  return std::visit(
      Overloaded{
          [](std::nullptr_t) -> std::optional<std::string> { return std::nullopt; },
          [](bool b) -> std::optional<std::string> { return b ? "true" : "false"; },
          [](std::int16_t n) -> std::optional<std::string> { return std::to_string(n); },
          [](std::int32_t n) -> std::optional<std::string> { return std::to_string(n); },
          [](std::int64_t n) -> std::optional<std::string> { return std::to_string(n); },
          [](double d) -> std::optional<std::string> { return java_double_string(d); },
          [](const std::string& s) -> std::optional<std::string> { return s; },
          [](const std::vector<std::string>& list) -> std::optional<std::string> {
            return join(list, ",");
          },
          [](const Password& p) -> std::optional<std::string> { return to_string(p); },
      },
      value);
}

std::string display_string(const ParsedValue& value) {
  if (std::holds_alternative<std::nullptr_t>(value)) return "null";
  if (const auto* list = std::get_if<std::vector<std::string>>(&value)) {
    return "[" + join(*list, ", ") + "]";
  }
  return *convert_to_string(value);
}

ConfigException::ConfigException(const std::string& message)
    : std::runtime_error(message), errors_{message} {}

ConfigException::ConfigException(std::string_view name, const ParsedValue& value,
                                 std::string_view reason)
    : ConfigException("Invalid value " + display_string(value) + " for configuration " +
                      std::string(name) + ": " + std::string(reason)) {}

ConfigException::ConfigException(std::vector<std::string> errors)
    : std::runtime_error(join(errors, "; ")), errors_(std::move(errors)) {}

void Validator::ensure_valid(std::string_view name, const ParsedValue& value) const {
  if (check_) check_(name, value);
}

Range::Range(std::optional<Bound> min, std::optional<Bound> max)
    : Validator(
          [min, max](std::string_view name, const ParsedValue& value) {
            if (std::holds_alternative<std::nullptr_t>(value)) {
              throw ConfigException(name, value, "Value must be non-null");
            }
            std::optional<std::int64_t> integer;
            std::optional<double> real;
            std::visit(Overloaded{
                           [&](std::int16_t n) { integer = n; },
                           [&](std::int32_t n) { integer = n; },
                           [&](std::int64_t n) { integer = n; },
                           [&](double d) { real = d; },
                           [](const auto&) {},
                       },
                       value);
            if (!integer && !real) throw ConfigException(name, value, "Value must be a number");
            // Integers are compared exactly; Kafka compares doubles, which agrees below 2^53.
            auto less = [&](const Bound& bound) {
              if (integer && std::holds_alternative<std::int64_t>(bound)) {
                return *integer < std::get<std::int64_t>(bound);
              }
              double v = integer ? static_cast<double>(*integer) : *real;
              return std::visit([&](auto b) { return v < static_cast<double>(b); }, bound);
            };
            auto greater = [&](const Bound& bound) {
              if (integer && std::holds_alternative<std::int64_t>(bound)) {
                return *integer > std::get<std::int64_t>(bound);
              }
              double v = integer ? static_cast<double>(*integer) : *real;
              return std::visit([&](auto b) { return v > static_cast<double>(b); }, bound);
            };
            auto text = [](const Bound& bound) {
              return std::visit([](auto b) { return *convert_to_string(ParsedValue(b)); }, bound);
            };
            if (min && less(*min)) {
              throw ConfigException(name, value, "Value must be at least " + text(*min));
            }
            if (max && greater(*max)) {
              throw ConfigException(name, value, "Value must be no more than " + text(*max));
            }
          },
          [&] {
            auto text = [](const Bound& bound) {
              return std::visit([](auto b) { return *convert_to_string(ParsedValue(b)); }, bound);
            };
            if (!min && !max) return std::string("[...]");
            if (!min) return "[...," + text(*max) + "]";
            if (!max) return "[" + text(*min) + ",...]";
            return "[" + text(*min) + ",...," + text(*max) + "]";
          }()) {}

ValidString ValidString::in(std::vector<std::string> valid) {
  std::string description = "[" + join(valid, ", ") + "]";
  return ValidString(Validator(
      [valid = std::move(valid)](std::string_view name, const ParsedValue& value) {
        const auto* s = std::get_if<std::string>(&value);
        if (s == nullptr || std::find(valid.begin(), valid.end(), *s) == valid.end()) {
          throw ConfigException(name, value, "String must be one of: " + join(valid, ", "));
        }
      },
      std::move(description)));
}

CaseInsensitiveValidString CaseInsensitiveValidString::in(std::vector<std::string> valid) {
  // Kafka keeps the upper-cased strings in a java.util.HashSet and prints them in its iteration
  // order, so that order is rebuilt here: bucket (h ^ h >>> 16) & (capacity - 1) of String's
  // hashCode, capacity 16 doubled while size > 0.75 * capacity, insertion order within a bucket.
  std::vector<std::string> upper;
  for (const std::string& s : valid) {
    std::string u(s);
    for (char& c : u) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    if (std::find(upper.begin(), upper.end(), u) == upper.end()) upper.push_back(std::move(u));
  }
  std::uint32_t capacity = 16;
  while (upper.size() > capacity * 3 / 4) capacity *= 2;
  auto bucket = [capacity](const std::string& s) {
    std::uint32_t h = 0;
    for (char c : s) h = 31 * h + static_cast<unsigned char>(c);
    return (h ^ (h >> 16)) & (capacity - 1);
  };
  std::stable_sort(upper.begin(), upper.end(), [&](const std::string& a, const std::string& b) {
    return bucket(a) < bucket(b);
  });
  std::string listed = join(upper, ", ");
  return CaseInsensitiveValidString(Validator(
      [upper, listed](std::string_view name, const ParsedValue& value) {
        const auto* s = std::get_if<std::string>(&value);
        bool found = false;
        if (s != nullptr) {
          std::string u(*s);
          for (char& c : u) {
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
          }
          found = std::find(upper.begin(), upper.end(), u) != upper.end();
        }
        if (!found) {
          throw ConfigException(name, value, "String must be one of (case insensitive): " + listed);
        }
      },
      "(case insensitive) [" + listed + "]"));
}

ValidList ValidList::in(std::vector<std::string> valid) {
  ValidString element = ValidString::in(std::move(valid));
  std::string description = element.description();
  return ValidList(Validator(
      [element = std::move(element)](std::string_view name, const ParsedValue& value) {
        if (const auto* list = std::get_if<std::vector<std::string>>(&value)) {
          for (const std::string& item : *list) element.ensure_valid(name, item);
        }
      },
      std::move(description)));
}

NonEmptyString::NonEmptyString()
    : Validator(
          [](std::string_view name, const ParsedValue& value) {
            const auto* s = std::get_if<std::string>(&value);
            const auto* p = std::get_if<Password>(&value);
            if ((s != nullptr && s->empty()) || (p != nullptr && p->value().empty())) {
              throw ConfigException(name, value, "String must be non-empty");
            }
          },
          "non-empty string") {}

NonEmptyStringWithoutControlChars::NonEmptyStringWithoutControlChars()
    : Validator(
          [](std::string_view name, const ParsedValue& value) {
            const auto* s = std::get_if<std::string>(&value);
            if (s == nullptr) return;  // a missing name is reported as missing, not here
            if (s->empty()) throw ConfigException(name, value, "String may not be empty");
            // Decode UTF-8 so C1 controls (U+0080-U+009F, two bytes) are found as Java finds
            // them; a byte that starts no valid sequence is taken as its own code point.
            std::vector<std::string> found;
            for (std::size_t i = 0; i < s->size();) {
              auto byte = static_cast<unsigned char>((*s)[i]);
              std::uint32_t code_point = byte;
              std::size_t length = 1;
              if (byte >= 0xC0 && byte < 0xE0 && i + 1 < s->size()) {
                code_point =
                    ((byte & 0x1Fu) << 6) | (static_cast<unsigned char>((*s)[i + 1]) & 0x3Fu);
                length = 2;
              } else if (byte >= 0xE0 && byte < 0xF0) {
                length = 3;
              } else if (byte >= 0xF0) {
                length = 4;
              }
              if (code_point <= 0x1F || (code_point >= 0x7F && code_point <= 0x9F)) {
                found.push_back(std::to_string(code_point));
              }
              i += length;
            }
            if (!found.empty()) {
              throw ConfigException(
                  name, value,
                  "String may not contain control sequences but had the following ASCII chars: " +
                      join(found, ", "));
            }
          },
          "non-empty string without ISO control characters") {}

NonNullValidator::NonNullValidator()
    : Validator(
          [](std::string_view name, const ParsedValue& value) {
            if (std::holds_alternative<std::nullptr_t>(value)) {
              throw ConfigException(name, value, "entry must be non null");
            }
          },
          "non-null string") {}

CompositeValidator CompositeValidator::of(std::vector<Validator> validators) {
  std::vector<std::string> descriptions;
  for (const Validator& v : validators) descriptions.push_back(v.description());
  return CompositeValidator(Validator(
      [validators = std::move(validators)](std::string_view name, const ParsedValue& value) {
        for (const Validator& v : validators) v.ensure_valid(name, value);
      },
      join(descriptions, ", ")));
}

std::optional<std::string> default_value_string(const ConfigKey& key) {
  if (!key.has_default()) return std::nullopt;
  return convert_to_string(*key.default_value);
}

std::string to_string(const ConfigValue& value) {
  return "[" + value.name + "," + display_string(value.parsed) + ",[" +
         join(value.recommended_values, ", ") + "],[" + join(value.errors, ", ") + "]," +
         (value.visible ? "true" : "false") + "]";
}

std::ostream& operator<<(std::ostream& out, const ConfigValue& value) {
  return out << to_string(value);
}

std::size_t error_count(const std::vector<ConfigValue>& values) {
  std::size_t count = 0;
  for (const ConfigValue& value : values) count += value.errors.size();
  return count;
}

ConfigDef& ConfigDef::define(ConfigKey key) & {
  if (index_.contains(key.name)) {
    throw ConfigException("Configuration " + key.name + " is defined twice.");
  }
  if (key.display_name.empty()) key.display_name = key.name;
  if (key.default_value) {
    key.default_value = coerce_default(key.name, *key.default_value, key.type);
    if (key.validator) key.validator.ensure_valid(key.name, *key.default_value);
  }
  if (key.group && std::find(groups_.begin(), groups_.end(), *key.group) == groups_.end()) {
    groups_.push_back(*key.group);
  }
  index_.emplace(key.name, keys_.size());
  keys_.push_back(std::move(key));
  return *this;
}

ConfigDef&& ConfigDef::define(ConfigKey key) && { return std::move(define(std::move(key))); }

ConfigDef& ConfigDef::embed(std::string_view key_prefix, std::string_view group_prefix,
                            int starting_order, const ConfigDef& child) & {
  std::string prefix(key_prefix);
  int order = starting_order;
  for (const ConfigKey* key : sorted_for_docs(child.keys())) {
    ConfigKey embedded = *key;
    embedded.name = prefix + key->name;
    if (key->validator) {
      embedded.validator = Validator(
          [inner = key->validator, length = prefix.size()](std::string_view name,
                                                           const ParsedValue& value) {
            inner.ensure_valid(name.substr(length), value);
          },
          key->validator.description());
    }
    embedded.group = std::string(group_prefix) + (key->group ? ": " + *key->group : "");
    embedded.order_in_group = order++;
    for (std::string& dependent : embedded.dependents) dependent = prefix + dependent;
    if (key->recommender) {
      auto unprefixed = [prefix](const ParsedValues& parsed) {
        ParsedValues out;
        for (const auto& [name, value] : parsed) {
          if (name.starts_with(prefix)) out.emplace(name.substr(prefix.size()), value);
        }
        return out;
      };
      const Recommender& inner = key->recommender;
      if (inner.valid_values) {
        embedded.recommender.valid_values = [f = inner.valid_values, unprefixed, prefix](
                                                std::string_view name, const ParsedValues& parsed) {
          return f(name.substr(prefix.size()), unprefixed(parsed));
        };
      }
      if (inner.visible) {
        embedded.recommender.visible = [f = inner.visible, unprefixed, prefix](
                                           std::string_view name, const ParsedValues& parsed) {
          return f(name.substr(prefix.size()), unprefixed(parsed));
        };
      }
    }
    define(std::move(embedded));
  }
  return *this;
}

ConfigDef&& ConfigDef::embed(std::string_view key_prefix, std::string_view group_prefix,
                             int starting_order, const ConfigDef& child) && {
  return std::move(embed(key_prefix, group_prefix, starting_order, child));
}

ConfigDef ConfigDef::merged_with(const ConfigDef& later) const {
  ConfigDef merged = *this;
  for (const ConfigKey& key : later.keys_) {
    if (merged.find(key.name) == nullptr) merged.define(key);
  }
  return merged;
}

std::vector<std::string> ConfigDef::names() const {
  std::vector<std::string> names;
  for (const ConfigKey& key : keys_) names.push_back(key.name);
  return names;
}

const ConfigKey* ConfigDef::find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &keys_[it->second];
}

std::vector<ConfigValue> ConfigDef::validate(const ConfigMap& props) const {
  std::vector<ConfigValue> results;
  ParsedValues parsed;
  for (const ConfigKey& key : keys_) {
    ConfigValue result;
    result.name = key.name;
    result.parsed = parse_key(key, props, result.errors);
    result.value = convert_to_string(result.parsed);
    parsed.emplace(key.name, result.parsed);
    results.push_back(std::move(result));
  }
  // Recommenders run once every value is known, as in Kafka's second pass.
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    const Recommender& recommender = keys_[i].recommender;
    ConfigValue& result = results[i];
    try {
      if (recommender.valid_values) {
        for (const ParsedValue& v : recommender.valid_values(result.name, parsed)) {
          if (auto text = convert_to_string(v)) result.recommended_values.push_back(*text);
        }
      }
      if (recommender.visible) result.visible = recommender.visible(result.name, parsed);
    } catch (const ConfigException& e) {
      result.errors.emplace_back(e.what());
    }
  }
  for (const std::string& name : undefined_dependents(*this)) {
    ConfigValue undefined;
    undefined.name = name;
    undefined.errors.push_back(name + " is referred in the dependents, but not defined.");
    undefined.visible = false;
    results.push_back(std::move(undefined));
  }
  return results;
}

ParsedConfig ConfigDef::parse(const ConfigMap& props) const {
  std::vector<std::string> errors;
  if (std::set<std::string> undefined = undefined_dependents(*this); !undefined.empty()) {
    // Kafka's text, typo included.
    errors.push_back("Some configurations in are referred in the dependents, but not defined: " +
                     join(std::vector<std::string>(undefined.begin(), undefined.end()), ","));
  }
  ParsedValues values;
  for (const ConfigKey& key : keys_) values.emplace(key.name, parse_key(key, props, errors));
  if (!errors.empty()) throw ConfigException(std::move(errors));
  return ParsedConfig(*this, std::move(values), props);
}

ConfigMap ConfigDef::masked(const ConfigMap& props) const {
  ConfigMap out = props;
  for (auto& [name, value] : out) {
    const ConfigKey* key = find(name);
    if (key != nullptr && key->type == ConfigType::kPassword) value = Password::kHidden;
  }
  return out;
}

std::string ConfigDef::to_rst() const {
  std::string out;
  for (const ConfigKey* key : sorted_for_docs(keys_)) {
    if (key->internal) continue;
    out += "``" + key->name + "``\n";
    std::istringstream lines(key->documentation);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) out += "  " + line + "\n\n";
    }
    out += "  * Type: " + lower(type_name(key->type)) + "\n";
    if (key->has_default()) {
      std::string text;
      const ParsedValue& value = *key->default_value;
      if (std::holds_alternative<std::nullptr_t>(value)) {
        text = "null";
      } else {
        text = *convert_to_string(value);
        if (text.empty()) {
          text = "\"\"";
        } else if (const auto* n = std::get_if<std::int64_t>(&value)) {
          text += nice_units(key->name, *n);
        } else if (const auto* i = std::get_if<std::int32_t>(&value)) {
          text += nice_units(key->name, *i);
        }
      }
      out += "  * Default: " + text + "\n";
    }
    if (key->validator) out += "  * Valid Values: " + key->validator.description() + "\n";
    out += "  * Importance: " + lower(importance_name(key->importance)) + "\n\n";
  }
  return out;
}

const ParsedValue& ParsedConfig::get(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) {
    throw ConfigException("Unknown configuration '" + std::string(name) + "'");
  }
  return it->second;
}

bool ParsedConfig::is_null(std::string_view name) const {
  return std::holds_alternative<std::nullptr_t>(get(name));
}

const ParsedValue& ParsedConfig::typed(std::string_view name, ConfigType type) const {
  const ParsedValue& value = get(name);
  const ConfigKey* key = definition_.find(name);
  if (key->type != type) {
    throw ConfigException("Configuration '" + std::string(name) + "' is of type " +
                          std::string(type_name(key->type)) + ", not " +
                          std::string(type_name(type)));
  }
  if (std::holds_alternative<std::nullptr_t>(value)) {
    throw ConfigException("Configuration '" + std::string(name) + "' is null");
  }
  return value;
}

bool ParsedConfig::get_bool(std::string_view name) const {
  return std::get<bool>(typed(name, ConfigType::kBoolean));
}
std::int16_t ParsedConfig::get_short(std::string_view name) const {
  return std::get<std::int16_t>(typed(name, ConfigType::kShort));
}
std::int32_t ParsedConfig::get_int(std::string_view name) const {
  return std::get<std::int32_t>(typed(name, ConfigType::kInt));
}
std::int64_t ParsedConfig::get_long(std::string_view name) const {
  return std::get<std::int64_t>(typed(name, ConfigType::kLong));
}
double ParsedConfig::get_double(std::string_view name) const {
  return std::get<double>(typed(name, ConfigType::kDouble));
}
const std::string& ParsedConfig::get_string(std::string_view name) const {
  return std::get<std::string>(typed(name, ConfigType::kString));
}
const std::vector<std::string>& ParsedConfig::get_list(std::string_view name) const {
  return std::get<std::vector<std::string>>(typed(name, ConfigType::kList));
}
const Password& ParsedConfig::get_password(std::string_view name) const {
  return std::get<Password>(typed(name, ConfigType::kPassword));
}
const std::string& ParsedConfig::get_class(std::string_view name) const {
  return std::get<std::string>(typed(name, ConfigType::kClass));
}

ConfigMap originals_with_prefix(const ConfigMap& props, std::string_view prefix, bool strip) {
  ConfigMap out;
  // The keys with the prefix are one sorted run, starting where the prefix itself would.
  for (auto it = props.lower_bound(std::string(prefix)); it != props.end(); ++it) {
    const std::string& name = it->first;
    if (!name.starts_with(prefix)) break;
    if (name.size() > prefix.size()) {
      out.emplace(strip ? name.substr(prefix.size()) : name, it->second);
    }
  }
  return out;
}

ConfigMap ParsedConfig::originals_with_prefix(std::string_view prefix, bool strip) const {
  return sdk::originals_with_prefix(originals_, prefix, strip);
}

ParsedConfig ParsedConfig::values_with_prefix_override(std::string_view prefix) const {
  ParsedValues values = values_;
  std::vector<std::string> errors;
  for (const auto& [name, raw] : originals_with_prefix(prefix)) {
    const ConfigKey* key = definition_.find(name);
    if (key == nullptr) continue;
    values[name] = parse_key(*key, ConfigMap{{name, raw}}, errors);
  }
  if (!errors.empty()) throw ConfigException(std::move(errors));
  return ParsedConfig(definition_, std::move(values), originals_);
}

std::string to_string(const ParsedConfig& config) {
  std::string out;
  for (const auto& [name, value] : config.values()) {
    out += "\t" + name + " = " + display_string(value) + "\n";
  }
  return out;
}

std::ostream& operator<<(std::ostream& out, const ParsedConfig& config) {
  return out << to_string(config);
}

}  // namespace ferry::sdk
