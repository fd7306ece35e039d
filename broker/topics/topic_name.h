// Kafka's rules for topic names (org.apache.kafka.common.internals.Topic), so a name Kafka
// refuses is refused here with Kafka's message, and a name Ferry accepts works on Kafka too:
// 1 to 249 characters from [a-zA-Z0-9._-], and not "." or "..". A name is also the start of
// its partitions' directory names (<topic>-<partition>), which these rules keep safe.
//
// Two names that differ only in '.' versus '_' collide (Kafka's metric names cannot tell them
// apart), so creating one while the other exists is refused.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace ferry::broker {

inline constexpr std::size_t kMaxTopicNameLength = 249;

Status validate_topic_name(std::string_view name);

// The name with '.' replaced by '_': two topics collide when these are equal.
std::string unify_collision_chars(std::string_view name);

// True for Kafka's internal topic names (__consumer_offsets, __transaction_state).
bool is_internal_topic(std::string_view name);

}  // namespace ferry::broker
