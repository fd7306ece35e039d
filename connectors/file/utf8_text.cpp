#include "connectors/file/utf8_text.h"

#include <cstdint>
#include <cstring>

namespace ferry::connectors::file {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

struct Sequence {
  std::size_t length;  // bytes of the sequence, or of the malformed subsequence to replace
  bool valid;
};

// The sequence starting at bytes[0] (bytes not empty), by the table of well-formed UTF-8
// (Unicode Table 3-7), with Java's treatment of encoded surrogates.
Sequence next_sequence(std::string_view bytes) {
  const auto lead = static_cast<unsigned char>(bytes[0]);
  if (lead < 0x80) return {1, true};
  std::size_t continuation_bytes = 0;
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    continuation_bytes = 1;
  } else if (lead == 0xE0) {
    continuation_bytes = 2;
    second_min = 0xA0;  // no overlong forms
  } else if (lead >= 0xE1 && lead <= 0xEF) {
    continuation_bytes = 2;  // 0xED too: Java checks for surrogates once all three bytes are in
  } else if (lead == 0xF0) {
    continuation_bytes = 3;
    second_min = 0x90;  // no overlong forms
  } else if (lead >= 0xF1 && lead <= 0xF3) {
    continuation_bytes = 3;
  } else if (lead == 0xF4) {
    continuation_bytes = 3;
    second_max = 0x8F;  // nothing above U+10FFFF
  } else {
    return {1, false};
  }
  for (std::size_t i = 1; i <= continuation_bytes; ++i) {
    if (i >= bytes.size()) return {i, false};
    const auto byte = static_cast<unsigned char>(bytes[i]);
    const unsigned char min = i == 1 ? second_min : 0x80;
    const unsigned char max = i == 1 ? second_max : 0xBF;
    if (byte < min || byte > max) return {i, false};
  }
  if (lead == 0xED && static_cast<unsigned char>(bytes[1]) >= 0xA0) return {3, false};
  return {continuation_bytes + 1, true};
}

// Length of the longest valid prefix of bytes.
std::size_t valid_prefix_length(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    // Eight ASCII bytes at a time: the common case for log lines and CSV.
    while (i + 8 <= bytes.size()) {
      std::uint64_t word;
      std::memcpy(&word, bytes.data() + i, sizeof word);
      if ((word & 0x8080808080808080ULL) != 0) break;
      i += 8;
    }
    if (i == bytes.size()) break;
    const Sequence sequence = next_sequence(bytes.substr(i));
    if (!sequence.valid) break;
    i += sequence.length;
  }
  return i;
}

}  // namespace

std::string decode_utf8_replacing(std::string_view bytes) {
  std::size_t valid = valid_prefix_length(bytes);
  if (valid == bytes.size()) return std::string(bytes);
  std::string text;
  text.reserve(bytes.size() + 16);
  while (!bytes.empty()) {
    text.append(bytes.substr(0, valid));
    bytes.remove_prefix(valid);
    if (bytes.empty()) break;
    const Sequence malformed = next_sequence(bytes);
    text.append(kReplacement);
    bytes.remove_prefix(malformed.length);
    valid = valid_prefix_length(bytes);
  }
  return text;
}

}  // namespace ferry::connectors::file
