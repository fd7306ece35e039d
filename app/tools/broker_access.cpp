#include "app/tools/broker_access.h"

#include "runtime/config/config_file.h"

namespace ferry::app {

std::vector<OptionSpec> broker_access_options() {
  return {
      {"data-dir", true, "The embedded broker's data directory (log.dirs) to work on."},
      {"broker-config", true, "A server.properties to take log.dirs and broker settings from."},
      {"bootstrap-server", true,
       "A Kafka broker address (accepted for compatibility; see --data-dir)."},
      {"command-config", true, "Client properties (accepted for compatibility)."},
  };
}

Result<std::unique_ptr<broker::Broker>> open_broker_for_tool(const CommandLine& line) {
  std::map<std::string, std::string> properties;
  if (const auto file = line.value("broker-config")) {
    auto loaded = runtime::load_config_file(*file);
    if (!loaded.ok()) return loaded.status();
    properties = loaded->values;
  }
  if (const auto dir = line.value("data-dir")) properties["log.dirs"] = *dir;
  if (!properties.contains("log.dirs") && !properties.contains("log.dir")) {
    if (line.has("bootstrap-server")) {
      return Status::invalid_argument(
          "reaching a broker at --bootstrap-server needs the Kafka protocol client, which Ferry "
          "does not have yet; give the broker's data directory with --data-dir (the broker "
          "must be stopped) or --broker-config server.properties");
    }
    return Status::invalid_argument(
        "no broker given: use --data-dir <directory> or --broker-config <server.properties>");
  }
  // A tool's session must not wait out the first-rebalance delay meant for starting groups.
  properties.try_emplace("group.initial.rebalance.delay.ms", "0");
  auto config = broker::broker_config_from_properties(properties);
  if (!config.ok()) return config.status();
  return broker::Broker::open(std::move(*config));
}

}  // namespace ferry::app
