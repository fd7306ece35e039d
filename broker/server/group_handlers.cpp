// The group membership and offset APIs, mapped onto the GroupCoordinator; its GroupError values
// carry Kafka's codes and go on the wire as they are.
#include <algorithm>
#include <cctype>
#include <map>

#include "broker/server/request_handler.h"

namespace ferry::broker {

namespace {

std::int16_t code(GroupError error) { return static_cast<std::int16_t>(error); }

Bytes to_bytes(const std::vector<std::uint8_t>& bytes) { return Bytes(bytes.begin(), bytes.end()); }

}  // namespace

void RequestHandler::join_group(const protocol::Request& request, const RequestContext& context,
                                Respond respond) {
  const Struct& body = request.body;
  const std::int16_t version = request.header.api_version;
  JoinGroupRequest join;
  join.group_id = body.string("GroupId");
  join.session_timeout_ms = static_cast<std::int32_t>(body.integer("SessionTimeoutMs"));
  // v0 has no rebalance timeout: Kafka uses the session timeout.
  join.rebalance_timeout_ms = version == 0
                                  ? join.session_timeout_ms
                                  : static_cast<std::int32_t>(body.integer("RebalanceTimeoutMs"));
  join.member_id = body.string("MemberId");
  join.group_instance_id = body.nullable_string("GroupInstanceId");
  join.client_id = request.header.client_id.value_or("");
  join.client_host = context.client_host;
  join.protocol_type = body.string("ProtocolType");
  for (const Struct& protocol : body.structs("Protocols")) {
    join.protocols.push_back({protocol.string("Name"), to_bytes(protocol.bytes("Metadata"))});
  }
  join.require_known_member_id = version >= 4;
  const protocol::StructDef& response_def = request.api->response;
  broker_.groups().join_group(
      std::move(join), [&response_def, respond = std::move(respond)](JoinGroupResponse joined) {
        Struct response(response_def);
        response.set_integer("ErrorCode", code(joined.error))
            .set_integer("GenerationId", joined.generation_id)
            .set_string("ProtocolName", joined.protocol_name)
            .set_string("Leader", joined.leader)
            .set_string("MemberId", joined.member_id);
        for (JoinedMember& member : joined.members) {
          response.add("Members")
              .set_string("MemberId", member.member_id)
              .set_nullable_string("GroupInstanceId", member.group_instance_id)
              .set_bytes("Metadata", std::move(member.metadata));
        }
        respond(std::move(response));
      });
}

void RequestHandler::sync_group(const protocol::Request& request, Respond respond) {
  const Struct& body = request.body;
  SyncGroupRequest sync;
  sync.group_id = body.string("GroupId");
  sync.generation_id = static_cast<std::int32_t>(body.integer("GenerationId"));
  sync.member_id = body.string("MemberId");
  for (const Struct& assignment : body.structs("Assignments")) {
    sync.assignments.emplace_back(assignment.string("MemberId"),
                                  to_bytes(assignment.bytes("Assignment")));
  }
  const protocol::StructDef& response_def = request.api->response;
  broker_.groups().sync_group(
      std::move(sync), [&response_def, respond = std::move(respond)](SyncGroupResponse synced) {
        Struct response(response_def);
        response.set_integer("ErrorCode", code(synced.error))
            .set_bytes("Assignment", std::move(synced.assignment));
        respond(std::move(response));
      });
}

protocol::Struct RequestHandler::heartbeat(const protocol::Request& request) {
  const Struct& body = request.body;
  Struct response(request.api->response);
  response.set_integer("ErrorCode", code(broker_.groups().heartbeat(
                                        body.string("GroupId"),
                                        static_cast<std::int32_t>(body.integer("GenerationId")),
                                        body.string("MemberId"))));
  return response;
}

protocol::Struct RequestHandler::leave_group(const protocol::Request& request) {
  const Struct& body = request.body;
  Struct response(request.api->response);
  if (request.header.api_version < 3) {
    const auto left =
        broker_.groups().leave_group(body.string("GroupId"), {body.string("MemberId")});
    response.set_integer("ErrorCode", code(left.empty() ? GroupError::kNone : left[0].second));
    return response;
  }
  std::vector<std::string> members;
  for (const Struct& member : body.structs("Members")) members.push_back(member.string("MemberId"));
  for (const auto& [member_id, error] :
       broker_.groups().leave_group(body.string("GroupId"), members)) {
    response.add("Members")
        .set_string("MemberId", member_id)
        .set_nullable_string("GroupInstanceId", std::nullopt)
        .set_integer("ErrorCode", code(error));
  }
  return response;
}

protocol::Struct RequestHandler::offset_commit(const protocol::Request& request) {
  const Struct& body = request.body;
  std::vector<OffsetCommitEntry> entries;
  for (const Struct& topic : body.structs("Topics")) {
    for (const Struct& partition : topic.structs("Partitions")) {
      entries.push_back({topic.string("Name"),
                         static_cast<std::int32_t>(partition.integer("PartitionIndex")),
                         partition.integer("CommittedOffset"),
                         static_cast<std::int32_t>(partition.integer("CommittedLeaderEpoch")),
                         partition.nullable_string("CommittedMetadata").value_or("")});
    }
  }
  const auto results = broker_.groups().commit_offsets(
      body.string("GroupId"), static_cast<std::int32_t>(body.integer("GenerationIdOrMemberEpoch")),
      body.string("MemberId"), entries);
  Struct response(request.api->response);
  Struct* topic_response = nullptr;
  for (const OffsetCommitResult& result : results) {
    if (topic_response == nullptr || topic_response->string("Name") != result.topic) {
      topic_response = &response.add("Topics");
      topic_response->set_string("Name", result.topic);
    }
    topic_response->add("Partitions")
        .set_integer("PartitionIndex", result.partition)
        .set_integer("ErrorCode", code(result.error));
  }
  return response;
}

protocol::Struct RequestHandler::offset_fetch(const protocol::Request& request) {
  const Struct& body = request.body;
  const std::string& group = body.string("GroupId");
  Struct response(request.api->response);
  const auto add = [&](Struct& topic, std::int32_t partition,
                       const std::optional<OffsetCommitValue>& value) {
    Struct& result = topic.add("Partitions");
    result.set_integer("PartitionIndex", partition)
        .set_integer("CommittedOffset", value ? value->offset : -1)
        .set_integer("CommittedLeaderEpoch", value ? value->leader_epoch : -1)
        .set_nullable_string("Metadata", value ? value->metadata : "");
  };
  if (body.is_null("Topics")) {
    Struct* topic_response = nullptr;
    for (const PartitionOffset& offset : broker_.groups().fetch_offsets(group)) {
      if (topic_response == nullptr || topic_response->string("Name") != offset.topic) {
        topic_response = &response.add("Topics");
        topic_response->set_string("Name", offset.topic);
      }
      add(*topic_response, offset.partition, offset.value);
    }
    return response;
  }
  for (const Struct& topic : body.structs("Topics")) {
    Struct& topic_response = response.add("Topics");
    topic_response.set_string("Name", topic.string("Name"));
    for (const std::int64_t partition : topic.integers("PartitionIndexes")) {
      const auto index = static_cast<std::int32_t>(partition);
      add(topic_response, index, broker_.groups().fetch_offset(group, topic.string("Name"), index));
    }
  }
  return response;
}

protocol::Struct RequestHandler::describe_groups(const protocol::Request& request) {
  Struct response(request.api->response);
  for (const std::string& group_id : request.body.strings("Groups")) {
    Struct& group = response.add("Groups");
    group.set_string("GroupId", group_id);
    const auto description = broker_.groups().describe_group(group_id);
    if (!description) {
      group.set_string("GroupState", "Dead");  // Kafka's answer for a group it does not know
      continue;
    }
    group.set_string("GroupState", description->state)
        .set_string("ProtocolType", description->protocol_type)
        .set_string("ProtocolData", description->protocol_name);
    for (const GroupMemberDescription& member : description->members) {
      group.add("Members")
          .set_string("MemberId", member.member_id)
          .set_nullable_string("GroupInstanceId", member.group_instance_id)
          .set_string("ClientId", member.client_id)
          .set_string("ClientHost", member.client_host)
          .set_bytes("MemberMetadata", member.metadata)
          .set_bytes("MemberAssignment", member.assignment);
    }
  }
  return response;
}

protocol::Struct RequestHandler::list_groups(const protocol::Request& request) {
  const auto lower = [](std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
  };
  std::vector<std::string> states;
  for (const std::string& state : request.body.strings("StatesFilter")) {
    states.push_back(lower(state));
  }
  Struct response(request.api->response);
  for (const GroupDescription& group : broker_.groups().list_groups()) {
    if (!states.empty() &&
        std::find(states.begin(), states.end(), lower(group.state)) == states.end()) {
      continue;
    }
    response.add("Groups")
        .set_string("GroupId", group.group_id)
        .set_string("ProtocolType", group.protocol_type)
        .set_string("GroupState", group.state);
  }
  return response;
}

protocol::Struct RequestHandler::delete_groups(const protocol::Request& request) {
  Struct response(request.api->response);
  for (const std::string& group_id : request.body.strings("GroupsNames")) {
    response.add("Results")
        .set_string("GroupId", group_id)
        .set_integer("ErrorCode", code(broker_.groups().delete_group(group_id)));
  }
  return response;
}

protocol::Struct RequestHandler::offset_delete(const protocol::Request& request) {
  const Struct& body = request.body;
  std::vector<std::pair<std::string, std::int32_t>> partitions;
  for (const Struct& topic : body.structs("Topics")) {
    for (const Struct& partition : topic.structs("Partitions")) {
      partitions.emplace_back(topic.string("Name"),
                              static_cast<std::int32_t>(partition.integer("PartitionIndex")));
    }
  }
  const GroupError error = broker_.groups().delete_offsets(body.string("GroupId"), partitions);
  Struct response(request.api->response);
  response.set_integer("ErrorCode", code(error));
  if (error != GroupError::kNone) return response;
  for (const Struct& topic : body.structs("Topics")) {
    Struct& topic_response = response.add("Topics");
    topic_response.set_string("Name", topic.string("Name"));
    for (const Struct& partition : topic.structs("Partitions")) {
      topic_response.add("Partitions")
          .set_integer("PartitionIndex", partition.integer("PartitionIndex"))
          .set_integer("ErrorCode", 0);
    }
  }
  return response;
}

}  // namespace ferry::broker
