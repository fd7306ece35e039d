// One partition of one topic, as the consumer group protocol and the partition assignors name it
// (Kafka's org.apache.kafka.common.TopicPartition). A value type: ordered by topic, then
// partition (byte order of the topic name, which for the ASCII names Kafka allows is also Java's
// String order), hashable for unordered containers, and printed as Kafka prints it: "orders-3".
//
// Thread-safety: a plain value.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace ferry::broker {

struct TopicPartition {
  std::string topic;
  std::int32_t partition = 0;

  friend auto operator<=>(const TopicPartition&, const TopicPartition&) = default;
  friend bool operator==(const TopicPartition&, const TopicPartition&) = default;
};

inline std::string to_string(const TopicPartition& topic_partition) {
  return topic_partition.topic + "-" + std::to_string(topic_partition.partition);
}

struct TopicPartitionHash {
  std::size_t operator()(const TopicPartition& topic_partition) const noexcept {
    const std::size_t topic_hash = std::hash<std::string>{}(topic_partition.topic);
    // Boost's hash_combine: spreads the partition number over the topic's hash.
    return topic_hash ^ (std::hash<std::int32_t>{}(topic_partition.partition) + 0x9e3779b9 +
                         (topic_hash << 6) + (topic_hash >> 2));
  }
};

}  // namespace ferry::broker

template <>
struct std::hash<ferry::broker::TopicPartition> : ferry::broker::TopicPartitionHash {};
