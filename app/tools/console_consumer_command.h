// ferry console-consumer: Kafka's kafka-console-consumer.sh. Reads records of --topic (or the
// topics matching --include) as a member of --group (a fresh console-consumer-<n> group if none),
// or of one --partition from --offset, and prints them with Kafka's default formatter and its
// print.* properties. Stops after --max-messages records, after --timeout-ms without one, or at
// SIGINT/SIGTERM, then prints "Processed a total of N messages" on stderr.
#pragma once

#include <ostream>
#include <span>
#include <string_view>

namespace ferry::app {

int run_console_consumer_command(std::span<const std::string_view> args, std::ostream& out,
                                 std::ostream& err);

}  // namespace ferry::app
