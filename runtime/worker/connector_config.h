// The keys every connector has, whatever its class (Kafka Connect's ConnectorConfig,
// SinkConnectorConfig and SourceConnectorConfig; reference §2.4), parsed with Kafka's defaults
// and messages. Every key, known or not, stays in originals and is handed to the connector.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "ferry/sdk/config_def.h"
#include "runtime/worker/worker_config.h"

namespace ferry::runtime {

enum class ConnectorType { kSource, kSink };
std::string_view connector_type_name(ConnectorType type);  // "source", "sink"

// transforms.<alias>.* and predicates.<alias>.*: the class and its own keys (prefix stripped;
// type, predicate and negate removed).
struct TransformSpec {
  std::string alias;
  std::string class_name;
  sdk::ConfigMap configs;
  std::string predicate;  // alias of a predicate, or empty
  bool negate = false;
};
struct PredicateSpec {
  std::string alias;
  std::string class_name;
  sdk::ConfigMap configs;
};

enum class ErrorTolerance { kNone, kAll };

struct ConnectorConfig {
  sdk::ConfigMap originals;
  std::string name;
  std::string connector_class;
  int tasks_max = 1;
  // Set when the connector overrides the worker's converter.
  std::optional<ConverterSpec> key_converter;
  std::optional<ConverterSpec> value_converter;
  std::optional<ConverterSpec> header_converter;
  std::vector<TransformSpec> transforms;
  std::vector<PredicateSpec> predicates;
  ErrorTolerance errors_tolerance = ErrorTolerance::kNone;
  bool errors_log_enable = false;
  bool errors_log_include_messages = false;
  // Sinks: exactly one of the two is set.
  std::vector<std::string> topics;
  std::string topics_regex;
  // Sinks: errors.deadletterqueue.* (empty topic: no dead letter queue).
  std::string dead_letter_queue_topic;
  bool dead_letter_queue_context_headers = false;
};

// The framework's keys for a connector of that type, as REST's validate and plugin listing show
// them (groups Common, Transforms, Predicates, Error Handling).
sdk::ConfigDef connector_config_def(ConnectorType type);

// Checks a connector name as Kafka does: not empty, no ISO control characters. The error names
// the problem.
Status check_connector_name(std::string_view name);

// Parses props as a connector of type. Errors (invalid_argument) use Kafka's messages and name
// the key: "Missing required configuration \"name\" which has no default value.", "Must
// configure one of topics or topics.regex", ...
Result<ConnectorConfig> parse_connector_config(const sdk::ConfigMap& props, ConnectorType type);

}  // namespace ferry::runtime
