// ferry topics: Kafka's kafka-topics.sh (--create, --list, --describe, --delete, --alter) with
// its flags and its output, over a broker data directory (broker_access.h).
#pragma once

#include <ostream>
#include <span>
#include <string_view>

namespace ferry::app {

// Exit code: 0 success, 1 the command failed (message on err), 2 bad command line.
int run_topics_command(std::span<const std::string_view> args, std::ostream& out,
                       std::ostream& err);

}  // namespace ferry::app
