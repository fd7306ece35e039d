#include "broker/embedded/embedded_admin.h"

#include "broker/client/consumer_protocol.h"
#include "broker/topics/topic_config.h"

namespace ferry::broker {
namespace {

TopicListing listing_of(const TopicDescription& description) {
  return {description.name, description.topic_id, description.partitions, description.internal,
          description.overrides};
}

Status group_status(GroupError error, const std::string& group) {
  switch (error) {
    case GroupError::kNone:
      return Status::ok_status();
    case GroupError::kGroupIdNotFound:
      return Status::not_found("Group " + group + " does not exist (GROUP_ID_NOT_FOUND)");
    case GroupError::kNonEmptyGroup:
      return Status::conflict("Group " + group + " is not empty (NON_EMPTY_GROUP)");
    default:
      return Status::retriable("Group " + group + ": " + std::string(group_error_name(error)));
  }
}

}  // namespace

Status EmbeddedAdmin::create_topic(const std::string& name, std::int32_t partitions,
                                   const std::map<std::string, std::string>& configs) {
  if (partitions <= 0) partitions = broker_.logs().options().default_partitions;
  return broker_.logs().create_topic(name, partitions, configs);
}

Status EmbeddedAdmin::create_replicated_topic(const std::string& name, std::int32_t partitions,
                                              std::int16_t replication_factor,
                                              const std::map<std::string, std::string>& configs) {
  if (replication_factor > 1) {
    return Status::invalid_argument("Replication factor: " + std::to_string(replication_factor) +
                                    " larger than available brokers: 1.");
  }
  return create_topic(name, partitions, configs);
}

Status EmbeddedAdmin::delete_topic(const std::string& name) {
  return broker_.logs().delete_topic(name);
}

Result<std::vector<TopicListing>> EmbeddedAdmin::list_topics(bool include_internal) {
  std::vector<TopicListing> listings;
  for (const std::string& name : broker_.logs().list_topics()) {
    auto description = broker_.logs().describe_topic(name);
    if (!description.ok()) continue;  // deleted meanwhile
    if (description->internal && !include_internal) continue;
    listings.push_back(listing_of(*description));
  }
  return listings;
}

Result<TopicListing> EmbeddedAdmin::describe_topic(const std::string& name) {
  auto description = broker_.logs().describe_topic(name);
  if (!description.ok()) return description.status();
  return listing_of(*description);
}

Result<std::map<std::string, std::string>> EmbeddedAdmin::describe_topic_configs(
    const std::string& name) {
  auto description = broker_.logs().describe_topic(name);
  if (!description.ok()) return description.status();
  std::map<std::string, std::string> configs;
  for (auto& [key, value] : topic_config_entries(description->config)) configs[key] = value;
  for (const auto& [key, value] : description->overrides) configs[key] = value;
  return configs;
}

Status EmbeddedAdmin::alter_topic_configs(const std::string& name,
                                          const std::map<std::string, std::string>& set,
                                          const std::set<std::string>& remove) {
  auto description = broker_.logs().describe_topic(name);
  if (!description.ok()) return description.status();
  ConfigEntries overrides = description->overrides;
  for (const std::string& key : remove) overrides.erase(key);
  for (const auto& [key, value] : set) overrides[key] = value;
  return broker_.logs().alter_topic_config(name, overrides);
}

Status EmbeddedAdmin::create_partitions(const std::string& name, std::int32_t total) {
  return broker_.logs().add_partitions(name, total);
}

Result<std::optional<std::int64_t>> EmbeddedAdmin::list_offset(const TopicPartition& partition,
                                                               std::int64_t spec) {
  auto log = broker_.logs().partition(partition.topic, partition.partition);
  if (!log.ok()) return log.status();
  if (spec == kEarliestOffset) return std::optional<std::int64_t>((*log)->log_start_offset());
  if (spec == kLatestOffset) return std::optional<std::int64_t>((*log)->log_end_offset());
  if (spec < 0) {
    return Status::invalid_argument("unknown offset spec " + std::to_string(spec));
  }
  return (*log)->offset_for_timestamp(spec);
}

Result<std::vector<ConsumerGroupListing>> EmbeddedAdmin::list_groups() {
  std::vector<ConsumerGroupListing> listings;
  for (const GroupDescription& group : broker_.groups().list_groups()) {
    listings.push_back({group.group_id, group.state, group.protocol_type, group.protocol_name, {}});
  }
  return listings;
}

Result<ConsumerGroupListing> EmbeddedAdmin::describe_group(const std::string& group) {
  const auto description = broker_.groups().describe_group(group);
  if (!description) {
    return Status::not_found("Consumer group '" + group + "' does not exist.");
  }
  ConsumerGroupListing listing{description->group_id,
                               description->state,
                               description->protocol_type,
                               description->protocol_name,
                               {}};
  for (const GroupMemberDescription& member : description->members) {
    ConsumerGroupMember entry{member.member_id, member.client_id, member.client_host, {}};
    if (description->protocol_type == "consumer" && !member.assignment.empty()) {
      auto assignment = decode_assignment(member.assignment);
      if (assignment.ok()) {
        entry.assignment.insert(assignment->partitions.begin(), assignment->partitions.end());
      }
    }
    listing.members.push_back(std::move(entry));
  }
  return listing;
}

Result<std::map<TopicPartition, std::int64_t>> EmbeddedAdmin::list_group_offsets(
    const std::string& group) {
  std::map<TopicPartition, std::int64_t> offsets;
  for (const PartitionOffset& offset : broker_.groups().fetch_offsets(group)) {
    offsets[{offset.topic, offset.partition}] = offset.value.offset;
  }
  return offsets;
}

Status EmbeddedAdmin::alter_group_offsets(const std::string& group,
                                          const std::map<TopicPartition, std::int64_t>& offsets) {
  std::vector<OffsetCommitEntry> entries;
  for (const auto& [where, offset] : offsets) {
    entries.push_back({where.topic, where.partition, offset, -1, ""});
  }
  for (const OffsetCommitResult& result : broker_.groups().commit_offsets(group, -1, "", entries)) {
    if (result.error == GroupError::kUnknownMemberId) {
      return Status::conflict("Assignments can only be reset if the group '" + group +
                              "' is inactive, but the current state is active (it has members).");
    }
    if (result.error != GroupError::kNone) {
      return Status::invalid_argument(result.topic + "-" + std::to_string(result.partition) + ": " +
                                      std::string(group_error_name(result.error)));
    }
  }
  return Status::ok_status();
}

Status EmbeddedAdmin::delete_group(const std::string& group) {
  return group_status(broker_.groups().delete_group(group), group);
}

Status EmbeddedAdmin::delete_group_offsets(const std::string& group,
                                           const std::set<TopicPartition>& partitions) {
  std::vector<std::pair<std::string, std::int32_t>> which;
  for (const TopicPartition& partition : partitions) {
    which.emplace_back(partition.topic, partition.partition);
  }
  return group_status(broker_.groups().delete_offsets(group, which), group);
}

}  // namespace ferry::broker
