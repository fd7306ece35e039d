// How a tool reaches a broker: --bootstrap-server host:port talks to that broker or cluster over
// the Kafka protocol (`ferry broker`, a worker's embedded broker, Apache Kafka), with the client
// properties of --command-config (security.protocol, ssl.*, sasl.*, ...), as Kafka's tools do.
// --data-dir <directory> instead opens that data directory with an embedded broker for the
// length of the command, and --broker-config <server.properties> takes the directory and the
// settings from Kafka's server properties; either wins over --bootstrap-server.
//
// A directory that another process has open (a running broker or worker holds its .lock) is
// still readable: a command that only reads opens it read-only (broker/topics/log_manager.h) and
// sees what that process writes; a command that writes is refused with a message naming the
// directory. With the lock free, every command opens the directory as a broker does, holding
// the lock until it ends.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "app/tools/command_line.h"
#include "broker/client/clients.h"
#include "broker/server/broker.h"
#include "common/result.h"

namespace ferry::app {

// A tool's options: its own, then the broker options every tool shares, then --help.
std::vector<OptionSpec> tool_options(std::vector<OptionSpec> own);

// Parses a tool's command line. nullopt when the tool is already done, with *exit_code set: 0
// after --help (description and usage printed to out), 2 after a bad command line (the problem
// and the usage printed to err).
std::optional<CommandLine> parse_tool_command_line(std::span<const std::string_view> args,
                                                   const std::vector<OptionSpec>& options,
                                                   std::string_view description, std::ostream& out,
                                                   std::ostream& err, int* exit_code);

// A client's properties: those of the file --<file_option> names, then the key=value items of
// the repeatable --<property_option> over them.
Result<std::map<std::string, std::string>> client_properties(const CommandLine& line,
                                                             std::string_view file_option,
                                                             std::string_view property_option);

// What a command does to the broker's data.
enum class ToolAccess {
  kRead,   // reads only: opens read-only while another process holds the directory
  kWrite,  // writes: conflict while another process holds the directory
};

// What a tool talks to: the clients of the broker whose data directory it opened, or of the
// cluster at --bootstrap-server.
class ToolBroker {
 public:
  // Errors name the directory or the address and what is wrong.
  static Result<std::unique_ptr<ToolBroker>> open(const CommandLine& line, ToolAccess access);

  ToolBroker(std::unique_ptr<broker::Broker> broker, std::unique_ptr<broker::Clients> clients)
      : broker_(std::move(broker)), clients_(std::move(clients)) {}

  broker::Clients& clients() { return *clients_; }
  // Whether the tool only reads a directory that another process writes (so what it would write,
  // such as a throwaway group's offsets, is not kept).
  bool read_only() const;
  // The data directory the tool opened; empty over the network.
  std::string data_directory() const;

 private:
  std::unique_ptr<broker::Broker> broker_;  // null over the network; outlives clients_
  std::unique_ptr<broker::Clients> clients_;
};

}  // namespace ferry::app
