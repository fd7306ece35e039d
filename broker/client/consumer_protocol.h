// The consumer group's embedded protocol (protocol type "consumer"): the bytes a consumer puts in
// JoinGroup's protocol metadata (its Subscription) and the bytes the group leader hands each
// member through SyncGroup (its Assignment). The broker passes both through unread; consumers
// of every client (Java, librdkafka, Ferry) read each other's, so the encoding follows Java's
// ConsumerProtocol and Kafka's message definitions ConsumerProtocolSubscription.json and
// ConsumerProtocolAssignment.json byte for byte.
//
// Format (classic encoding, protocol_primitives.h; flexibleVersions is "none" for every
// version, so there are no compact strings and no tagged fields):
//
//   Subscription => Version Topics UserData [OwnedPartitions] [GenerationId] [RackId]
//     Version         INT16            0..3
//     Topics          ARRAY(STRING)    written sorted, as Java writes them
//     UserData        NULLABLE_BYTES   the assignor's own data (the sticky assignor's previous
//                                      assignment, sticky_assignor.h)
//     OwnedPartitions ARRAY(Topic Partitions)   v1+: Topic STRING, Partitions ARRAY(INT32);
//                                      written sorted by topic, then partition
//     GenerationId    INT32            v2+: generation of OwnedPartitions; -1 (written for any
//                                      negative id, as Java does) if none
//     RackId          NULLABLE_STRING  v3+: for rack-aware assignment
//
//   Assignment => Version AssignedPartitions UserData
//     Version             INT16        0..3 (v2 and v3 add nothing: they mark subscription
//                                      versions, and Java keeps both schemas in step)
//     AssignedPartitions  ARRAY(Topic Partitions)  grouped by topic in order of each topic's
//                                      first appearance, partitions in the given order
//     UserData            NULLABLE_BYTES
//
// Versions. A newer version may only add fields at the end, so a decoder reads a version above
// 3 with the version 3 layout and ignores the bytes after the fields it knows, as Java does;
// trailing bytes are accepted at every version for the same reason. A negative version is an
// error. Fields that an older version lacks are dropped by the encoder (all of them are
// "ignorable" in the JSON definitions) and take their defaults when decoded. An encoder asked
// for a version above 3 writes version 3, as Java's checkSubscriptionVersion does.
//
// Strictness (Ferry is stricter than Java only on input no Kafka client writes): lengths and
// counts are checked against the bytes left before anything is allocated, negative lengths other
// than null's -1 are errors, and a partition list entry whose topic is longer than a Kafka topic
// name can be (249 bytes) is an error: it can name no partition, and a 32 KiB name copied into
// every partition entry would turn a small message into gigabytes.
//
// Thread-safety: pure functions over values.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/client/topic_partition.h"
#include "common/result.h"

namespace ferry::broker {

inline constexpr std::string_view kConsumerProtocolType = "consumer";
inline constexpr std::int16_t kConsumerProtocolLowestVersion = 0;
inline constexpr std::int16_t kConsumerProtocolHighestVersion = 3;
// Generation id that means "no generation" (Kafka's DEFAULT_GENERATION).
inline constexpr std::int32_t kNoGeneration = -1;

struct Subscription {
  std::vector<std::string> topics;
  std::optional<std::vector<std::uint8_t>> user_data;  // null and empty are different
  std::vector<TopicPartition> owned_partitions;        // v1+
  std::int32_t generation_id = kNoGeneration;          // v2+
  std::optional<std::string> rack_id;                  // v3+; decoded "" becomes nullopt, as Java
  // Not on the wire: the coordinator reports each member's group.instance.id beside its
  // metadata in the JoinGroup response, and the range and round-robin assignors order static
  // members by it (Java's Subscription.groupInstanceId). The codec ignores it.
  std::optional<std::string> group_instance_id;

  friend bool operator==(const Subscription&, const Subscription&) = default;
};

struct Assignment {
  std::vector<TopicPartition> partitions;
  std::optional<std::vector<std::uint8_t>> user_data;

  friend bool operator==(const Assignment&, const Assignment&) = default;
};

// Fails for a negative version and for strings or arrays too long for their length prefix.
Result<std::vector<std::uint8_t>> encode_subscription(const Subscription& subscription,
                                                      std::int16_t version);
Result<Subscription> decode_subscription(std::span<const std::uint8_t> bytes);

Result<std::vector<std::uint8_t>> encode_assignment(const Assignment& assignment,
                                                    std::int16_t version);
Result<Assignment> decode_assignment(std::span<const std::uint8_t> bytes);

}  // namespace ferry::broker
