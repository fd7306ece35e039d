// The worker's own settings (Kafka Connect's WorkerConfig and StandaloneConfig; reference §2.1,
// §2.2), parsed from the worker properties with the same keys, defaults and messages, plus
// Ferry's log.dirs for the embedded broker's data. Every key is kept in originals: producer.*,
// consumer.* and admin.* go to the worker's clients, config.providers to the config providers,
// the rest is ignored as Kafka ignores it.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "ferry/sdk/config_def.h"

namespace ferry::runtime {

// A converter class and the keys under its prefix ("key.converter." stripped).
struct ConverterSpec {
  std::string class_name;
  sdk::ConfigMap configs;
};

struct WorkerConfig {
  sdk::ConfigMap originals;
  std::vector<std::string> bootstrap_servers;
  ConverterSpec key_converter;
  ConverterSpec value_converter;
  ConverterSpec header_converter;
  std::chrono::milliseconds task_shutdown_graceful_timeout{5000};
  std::chrono::milliseconds offset_flush_interval{60000};
  std::chrono::milliseconds offset_flush_timeout{5000};
  std::vector<std::string> plugin_path;
  std::vector<std::string> listeners;
  std::filesystem::path offset_storage_file;      // standalone: required
  std::optional<std::filesystem::path> log_dirs;  // the embedded broker's data; unset: default
  bool topic_tracking_enable = true;              // tasks record their topics (/topics)
  bool topic_tracking_allow_reset = true;         // PUT /connectors/{c}/topics/reset allowed
  // Ferry's embedded.broker.enable: the worker runs its own broker, which also serves the Kafka
  // protocol on the local addresses of bootstrap.servers; false: the worker is a client of the
  // cluster at bootstrap.servers.
  bool embedded_broker_enable = true;

  // The keys under prefix ("producer.", "consumer.", "admin."), prefix stripped.
  sdk::ConfigMap with_prefix(std::string_view prefix) const;
};

enum class WorkerMode { kStandalone, kDistributed };

// The keys a worker of that mode understands, with Kafka's defaults and documentation.
sdk::ConfigDef worker_config_def(WorkerMode mode);

// Parses and validates worker properties. Errors (invalid_argument) name the source, the key and
// the problem, with Kafka's wording: "Missing required configuration \"key.converter\" which has
// no default value."
Result<WorkerConfig> parse_worker_config(const sdk::ConfigMap& props, WorkerMode mode,
                                         std::string_view source);

// Whether every bootstrap.servers entry names this machine (localhost, a loopback or wildcard
// address, or this host's name): the embedded broker is the only one a worker can use until the
// Kafka-protocol client exists.
Status check_embedded_bootstrap(const std::vector<std::string>& servers);

}  // namespace ferry::runtime
