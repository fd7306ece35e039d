#include "runtime/converters/text_encoding.h"

#include <array>
#include <cstdint>

#include "common/utf8.h"

namespace ferry::runtime {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view as_text(sdk::ByteView bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

std::optional<TextEncoding> text_encoding_named(std::string_view name) {
  struct Alias {
    std::string_view name;
    TextEncoding encoding;
  };
  static constexpr std::array<Alias, 14> kAliases = {{
      {"UTF-8", TextEncoding::kUtf8},
      {"UTF8", TextEncoding::kUtf8},
      {"unicode-1-1-utf-8", TextEncoding::kUtf8},
      {"ISO-8859-1", TextEncoding::kIso88591},
      {"ISO8859_1", TextEncoding::kIso88591},
      {"ISO_8859_1", TextEncoding::kIso88591},
      {"ISO8859-1", TextEncoding::kIso88591},
      {"latin1", TextEncoding::kIso88591},
      {"l1", TextEncoding::kIso88591},
      {"cp819", TextEncoding::kIso88591},
      {"US-ASCII", TextEncoding::kUsAscii},
      {"ASCII", TextEncoding::kUsAscii},
      {"ASCII7", TextEncoding::kUsAscii},
      {"646", TextEncoding::kUsAscii},
  }};
  for (const Alias& alias : kAliases) {
    if (equals_ignoring_case(alias.name, name)) return alias.encoding;
  }
  return std::nullopt;
}

std::string_view text_encoding_name(TextEncoding encoding) {
  switch (encoding) {
    case TextEncoding::kUtf8:
      return "UTF-8";
    case TextEncoding::kIso88591:
      return "ISO-8859-1";
    case TextEncoding::kUsAscii:
      return "US-ASCII";
  }
  return "UTF-8";
}

sdk::Bytes encode_text(std::string_view utf8, TextEncoding encoding) {
  sdk::Bytes out;
  encode_text_into(utf8, encoding, out);
  return out;
}

void encode_text_into(std::string_view utf8, TextEncoding encoding, sdk::Bytes& out) {
  if (encoding == TextEncoding::kUtf8) {
    // Bytes from bytes, one memcpy: from chars the vector converts element by element.
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(utf8.data());
    out.insert(out.end(), bytes, bytes + utf8.size());
    return;
  }
  const std::uint32_t highest = encoding == TextEncoding::kIso88591 ? 0xFF : 0x7F;
  out.reserve(out.size() + utf8.size());
  for (std::size_t i = 0; i < utf8.size();) {
    const Utf8Step step = next_utf8(utf8, i);
    if (step.length == 0) {
      out.push_back('?');
      i += step.maximal_subpart;
      continue;
    }
    out.push_back(step.code_point <= highest ? static_cast<std::uint8_t>(step.code_point) : '?');
    i += step.length;
  }
}

std::string decode_text(sdk::ByteView bytes, TextEncoding encoding) {
  if (encoding == TextEncoding::kUtf8) {
    const std::string_view text = as_text(bytes);
    const std::size_t valid = valid_utf8_prefix(text);
    if (valid == text.size()) return std::string(text);
    std::string out;
    out.reserve(bytes.size() + kReplacement.size());
    out.append(text.substr(0, valid));
    for (std::size_t i = valid; i < text.size();) {
      const Utf8Step step = next_utf8(text, i);
      if (step.length == 0) {
        out.append(kReplacement);
        i += step.maximal_subpart;
      } else {
        out.append(text.substr(i, step.length));
        i += step.length;
      }
    }
    return out;
  }
  std::string out;
  out.reserve(bytes.size());
  for (const std::uint8_t byte : bytes) {
    if (byte < 0x80) {
      out.push_back(static_cast<char>(byte));
    } else if (encoding == TextEncoding::kUsAscii) {
      out.append(kReplacement);
    } else {
      out.push_back(static_cast<char>(0xC0 | (byte >> 6)));
      out.push_back(static_cast<char>(0x80 | (byte & 0x3F)));
    }
  }
  return out;
}

bool is_valid_utf8(sdk::ByteView bytes) { return !find_invalid_utf8(as_text(bytes)).has_value(); }

}  // namespace ferry::runtime
