#include "connectors/file/utf8_text.h"

#include <gtest/gtest.h>

namespace ferry::connectors::file {
namespace {

constexpr const char* kFffd = "\xEF\xBF\xBD";

std::string replaced(int count) {
  std::string out;
  for (int i = 0; i < count; ++i) out += kFffd;
  return out;
}

TEST(DecodeUtf8Replacing, ValidTextIsUnchanged) {
  for (std::string_view text :
       {"", "plain ascii text, longer than eight bytes", "caf\xC3\xA9", "\xE2\x82\xAC 12",
        "\xF0\x9F\x98\x80 smile", "\xED\x9F\xBF", "\xF4\x8F\xBF\xBF"}) {
    EXPECT_EQ(decode_utf8_replacing(text), text);
  }
}

TEST(DecodeUtf8Replacing, BytesThatCannotStartASequenceAreReplacedOneEach) {
  EXPECT_EQ(decode_utf8_replacing("a\xFF"
                                  "b"),
            "a" + replaced(1) + "b");
  EXPECT_EQ(decode_utf8_replacing("\x80\x80"), replaced(2));
  EXPECT_EQ(decode_utf8_replacing("\xC0\xAF"), replaced(2));  // overlong '/'
  EXPECT_EQ(decode_utf8_replacing("\xF5\x80\x80\x80"), replaced(4));
}

TEST(DecodeUtf8Replacing, TruncatedSequenceIsOneReplacement) {
  EXPECT_EQ(decode_utf8_replacing("\xE2\x82x"), replaced(1) + "x");
  EXPECT_EQ(decode_utf8_replacing("\xF0\x9F\x98"), replaced(1));
  EXPECT_EQ(decode_utf8_replacing("ok \xC3"), "ok " + replaced(1));
}

TEST(DecodeUtf8Replacing, OverlongAndOutOfRangeSecondBytesEndTheSubsequence) {
  EXPECT_EQ(decode_utf8_replacing("\xE0\x80\x80"), replaced(3));
  EXPECT_EQ(decode_utf8_replacing("\xF0\x80\x80\x80"), replaced(4));
  EXPECT_EQ(decode_utf8_replacing("\xF4\x90\x80\x80"), replaced(4));
}

TEST(DecodeUtf8Replacing, EncodedSurrogateIsOneReplacementAsInJava) {
  EXPECT_EQ(decode_utf8_replacing("\xED\xA0\x80z"), replaced(1) + "z");
  EXPECT_EQ(decode_utf8_replacing("\xED\xA0z"), replaced(1) + "z");
}

}  // namespace
}  // namespace ferry::connectors::file
