// Kafka's RangeAssignor ("range"): per topic, the members subscribed to it in MemberInfo order
// (partition_assignor.h) each take a contiguous range of its partitions; with n partitions and
// m members every member gets n / m and the first n % m members one more. Topics are assigned
// independently, so members subscribed to the same topics with the same partition counts get
// the same partition numbers of each (co-partitioning, which joins across topics rely on).
//
// Example (Kafka's javadoc): members C0 and C1, topics t0 and t1 with 3 partitions each:
//   C0: [t0p0, t0p1, t1p0, t1p1]   C1: [t0p2, t1p2]
//
// Matches Java's RangeAssignor exactly, including the order of static members. Java's
// rack-aware variant needs each partition's replica racks, which the count-based input
// (partition_assignor.h) does not carry; Java's count-based assign() is not rack-aware either.
// Each member's partitions come out sorted by topic, then partition (Java lists topics in
// HashMap order; the set is the same).
//
// Thread-safety: stateless; see partition_assignor.h.
#pragma once

#include "broker/client/partition_assignor.h"

namespace ferry::broker {

class RangeAssignor final : public PartitionAssignor {
 public:
  static constexpr std::string_view kName = "range";

  std::string_view name() const override { return kName; }

  std::map<std::string, Assignment> assign(
      const std::map<std::string, std::int32_t>& partitions_per_topic,
      const std::map<std::string, Subscription>& subscriptions) const override;
};

}  // namespace ferry::broker
