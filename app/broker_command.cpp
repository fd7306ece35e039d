#include "app/broker_command.h"

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "app/build_info.h"
#include "app/process_log.h"
#include "app/stop_signals.h"
#include "broker/server/broker.h"
#include "broker/server/protocol_server.h"
#include "runtime/config/config_file.h"

namespace ferry::app {
namespace {

constexpr std::string_view kUsage =
    "usage: ferry broker SERVER_PROPERTIES\n"
    "\n"
    "Runs the embedded broker on its own and serves the Kafka protocol on `listeners` (default\n"
    "PLAINTEXT://:9092), with its data in log.dirs (default /tmp/kafka-logs). Takes a Kafka\n"
    "broker's server.properties. Runs until SIGINT or SIGTERM.\n";

// Keys of a Kafka server.properties that mean nothing to one broker without replication or a
// controller quorum.
constexpr std::string_view kSingleBrokerKeys[] = {
    "broker.id",
    "node.id",
    "process.roles",
    "controller.quorum.voters",
    "controller.quorum.bootstrap.servers",
    "controller.listener.names",
    "inter.broker.listener.name",
    "listener.security.protocol.map",
    "zookeeper.connect",
    "zookeeper.connection.timeout.ms",
    "offsets.topic.replication.factor",
    "transaction.state.log.replication.factor",
    "transaction.state.log.min.isr",
    "default.replication.factor",
    "min.insync.replicas",
    "num.replica.fetchers",
};

}  // namespace

int run_broker_command(std::span<const std::string_view> args, std::ostream& out,
                       std::ostream& err) {
  for (const std::string_view arg : args) {
    if (arg == "--help" || arg == "-h") {
      out << kUsage;
      return 0;
    }
  }
  if (args.size() != 1) {
    err << "ferry broker: one server.properties file is needed\n" << kUsage;
    return 2;
  }
  StopSignals stop_signals;  // before any thread starts
  const runtime::Logger log = make_process_log();
  const auto fail = [&](const std::string& message) {
    log->error("{}", message);
    err << "ferry broker: " << message << '\n';
    return 1;
  };
  const std::filesystem::path file(args[0]);
  auto props = runtime::load_config_file(file);
  if (!props.ok()) return fail(props.status().message());
  const auto& values = props->values;
  for (const std::string_view key : kSingleBrokerKeys) {
    if (values.contains(std::string(key))) {
      log->warn("{}: {} has no effect on a single Ferry broker; ignored", file.string(), key);
    }
  }
  auto broker_config = broker::broker_config_from_properties(values);
  if (!broker_config.ok()) return fail(file.string() + ": " + broker_config.status().message());
  auto listeners = broker::kafka_listeners_from_properties(values);
  if (!listeners.ok()) return fail(file.string() + ": " + listeners.status().message());
  auto server_options = broker::protocol_server_options_from_properties(values);
  if (!server_options.ok()) return fail(file.string() + ": " + server_options.status().message());

  log->info("Ferry {} (commit {}) starting a broker", kVersion, kCommit);
  const std::filesystem::path data = broker_config->logs.data_directory;
  broker_config->logs.log = [log](const std::string& note) { log->info("broker: {}", note); };
  auto broker = broker::Broker::open(std::move(*broker_config));
  if (!broker.ok()) return fail(broker.status().message());
  log->info("Broker open on {}", data.string());

  server_options->log = [log](const std::string& line) { log->warn("{}", line); };
  server_options->cluster_id = (*broker)->cluster_id();
  auto server = broker::ProtocolServer::start(**broker, *listeners, std::move(*server_options));
  if (!server.ok()) return fail(file.string() + ": " + server.status().message());
  for (const std::string& address : (*server)->bound_addresses()) {
    log->info("Kafka protocol listening on {} (advertised as {})", address,
              (*server)->advertised_address());
  }
  log->info("Ferry broker started");

  log->info("Ferry broker stopping ({})", stop_signals.wait());
  (*server)->stop();
  server->reset();
  broker->reset();
  log->info("Ferry broker stopped");
  return 0;
}

}  // namespace ferry::app
