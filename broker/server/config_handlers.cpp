// DescribeConfigs, AlterConfigs, IncrementalAlterConfigs and CreatePartitions: topic configs and
// partition counts through the LogManager, as Kafka's admin clients (kafka-configs,
// kafka-topics --alter, librdkafka's admin API) use them.
//
// Resources: TOPIC (2) as Kafka; BROKER (4) is described with no entries and cannot be altered
// (a single broker's settings come from server.properties); other types are INVALID_REQUEST.
#include <algorithm>
#include <map>

#include "broker/server/request_handler.h"

namespace ferry::broker {

using protocol::ErrorCode;

namespace {

constexpr std::int64_t kTopicResource = 2;
constexpr std::int64_t kBrokerResource = 4;
// DescribeConfigs' ConfigSource values.
constexpr std::int64_t kDynamicTopicConfig = 1;
constexpr std::int64_t kDefaultConfig = 5;
// IncrementalAlterConfigs' operations.
constexpr std::int64_t kSet = 0;
constexpr std::int64_t kDelete = 1;

std::int16_t code(ErrorCode error) { return static_cast<std::int16_t>(error); }

ErrorCode config_error(const Status& status) {
  if (status.kind() == Status::Kind::kNotFound) return ErrorCode::kUnknownTopicOrPartition;
  if (status.kind() == Status::Kind::kInvalidArgument) return ErrorCode::kInvalidConfig;
  return error_code_for(status);
}

}  // namespace

protocol::Struct RequestHandler::describe_configs(const protocol::Request& request) {
  Struct response(request.api->response);
  const std::int16_t version = request.header.api_version;
  for (const Struct& resource : request.body.structs("Resources")) {
    const std::int64_t type = resource.integer("ResourceType");
    const std::string& name = resource.string("ResourceName");
    Struct& result = response.add("Results");
    result.set_integer("ResourceType", type).set_string("ResourceName", name);
    if (type == kBrokerResource) continue;
    if (type != kTopicResource) {
      result.set_integer("ErrorCode", code(ErrorCode::kInvalidRequest))
          .set_nullable_string("ErrorMessage", "Unsupported resource type " + std::to_string(type));
      continue;
    }
    auto topic = broker_.logs().describe_topic(name);
    if (!topic.ok()) {
      result.set_integer("ErrorCode", code(config_error(topic.status())))
          .set_nullable_string("ErrorMessage", topic.status().message());
      continue;
    }
    const bool all = resource.is_null("ConfigurationKeys");
    const std::vector<std::string> keys =
        all ? std::vector<std::string>{} : resource.strings("ConfigurationKeys");
    std::map<std::string, std::string> entries;
    for (auto& [key, value] : topic_config_entries(topic->config)) entries[key] = value;
    // Keys set for the topic that describe does not derive (accepted, without effect) too.
    for (const auto& [key, value] : topic->overrides) entries[key] = value;
    for (const auto& [key, value] : entries) {
      if (!all && std::find(keys.begin(), keys.end(), key) == keys.end()) continue;
      const bool set = topic->overrides.contains(key);
      Struct& entry = result.add("Configs");
      entry.set_string("Name", key)
          .set_nullable_string("Value", value)
          .set_integer("ReadOnly", 0)
          .set_integer("IsSensitive", 0);
      if (version == 0) {
        entry.set_integer("IsDefault", set ? 0 : 1);
      } else {
        entry.set_integer("ConfigSource", set ? kDynamicTopicConfig : kDefaultConfig);
      }
    }
  }
  return response;
}

protocol::Struct RequestHandler::alter_configs(const protocol::Request& request, bool incremental) {
  Struct response(request.api->response);
  const bool validate_only = request.body.integer("ValidateOnly") != 0;
  for (const Struct& resource : request.body.structs("Resources")) {
    const std::int64_t type = resource.integer("ResourceType");
    const std::string& name = resource.string("ResourceName");
    Struct& result = response.add("Responses");
    result.set_integer("ResourceType", type).set_string("ResourceName", name);
    const auto fail = [&](ErrorCode error, const std::string& message) {
      result.set_integer("ErrorCode", code(error)).set_nullable_string("ErrorMessage", message);
    };
    if (type != kTopicResource) {
      fail(ErrorCode::kInvalidRequest,
           type == kBrokerResource
               ? "Broker configs cannot be altered: this broker reads them from server.properties"
               : "Unsupported resource type " + std::to_string(type));
      continue;
    }
    auto topic = broker_.logs().describe_topic(name);
    if (!topic.ok()) {
      fail(config_error(topic.status()), topic.status().message());
      continue;
    }
    // AlterConfigs replaces every override; IncrementalAlterConfigs edits them.
    ConfigEntries overrides = incremental ? topic->overrides : ConfigEntries{};
    bool refused = false;
    for (const Struct& config : resource.structs("Configs")) {
      const std::string& key = config.string("Name");
      const std::int64_t operation = incremental ? config.integer("ConfigOperation") : kSet;
      if (operation == kDelete || config.is_null("Value")) {
        overrides.erase(key);
      } else if (operation == kSet) {
        overrides[key] = config.string("Value");
      } else {
        fail(ErrorCode::kInvalidRequest, "Config operation " + std::to_string(operation) +
                                             " (APPEND or SUBTRACT) applies to list configs, "
                                             "which no topic config of this broker is");
        refused = true;
        break;
      }
    }
    if (refused) continue;
    if (Result<LogConfig> valid = apply_topic_config(overrides, broker_.logs().options().defaults);
        !valid.ok()) {
      fail(ErrorCode::kInvalidConfig, valid.status().message());
      continue;
    }
    if (validate_only) continue;
    if (Status altered = broker_.logs().alter_topic_config(name, overrides); !altered.ok()) {
      fail(config_error(altered), altered.message());
    }
  }
  return response;
}

protocol::Struct RequestHandler::create_partitions(const protocol::Request& request) {
  Struct response(request.api->response);
  const bool validate_only = request.body.integer("ValidateOnly") != 0;
  for (const Struct& topic : request.body.structs("Topics")) {
    const std::string& name = topic.string("Name");
    const std::int64_t count = topic.integer("Count");
    Struct& result = response.add("Results");
    result.set_string("Name", name);
    const auto fail = [&](ErrorCode error, const std::string& message) {
      result.set_integer("ErrorCode", code(error)).set_nullable_string("ErrorMessage", message);
    };
    auto described = broker_.logs().describe_topic(name);
    if (!described.ok()) {
      fail(ErrorCode::kUnknownTopicOrPartition, "The topic '" + name + "' does not exist.");
      continue;
    }
    if (count <= described->partitions) {
      fail(ErrorCode::kInvalidPartitions,
           "Topic currently has " + std::to_string(described->partitions) +
               " partitions, which is higher than the requested " + std::to_string(count) + ".");
      continue;
    }
    if (!topic.is_null("Assignments")) {
      bool one_replica = true;
      for (const Struct& assignment : topic.structs("Assignments")) {
        one_replica =
            one_replica && assignment.integers("BrokerIds") == std::vector<std::int64_t>{0};
      }
      if (!one_replica) {
        fail(ErrorCode::kInvalidReplicaAssignment,
             "Each new partition needs exactly one replica, on broker 0: available brokers: 1.");
        continue;
      }
    }
    if (validate_only) continue;
    if (Status added = broker_.logs().add_partitions(name, static_cast<std::int32_t>(count));
        !added.ok()) {
      fail(ErrorCode::kInvalidPartitions, added.message());
    }
  }
  return response;
}

}  // namespace ferry::broker
