// ferry console-producer: Kafka's kafka-console-producer.sh. Each line of standard input becomes
// one record (split into key and value at key.separator when parse.key=true), sent to --topic
// of a broker data directory; at the end of input everything sent is flushed.
#pragma once

#include <istream>
#include <ostream>
#include <span>
#include <string_view>

namespace ferry::app {

int run_console_producer_command(std::span<const std::string_view> args, std::istream& in,
                                 std::ostream& out, std::ostream& err);

}  // namespace ferry::app
