#include "broker/client/partition_assignor.h"

#include <algorithm>
#include <set>

#include "broker/client/java_order.h"

namespace ferry::broker {

std::map<std::string, std::int32_t> subscribed_partition_counts(
    const std::map<std::string, std::int32_t>& partitions_per_topic,
    const std::map<std::string, Subscription>& subscriptions) {
  std::set<std::string_view> subscribed;
  for (const auto& [member, subscription] : subscriptions) {
    subscribed.insert(subscription.topics.begin(), subscription.topics.end());
  }
  std::map<std::string, std::int32_t> counts;
  for (const auto& [topic, count] : partitions_per_topic) {
    if (count > 0 && subscribed.contains(topic)) counts.emplace(topic, count);
  }
  return counts;
}

std::vector<std::string> members_in_member_info_order(
    const std::map<std::string, Subscription>& subscriptions) {
  struct Member {
    const std::string* id;
    const std::optional<std::string>* instance;
  };
  std::vector<Member> members;
  members.reserve(subscriptions.size());
  for (const auto& [id, subscription] : subscriptions) {
    members.push_back({&id, &subscription.group_instance_id});
  }
  std::sort(members.begin(), members.end(), [](const Member& a, const Member& b) {
    const bool a_static = a.instance->has_value();
    const bool b_static = b.instance->has_value();
    if (a_static && b_static) {
      const int by_instance = compare_java_strings(**a.instance, **b.instance);
      // Instance ids are unique in a group; the member id only makes a hostile tie stable.
      if (by_instance != 0) return by_instance < 0;
      return JavaStringLess{}(*a.id, *b.id);
    }
    if (a_static != b_static) return a_static;
    return JavaStringLess{}(*a.id, *b.id);
  });
  std::vector<std::string> ids;
  ids.reserve(members.size());
  for (const Member& member : members) ids.push_back(*member.id);
  return ids;
}

}  // namespace ferry::broker
