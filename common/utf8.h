// UTF-8 well-formedness (Unicode 15, table 3-7: no overlong forms, no surrogates, nothing above
// U+10FFFF), shared by the config loaders (which reject a file with stray Latin-1 bytes, naming
// the line and column) and the converters (which decode record bytes as Java does).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ferry {

// One step of decoding at text[i]: a well-formed sequence (length 1..4 and its code point), or
// an ill-formed one (length 0) whose maximal subpart — the bytes that began a sequence before it
// went wrong, at least 1 — is what a decoder replaces with one U+FFFD, as Java's and Unicode's
// "best practice" decoders do.
struct Utf8Step {
  std::size_t length = 0;
  std::uint32_t code_point = 0;
  std::size_t maximal_subpart = 1;
};
Utf8Step next_utf8(std::string_view text, std::size_t i);

// Length of the longest well-formed prefix of text (text.size() when all of it is well formed).
// Runs of ASCII, the usual content of records and config files, are checked eight bytes at a time.
std::size_t valid_utf8_prefix(std::string_view text);

// Byte offset of the first byte that does not begin a well-formed UTF-8 sequence (Unicode 15,
// table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF), or nullopt if the whole
// text is well formed.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

// 1-based line and column of byte `offset` in `text`; the column counts code points, as editors
// and yaml-cpp's error marks do. Lines end at '\n'.
struct TextPosition {
  int line = 1;
  int column = 1;
};
TextPosition position_of(std::string_view text, std::size_t offset);

}  // namespace ferry
