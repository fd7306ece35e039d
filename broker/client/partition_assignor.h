// A consumer group's partition assignor: the strategy the group leader runs, between JoinGroup
// and SyncGroup, to turn every member's Subscription into its Assignment. The coordinator picks
// one strategy that every member listed (by name(): "range", "roundrobin", "sticky"), and only
// the leader runs it, so a group that mixes Ferry, Java and librdkafka consumers is consistent
// only if each implementation gives the same answer as Kafka's Java assignor of that name.
// Ferry's assignors are ports of Kafka's and document where they differ.
//
// Input, as Java's AbstractPartitionAssignor.assign(Map<String, Integer>, ...):
//   partitions_per_topic  partition counts from the leader's metadata; topics missing from it
//                         (unknown to the cluster) are not assigned
//   subscriptions         member id -> Subscription, decoded from each member's metadata, with
//                         group_instance_id filled in from the JoinGroup response
// Output: an Assignment for every member in `subscriptions` (possibly empty). Each member's
// partitions are a set; their order carries no meaning.
//
// As Java's assign(Cluster, ...) does before calling a strategy, assign() considers only topics
// that some member subscribes to and that have at least one partition
// (subscribed_partition_counts below); a negative count counts as zero.
//
// Thread-safety: assignors hold no state; assign() may run on any thread, concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/client/consumer_protocol.h"

namespace ferry::broker {

class PartitionAssignor {
 public:
  virtual ~PartitionAssignor() = default;

  // The protocol name members list in JoinGroup.
  virtual std::string_view name() const = 0;

  virtual std::map<std::string, Assignment> assign(
      const std::map<std::string, std::int32_t>& partitions_per_topic,
      const std::map<std::string, Subscription>& subscriptions) const = 0;
};

// The topics of partitions_per_topic that at least one member subscribes to and that have at
// least one partition, with their counts.
std::map<std::string, std::int32_t> subscribed_partition_counts(
    const std::map<std::string, std::int32_t>& partitions_per_topic,
    const std::map<std::string, Subscription>& subscriptions);

// Member ids in Java's AbstractPartitionAssignor.MemberInfo order: static members (those with a
// group.instance.id) first, ordered by instance id, then dynamic members by member id; both in
// Java's String order (java_order.h). Static membership keeps a restarted member's place, and so
// its partitions, although its member id changes.
std::vector<std::string> members_in_member_info_order(
    const std::map<std::string, Subscription>& subscriptions);

}  // namespace ferry::broker
