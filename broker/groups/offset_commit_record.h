// The records of Kafka's __consumer_offsets topic that hold committed offsets, in Kafka's own
// binary formats (OffsetCommitKey and OffsetCommitValue), so Kafka's tools read Ferry's offsets
// topic and the layout matches what a Kafka user expects:
//   key    int16 record type (0 or 1: an offset commit; 2: group metadata, which Ferry skips),
//          string group, string topic, int32 partition
//   value  int16 version (Ferry writes 3), int64 offset, int32 leader epoch (version 3+),
//          string metadata, int64 commit timestamp, int64 expire timestamp (version 1 only)
//          a null value (tombstone) removes the committed offset
// Strings are int16-length-prefixed UTF-8. A group's records live in partition
// abs(javaHashCode(group)) % partitions, as in Kafka.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ferry::broker {

struct OffsetCommitKey {
  std::string group;
  std::string topic;
  std::int32_t partition = 0;
};

struct OffsetCommitValue {
  std::int64_t offset = 0;
  std::int32_t leader_epoch = -1;
  std::string metadata;
  std::int64_t commit_timestamp = -1;
};

std::vector<std::uint8_t> encode_offset_commit_key(const OffsetCommitKey& key);
std::vector<std::uint8_t> encode_offset_commit_value(const OffsetCommitValue& value);

// nullopt for a key of another record type (group metadata); corruption for bytes that are not
// a well-formed key.
Result<std::optional<OffsetCommitKey>> decode_offset_commit_key(std::span<const std::uint8_t> key);
Result<OffsetCommitValue> decode_offset_commit_value(std::span<const std::uint8_t> value);

// The __consumer_offsets partition holding group's records.
std::int32_t offsets_partition_for(std::string_view group, std::int32_t partitions);

}  // namespace ferry::broker
