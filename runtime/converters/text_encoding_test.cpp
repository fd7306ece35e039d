#include "runtime/converters/text_encoding.h"

#include <gtest/gtest.h>

namespace ferry::runtime {
namespace {

sdk::Bytes bytes_of(std::initializer_list<int> values) {
  sdk::Bytes out;
  for (int v : values) out.push_back(static_cast<std::uint8_t>(v));
  return out;
}

TEST(TextEncoding, JavaNamesAndAliasesInAnyCase) {
  EXPECT_EQ(text_encoding_named("UTF-8"), TextEncoding::kUtf8);
  EXPECT_EQ(text_encoding_named("utf8"), TextEncoding::kUtf8);
  EXPECT_EQ(text_encoding_named("iso-8859-1"), TextEncoding::kIso88591);
  EXPECT_EQ(text_encoding_named("Latin1"), TextEncoding::kIso88591);
  EXPECT_EQ(text_encoding_named("US-ASCII"), TextEncoding::kUsAscii);
  EXPECT_EQ(text_encoding_named("EBCDIC"), std::nullopt);
}

TEST(TextEncoding, UnmappableCharactersBecomeQuestionMarks) {
  EXPECT_EQ(encode_text("caf\xC3\xA9 \xE2\x82\xAC", TextEncoding::kIso88591),
            bytes_of({'c', 'a', 'f', 0xE9, ' ', '?'}));
  EXPECT_EQ(encode_text("caf\xC3\xA9", TextEncoding::kUsAscii), bytes_of({'c', 'a', 'f', '?'}));
  EXPECT_EQ(encode_text("caf\xC3\xA9", TextEncoding::kUtf8), bytes_of({'c', 'a', 'f', 0xC3, 0xA9}));
}

TEST(TextEncoding, MalformedBytesDecodeToOneReplacementPerMaximalSubpart) {
  // E2 82 is a truncated euro sign: one U+FFFD; FF is never valid: another.
  EXPECT_EQ(decode_text(bytes_of({'a', 0xE2, 0x82, 'b', 0xFF}), TextEncoding::kUtf8),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD");
  // An overlong encoding of '/' and a surrogate are each replaced byte by byte.
  EXPECT_EQ(decode_text(bytes_of({0xC0, 0xAF}), TextEncoding::kUtf8), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(decode_text(bytes_of({0xED, 0xA0, 0x80}), TextEncoding::kUtf8),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  // Well-formed text before the first bad byte is kept as it is, however long.
  EXPECT_EQ(decode_text(bytes_of({'0', '1', '2', '3', '4', '5', '6', '7', '8', 0xFF, 'x'}),
                        TextEncoding::kUtf8),
            "012345678\xEF\xBF\xBDx");
  EXPECT_EQ(decode_text(bytes_of({0xE9}), TextEncoding::kIso88591), "\xC3\xA9");
  EXPECT_EQ(decode_text(bytes_of({0xE9}), TextEncoding::kUsAscii), "\xEF\xBF\xBD");
}

TEST(TextEncoding, Utf8Validity) {
  EXPECT_TRUE(is_valid_utf8(bytes_of({'o', 'k', 0xF0, 0x9F, 0x98, 0x80})));
  EXPECT_FALSE(is_valid_utf8(bytes_of({0xF4, 0x90, 0x80, 0x80})));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8(bytes_of({0xE2, 0x82})));
}

}  // namespace
}  // namespace ferry::runtime
