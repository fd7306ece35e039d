#include "common/utf8.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(Utf8, WellFormedTextHasNoInvalidByte) {
  EXPECT_EQ(find_invalid_utf8(""), std::nullopt);
  EXPECT_EQ(find_invalid_utf8("plain ascii\n"), std::nullopt);
  EXPECT_EQ(find_invalid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF"),
            std::nullopt);
}

TEST(Utf8, IllFormedSequencesAreFoundAtTheirFirstByte) {
  EXPECT_EQ(find_invalid_utf8("ab\xFF"), 2u);            // never a lead byte
  EXPECT_EQ(find_invalid_utf8("a\x80"), 1u);             // stray continuation byte
  EXPECT_EQ(find_invalid_utf8("a\xC3"), 1u);             // truncated at the end
  EXPECT_EQ(find_invalid_utf8("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(find_invalid_utf8("\xE0\x80\xAF"), 0u);      // overlong, three bytes
  EXPECT_EQ(find_invalid_utf8("\xF0\x80\x80\xAF"), 0u);  // overlong, four bytes
  EXPECT_EQ(find_invalid_utf8("x\xED\xA0\x80"), 1u);     // a surrogate, U+D800
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("\xE2\x82"
                              "a"),
            0u);  // continuation missing
}

// The ASCII fast path reads eight bytes at a time: a bad byte at any place in or after such a
// run, and multi-byte sequences between runs, are still found exactly.
TEST(Utf8, ValidPrefixEndsAtTheFirstBadByteWhereverTheAsciiRunsEnd) {
  for (std::size_t ascii = 0; ascii < 40; ++ascii) {
    std::string text(ascii, 'a');
    EXPECT_EQ(valid_utf8_prefix(text), ascii);
    EXPECT_EQ(valid_utf8_prefix(text + "\xC3\xA9" + text), 2 * ascii + 2);
    EXPECT_EQ(valid_utf8_prefix(text + "\xFF" + text), ascii);
    EXPECT_EQ(find_invalid_utf8(text + "\xE2\x82\xAC" + text + "\x80"), 2 * ascii + 3);
  }
}

TEST(Utf8, PositionCountsLinesAndCodePoints) {
  const std::string_view text = "ab\ncaf\xC3\xA9 x";
  EXPECT_EQ(position_of(text, 0).line, 1);
  EXPECT_EQ(position_of(text, 0).column, 1);
  EXPECT_EQ(position_of(text, 3).line, 2);
  EXPECT_EQ(position_of(text, 3).column, 1);
  EXPECT_EQ(position_of(text, 9).column, 6);  // 'x' after "café ": é is one column
}

}  // namespace
}  // namespace ferry
