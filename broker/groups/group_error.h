// The errors of the group APIs, with Kafka's error codes (org.apache.kafka.common.protocol.Errors)
// so that the Kafka protocol server can put them on the wire as they are and clients react as
// they do to a Kafka broker (rejoin on UNKNOWN_MEMBER_ID, retry on REBALANCE_IN_PROGRESS, ...).
#pragma once

#include <cstdint>
#include <string_view>

namespace ferry::broker {

enum class GroupError : std::int16_t {
  kNone = 0,
  kUnknownTopicOrPartition = 3,
  kOffsetMetadataTooLarge = 12,
  kCoordinatorNotAvailable = 15,
  kIllegalGeneration = 22,
  kInconsistentGroupProtocol = 23,
  kInvalidGroupId = 24,
  kUnknownMemberId = 25,
  kInvalidSessionTimeout = 26,
  kRebalanceInProgress = 27,
  kNonEmptyGroup = 68,
  kGroupIdNotFound = 69,
  kMemberIdRequired = 79,
  kGroupMaxSizeReached = 81,
};

// Kafka's upper-case name ("UNKNOWN_MEMBER_ID"), for messages and tools.
std::string_view group_error_name(GroupError error);

}  // namespace ferry::broker
