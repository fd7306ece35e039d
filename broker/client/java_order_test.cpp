#include "broker/client/java_order.h"

#include <gtest/gtest.h>

namespace ferry::broker {
namespace {

// U+FFFF and U+1F600 (a surrogate pair D83D DE00 in UTF-16) in UTF-8.
constexpr std::string_view kLastBmpCharacter = "\xEF\xBF\xBF";
constexpr std::string_view kGrinningFace = "\xF0\x9F\x98\x80";

TEST(JavaStringOrder, AsciiIsByteOrder) {
  EXPECT_LT(compare_java_strings("consumer-a", "consumer-b"), 0);
  EXPECT_GT(compare_java_strings("consumer10", "consumer1"), 0);
  EXPECT_LT(compare_java_strings("B", "a"), 0);
  EXPECT_EQ(compare_java_strings("same", "same"), 0);
  EXPECT_LT(compare_java_strings("", "a"), 0);
}

TEST(JavaStringOrder, SupplementaryCharactersSortBeforeTheTopOfTheBmpAsInUtf16) {
  // UTF-8 bytes (and code points) put U+FFFF first; Java's UTF-16 code units put D83D first.
  EXPECT_LT(std::string_view(kLastBmpCharacter).compare(kGrinningFace), 0);
  EXPECT_GT(compare_java_strings(kLastBmpCharacter, kGrinningFace), 0);
  EXPECT_LT(compare_java_strings(kGrinningFace, kLastBmpCharacter), 0);
  // Below the surrogates, code point order holds.
  EXPECT_LT(compare_java_strings("\xC3\xA9", kGrinningFace), 0);  // U+00E9
}

TEST(JavaStringOrder, IllFormedBytesCompareAsTheReplacementCharacter) {
  EXPECT_EQ(compare_java_strings("a\xFF", "a\xEF\xBF\xBD"), 0);
  EXPECT_GT(compare_java_strings("a\xFF", "a\xEF\xBF\xBC"), 0);
}

TEST(JavaStringOrder, StringsJavaSeesAsTheSameTextAreOrderedByTheirBytes) {
  EXPECT_LT(compare_java_strings_then_bytes("a\xEF\xBF\xBD", "a\xFF"), 0);
  EXPECT_GT(compare_java_strings_then_bytes("a\xFF", "a\xFE"), 0);
  EXPECT_EQ(compare_java_strings_then_bytes("a\xFF", "a\xFF"), 0);
  // Java's order still decides wherever Java tells the strings apart, against byte order here.
  EXPECT_GT(compare_java_strings_then_bytes("\xEF\xBF\xBF", "\xF0\x9F\x98\x80"), 0);
  EXPECT_TRUE(JavaStringLess{}("a\xFE", "a\xFF"));
  EXPECT_FALSE(JavaStringLess{}("a\xFF", "a\xFE"));
}

TEST(JavaStringHash, MatchesJavaStringHashCode) {
  EXPECT_EQ(java_string_hash(""), 0);
  EXPECT_EQ(java_string_hash("hello"), 99162322);        // "hello".hashCode()
  EXPECT_EQ(java_string_hash("consumer1"), -421004549);  // overflows int
  EXPECT_EQ(java_string_hash(kGrinningFace), 1772899);   // 31 * 0xD83D + 0xDE00
  EXPECT_EQ(java_string_hash("\xFF"), 0xFFFD);
}

TEST(JavaTopicPartitionHash, MatchesTopicPartitionHashCode) {
  // 31 * (31 + 0) + "t".hashCode() (116).
  EXPECT_EQ(java_topic_partition_hash({"t", 0}), 31 * 31 + 116);
  EXPECT_EQ(java_topic_partition_hash({"consumer1", 2}), 31 * 33 + -421004549);
}

TEST(JavaHashMap, CapacityDoublesPastThreeQuartersFull) {
  EXPECT_EQ(java_hash_map_capacity(0), 16u);
  EXPECT_EQ(java_hash_map_capacity(12), 16u);
  EXPECT_EQ(java_hash_map_capacity(13), 32u);
  EXPECT_EQ(java_hash_map_capacity(24), 32u);
  EXPECT_EQ(java_hash_map_capacity(25), 64u);
}

TEST(JavaHashMap, BucketSpreadsHighBits) {
  // "consumer1".."consumer3" land in buckets 12, 11, 10 of 16: a HashMap iterates them backwards.
  EXPECT_EQ(java_hash_bucket(java_string_hash("consumer1"), 16), 12u);
  EXPECT_EQ(java_hash_bucket(java_string_hash("consumer2"), 16), 11u);
  EXPECT_EQ(java_hash_bucket(java_string_hash("consumer3"), 16), 10u);
  EXPECT_EQ(java_hash_bucket(0x10000, 16), 1u);  // 0x10000 ^ 0x1
}

}  // namespace
}  // namespace ferry::broker
