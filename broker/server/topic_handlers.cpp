// Metadata, CreateTopics and DeleteTopics: the topic side of the protocol.
#include "broker/server/request_handler.h"
#include "broker/topics/topic_name.h"

namespace ferry::broker {

using protocol::ErrorCode;

namespace {

std::int16_t code(ErrorCode error) { return static_cast<std::int16_t>(error); }

}  // namespace

protocol::Struct RequestHandler::metadata(const protocol::Request& request) {
  Struct response(request.api->response);
  response.add("Brokers")
      .set_integer("NodeId", options_.node_id)
      .set_string("Host", options_.advertised_host)
      .set_integer("Port", options_.advertised_port)
      .set_nullable_string("Rack", std::nullopt);
  response.set_nullable_string("ClusterId", options_.cluster_id)
      .set_integer("ControllerId", options_.node_id);

  LogManager& logs = broker_.logs();
  std::vector<std::string> names;
  const bool all = request.body.is_null("Topics") ||
                   (request.header.api_version == 0 && request.body.structs("Topics").empty());
  if (all) {
    names = logs.list_topics();
  } else {
    for (const Struct& topic : request.body.structs("Topics"))
      names.push_back(topic.string("Name"));
  }
  const bool may_create = !all && request.body.integer("AllowAutoTopicCreation") != 0 &&
                          logs.options().auto_create_topics && !logs.read_only();
  for (const std::string& name : names) {
    Struct& topic = response.add("Topics");
    topic.set_string("Name", name);
    auto description = logs.describe_topic(name);
    if (!description.ok() && description.status().kind() == Status::Kind::kNotFound) {
      if (const Status valid = validate_topic_name(name); !valid.ok()) {
        topic.set_integer("ErrorCode", code(ErrorCode::kInvalidTopicException));
        continue;
      }
      if (may_create) {
        const Status created = logs.create_topic(name, logs.options().default_partitions);
        if (!created.ok() && created.kind() != Status::Kind::kConflict) {
          note("Metadata: auto-creating topic " + name + ": " + created.message());
        }
        description = logs.describe_topic(name);
      }
    }
    if (!description.ok()) {
      topic.set_integer("ErrorCode", code(ErrorCode::kUnknownTopicOrPartition));
      continue;
    }
    topic.set_integer("IsInternal", description->internal ? 1 : 0);
    for (std::int32_t p = 0; p < description->partitions; ++p) {
      topic.add("Partitions")
          .set_integer("PartitionIndex", p)
          .set_integer("LeaderId", options_.node_id)
          .set_integer("LeaderEpoch", 0)
          .set_integers("ReplicaNodes", {options_.node_id})
          .set_integers("IsrNodes", {options_.node_id});
    }
  }
  return response;
}

protocol::Struct RequestHandler::create_topics(const protocol::Request& request) {
  Struct response(request.api->response);
  LogManager& logs = broker_.logs();
  const bool validate_only = request.body.integer("ValidateOnly") != 0;
  for (const Struct& topic : request.body.structs("Topics")) {
    const std::string& name = topic.string("Name");
    Struct& result = response.add("Topics");
    result.set_string("Name", name);
    const auto fail = [&](ErrorCode error, const std::string& message) {
      result.set_integer("ErrorCode", code(error)).set_nullable_string("ErrorMessage", message);
    };
    if (const Status valid = validate_topic_name(name); !valid.ok()) {
      fail(ErrorCode::kInvalidTopicException, valid.message());
      continue;
    }
    std::int64_t partitions = topic.integer("NumPartitions");
    const std::int64_t replication = topic.integer("ReplicationFactor");
    const auto& assignments = topic.structs("Assignments");
    if (!assignments.empty()) {
      if (partitions != -1 || replication != -1) {
        fail(ErrorCode::kInvalidRequest,
             "Both numPartitions or replicationFactor and replicasAssignments were set. Both "
             "cannot be used at the same time.");
        continue;
      }
      partitions = static_cast<std::int64_t>(assignments.size());
      bool one_replica = true;
      for (const Struct& assignment : assignments) {
        one_replica = one_replica && assignment.integers("BrokerIds").size() == 1;
      }
      if (!one_replica) {
        fail(ErrorCode::kInvalidReplicationFactor,
             "Replica assignments need exactly one replica: available brokers: 1.");
        continue;
      }
    }
    if (replication > 1) {
      fail(ErrorCode::kInvalidReplicationFactor,
           "Replication factor: " + std::to_string(replication) +
               " larger than available brokers: 1.");
      continue;
    }
    if (replication == 0 || replication < -1) {
      fail(ErrorCode::kInvalidReplicationFactor,
           "Replication factor must be larger than 0, or -1 to use the default value.");
      continue;
    }
    if (partitions == -1) partitions = logs.options().default_partitions;
    if (partitions <= 0 || partitions > 0x7fffffff) {
      fail(ErrorCode::kInvalidPartitions,
           "Number of partitions must be larger than 0, or -1 to use the default value.");
      continue;
    }
    ConfigEntries overrides;
    for (const Struct& config : topic.structs("Configs")) {
      if (!config.is_null("Value")) overrides[config.string("Name")] = config.string("Value");
    }
    if (validate_only) {
      if (logs.describe_topic(name).ok()) {
        fail(ErrorCode::kTopicAlreadyExists, "Topic '" + name + "' already exists.");
      }
      continue;
    }
    const Status created =
        logs.create_topic(name, static_cast<std::int32_t>(partitions), overrides);
    if (created.kind() == Status::Kind::kConflict) {
      fail(ErrorCode::kTopicAlreadyExists, "Topic '" + name + "' already exists.");
    } else if (!created.ok()) {
      fail(ErrorCode::kInvalidConfig, created.message());
    } else {
      result.set_nullable_string("ErrorMessage", std::nullopt);
    }
  }
  return response;
}

protocol::Struct RequestHandler::delete_topics(const protocol::Request& request) {
  Struct response(request.api->response);
  for (const std::string& name : request.body.strings("TopicNames")) {
    const Status deleted = broker_.logs().delete_topic(name);
    response.add("Responses")
        .set_string("Name", name)
        .set_integer("ErrorCode", code(deleted.ok() ? ErrorCode::kNone
                                       : deleted.kind() == Status::Kind::kNotFound
                                           ? ErrorCode::kUnknownTopicOrPartition
                                           : ErrorCode::kUnknownServerError));
    if (!deleted.ok() && deleted.kind() != Status::Kind::kNotFound) {
      note("DeleteTopics " + name + ": " + deleted.message());
    }
  }
  return response;
}

protocol::Struct RequestHandler::delete_records(const protocol::Request& request) {
  Struct response(request.api->response);
  for (const Struct& topic : request.body.structs("Topics")) {
    const std::string& name = topic.string("Name");
    Struct& topic_response = response.add("Topics");
    topic_response.set_string("Name", name);
    for (const Struct& partition : topic.structs("Partitions")) {
      const auto index = static_cast<std::int32_t>(partition.integer("PartitionIndex"));
      Struct& result = topic_response.add("Partitions");
      result.set_integer("PartitionIndex", index).set_integer("LowWatermark", -1);
      auto log = broker_.logs().partition(name, index);
      if (!log.ok()) {
        result.set_integer("ErrorCode", code(ErrorCode::kUnknownTopicOrPartition));
        continue;
      }
      const auto start = (*log)->delete_records_before(partition.integer("Offset"));
      if (start.ok()) {
        result.set_integer("LowWatermark", *start).set_integer("ErrorCode", 0);
      } else if (start.status().kind() == Status::Kind::kOutOfRange) {
        result.set_integer("ErrorCode", code(ErrorCode::kOffsetOutOfRange));
      } else {
        note("DeleteRecords " + name + "-" + std::to_string(index) + ": " +
             start.status().message());
        result.set_integer("ErrorCode", code(ErrorCode::kUnknownServerError));
      }
    }
  }
  return response;
}

}  // namespace ferry::broker
