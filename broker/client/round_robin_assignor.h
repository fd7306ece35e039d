// Kafka's RoundRobinAssignor ("roundrobin"): all partitions of all subscribed topics, sorted by
// topic (Java String order) and partition, are dealt one at a time to the members in MemberInfo
// order (partition_assignor.h), round and round; a member not subscribed to a partition's topic
// is skipped for that partition and the deal moves on. With identical subscriptions the counts
// differ by at most one; with different subscriptions the result can be unbalanced (the sticky
// assignor balances better).
//
// Example (Kafka's javadoc): members C0 and C1, topics t0 and t1 with 3 partitions each:
//   C0: [t0p0, t0p2, t1p1]   C1: [t0p1, t1p0, t1p2]
//
// Matches Java's RoundRobinAssignor exactly, including the order of each member's list.
//
// Thread-safety: stateless; see partition_assignor.h.
#pragma once

#include "broker/client/partition_assignor.h"

namespace ferry::broker {

class RoundRobinAssignor final : public PartitionAssignor {
 public:
  static constexpr std::string_view kName = "roundrobin";

  std::string_view name() const override { return kName; }

  std::map<std::string, Assignment> assign(
      const std::map<std::string, std::int32_t>& partitions_per_topic,
      const std::map<std::string, Subscription>& subscriptions) const override;
};

}  // namespace ferry::broker
