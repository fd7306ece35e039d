#include "runtime/worker/connector_config.h"

#include <algorithm>
#include <set>
#include <utility>

namespace ferry::runtime {
namespace {

using sdk::ConfigDef;
using sdk::ConfigType;
using sdk::Importance;

constexpr std::string_view kCommon = "Common";
constexpr std::string_view kTransforms = "Transforms";
constexpr std::string_view kPredicates = "Predicates";
constexpr std::string_view kErrors = "Error Handling";

Status missing(const std::string& key) {
  return Status::invalid_argument("Missing required configuration \"" + key +
                                  "\" which has no default value.");
}

std::optional<ConverterSpec> converter_override(const sdk::ConfigMap& props,
                                                const std::string& key) {
  const auto it = props.find(key);
  if (it == props.end() || it->second.empty()) return std::nullopt;
  return ConverterSpec{it->second, sdk::originals_with_prefix(props, key + ".")};
}

// The aliases of a list key, refusing duplicates as Kafka's validator does.
Result<std::vector<std::string>> aliases(const sdk::ParsedConfig& parsed, const std::string& key) {
  std::vector<std::string> list = parsed.get_list(key);
  std::set<std::string> seen;
  for (const std::string& alias : list) {
    if (alias.empty()) continue;
    if (!seen.insert(alias).second) {
      return Status::invalid_argument("Invalid value " + parsed.originals().at(key) +
                                      " for configuration " + key + ": Duplicate alias provided.");
    }
  }
  std::erase(list, std::string());
  return list;
}

}  // namespace

std::string_view connector_type_name(ConnectorType type) {
  return type == ConnectorType::kSource ? "source" : "sink";
}

sdk::ConfigDef connector_config_def(ConnectorType type) {
  const auto group = [](std::string_view name) { return std::optional<std::string>(name); };
  ConfigDef def;
  int order = 0;
  def.define({.name = "name",
              .type = ConfigType::kString,
              .importance = Importance::kHigh,
              .documentation = "Globally unique name to use for this connector.",
              .group = group(kCommon),
              .order_in_group = ++order,
              .display_name = "Connector name"})
      .define({.name = "connector.class",
               .type = ConfigType::kString,
               .importance = Importance::kHigh,
               .documentation = "Name or alias of the class for this connector.",
               .group = group(kCommon),
               .order_in_group = ++order,
               .display_name = "Connector class"})
      .define({.name = "tasks.max",
               .type = ConfigType::kInt,
               .default_value = 1,
               .validator = sdk::Range::at_least(1),
               .importance = Importance::kHigh,
               .documentation = "Maximum number of tasks to use for this connector.",
               .group = group(kCommon),
               .order_in_group = ++order,
               .display_name = "Tasks max"});
  for (const char* key : {"key.converter", "value.converter", "header.converter"}) {
    def.define({.name = key,
                .type = ConfigType::kClass,
                .default_value = nullptr,
                .importance = Importance::kLow,
                .documentation = "Overrides the worker's converter of the same name.",
                .group = group(kCommon),
                .order_in_group = ++order});
  }
  def.define({.name = "transforms",
              .type = ConfigType::kList,
              .default_value = std::string(),
              .importance = Importance::kLow,
              .documentation = "Aliases for the transformations to be applied to records.",
              .group = group(kTransforms),
              .order_in_group = ++order,
              .display_name = "Transforms"})
      .define({.name = "predicates",
               .type = ConfigType::kList,
               .default_value = std::string(),
               .importance = Importance::kLow,
               .documentation = "Aliases for the predicates used by transformations.",
               .group = group(kPredicates),
               .order_in_group = ++order,
               .display_name = "Predicates"})
      .define({.name = "errors.retry.timeout",
               .type = ConfigType::kLong,
               .default_value = std::int64_t{0},
               .importance = Importance::kMedium,
               .documentation = "How long a failed operation is retried, in ms; -1: forever.",
               .group = group(kErrors),
               .order_in_group = ++order})
      .define({.name = "errors.retry.delay.max.ms",
               .type = ConfigType::kLong,
               .default_value = std::int64_t{60000},
               .importance = Importance::kMedium,
               .documentation = "The longest wait between retries of a failed operation.",
               .group = group(kErrors),
               .order_in_group = ++order})
      .define({.name = "errors.tolerance",
               .type = ConfigType::kString,
               .default_value = std::string("none"),
               .validator = sdk::ValidString::in({"none", "all"}),
               .importance = Importance::kMedium,
               .documentation = "none: a failing record fails the task; all: it is skipped.",
               .group = group(kErrors),
               .order_in_group = ++order})
      .define({.name = "errors.log.enable",
               .type = ConfigType::kBoolean,
               .default_value = false,
               .importance = Importance::kMedium,
               .documentation = "Log every failed operation and problematic record.",
               .group = group(kErrors),
               .order_in_group = ++order})
      .define({.name = "errors.log.include.messages",
               .type = ConfigType::kBoolean,
               .default_value = false,
               .importance = Importance::kMedium,
               .documentation = "Include the failed records in the log.",
               .group = group(kErrors),
               .order_in_group = ++order});
  if (type == ConnectorType::kSink) {
    def.define({.name = "topics",
                .type = ConfigType::kList,
                .default_value = std::string(),
                .importance = Importance::kHigh,
                .documentation = "The topics to consume.",
                .group = group(kCommon),
                .order_in_group = 4,
                .display_name = "Topics"})
        .define({.name = "topics.regex",
                 .type = ConfigType::kString,
                 .default_value = std::string(),
                 .importance = Importance::kHigh,
                 .documentation = "A regular expression selecting the topics to consume.",
                 .group = group(kCommon),
                 .order_in_group = 4,
                 .display_name = "Topics regex"})
        .define({.name = "errors.deadletterqueue.topic.name",
                 .type = ConfigType::kString,
                 .default_value = std::string(),
                 .importance = Importance::kMedium,
                 .documentation = "The topic for records that fail (empty: none).",
                 .group = group(kErrors),
                 .order_in_group = ++order})
        .define({.name = "errors.deadletterqueue.topic.replication.factor",
                 .type = ConfigType::kShort,
                 .default_value = std::int16_t{3},
                 .importance = Importance::kMedium,
                 .documentation = "Replication factor of the dead letter queue topic when it is "
                                  "created.",
                 .group = group(kErrors),
                 .order_in_group = ++order})
        .define({.name = "errors.deadletterqueue.context.headers.enable",
                 .type = ConfigType::kBoolean,
                 .default_value = false,
                 .importance = Importance::kMedium,
                 .documentation = "Add __connect.errors.* headers saying where and why a record "
                                  "failed to the records of the dead letter queue.",
                 .group = group(kErrors),
                 .order_in_group = ++order});
  }
  return def;
}

Status check_connector_name(std::string_view name) {
  if (name.empty()) return Status::invalid_argument("Connector name must not be empty");
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return Status::invalid_argument("Connector name \"" + std::string(name) +
                                      "\" must not contain ISO control characters");
    }
  }
  return Status::ok_status();
}

Result<ConnectorConfig> parse_connector_config(const sdk::ConfigMap& props, ConnectorType type) {
  ConnectorConfig config;
  config.originals = props;
  try {
    const sdk::ParsedConfig parsed = connector_config_def(type).parse(props);
    config.name = parsed.get_string("name");
    if (Status name = check_connector_name(config.name); !name.ok()) return name;
    config.connector_class = parsed.get_string("connector.class");
    config.tasks_max = parsed.get_int("tasks.max");
    config.key_converter = converter_override(props, "key.converter");
    config.value_converter = converter_override(props, "value.converter");
    config.header_converter = converter_override(props, "header.converter");
    config.errors_tolerance = parsed.get_string("errors.tolerance") == "all"
                                  ? ErrorTolerance::kAll
                                  : ErrorTolerance::kNone;
    config.errors_log_enable = parsed.get_bool("errors.log.enable");
    config.errors_log_include_messages = parsed.get_bool("errors.log.include.messages");

    auto predicate_aliases = aliases(parsed, "predicates");
    if (!predicate_aliases.ok()) return predicate_aliases.status();
    for (const std::string& alias : *predicate_aliases) {
      const std::string prefix = "predicates." + alias + ".";
      sdk::ConfigMap own = sdk::originals_with_prefix(props, prefix);
      const auto type_key = own.find("type");
      if (type_key == own.end() || type_key->second.empty()) return missing(prefix + "type");
      std::string class_name = type_key->second;
      own.erase(type_key);
      config.predicates.push_back({alias, std::move(class_name), std::move(own)});
    }
    auto transform_aliases = aliases(parsed, "transforms");
    if (!transform_aliases.ok()) return transform_aliases.status();
    for (const std::string& alias : *transform_aliases) {
      const std::string prefix = "transforms." + alias + ".";
      sdk::ConfigMap own = sdk::originals_with_prefix(props, prefix);
      const auto type_key = own.find("type");
      if (type_key == own.end() || type_key->second.empty()) return missing(prefix + "type");
      TransformSpec spec{.alias = alias, .class_name = type_key->second};
      own.erase("type");
      if (const auto it = own.find("predicate"); it != own.end()) {
        spec.predicate = it->second;
        own.erase(it);
        const bool known = std::ranges::any_of(
            config.predicates, [&](const PredicateSpec& p) { return p.alias == spec.predicate; });
        if (!spec.predicate.empty() && !known) {
          return Status::invalid_argument("Invalid value " + spec.predicate +
                                          " for configuration " + prefix +
                                          "predicate: Not a valid predicate alias");
        }
      }
      if (const auto it = own.find("negate"); it != own.end()) {
        if (it->second != "true" && it->second != "false") {
          return Status::invalid_argument("Invalid value " + it->second + " for configuration " +
                                          prefix +
                                          "negate: Expected value to be either true or "
                                          "false");
        }
        spec.negate = it->second == "true";
        own.erase(it);
      }
      spec.configs = std::move(own);
      config.transforms.push_back(std::move(spec));
    }

    if (type == ConnectorType::kSink) {
      config.topics = parsed.get_list("topics");
      std::erase(config.topics, std::string());
      config.topics_regex = parsed.get_string("topics.regex");
      if (config.topics.empty() && config.topics_regex.empty()) {
        return Status::invalid_argument("Must configure one of topics or topics.regex");
      }
      if (!config.topics.empty() && !config.topics_regex.empty()) {
        return Status::invalid_argument(
            "topics and topics.regex are mutually exclusive options, but both are set.");
      }
      const std::string& dlq = parsed.get_string("errors.deadletterqueue.topic.name");
      config.dead_letter_queue_topic = dlq;
      config.dead_letter_queue_context_headers =
          parsed.get_bool("errors.deadletterqueue.context.headers.enable");
      if (!dlq.empty() && std::ranges::find(config.topics, dlq) != config.topics.end()) {
        return Status::invalid_argument("The DLQ topic '" + dlq +
                                        "' may not be included in the list of topics ('topics=" +
                                        props.at("topics") + "') consumed by the connector");
      }
    }
  } catch (const sdk::ConfigException& e) {
    return Status::invalid_argument(e.what());
  }
  return config;
}

}  // namespace ferry::runtime
