#include "app/tools/broker_access.h"

#include "broker/embedded/embedded_clients.h"
#include "broker/network/network_clients.h"
#include "runtime/config/config_file.h"

namespace ferry::app {

std::vector<OptionSpec> tool_options(std::vector<OptionSpec> own) {
  std::vector<OptionSpec> shared = {
      {"data-dir", true, "The embedded broker's data directory (log.dirs) to work on."},
      {"broker-config", true, "A server.properties to take log.dirs and broker settings from."},
      {"bootstrap-server", true, "The Kafka broker(s) to connect to (host:port[,host:port])."},
      {"command-config", true, "A file of client properties for --bootstrap-server."},
      {"help", false, "Print usage information."},
  };
  own.insert(own.end(), shared.begin(), shared.end());
  return own;
}

std::optional<CommandLine> parse_tool_command_line(std::span<const std::string_view> args,
                                                   const std::vector<OptionSpec>& options,
                                                   std::string_view description, std::ostream& out,
                                                   std::ostream& err, int* exit_code) {
  auto line = CommandLine::parse(args, options);
  if (!line.ok()) {
    err << line.status().message() << "\n" << CommandLine::usage(options);
    *exit_code = 2;
    return std::nullopt;
  }
  if (line->has("help")) {
    out << description << CommandLine::usage(options);
    *exit_code = 0;
    return std::nullopt;
  }
  return std::move(*line);
}

Result<std::map<std::string, std::string>> client_properties(const CommandLine& line,
                                                             std::string_view file_option,
                                                             std::string_view property_option) {
  std::map<std::string, std::string> properties;
  if (const auto file = line.value(file_option)) {
    auto loaded = runtime::load_config_file(*file);
    if (!loaded.ok()) return loaded.status();
    properties = loaded->values;
  }
  auto items = line.key_values(property_option);
  if (!items.ok()) return items.status();
  for (const auto& [key, value] : *items) properties[key] = value;
  return properties;
}

namespace {

Result<std::unique_ptr<broker::Broker>> open_data_directory(
    std::map<std::string, std::string> properties, ToolAccess access) {
  // A tool's session must not wait out the first-rebalance delay meant for starting groups.
  properties.try_emplace("group.initial.rebalance.delay.ms", "0");
  auto config = broker::broker_config_from_properties(properties);
  if (!config.ok()) return config.status();
  config->logs.access = access == ToolAccess::kRead ? broker::LogAccess::kReadOnlyWhenLocked
                                                    : broker::LogAccess::kReadWrite;
  const std::string directory = config->logs.data_directory.string();
  auto broker = broker::Broker::open(std::move(*config));
  // A read-write open is conflict only when another open holds the directory's lock.
  if (!broker.ok() && broker.status().kind() == Status::Kind::kConflict) {
    return Status::conflict(
        directory +
        " is in use by a running broker or worker (it holds the directory's .lock), and this "
        "command writes to it: stop that process first, or reach it with --bootstrap-server. "
        "Commands that only read work while it runs (topics --list and --describe, "
        "console-consumer without a group, consumer-groups --list and --describe).");
  }
  return broker;
}

}  // namespace

Result<std::unique_ptr<ToolBroker>> ToolBroker::open(const CommandLine& line, ToolAccess access) {
  std::map<std::string, std::string> properties;
  if (const auto file = line.value("broker-config")) {
    auto loaded = runtime::load_config_file(*file);
    if (!loaded.ok()) return loaded.status();
    properties = loaded->values;
  }
  if (const auto dir = line.value("data-dir")) properties["log.dirs"] = *dir;
  if (properties.contains("log.dirs") || properties.contains("log.dir")) {
    auto broker = open_data_directory(std::move(properties), access);
    if (!broker.ok()) return broker.status();
    auto clients = std::make_unique<broker::EmbeddedClients>(**broker);
    return std::make_unique<ToolBroker>(std::move(*broker), std::move(clients));
  }
  const auto bootstrap = line.value("bootstrap-server");
  if (!bootstrap) {
    return Status::invalid_argument(
        "no broker given: use --bootstrap-server <host:port>, --data-dir <directory> or "
        "--broker-config <server.properties>");
  }
  std::map<std::string, std::string> common;
  if (const auto file = line.value("command-config")) {
    auto loaded = runtime::load_config_file(*file);
    if (!loaded.ok()) return loaded.status();
    common = loaded->values;
  }
  common["bootstrap.servers"] = *bootstrap;
  auto clients = broker::NetworkClients::create(std::move(common));
  if (!clients.ok()) return clients.status();
  return std::make_unique<ToolBroker>(nullptr, std::move(*clients));
}

bool ToolBroker::read_only() const { return broker_ && broker_->logs().read_only(); }

std::string ToolBroker::data_directory() const {
  return broker_ ? broker_->logs().options().data_directory.string() : std::string();
}

}  // namespace ferry::app
