// ferry consumer-groups: Kafka's kafka-consumer-groups.sh (--list, --describe, --reset-offsets,
// --delete) with its flags and its table output, over a broker data directory.
#pragma once

#include <ostream>
#include <span>
#include <string_view>

namespace ferry::app {

int run_consumer_groups_command(std::span<const std::string_view> args, std::ostream& out,
                                std::ostream& err);

}  // namespace ferry::app
