#include "runtime/worker/worker_config.h"

#include <array>
#include <climits>
#include <utility>

#include <unistd.h>

namespace ferry::runtime {
namespace {

using sdk::ConfigDef;
using sdk::ConfigType;
using sdk::Importance;

constexpr std::string_view kSimpleHeaderConverter =
    "org.apache.kafka.connect.storage.SimpleHeaderConverter";

ConverterSpec converter_spec(const sdk::ParsedConfig& parsed, const sdk::ConfigMap& props,
                             const std::string& key) {
  return {parsed.get_class(key), sdk::originals_with_prefix(props, key + ".")};
}

std::string host_of(std::string_view server) {
  if (server.starts_with('[')) {  // [::1]:9092
    const auto end = server.find(']');
    return std::string(server.substr(1, end == std::string_view::npos ? server.size() : end - 1));
  }
  const auto colon = server.rfind(':');
  return std::string(colon == std::string_view::npos ? server : server.substr(0, colon));
}

}  // namespace

sdk::ConfigMap WorkerConfig::with_prefix(std::string_view prefix) const {
  return sdk::originals_with_prefix(originals, prefix);
}

sdk::ConfigDef worker_config_def(WorkerMode mode) {
  ConfigDef def;
  def.define({.name = "bootstrap.servers",
              .type = ConfigType::kList,
              .default_value = std::string("localhost:9092"),
              .importance = Importance::kHigh,
              .documentation = "The brokers to connect to. Until Ferry speaks the Kafka protocol "
                               "they must name this machine: the worker runs on its embedded "
                               "broker."})
      .define({.name = "key.converter",
               .type = ConfigType::kClass,
               .importance = Importance::kHigh,
               .documentation = "Converter class for record keys (e.g. "
                                "org.apache.kafka.connect.json.JsonConverter)."})
      .define({.name = "value.converter",
               .type = ConfigType::kClass,
               .importance = Importance::kHigh,
               .documentation = "Converter class for record values."})
      .define({.name = "header.converter",
               .type = ConfigType::kClass,
               .default_value = std::string(kSimpleHeaderConverter),
               .importance = Importance::kLow,
               .documentation = "HeaderConverter class for record headers."})
      .define({.name = "task.shutdown.graceful.timeout.ms",
               .type = ConfigType::kLong,
               .default_value = std::int64_t{5000},
               .importance = Importance::kLow,
               .documentation = "How long to wait for tasks to stop, in total, before giving up."})
      .define({.name = "offset.flush.interval.ms",
               .type = ConfigType::kLong,
               .default_value = std::int64_t{60000},
               .importance = Importance::kLow,
               .documentation = "How often tasks' offsets are committed."})
      .define({.name = "offset.flush.timeout.ms",
               .type = ConfigType::kLong,
               .default_value = std::int64_t{5000},
               .importance = Importance::kLow,
               .documentation = "How long an offset commit waits for records to be acknowledged."})
      .define({.name = "plugin.path",
               .type = ConfigType::kList,
               .default_value = nullptr,
               .importance = Importance::kLow,
               .documentation = "Folders of plugin folders, or plugin folders, comma-separated."})
      .define({.name = "listeners",
               .type = ConfigType::kList,
               .default_value = std::string("http://:8083"),
               .importance = Importance::kLow,
               .documentation = "Where the REST API listens (http://host:port, ...)."})
      .define({.name = "topic.tracking.enable",
               .type = ConfigType::kBoolean,
               .default_value = true,
               .importance = Importance::kLow,
               .documentation = "Enable tracking the set of active topics per connector."})
      .define({.name = "topic.tracking.allow.reset",
               .type = ConfigType::kBoolean,
               .default_value = true,
               .importance = Importance::kLow,
               .documentation = "Allow resets of a connector's set of active topics."})
      .define({.name = "log.dirs",
               .type = ConfigType::kString,
               .default_value = nullptr,
               .importance = Importance::kHigh,
               .documentation = "Ferry: the embedded broker's data directory."})
      .define({.name = "embedded.broker.enable",
               .type = ConfigType::kBoolean,
               .default_value = true,
               .importance = Importance::kMedium,
               .documentation = "Ferry: run the embedded broker (serving the Kafka protocol on "
                                "the addresses of bootstrap.servers); false: use the cluster at "
                                "bootstrap.servers."});
  if (mode == WorkerMode::kStandalone) {
    def.define({.name = "offset.storage.file.filename",
                .type = ConfigType::kString,
                .importance = Importance::kHigh,
                .documentation = "File to store source connector offsets in."});
  }
  return def;
}

Result<WorkerConfig> parse_worker_config(const sdk::ConfigMap& props, WorkerMode mode,
                                         std::string_view source) {
  const ConfigDef def = worker_config_def(mode);
  WorkerConfig config;
  config.originals = props;
  try {
    const sdk::ParsedConfig parsed = def.parse(props);
    config.bootstrap_servers = parsed.get_list("bootstrap.servers");
    config.key_converter = converter_spec(parsed, props, "key.converter");
    config.value_converter = converter_spec(parsed, props, "value.converter");
    config.header_converter = converter_spec(parsed, props, "header.converter");
    const auto millis = [&](std::string_view key) -> Result<std::chrono::milliseconds> {
      const std::int64_t value = parsed.get_long(key);
      if (value < 0) {
        return Status::invalid_argument("Invalid value " + std::to_string(value) +
                                        " for configuration " + std::string(key) +
                                        ": must not be negative");
      }
      return std::chrono::milliseconds(value);
    };
    for (const auto& [key, field] :
         std::array<std::pair<std::string_view, std::chrono::milliseconds WorkerConfig::*>, 3>{
             {{"task.shutdown.graceful.timeout.ms", &WorkerConfig::task_shutdown_graceful_timeout},
              {"offset.flush.interval.ms", &WorkerConfig::offset_flush_interval},
              {"offset.flush.timeout.ms", &WorkerConfig::offset_flush_timeout}}}) {
      auto value = millis(key);
      if (!value.ok()) return value.status().with_context(std::string(source));
      config.*field = *value;
    }
    if (!parsed.is_null("plugin.path")) config.plugin_path = parsed.get_list("plugin.path");
    config.listeners = parsed.get_list("listeners");
    config.topic_tracking_enable = parsed.get_bool("topic.tracking.enable");
    config.topic_tracking_allow_reset = parsed.get_bool("topic.tracking.allow.reset");
    config.embedded_broker_enable = parsed.get_bool("embedded.broker.enable");
    if (!parsed.is_null("log.dirs")) {
      std::string dirs = parsed.get_string("log.dirs");
      if (dirs.find(',') != std::string::npos) {
        return Status::invalid_argument(std::string(source) +
                                        ": log.dirs names several directories (" + dirs +
                                        "); the embedded broker keeps its data in one");
      }
      if (!dirs.empty()) config.log_dirs = std::filesystem::path(dirs);
    }
    if (mode == WorkerMode::kStandalone) {
      const std::string& file = parsed.get_string("offset.storage.file.filename");
      if (file.empty()) {
        return Status::invalid_argument(
            std::string(source) +
            ": Invalid value \"\" for configuration offset.storage.file.filename: must name a "
            "file");
      }
      config.offset_storage_file = file;
    }
  } catch (const sdk::ConfigException& e) {
    return Status::invalid_argument(std::string(source) + ": " + e.what());
  }
  return config;
}

Status check_embedded_bootstrap(const std::vector<std::string>& servers) {
  std::array<char, HOST_NAME_MAX + 1> hostname{};
  ::gethostname(hostname.data(), hostname.size() - 1);
  for (const std::string& server : servers) {
    const std::string host = host_of(server);
    const bool local = host.empty() || host == "localhost" || host.starts_with("127.") ||
                       host == "::1" || host == "0.0.0.0" || host == "::" ||
                       host == hostname.data();
    if (!local) {
      return Status::invalid_argument(
          "bootstrap.servers: " + server +
          " is not this machine; a Ferry worker runs on its embedded broker (Kafka-protocol "
          "clusters come with the network client)");
    }
  }
  return Status::ok_status();
}

}  // namespace ferry::runtime
