#include "runtime/config/properties_file.h"

#include <string>

#include <gtest/gtest.h>

namespace ferry::runtime {
namespace {

std::map<std::string, std::string> parse(std::string_view text) {
  auto result = parse_properties(text, "t.properties");
  EXPECT_TRUE(result.ok()) << result.status().message();
  return result.ok() ? result->values : std::map<std::string, std::string>{};
}

TEST(Properties, EverySeparatorForm) {
  const auto values = parse("a=1\nb:2\nc 3\nd   =   4\ne\t:\t5\nf\ng=\n");
  EXPECT_EQ(values.at("a"), "1");
  EXPECT_EQ(values.at("b"), "2");
  EXPECT_EQ(values.at("c"), "3");
  EXPECT_EQ(values.at("d"), "4");
  EXPECT_EQ(values.at("e"), "5");
  EXPECT_EQ(values.at("f"), "");
  EXPECT_EQ(values.at("g"), "");
}

TEST(Properties, ValueKeepsTrailingWhitespaceAndLaterSeparators) {
  const auto values = parse("  key = a=b:c  \n");
  EXPECT_EQ(values.at("key"), "a=b:c  ");
}

TEST(Properties, CommentsAndBlankLinesAreSkipped) {
  const auto values = parse("# comment\n  ! another\n\n   \nk=v # not a comment\n");
  EXPECT_EQ(values.size(), 1u);
  EXPECT_EQ(values.at("k"), "v # not a comment");
}

TEST(Properties, OddBackslashesContinueEvenDoNot) {
  const auto values = parse("a=one\\\n    two\nb=ends\\\\\nc=three\\\\\\\n  four\n");
  EXPECT_EQ(values.at("a"), "onetwo");
  EXPECT_EQ(values.at("b"), "ends\\");
  EXPECT_EQ(values.at("c"), "three\\four");
}

TEST(Properties, CommentLineIsNeverContinued) {
  const auto values = parse("# comment \\\nk=v\n");
  EXPECT_EQ(values.at("k"), "v");
}

TEST(Properties, ContinuationAtEndOfFileIsNotAnError) { EXPECT_EQ(parse("k=v\\").at("k"), "v"); }

TEST(Properties, EscapesInKeysAndValues) {
  const auto values = parse("a\\=b\\:c\\ d=x\\ty\\nz\\\\\\q\nu=\\u0041\\u00e9\\ud83d\\ude00\n");
  EXPECT_EQ(values.at("a=b:c d"), "x\ty\nz\\q");
  EXPECT_EQ(values.at("u"), "A\xC3\xA9\xF0\x9F\x98\x80");
}

TEST(Properties, AllLineEndings) {
  const auto values = parse("a=1\r\nb=2\rc=3\nd=4");
  EXPECT_EQ(values.size(), 4u);
  EXPECT_EQ(values.at("b"), "2");
  EXPECT_EQ(values.at("d"), "4");
}

TEST(Properties, LaterKeyWinsAndItsLineIsKept) {
  auto result = parse_properties("k=1\nother=x\nk=2\n", "w.properties");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->values.at("k"), "2");
  EXPECT_EQ(result->line_of_key.at("k"), 3);
}

TEST(Properties, MalformedUnicodeEscapeNamesFileAndLine) {
  auto result = parse_properties("a=1\n\nb=\\u12x4\n", "worker.properties");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().kind(), Status::Kind::kInvalidArgument);
  EXPECT_EQ(result.status().message(), "worker.properties:3: Malformed \\uxxxx encoding");
}

TEST(Properties, InvalidUtf8NamesFileAndLine) {
  auto result = parse_properties("a=1\nb=\xff\n", "c.properties");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("c.properties:2: invalid UTF-8"), std::string::npos)
      << result.status().message();
}

TEST(Properties, HundredsOfKeys) {
  std::string text;
  for (int i = 0; i < 600; ++i) {
    text += "key." + std::to_string(i) +
            (i % 3 == 0   ? " = "
             : i % 3 == 1 ? ":"
                          : " ") +
            "value " + std::to_string(i) + "\n";
  }
  const auto values = parse(text);
  ASSERT_EQ(values.size(), 600u);
  EXPECT_EQ(values.at("key.599"), "value 599");
  EXPECT_EQ(values.at("key.300"), "value 300");
}

TEST(Properties, SampleWorkerConfigLoads) {
  auto result =
      load_properties_file(std::string(FERRY_SOURCE_DIR) + "/config/connect-standalone.properties");
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->values.at("key.converter"), "org.apache.kafka.connect.json.JsonConverter");
  EXPECT_EQ(result->values.at("offset.flush.interval.ms"), "10000");
}

TEST(Properties, MissingFileIsNotFoundNamingIt) {
  auto result = load_properties_file("/nonexistent/worker.properties");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().kind(), Status::Kind::kNotFound);
  EXPECT_NE(result.status().message().find("/nonexistent/worker.properties"), std::string::npos);
}

}  // namespace
}  // namespace ferry::runtime
