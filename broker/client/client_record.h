// The records a producer sends and a consumer receives, as Kafka's client API shapes them
// (ProducerRecord, RecordMetadata, ConsumerRecord). Keys, values and header values are bytes,
// each either present or null; a null value is a tombstone.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ferry::broker {

using RecordBytes = std::vector<std::uint8_t>;

struct ClientHeader {
  std::string key;
  std::optional<RecordBytes> value;
  friend bool operator==(const ClientHeader&, const ClientHeader&) = default;
};

enum class RecordTimestampType { kNoTimestampType, kCreateTime, kLogAppendTime };

struct ProducerRecord {
  std::string topic;
  std::optional<std::int32_t> partition;  // nullopt: the partitioner chooses
  std::optional<RecordBytes> key;
  std::optional<RecordBytes> value;
  std::vector<ClientHeader> headers;
  std::optional<std::int64_t> timestamp;  // nullopt: the time of send()
};

struct RecordMetadata {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = -1;
  std::int64_t timestamp = -1;  // the record's, or the broker's LogAppendTime
};

struct ConsumerRecord {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp = -1;
  RecordTimestampType timestamp_type = RecordTimestampType::kCreateTime;
  std::optional<RecordBytes> key;
  std::optional<RecordBytes> value;
  std::vector<ClientHeader> headers;
};

}  // namespace ferry::broker
