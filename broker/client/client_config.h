// Producer and consumer settings under Kafka's client property names and defaults, parsed from
// the properties a worker passes through (producer.* / consumer.* overrides) or a tool's
// --producer-property / --consumer-property flags. Unknown keys are ignored, as Kafka's clients
// only warn about them; a bad value is an error naming the key.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace ferry::broker {

enum class OffsetReset { kEarliest, kLatest, kNone };

struct ProducerConfig {
  std::string client_id;
  std::int32_t batch_size = 16384;          // batch.size
  std::int64_t linger_ms = 5;               // linger.ms (Kafka 4.0's default)
  std::int32_t max_request_size = 1048576;  // max.request.size
  std::string compression_type = "none";    // compression.type: none|gzip|snappy|lz4|zstd
  std::string acks = "all";                 // acks: accepted; the embedded broker has one copy
};

struct ConsumerConfig {
  std::string client_id;
  std::string group_id;  // group.id
  OffsetReset auto_offset_reset = OffsetReset::kLatest;
  bool enable_auto_commit = true;
  std::int64_t auto_commit_interval_ms = 5000;
  std::int32_t max_poll_records = 500;
  std::int32_t fetch_max_bytes = 52428800;           // fetch.max.bytes
  std::int32_t max_partition_fetch_bytes = 1048576;  // max.partition.fetch.bytes
  std::int32_t session_timeout_ms = 45000;
  std::int32_t heartbeat_interval_ms = 3000;
  std::int32_t max_poll_interval_ms = 300000;
  // partition.assignment.strategy: class names or short names (range, roundrobin, sticky), in
  // preference order.
  std::vector<std::string> assignment_strategies = {"range"};
};

Result<ProducerConfig> producer_config_from_properties(
    const std::map<std::string, std::string>& properties);
Result<ConsumerConfig> consumer_config_from_properties(
    const std::map<std::string, std::string>& properties);

}  // namespace ferry::broker
