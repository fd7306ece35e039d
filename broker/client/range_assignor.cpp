#include "broker/client/range_assignor.h"

#include <algorithm>

namespace ferry::broker {

std::map<std::string, Assignment> RangeAssignor::assign(
    const std::map<std::string, std::int32_t>& partitions_per_topic,
    const std::map<std::string, Subscription>& subscriptions) const {
  std::map<std::string, Assignment> assignment;
  for (const auto& [member, subscription] : subscriptions) assignment[member];

  const std::vector<std::string> members = members_in_member_info_order(subscriptions);
  for (const auto& [topic, partition_count] :
       subscribed_partition_counts(partitions_per_topic, subscriptions)) {
    std::vector<const std::string*> subscribers;
    for (const std::string& member : members) {
      const std::vector<std::string>& topics = subscriptions.at(member).topics;
      // A member listing a topic twice is still one consumer of it, as in Java's LinkedHashMap.
      if (std::find(topics.begin(), topics.end(), topic) != topics.end()) {
        subscribers.push_back(&member);
      }
    }
    if (subscribers.empty()) continue;
    const auto member_count = static_cast<std::int32_t>(subscribers.size());
    const std::int32_t per_member = partition_count / member_count;
    const std::int32_t with_extra = partition_count % member_count;
    std::int32_t next = 0;
    for (std::int32_t i = 0; i < member_count; ++i) {
      const std::int32_t length = per_member + (i < with_extra ? 1 : 0);
      std::vector<TopicPartition>& partitions = assignment[*subscribers[i]].partitions;
      for (std::int32_t k = 0; k < length; ++k) partitions.push_back({topic, next++});
    }
  }
  return assignment;
}

}  // namespace ferry::broker
