// Kafka's eager StickyAssignor ("sticky"): an assignment as balanced as possible that moves as
// few partitions as it can from their previous owners. Balance comes first: with identical
// subscriptions the members' partition counts differ by at most one; otherwise no member with
// two or more fewer partitions than another could take one of that member's partitions. Within
// that, every member keeps what it owned before, as far as balance allows.
//
// Previous ownership. An eager member revokes everything before it rejoins, so its
// Subscription's owned_partitions is empty; Java's StickyAssignor instead carries the previous
// assignment in the subscription's user data, and so must every member that joins a "sticky"
// group with Java or librdkafka consumers (encode_sticky_user_data below). Format, with Java's
// Struct schemas (no version prefix; protocol_primitives.h):
//   V1 => previous_assignment generation        (what Java writes)
//   V0 => previous_assignment                   (before generations were added)
//   previous_assignment => ARRAY(topic STRING, partitions ARRAY(INT32))
//   generation          => INT32: the generation in which that assignment was made
// A reader tries V1, then V0, and treats user data that is neither as "no previous assignment,
// generation -1", as Java does. Null or empty user data means no previous assignment and no
// generation; Ferry then falls back to the Subscription's owned_partitions and generation_id (a
// Ferry extension for members that send ownership in the v1+ fields: Java members send them
// empty in an eager group, so this never changes the answer for them).
//
// Generations settle conflicting claims: of two members claiming a partition, the one with the
// newer generation keeps it; equal generations mean neither does (Java's rule, including its
// quirk that the earlier claimant's generation is read from its Subscription's generation_id,
// not from its user data). Claims from older generations only steer which member a partition
// returns to.
//
// Algorithm: a port of Java's AbstractStickyAssignor (Kafka 3.x/4.0): the constrained builder
// when every member has the same subscription, the general builder (assign, then move
// partitions while that improves balance, undoing the moves if the balance score did not
// improve) otherwise. The port reproduces Java's iteration orders — member ids in Java's String
// order, HashMap and HashSet iteration order modelled in java_order.h — so for the same input
// it gives Java's result, with these deviations:
//   - Members whose ids collide in a HashMap bucket are taken in member id order; Java takes
//     them in the order the coordinator listed them in the JoinGroup response.
//   - Rack-aware assignment needs replica racks, which the count-based input lacks (Java's
//     count-based assign() is not rack-aware either).
//   - Java keeps the highest generation it has seen in the assignor instance across
//     rebalances; this assignor is stateless and uses the highest of the current call.
//   - Java finds "all subscriptions equal" wrongly when the first member it visits subscribes to
//     nothing (and then assigns partitions to members not subscribed to them); Ferry compares
//     the subscriptions properly. A topic listed twice counts once.
//   - Claims on partitions that do not exist (a partition number outside the topic's count,
//     possible only from a buggy or hostile member) are ignored; Java would keep or assign them.
//   - Java may move a partition back to its previous-generation owner even when that member is
//     no longer subscribed to its topic (an invalid assignment) or cannot take part in the
//     rebalance (a NullPointerException); Ferry skips that move in both cases.
//   - The reassignment loop stops after a bounded number of passes; Java's has no bound.
//
// Thread-safety: stateless; see partition_assignor.h.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "broker/client/partition_assignor.h"
#include "common/result.h"

namespace ferry::broker {

// A member's previous assignment as the sticky assignor's user data carries it.
struct StickyMemberData {
  std::vector<TopicPartition> partitions;
  std::optional<std::int32_t> generation;  // absent in V0 user data

  friend bool operator==(const StickyMemberData&, const StickyMemberData&) = default;
};

// V1 user data for a member that was assigned `partitions` in `generation`; topics in sorted
// order (Java writes them in HashMap order; readers treat the list as a set). Fails only for a
// topic name longer than 32767 bytes.
Result<std::vector<std::uint8_t>> encode_sticky_user_data(
    std::span<const TopicPartition> partitions, std::int32_t generation);

// V1, else V0 (see above). Fails if the bytes are neither.
Result<StickyMemberData> decode_sticky_user_data(std::span<const std::uint8_t> bytes);

class StickyAssignor final : public PartitionAssignor {
 public:
  static constexpr std::string_view kName = "sticky";

  std::string_view name() const override { return kName; }

  std::map<std::string, Assignment> assign(
      const std::map<std::string, std::int32_t>& partitions_per_topic,
      const std::map<std::string, Subscription>& subscriptions) const override;
};

}  // namespace ferry::broker
