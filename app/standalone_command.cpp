#include "app/standalone_command.h"

#include <array>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

#include "app/build_info.h"
#include "app/builtin_plugins.h"
#include "app/connector_file.h"
#include "app/process_log.h"
#include "app/stop_signals.h"
#include "broker/embedded/embedded_clients.h"
#include "broker/network/network_clients.h"
#include "broker/server/broker.h"
#include "broker/server/protocol_server.h"
#include "plugins/loader/plugin_loader.h"
#include "plugins/loader/plugin_registry.h"
#include "rest/connect_api.h"
#include "rest/http_server.h"
#include "rest/logger_levels.h"
#include "rest/rest_server.h"
#include "runtime/config/config_file.h"
#include "runtime/config/config_providers.h"
#include "runtime/offsets/offset_store.h"
#include "runtime/worker/connector_store.h"
#include "runtime/worker/recording_herder.h"
#include "runtime/worker/status_store.h"
#include "runtime/worker/worker.h"
#include "runtime/worker/worker_config.h"

namespace ferry::app {
namespace {

constexpr std::string_view kUsage =
    "usage: ferry standalone WORKER_CONFIG [CONNECTOR_CONFIG ...]\n"
    "  WORKER_CONFIG     worker properties (.properties or .yaml), as for Kafka's "
    "connect-standalone\n"
    "  CONNECTOR_CONFIG  a connector's properties, YAML, or JSON (flat, or a POST /connectors "
    "body);\n"
    "                    none is fine: connectors can be created through the REST API\n"
    "Runs until SIGINT or SIGTERM. The embedded broker keeps its data in log.dirs (default: "
    "$XDG_DATA_HOME/ferry/broker,\nelse $HOME/.local/share/ferry/broker). With "
    "embedded.broker.enable=false there is no\n"
    "embedded broker: the worker is a client of the Kafka cluster at bootstrap.servers.\n";

// Where the embedded broker keeps its data when log.dirs is not set: a per-user directory that
// survives restarts (Kafka's /tmp/kafka-logs does not survive a reboot).
std::filesystem::path default_data_directory() {
  if (const char* data_home = std::getenv("XDG_DATA_HOME"); data_home && *data_home) {
    return std::filesystem::path(data_home) / "ferry" / "broker";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::filesystem::path(home) / ".local" / "share" / "ferry" / "broker";
  }
  return "/var/lib/ferry/broker";
}

// Kafka's worker id: the advertised host and the port of the first listener, as bound (a
// listener on port 0 gets its port from the system).
std::string worker_id(const runtime::WorkerConfig& config, const rest::RestServer& server) {
  std::array<char, HOST_NAME_MAX + 1> hostname{};
  ::gethostname(hostname.data(), hostname.size() - 1);
  std::string port = "8083";
  if (const auto urls = server.urls(); !urls.empty()) {
    port = urls.front().substr(urls.front().rfind(':') + 1);
  }
  const auto advertised = config.originals.find("rest.advertised.host.name");
  const std::string host = advertised != config.originals.end() && !advertised->second.empty()
                               ? advertised->second
                               : std::string(hostname.data());
  return host + ":" + port;
}

// The worker props the embedded broker reads (Kafka's server.properties keys may be set in the
// worker file), with the data directory and the defaults a one-process setup wants.
std::map<std::string, std::string> broker_properties(const runtime::WorkerConfig& config,
                                                     const std::filesystem::path& data) {
  std::map<std::string, std::string> props = config.originals;
  props["log.dirs"] = data.string();
  props.erase("log.dir");
  // One worker joins the sink groups: waiting for more members only delays the first records.
  props.try_emplace("group.initial.rebalance.delay.ms", "0");
  return props;
}

// The embedded broker serving the Kafka protocol on the addresses of bootstrap.servers (all on
// this machine), so kcat or kafka-console-consumer read what the worker produced. An address that
// cannot be bound (another broker on localhost:9092) is a warning, not a failed start: the worker
// itself does not need the listener.
std::unique_ptr<broker::ProtocolServer> serve_kafka_protocol(broker::Broker& broker,
                                                             const runtime::WorkerConfig& config,
                                                             const runtime::Logger& log) {
  const auto unserved = [&](const Status& why) {
    log->warn("The embedded broker does not serve the Kafka protocol: {}", why.message());
    return nullptr;
  };
  auto listeners = broker::kafka_listeners_for_bootstrap(config.bootstrap_servers);
  if (!listeners.ok()) return unserved(listeners.status());
  auto options = broker::protocol_server_options_from_properties(config.originals);
  if (!options.ok()) return unserved(options.status());
  options->log = [log](const std::string& line) { log->warn("{}", line); };
  options->cluster_id = broker.cluster_id();
  auto server = broker::ProtocolServer::start(broker, *listeners, std::move(*options));
  if (!server.ok()) return unserved(server.status());
  for (const std::string& address : (*server)->bound_addresses()) {
    log->info("Kafka protocol listening on {} (advertised as {})", address,
              (*server)->advertised_address());
  }
  return std::move(*server);
}

// embedded.broker.enable=false: the clients of the cluster at bootstrap.servers, with the worker
// file's connection keys (security.*, ssl.*, sasl.*) and its admin.* keys. Fails when the
// cluster does not answer, naming the address.
Result<std::unique_ptr<broker::NetworkClients>> connect_to_cluster(
    const runtime::WorkerConfig& config) {
  std::map<std::string, std::string> common =
      broker::NetworkClients::common_properties(config.originals);
  std::string servers;
  for (const std::string& server : config.bootstrap_servers) {
    servers += (servers.empty() ? "" : ",") + server;
  }
  common["bootstrap.servers"] = servers;
  return broker::NetworkClients::create(std::move(common), config.with_prefix("admin."));
}

}  // namespace

int run_standalone_command(std::span<const std::string_view> args, std::ostream& out,
                           std::ostream& err) {
  for (const std::string_view arg : args) {
    if (arg == "--help" || arg == "-h") {
      out << kUsage;
      return 0;
    }
  }
  // Kafka (since 3.5) starts a standalone worker without connector configs too.
  if (args.empty()) {
    err << "ferry standalone: a worker config is needed\n" << kUsage;
    return 2;
  }
  StopSignals stop_signals;  // before any thread starts
  const runtime::Logger log = make_process_log();
  const auto fail = [&](const std::string& message) {
    log->error("{}", message);
    err << "ferry standalone: " << message << '\n';
    return 1;
  };

  const std::filesystem::path worker_file(args[0]);
  auto worker_props = runtime::load_config_file(worker_file);
  if (!worker_props.ok()) return fail(worker_props.status().message());
  auto config = runtime::parse_worker_config(worker_props->values, runtime::WorkerMode::kStandalone,
                                             worker_file.string());
  if (!config.ok()) return fail(config.status().message());
  if (config->embedded_broker_enable) {
    if (Status local = runtime::check_embedded_bootstrap(config->bootstrap_servers); !local.ok()) {
      return fail(worker_file.string() + ": " + local.message());
    }
  }
  auto providers = runtime::ConfigProviders::from_worker_config(config->originals);
  if (!providers.ok()) return fail(worker_file.string() + ": " + providers.status().message());

  // Bound before anything starts, so a port in use stops the start with the address; requests
  // are served once the connectors given are created.
  // The REST keys (listeners, ssl.*, CORS, basic authentication) are read and their files loaded
  // here too; KAFKA_OPTS may name the JAAS file, as for Kafka Connect.
  const char* kafka_opts = std::getenv("KAFKA_OPTS");
  auto rest_server = rest::RestServer::bind(config->originals, kafka_opts ? kafka_opts : "");
  if (!rest_server.ok()) return fail(worker_file.string() + ": " + rest_server.status().message());

  std::vector<ConnectorFile> connector_files;
  for (const std::string_view file : args.subspan(1)) {
    auto loaded = load_connector_file(std::filesystem::path(file));
    if (!loaded.ok()) return fail(loaded.status().message());
    connector_files.push_back(std::move(*loaded));
  }
  log->info("Ferry {} (commit {}) starting a standalone worker", kVersion, kCommit);

  loader::PluginRegistry registry;
  register_builtin_plugins(registry);
  std::vector<std::filesystem::path> plugin_path;
  for (const std::string& entry : config->plugin_path) plugin_path.emplace_back(entry);
  const loader::LoadReport report = loader::load_plugins(plugin_path, registry);
  for (const loader::LoadedPlugin& plugin : report.loaded) {
    log->info("Loaded plugin {} {} from {}", plugin.name, plugin.version, plugin.file.string());
  }
  for (const loader::LoadProblem& problem : report.problems) {
    log->error("Skipping plugin {}: {}", problem.file.string(), problem.reason);
  }

  // The broker the worker runs on: its own (embedded), or the cluster at bootstrap.servers.
  std::unique_ptr<broker::Broker> embedded_broker;
  std::unique_ptr<broker::ProtocolServer> kafka_server;
  std::unique_ptr<broker::Clients> clients;
  std::string cluster_id;
  std::error_code error;
  if (config->embedded_broker_enable) {
    const std::filesystem::path data = config->log_dirs.value_or(default_data_directory());
    std::filesystem::create_directories(data, error);
    if (error)
      return fail("cannot create the data directory " + data.string() + ": " + error.message());
    auto broker_config = broker::broker_config_from_properties(broker_properties(*config, data));
    if (!broker_config.ok())
      return fail(worker_file.string() + ": " + broker_config.status().message());
    broker_config->logs.log = [log](const std::string& note) { log->info("broker: {}", note); };
    auto broker = broker::Broker::open(std::move(*broker_config));
    if (!broker.ok()) return fail(broker.status().message());
    embedded_broker = std::move(*broker);
    log->info("Embedded broker open on {}", data.string());
    kafka_server = serve_kafka_protocol(*embedded_broker, *config, log);
    clients = std::make_unique<broker::EmbeddedClients>(*embedded_broker);
    cluster_id = embedded_broker->cluster_id();
  } else {
    auto network = connect_to_cluster(*config);
    if (!network.ok()) return fail(worker_file.string() + ": " + network.status().message());
    auto id = (*network)->cluster_id();
    if (!id.ok()) return fail(worker_file.string() + ": " + id.status().message());
    cluster_id = *id;
    log->info("Using the Kafka cluster {} at {} (embedded.broker.enable=false)", cluster_id,
              (*network)->bootstrap_servers());
    clients = std::move(*network);
  }

  const std::filesystem::path offsets_file = config->offset_storage_file;
  if (offsets_file.has_parent_path()) {
    std::filesystem::create_directories(offsets_file.parent_path(), error);
  }
  auto offsets = runtime::FileOffsetStore::open(offsets_file);
  if (!offsets.ok()) return fail(offsets.status().message());
  for (const std::string& warning : (*offsets)->open_warnings()) log->warn("{}", warning);

  // Connectors created through REST, kept beside the offsets file (docs/rest.md).
  const std::filesystem::path store_file =
      (offsets_file.has_parent_path() ? offsets_file.parent_path() : std::filesystem::path()) /
      std::string(runtime::ConnectorStore::kFileName);
  auto store = runtime::ConnectorStore::open(store_file);
  if (!store.ok()) return fail(store.status().message());

  runtime::StatusStore statuses(
      worker_id(*config, **rest_server),
      [log](const std::string& connector, std::optional<int> task,
            const runtime::StatusEntry& entry) {
        if (task) {
          log->info("Task {}-{} is {}", connector, *task, runtime::state_name(entry.state));
        } else {
          log->info("Connector {} is {}", connector, runtime::state_name(entry.state));
        }
      });
  runtime::Worker worker(*config, {.plugins = registry,
                                   .clients = *clients,
                                   .offsets = **offsets,
                                   .providers = &*providers,
                                   .statuses = statuses,
                                   .log = log});
  for (std::size_t i = 0; i < connector_files.size(); ++i) {
    const std::string file(args[i + 1]);
    auto created =
        worker.put_connector(connector_files[i].config, false, connector_files[i].initial_state);
    if (!created.ok()) {
      worker.shutdown();
      return fail("Failed to create connector for " + file + ": " + created.status().message());
    }
    log->info("Created connector {}", created->name);
  }
  // Then those created through REST before, unless a command-line file named them: the files
  // win. One that cannot be created any more (its plugin is gone) is logged and left out.
  for (const auto& [name, stored] : (*store)->connectors()) {
    if (worker.connector_info(name).ok()) continue;
    auto created = worker.put_connector(stored.config, false, stored.target);
    if (created.ok()) {
      log->info("Created connector {} from {}", name, store_file.string());
    } else {
      log->error("Cannot create connector {} from {}: {}", name, store_file.string(),
                 created.status().message());
    }
  }
  runtime::RecordingHerder herder(worker, **store, [log](const Status& status) {
    log->error("Connector changes were not saved: {}", status.message());
  });
  rest::LoggerLevels logger_levels(log);
  const rest::ConnectApi api(herder, {std::string(kVersion), std::string(kCommit), cluster_id},
                             &logger_levels);
  (*rest_server)->start(api);
  for (const std::string& note : (*rest_server)->notes()) log->info("REST server: {}", note);
  for (const std::string& warning : (*rest_server)->warnings()) log->warn("{}", warning);
  for (const std::string& url : (*rest_server)->urls()) {
    log->info("REST server listening on {}", url);
  }
  log->info("Ferry standalone worker started");

  log->info("Ferry standalone worker stopping ({})", stop_signals.wait());
  (*rest_server)->stop();
  worker.shutdown();
  if (kafka_server) kafka_server->stop();
  if (worker.abandoned_tasks() > 0) {
    // A task that ignores stop() cannot be joined; its offsets were committed up to what the
    // broker acknowledged, so leaving now loses nothing.
    log->error("{} task(s) did not stop; exiting without waiting for them",
               worker.abandoned_tasks());
    std::_Exit(0);
  }
  log->info("Ferry standalone worker stopped");
  return 0;
}

}  // namespace ferry::app
