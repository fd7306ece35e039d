#include "broker/groups/offset_commit_record.h"

#include <gtest/gtest.h>

#include "broker/client/java_order.h"

namespace ferry::broker {
namespace {

TEST(OffsetCommitRecord, KafkasKeyAndValueBytes) {
  const auto key = encode_offset_commit_key({"g", "t", 2});
  EXPECT_EQ(key, (std::vector<std::uint8_t>{0, 1, 0, 1, 'g', 0, 1, 't', 0, 0, 0, 2}));
  const auto value = encode_offset_commit_value(
      {.offset = 42, .leader_epoch = -1, .metadata = "m", .commit_timestamp = 7});
  EXPECT_EQ(value, (std::vector<std::uint8_t>{0,    3, 0, 0,   0, 0, 0, 0, 0, 42, 0xFF, 0xFF, 0xFF,
                                              0xFF, 0, 1, 'm', 0, 0, 0, 0, 0, 0,  0,    7}));
  auto decoded_key = decode_offset_commit_key(key);
  ASSERT_TRUE(decoded_key.ok());
  ASSERT_TRUE(*decoded_key);
  EXPECT_EQ((*decoded_key)->group, "g");
  EXPECT_EQ((*decoded_key)->partition, 2);
  auto decoded_value = decode_offset_commit_value(value);
  ASSERT_TRUE(decoded_value.ok());
  EXPECT_EQ(decoded_value->offset, 42);
  EXPECT_EQ(decoded_value->metadata, "m");
}

TEST(OffsetCommitRecord, OlderValueVersionsAndOtherRecordTypes) {
  // Version 1 carries an expire timestamp and no leader epoch.
  const std::vector<std::uint8_t> v1{0,    1,    0,    0,    0,    0,    0,    0,   0, 5,
                                     0,    0,    0,    0,    0,    0,    0,    0,   0, 9,
                                     0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  auto value = decode_offset_commit_value(v1);
  ASSERT_TRUE(value.ok()) << value.status().message();
  EXPECT_EQ(value->offset, 5);
  EXPECT_EQ(value->commit_timestamp, 9);
  const std::vector<std::uint8_t> group_metadata_key{0, 2, 0, 1, 'g'};
  auto key = decode_offset_commit_key(group_metadata_key);
  ASSERT_TRUE(key.ok());
  EXPECT_FALSE(*key);
  EXPECT_FALSE(decode_offset_commit_key(std::vector<std::uint8_t>{0, 1, 0, 9, 'g'}).ok());
  EXPECT_FALSE(decode_offset_commit_value(std::vector<std::uint8_t>{0, 9}).ok());
}

TEST(OffsetCommitRecord, PartitionByJavasStringHash) {
  EXPECT_EQ(java_string_hash(""), 0);
  EXPECT_EQ(java_string_hash("hello"), 99162322);
  EXPECT_EQ(java_string_hash("connect-cluster"), 0x55D9E417);
  // "polygenelubricants" hashes to Integer.MIN_VALUE, which Kafka's Utils.abs maps to 0.
  EXPECT_EQ(java_string_hash("polygenelubricants"), INT32_MIN);
  EXPECT_EQ(offsets_partition_for("polygenelubricants", 50), 0);
  EXPECT_EQ(offsets_partition_for("hello", 50), 99162322 % 50);
  // A character outside the BMP counts as two UTF-16 units, as in Java.
  EXPECT_EQ(java_string_hash("\xF0\x9F\x98\x80"), 0xD83D * 31 + 0xDE00);
}

}  // namespace
}  // namespace ferry::broker
