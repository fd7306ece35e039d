#include "broker/storage/murmur2.h"

#include <cstdint>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace ferry::broker {
namespace {

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

struct Vector {
  std::string_view key;
  std::int32_t hash;
  std::int32_t partition_of_3;
  std::int32_t partition_of_6;
};

// reference/connect.md 12.4: Kafka's UtilsTest plus KafkaJS's "1" and the empty key.
constexpr Vector kVectors[] = {
    {"21", -973932308, 0, 0},
    {"foobar", -790332482, 0, 0},
    {"a-little-bit-long-string", -985981536, 2, 2},
    {"a-little-bit-longer-string", -1486304829, 2, 5},
    {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971, 2, 5},
    {"abc", 479470107, 0, 3},
    {"1", -1993445489, 0, 3},
    {"", 275646681, 0, 3},
};

TEST(Murmur2, MatchesKafkaTestVectors) {
  for (const Vector& vector : kVectors) {
    EXPECT_EQ(murmur2(bytes_of(vector.key)), vector.hash) << '"' << vector.key << '"';
  }
}

TEST(Murmur2, PartitionsLikeTheJavaProducer) {
  for (const Vector& vector : kVectors) {
    EXPECT_EQ(partition_for_key(bytes_of(vector.key), 3), vector.partition_of_3)
        << '"' << vector.key << '"';
    EXPECT_EQ(partition_for_key(bytes_of(vector.key), 6), vector.partition_of_6)
        << '"' << vector.key << '"';
  }
}

TEST(Murmur2, NegativeHashesMaskTheSignBitInsteadOfNegating) {
  // -973932308 & 0x7fffffff = 1173551340; Math.abs would give 973932308 and another partition.
  EXPECT_EQ(partition_for_key(bytes_of("21"), 1000), 1173551340 % 1000);
  EXPECT_NE(partition_for_key(bytes_of("21"), 1000), 973932308 % 1000);
}

TEST(Murmur2, EveryTailLengthIsHashed) {
  // Keys of 4k+1, 4k+2 and 4k+3 bytes differing only in their last byte hash differently.
  for (std::string_view base : {"a", "ab", "abc", "abcde", "abcdef", "abcdefg"}) {
    std::string changed(base);
    changed.back() = static_cast<char>(changed.back() + 1);
    EXPECT_NE(murmur2(bytes_of(base)), murmur2(bytes_of(changed))) << base;
  }
}

}  // namespace
}  // namespace ferry::broker
