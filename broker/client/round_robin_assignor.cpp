#include "broker/client/round_robin_assignor.h"

#include <algorithm>
#include <set>

#include "broker/client/java_order.h"

namespace ferry::broker {

std::map<std::string, Assignment> RoundRobinAssignor::assign(
    const std::map<std::string, std::int32_t>& partitions_per_topic,
    const std::map<std::string, Subscription>& subscriptions) const {
  std::map<std::string, Assignment> assignment;
  for (const auto& [member, subscription] : subscriptions) assignment[member];
  if (subscriptions.empty()) return assignment;

  const std::vector<std::string> members = members_in_member_info_order(subscriptions);
  std::vector<std::set<std::string_view>> member_topics;
  member_topics.reserve(members.size());
  for (const std::string& member : members) {
    const std::vector<std::string>& topics = subscriptions.at(member).topics;
    member_topics.emplace_back(topics.begin(), topics.end());
  }

  const std::map<std::string, std::int32_t> counts =
      subscribed_partition_counts(partitions_per_topic, subscriptions);
  std::vector<std::string_view> topics;
  for (const auto& [topic, count] : counts) topics.push_back(topic);
  std::sort(topics.begin(), topics.end(), JavaStringLess{});  // Java's TreeSet<String>

  // Java's CircularIterator: `next` is the member the deal continues with.
  std::size_t next = 0;
  for (const std::string_view topic : topics) {
    const std::int32_t partition_count = counts.find(std::string(topic))->second;
    for (std::int32_t partition = 0; partition < partition_count; ++partition) {
      // Ends: subscribed_partition_counts keeps only topics some member subscribes to.
      while (!member_topics[next].contains(topic)) next = (next + 1) % members.size();
      assignment[members[next]].partitions.push_back({std::string(topic), partition});
      next = (next + 1) % members.size();
    }
  }
  return assignment;
}

}  // namespace ferry::broker
