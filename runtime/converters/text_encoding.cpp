#include "runtime/converters/text_encoding.h"

#include <array>
#include <cstdint>

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

// The length of the well-formed UTF-8 sequence at bytes[i], or 0 if none starts there. On 0,
// *bad is the length of the maximal prefix of a well-formed sequence (at least 1), which Java
// (and Unicode's "best practice") replaces with one U+FFFD.
std::size_t utf8_sequence(sdk::ByteView bytes, std::size_t i, std::uint32_t* code_point,
                          std::size_t* bad) {
  const std::uint8_t lead = bytes[i];
  *bad = 1;
  if (lead < 0x80) {
    *code_point = lead;
    return 1;
  }
  std::size_t length;
  std::uint8_t low = 0x80;
  std::uint8_t high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // no overlongs
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // no overlongs
    if (lead == 0xF4) high = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  std::uint32_t value = lead & (0xFF >> (length + 1));
  for (std::size_t k = 1; k < length; ++k) {
    if (i + k >= bytes.size()) return 0;
    const std::uint8_t next = bytes[i + k];
    if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xBF)) return 0;
    value = (value << 6) | (next & 0x3F);
    *bad = k + 1;
  }
  *code_point = value;
  return length;
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
  const sdk::ByteView input(reinterpret_cast<const std::uint8_t*>(utf8.data()), utf8.size());
  if (encoding == TextEncoding::kUtf8) return sdk::Bytes(input.begin(), input.end());
  const std::uint32_t highest = encoding == TextEncoding::kIso88591 ? 0xFF : 0x7F;
  sdk::Bytes out;
  out.reserve(input.size());
  for (std::size_t i = 0; i < input.size();) {
    std::uint32_t code_point = 0;
    std::size_t bad = 1;
    const std::size_t length = utf8_sequence(input, i, &code_point, &bad);
    if (length == 0) {
      out.push_back('?');
      i += bad;
      continue;
    }
    out.push_back(code_point <= highest ? static_cast<std::uint8_t>(code_point) : '?');
    i += length;
  }
  return out;
}

std::string decode_text(sdk::ByteView bytes, TextEncoding encoding) {
  std::string out;
  out.reserve(bytes.size());
  if (encoding == TextEncoding::kUtf8) {
    for (std::size_t i = 0; i < bytes.size();) {
      std::uint32_t code_point = 0;
      std::size_t bad = 1;
      const std::size_t length = utf8_sequence(bytes, i, &code_point, &bad);
      if (length == 0) {
        out.append(kReplacement);
        i += bad;
      } else {
        out.append(reinterpret_cast<const char*>(bytes.data() + i), length);
        i += length;
      }
    }
    return out;
  }
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

bool is_valid_utf8(sdk::ByteView bytes) {
  for (std::size_t i = 0; i < bytes.size();) {
    std::uint32_t code_point = 0;
    std::size_t bad = 1;
    const std::size_t length = utf8_sequence(bytes, i, &code_point, &bad);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

}  // namespace ferry::runtime
