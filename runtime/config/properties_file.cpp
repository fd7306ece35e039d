#include "runtime/config/properties_file.h"

#include <utility>
#include <vector>

#include "common/utf8.h"
#include "runtime/config/text_file.h"

namespace ferry::runtime {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

struct LogicalLine {
  std::string text;
  int line = 0;
};

// Splits text into logical lines, dropping comments and blank lines.
std::vector<LogicalLine> logical_lines(std::string_view text) {
  std::vector<LogicalLine> lines;
  std::size_t pos = 0;
  int line_number = 0;
  bool continuing = false;
  while (pos < text.size()) {
    std::size_t end = text.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view natural = text.substr(pos, end - pos);
    pos = end;
    if (pos < text.size() && text[pos] == '\r') {
      ++pos;
      if (pos < text.size() && text[pos] == '\n') ++pos;
    } else if (pos < text.size()) {
      ++pos;  // '\n'
    }
    ++line_number;

    std::size_t start = 0;
    while (start < natural.size() && is_blank(natural[start])) ++start;
    natural.remove_prefix(start);
    if (!continuing) {
      if (natural.empty() || natural.front() == '#' || natural.front() == '!') continue;
      lines.push_back({"", line_number});
    }
    std::size_t backslashes = 0;
    while (backslashes < natural.size() && natural[natural.size() - 1 - backslashes] == '\\') {
      ++backslashes;
    }
    continuing = backslashes % 2 == 1;
    if (continuing) natural.remove_suffix(1);
    lines.back().text += natural;
  }
  return lines;
}

Status unescape(std::string_view in, std::string& out) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\') {
      out += in[i];
      continue;
    }
    if (++i == in.size()) return Status::ok_status();  // a lone trailing backslash is dropped
    const char c = in[i];
    switch (c) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        auto hex4 = [&](std::size_t at, char32_t& unit) {
          if (at + 4 > in.size()) return false;
          unit = 0;
          for (std::size_t k = at; k < at + 4; ++k) {
            const char h = in[k];
            const int digit = h >= '0' && h <= '9'   ? h - '0'
                              : h >= 'a' && h <= 'f' ? h - 'a' + 10
                              : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                                     : -1;
            if (digit < 0) return false;
            unit = unit * 16 + static_cast<char32_t>(digit);
          }
          return true;
        };
        char32_t unit = 0;
        if (!hex4(i + 1, unit)) return Status::invalid_argument("Malformed \\uxxxx encoding");
        i += 4;
        char32_t low = 0;
        if (unit >= 0xD800 && unit < 0xDC00 && in.substr(i + 1, 2) == "\\u" && hex4(i + 3, low) &&
            low >= 0xDC00 && low < 0xE000) {
          unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
          i += 6;
        } else if (unit >= 0xD800 && unit < 0xE000) {
          unit = 0xFFFD;  // a lone surrogate, as Java's UTF-8 encoder would write it
        }
        append_utf8(out, unit);
        break;
      }
      default:
        out += c;
    }
  }
  return Status::ok_status();
}

}  // namespace

Result<PropertiesFile> parse_properties(std::string_view text, std::string source) {
  PropertiesFile file;
  file.source = std::move(source);
  if (const auto bad = find_invalid_utf8(text)) {
    return Status::invalid_argument(file.source + ":" +
                                    std::to_string(position_of(text, *bad).line) +
                                    ": invalid UTF-8 at byte " + std::to_string(*bad));
  }
  for (const LogicalLine& logical : logical_lines(text)) {
    const std::string_view line = logical.text;
    std::size_t key_end = 0;
    while (key_end < line.size()) {
      const char c = line[key_end];
      if (c == '\\') {
        key_end += 2;
        continue;
      }
      if (c == '=' || c == ':' || is_blank(c)) break;
      ++key_end;
    }
    key_end = std::min(key_end, line.size());
    std::size_t value_start = key_end;
    while (value_start < line.size() && is_blank(line[value_start])) ++value_start;
    if (value_start < line.size() && (line[value_start] == '=' || line[value_start] == ':')) {
      ++value_start;
    }
    while (value_start < line.size() && is_blank(line[value_start])) ++value_start;
    std::string key;
    std::string value;
    const std::string where = file.source + ":" + std::to_string(logical.line);
    if (Status s = unescape(line.substr(0, key_end), key); !s.ok()) return s.with_context(where);
    if (Status s = unescape(line.substr(value_start), value); !s.ok()) {
      return s.with_context(where);
    }
    file.line_of_key[key] = logical.line;
    file.values[std::move(key)] = std::move(value);
  }
  return file;
}

Result<PropertiesFile> load_properties_file(const std::filesystem::path& path) {
  Result<std::string> text = read_text_file(path);
  if (!text.ok()) return text.status();
  return parse_properties(*text, path.string());
}

}  // namespace ferry::runtime
