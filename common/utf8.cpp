#include "common/utf8.h"

#include <cstring>

namespace ferry {
Utf8Step next_utf8(std::string_view text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  Utf8Step step;
  if (lead < 0x80) {
    step.length = 1;
    step.code_point = lead;
    return step;
  }
  std::size_t length = 0;
  // The second byte's range depends on the lead byte; that is what excludes overlong forms,
  // surrogates (ED A0..BF) and code points above U+10FFFF (F4 90..).
  unsigned char second_low = 0x80;
  unsigned char second_high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_low = 0xA0;
    if (lead == 0xED) second_high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_low = 0x90;
    if (lead == 0xF4) second_high = 0x8F;
  } else {
    return step;
  }
  std::uint32_t code_point = lead & (0xFFu >> (length + 1));
  for (std::size_t k = 1; k < length; ++k) {
    if (i + k >= text.size()) return step;
    const auto next = static_cast<unsigned char>(text[i + k]);
    const unsigned char low = k == 1 ? second_low : 0x80;
    const unsigned char high = k == 1 ? second_high : 0xBF;
    if (next < low || next > high) return step;
    code_point = (code_point << 6) | (next & 0x3Fu);
    step.maximal_subpart = k + 1;
  }
  step.length = length;
  step.code_point = code_point;
  return step;
}

std::size_t valid_utf8_prefix(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i + sizeof(std::uint64_t) <= text.size()) {
      std::uint64_t word = 0;
      std::memcpy(&word, text.data() + i, sizeof word);
      if ((word & 0x8080808080808080ULL) != 0) break;
      i += sizeof word;
    }
    if (i == text.size()) break;
    const std::size_t length = next_utf8(text, i).length;
    if (length == 0) break;
    i += length;
  }
  return i;
}

std::optional<std::size_t> find_invalid_utf8(std::string_view text) {
  const std::size_t valid = valid_utf8_prefix(text);
  if (valid == text.size()) return std::nullopt;
  return valid;
}

TextPosition position_of(std::string_view text, std::size_t offset) {
  TextPosition position;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++position.line;
      position.column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++position.column;  // continuation bytes belong to the code point already counted
    }
  }
  return position;
}

}  // namespace ferry
