#include "runtime/converters/json_writer.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "runtime/converters/json_number_format.h"

namespace ferry::runtime {
namespace {

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// 0-63 for alphabet characters, 0xFF for anything else.
constexpr std::array<std::uint8_t, 256> kBase64Values = [] {
  std::array<std::uint8_t, 256> values{};
  values.fill(0xFF);
  for (std::uint8_t i = 0; i < 64; ++i) values[static_cast<unsigned char>(kBase64Alphabet[i])] = i;
  return values;
}();

// What follows the backslash for each byte below 0x80 that Jackson escapes; 'u' means \u00XX.
constexpr std::array<char, 128> kEscapes = [] {
  std::array<char, 128> escapes{};
  for (int c = 0; c < 0x20; ++c) escapes[c] = 'u';
  escapes['\b'] = 'b';
  escapes['\t'] = 't';
  escapes['\n'] = 'n';
  escapes['\f'] = 'f';
  escapes['\r'] = 'r';
  escapes['"'] = '"';
  escapes['\\'] = '\\';
  return escapes;
}();

// Whether any of the eight bytes is one kEscapes escapes: below 0x20, '"' or '\\'. Each test
// is the classic exact one for "some byte is zero / below n" (n <= 0x80); bytes of 0x80 and
// above never match, as none is escaped.
constexpr bool needs_escape(std::uint64_t word) {
  constexpr std::uint64_t kOnes = 0x0101010101010101;
  constexpr std::uint64_t kHighs = 0x8080808080808080;
  const auto has_zero = [](std::uint64_t x) { return (x - kOnes) & ~x & kHighs; };
  const std::uint64_t below_space = (word - kOnes * 0x20) & ~word & kHighs;
  return (below_space | has_zero(word ^ (kOnes * '"')) | has_zero(word ^ (kOnes * '\\'))) != 0;
}

}  // namespace

void JsonWriter::integer(std::int64_t value) {
  char* p = reinterpret_cast<char*>(room(20));  // "-9223372036854775808"
  position_ += static_cast<std::size_t>(std::to_chars(p, p + 20, value).ptr - p);
}

void JsonWriter::float32(float value) {
  const bool quoted = !std::isfinite(value);
  char* p = reinterpret_cast<char*>(room(kJavaNumberMaxChars + 2));
  if (quoted) *p++ = '"';
  p += format_java_float(value, p);
  if (quoted) *p++ = '"';
  position_ = static_cast<std::size_t>(reinterpret_cast<std::uint8_t*>(p) - out_->data());
}

void JsonWriter::float64(double value) {
  const bool quoted = !std::isfinite(value);
  char* p = reinterpret_cast<char*>(room(kJavaNumberMaxChars + 2));
  if (quoted) *p++ = '"';
  p += format_java_double(value, p);
  if (quoted) *p++ = '"';
  position_ = static_cast<std::size_t>(reinterpret_cast<std::uint8_t*>(p) - out_->data());
}

void JsonWriter::string(std::string_view value) {
  // Room for the common case of no escapes; each escape asks for its own six bytes.
  std::uint8_t* p = room(value.size() + 2);
  std::uint8_t* limit = out_->data() + out_->size();
  *p++ = '"';
  for (std::size_t i = 0; i < value.size(); ++i) {
    // Eight bytes at a time while none of them needs an escape, as in most text.
    while (value.size() - i >= 8) {
      std::uint64_t word = 0;
      std::memcpy(&word, value.data() + i, 8);
      if (needs_escape(word)) break;
      std::memcpy(p, value.data() + i, 8);
      p += 8;
      i += 8;
    }
    if (i == value.size()) break;
    const auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x80 || kEscapes[c] == 0) {
      *p++ = c;
      continue;
    }
    if (static_cast<std::size_t>(limit - p) < 6 + (value.size() - i) + 1) {
      position_ = static_cast<std::size_t>(p - out_->data());
      p = room(6 + (value.size() - i) + 1);
      limit = out_->data() + out_->size();
    }
    *p++ = '\\';
    *p++ = static_cast<std::uint8_t>(kEscapes[c]);
    if (kEscapes[c] == 'u') {
      constexpr char kHex[] = "0123456789ABCDEF";
      *p++ = '0';
      *p++ = '0';
      *p++ = static_cast<std::uint8_t>(kHex[c >> 4]);
      *p++ = static_cast<std::uint8_t>(kHex[c & 0xF]);
    }
  }
  *p++ = '"';
  position_ = static_cast<std::size_t>(p - out_->data());
}

void JsonWriter::base64(std::span<const std::uint8_t> bytes) {
  const std::size_t encoded = base64_length(bytes.size());
  std::uint8_t* p = room(encoded + 2);
  position_ += encoded + 2;
  *p = '"';
  encode_base64(bytes, p + 1);
  p[encoded + 1] = '"';
}

void encode_base64(std::span<const std::uint8_t> bytes, std::uint8_t* out) {
  std::uint8_t* p = out;
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    *p++ = kBase64Alphabet[group >> 18];
    *p++ = kBase64Alphabet[(group >> 12) & 0x3F];
    *p++ = kBase64Alphabet[(group >> 6) & 0x3F];
    *p++ = kBase64Alphabet[group & 0x3F];
  }
  if (i < bytes.size()) {
    const bool two = i + 1 < bytes.size();
    const std::uint32_t group = (bytes[i] << 16) | (two ? bytes[i + 1] << 8 : 0);
    *p++ = kBase64Alphabet[group >> 18];
    *p++ = kBase64Alphabet[(group >> 12) & 0x3F];
    *p++ = two ? kBase64Alphabet[(group >> 6) & 0x3F] : '=';
    *p++ = '=';
  }
}

void append_base64(std::span<const std::uint8_t> bytes, std::string& out) {
  const std::size_t start = out.size();
  out.resize(start + base64_length(bytes.size()));
  encode_base64(bytes, reinterpret_cast<std::uint8_t*>(out.data() + start));
}

bool decode_base64(std::string_view text, sdk::Bytes& out) {
  out.clear();
  if (text.size() % 4 != 0) return false;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    std::uint8_t v[4];
    int padding = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && last && k >= 2) {
        ++padding;
        v[k] = 0;
        continue;
      }
      if (padding > 0) return false;  // data after '='
      v[k] = kBase64Values[static_cast<unsigned char>(c)];
      if (v[k] == 0xFF) return false;
    }
    const std::uint32_t group = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out.push_back(static_cast<std::uint8_t>(group >> 16));
    if (padding < 2) out.push_back(static_cast<std::uint8_t>(group >> 8));
    if (padding < 1) out.push_back(static_cast<std::uint8_t>(group));
  }
  return true;
}

}  // namespace ferry::runtime
