// Shorthand for the tests of this folder: Kafka's tests write tp(topic, 0), topics("t0", "t1") and
// compare assignments as sets; these do the same.
#pragma once

#include <algorithm>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "broker/client/partition_assignor.h"

namespace ferry::broker {

inline void PrintTo(const TopicPartition& topic_partition, std::ostream* out) {
  *out << to_string(topic_partition);
}

namespace test {

inline TopicPartition tp(std::string topic, std::int32_t partition) {
  return {std::move(topic), partition};
}

inline Subscription subscription(std::vector<std::string> topics) {
  Subscription result;
  result.topics = std::move(topics);
  return result;
}

inline Subscription static_subscription(std::vector<std::string> topics, std::string instance) {
  Subscription result = subscription(std::move(topics));
  result.group_instance_id = std::move(instance);
  return result;
}

inline std::vector<TopicPartition> sorted(std::vector<TopicPartition> partitions) {
  std::sort(partitions.begin(), partitions.end());
  return partitions;
}

// member -> its partitions as a sorted list, for set-wise comparison.
inline std::map<std::string, std::vector<TopicPartition>> as_sets(
    const std::map<std::string, Assignment>& assignment) {
  std::map<std::string, std::vector<TopicPartition>> result;
  for (const auto& [member, value] : assignment) result[member] = sorted(value.partitions);
  return result;
}

// Kafka's toSortedString style: "t1-0, t1-1, t2-0".
inline std::string describe(const std::vector<TopicPartition>& partitions) {
  std::string text;
  for (const TopicPartition& partition : sorted(partitions)) {
    if (!text.empty()) text += ", ";
    text += to_string(partition);
  }
  return text;
}

}  // namespace test
}  // namespace ferry::broker
