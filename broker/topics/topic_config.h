// A topic's configuration: Kafka's topic-level keys (retention.ms, cleanup.policy, ...) over
// the broker's defaults, which come from server.properties under Kafka's broker names
// (log.retention.hours, log.segment.bytes, ...). Errors use Kafka's wording: "Unknown topic
// config name: x", "Invalid value abc for configuration retention.ms: Not a number of type LONG".
//
// Keys Kafka defines that do not apply to a single embedded broker (min.insync.replicas,
// compression.type, preallocate, ...) are accepted, validated loosely and kept for describe, but
// change nothing; log_config.h lists the keys that take effect.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "broker/storage/log_config.h"
#include "common/result.h"

namespace ferry::broker {

using ConfigEntries = std::map<std::string, std::string>;

// overrides (topic-level keys) applied on top of defaults.
Result<LogConfig> apply_topic_config(const ConfigEntries& overrides, const LogConfig& defaults);

// The broker's defaults from server.properties keys; unknown keys are ignored (they belong to
// other parts of the broker). Ferry's defaults where a key is absent: log_config.h.
Result<LogConfig> broker_log_defaults(const ConfigEntries& server_properties);

// Every topic-level key that takes effect with its value in config, for describe.
std::vector<std::pair<std::string, std::string>> topic_config_entries(const LogConfig& config);

}  // namespace ferry::broker
