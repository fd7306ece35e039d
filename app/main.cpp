// ferry: the composition root. Parses the command line, builds the components a command needs in
// dependency order, hands each its collaborators, and tears them down in reverse.
//
//   ferry version                 version and commit of this build
//   ferry plugins [--plugin-path PATHS] [WORKER_CONFIG]
//                                 the plugins a worker can run, with their aliases
//   ferry topics ...              kafka-topics.sh
//   ferry console-producer ...    kafka-console-producer.sh
//   ferry console-consumer ...    kafka-console-consumer.sh
//   ferry consumer-groups ...     kafka-consumer-groups.sh
//   ferry broker SERVER_PROPERTIES
//                                 kafka-server-start.sh: the broker alone, serving the Kafka
//                                 protocol
//   ferry standalone WORKER CONN...
//                                 connect-standalone.sh: the embedded broker and a worker
//
// Run under one of Kafka's script names (a link to ferry: connect-standalone,
// connect-standalone.sh, kafka-topics.sh, ...) it runs that command, so Kafka users' habits and
// scripts work unchanged.
//
// Exit codes: 0 success, 1 the command failed, 2 the command line was wrong.
#include <iostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "app/broker_command.h"
#include "app/build_info.h"
#include "app/plugins_command.h"
#include "app/standalone_command.h"
#include "app/tools/console_consumer_command.h"
#include "app/tools/console_producer_command.h"
#include "app/tools/consumer_groups_command.h"
#include "app/tools/topics_command.h"

namespace ferry::app {
namespace {

constexpr std::string_view kUsage =
    "usage: ferry <command> [options]\n"
    "\n"
    "commands:\n"
    "  version              print the version and commit of this build\n"
    "  plugins              list the plugins (connectors, converters, ...) and their aliases:\n"
    "                       built in, and on --plugin-path PATHS or a worker config's plugin.path\n"
    "  topics               create, list, describe, alter and delete topics (kafka-topics)\n"
    "  console-producer     send lines of standard input as records (kafka-console-producer)\n"
    "  console-consumer     print records of topics (kafka-console-consumer)\n"
    "  consumer-groups      list, describe, reset and delete consumer groups\n"
    "                       (kafka-consumer-groups)\n"
    "  broker               serve the Kafka protocol from a server.properties\n"
    "                       (kafka-server-start)\n"
    "  standalone           run connectors from property files on the embedded broker\n"
    "                       (connect-standalone)\n"
    "Run a tool with --help for its options.\n"
    "  help                 print this text\n";

int print_version() {
  std::cout << "ferry " << kVersion << " (commit " << kCommit << ")\n";
  return 0;
}

int run(std::span<const std::string_view> args) {
  if (args.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string_view command = args.front();
  if (command == "version" || command == "--version" || command == "-v") return print_version();
  const auto rest = args.subspan(1);
  if (command == "plugins") return run_plugins_command(rest, std::cout, std::cerr);
  if (command == "topics" || command == "kafka-topics.sh") {
    return run_topics_command(rest, std::cout, std::cerr);
  }
  if (command == "console-producer" || command == "kafka-console-producer.sh") {
    return run_console_producer_command(rest, std::cin, std::cout, std::cerr);
  }
  if (command == "console-consumer" || command == "kafka-console-consumer.sh") {
    return run_console_consumer_command(rest, std::cout, std::cerr);
  }
  if (command == "consumer-groups" || command == "kafka-consumer-groups.sh") {
    return run_consumer_groups_command(rest, std::cout, std::cerr);
  }
  if (command == "broker" || command == "kafka-server-start.sh") {
    return run_broker_command(rest, std::cout, std::cerr);
  }
  if (command == "standalone" || command == "connect-standalone" ||
      command == "connect-standalone.sh") {
    return run_standalone_command(rest, std::cout, std::cerr);
  }
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return 0;
  }
  std::cerr << "ferry: unknown command '" << command << "'\n" << kUsage;
  return 2;
}

}  // namespace

// The command a Kafka script name stands for, or empty when ferry runs under its own name.
std::string_view command_of_program(std::string_view program) {
  if (const auto slash = program.rfind('/'); slash != std::string_view::npos) {
    program = program.substr(slash + 1);
  }
  if (program.ends_with(".sh")) program.remove_suffix(3);
  if (program == "connect-standalone") return "standalone";
  if (program == "kafka-server-start") return "broker";
  if (program == "kafka-topics") return "topics";
  if (program == "kafka-console-producer") return "console-producer";
  if (program == "kafka-console-consumer") return "console-consumer";
  if (program == "kafka-consumer-groups") return "consumer-groups";
  return {};
}

}  // namespace ferry::app

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (argc > 0) {
    if (const std::string_view command = ferry::app::command_of_program(argv[0]);
        !command.empty()) {
      args.insert(args.begin(), command);
    }
  }
  try {
    return ferry::app::run(args);
  } catch (const std::exception& e) {
    std::cerr << "ferry: " << e.what() << '\n';
    return 1;
  }
}
