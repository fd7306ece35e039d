#include "broker/network/network_admin.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "broker/network/network_config.h"
#include "broker/network/rdkafka_status.h"

namespace ferry::broker {
namespace {

// Java's default.api.timeout.ms, unless the properties set it.
constexpr int kDefaultTimeoutMs = 60000;

// Runs one Admin API call: start(options, queue) issues it; the answer is its result event.
template <typename Start>
Result<rdkafka::EventHandle> run(rd_kafka_t* handle, int timeout_ms, rd_kafka_admin_op_t op,
                                 const std::string& what, Start start) {
  // The result is awaited a little longer, so librdkafka's own timeout answers first.
  const int wait_ms = timeout_ms + 5000;
  const rdkafka::QueueHandle queue(rd_kafka_queue_new(handle));
  const rdkafka::AdminOptionsHandle options(rd_kafka_AdminOptions_new(handle, op));
  std::array<char, 256> error{};
  (void)rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout_ms, error.data(),
                                                  error.size());
  start(options.get(), queue.get());
  rdkafka::EventHandle event(rd_kafka_queue_poll(queue.get(), wait_ms));
  if (!event) {
    return Status::retriable(what + ": no answer within " + std::to_string(wait_ms) + " ms");
  }
  if (const rd_kafka_resp_err_t failed = rd_kafka_event_error(event.get());
      failed != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return rdkafka_status(failed, what, rd_kafka_event_error_string(event.get()));
  }
  return event;
}

Status topic_missing(const std::string& name) {
  return Status::not_found("Topic '" + name + "' does not exist.");
}

// A topic's result as the embedded admin words it, else the broker's message.
Status topic_status(rd_kafka_resp_err_t error, const char* message, const std::string& name,
                    const std::string& what) {
  switch (error) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return Status::ok_status();
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
      return Status::conflict("Topic '" + name + "' already exists.");
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      return topic_missing(name);
    default:
      break;
  }
  const Status status = rdkafka_status(error, what + " " + name);
  if (message == nullptr || *message == '\0') return status;
  // The broker's own words (Ferry's broker sends the embedded admin's), under the same kind.
  return status.kind() == Status::Kind::kInvalidArgument
             ? Status::invalid_argument(message)
             : rdkafka_status(error, what + " " + name, message);
}

Status group_status(rd_kafka_resp_err_t error, const std::string& group, const std::string& what) {
  switch (error) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return Status::ok_status();
    case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND:
      return Status::not_found("Group " + group + " does not exist (GROUP_ID_NOT_FOUND)");
    case RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP:
      return Status::conflict("Group " + group + " is not empty (NON_EMPTY_GROUP)");
    default:
      return rdkafka_status(error, what + " " + group);
  }
}

Status group_status(const rd_kafka_error_t* error, const std::string& group,
                    const std::string& what) {
  if (error == nullptr) return Status::ok_status();
  const rd_kafka_resp_err_t code = rd_kafka_error_code(error);
  if (code == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND || code == RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP) {
    return group_status(code, group, what);
  }
  return rdkafka_status(error, what + " " + group);
}

rdkafka::PartitionListHandle to_list(const std::map<TopicPartition, std::int64_t>& offsets) {
  auto list = rdkafka::new_partition_list(static_cast<int>(offsets.size()));
  for (const auto& [partition, offset] : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), partition.topic.c_str(), partition.partition)
        ->offset = offset;
  }
  return list;
}

bool is_internal(const std::string& topic) {
  // Metadata in librdkafka 2.0 has no is_internal flag; Kafka's internal topics are the
  // double-underscore ones (__consumer_offsets, __transaction_state).
  return topic.starts_with("__");
}

// The one group result of a group Admin call (ListConsumerGroupOffsets, AlterConsumerGroupOffsets,
// DeleteGroups, DeleteConsumerGroupOffsets); results(result, &count) lists them.
template <typename Result>
const rd_kafka_group_result_t* first_group(
    const Result* result, const rd_kafka_group_result_t** (*results)(const Result*, std::size_t*)) {
  if (result == nullptr) return nullptr;
  std::size_t count = 0;
  const rd_kafka_group_result_t** groups = results(result, &count);
  return count > 0 ? groups[0] : nullptr;
}

}  // namespace

Result<std::unique_ptr<NetworkAdmin>> NetworkAdmin::create(
    const std::map<std::string, std::string>& properties) {
  auto settings = librdkafka_settings(properties, ClientRole::kAdmin);
  if (!settings.ok()) return settings.status();
  const auto debug = properties.find("debug");
  settings->push_back(
      {"debug", "debug",
       BrokerApiSupport::debug_setting(debug != properties.end() ? debug->second : "")});
  auto conf = librdkafka_conf(*settings);
  if (!conf.ok()) return conf.status();
  std::array<char, 512> error{};
  // librdkafka 2.0 aborts the process when an Admin request meets a broker without the API
  // (librdkafka issue 3663), so the APIs the brokers serve are recorded from librdkafka's log.
  auto apis = std::make_unique<BrokerApiSupport>();
  apis->install(conf->get());
  rdkafka::KafkaHandle handle(
      rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), error.data(), error.size()));
  if (!handle) {
    return Status::invalid_argument("Cannot create the Kafka admin client: " +
                                    std::string(error.data()));
  }
  (void)conf->release();  // rd_kafka_new took it
  int timeout_ms = kDefaultTimeoutMs;
  if (const auto it = properties.find("default.api.timeout.ms"); it != properties.end()) {
    const std::string& text = it->second;
    const auto [end, failed] = std::from_chars(text.data(), text.data() + text.size(), timeout_ms);
    if (failed != std::errc() || end != text.data() + text.size() || timeout_ms <= 0) {
      return Status::invalid_argument("Invalid value " + text +
                                      " for configuration default.api.timeout.ms: Not a positive "
                                      "number of type INT");
    }
  }
  return std::make_unique<NetworkAdmin>(std::move(apis), std::move(handle), timeout_ms);
}

Result<std::string> NetworkAdmin::cluster_id() {
  char* id = rd_kafka_clusterid(handle_.get(), timeout_ms_);
  if (id == nullptr) return Status::retriable("Metadata: the cluster sent no cluster id");
  std::string copy(id);
  rd_kafka_mem_free(handle_.get(), id);
  return copy;
}

Status NetworkAdmin::check_reachable() {
  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t error = rd_kafka_metadata(handle_.get(), 0, nullptr, &raw, timeout_ms_);
  const rdkafka::MetadataHandle owned(raw);
  return rdkafka_status(error, "Metadata");
}

// ---------------------------------------------------------------------------------------------
// Topics

Status NetworkAdmin::create_topic(const std::string& name, std::int32_t partitions,
                                  const std::map<std::string, std::string>& configs) {
  return create_replicated_topic(name, partitions, -1, configs);
}

Status NetworkAdmin::create_replicated_topic(const std::string& name, std::int32_t partitions,
                                             std::int16_t replication_factor,
                                             const std::map<std::string, std::string>& configs) {
  std::array<char, 512> error{};
  // -1 partitions and replicas: the broker's defaults (num.partitions, KIP-464).
  rdkafka::NewTopicHandle topic(rd_kafka_NewTopic_new(
      name.c_str(), partitions <= 0 ? -1 : partitions,
      replication_factor <= 0 ? -1 : replication_factor, error.data(), error.size()));
  if (!topic) return Status::invalid_argument("Cannot create topic " + name + ": " + error.data());
  for (const auto& [key, value] : configs) {
    if (rd_kafka_NewTopic_set_config(topic.get(), key.c_str(), value.c_str()) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::invalid_argument("Cannot create topic " + name + ": bad config " + key);
    }
  }
  rd_kafka_NewTopic_t* topics[] = {topic.get()};
  auto event =
      run(handle_.get(), timeout_ms_, RD_KAFKA_ADMIN_OP_CREATETOPICS, "CreateTopics " + name,
          [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
            rd_kafka_CreateTopics(handle_.get(), topics, 1, options, queue);
          });
  if (!event.ok()) return event.status();
  std::size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event->get()), &count);
  for (std::size_t i = 0; i < count; ++i) {
    if (Status status = topic_status(rd_kafka_topic_result_error(results[i]),
                                     rd_kafka_topic_result_error_string(results[i]), name,
                                     "Cannot create topic");
        !status.ok()) {
      return status;
    }
  }
  return Status::ok_status();
}

Status NetworkAdmin::delete_topic(const std::string& name) {
  rdkafka::DeleteTopicHandle topic(rd_kafka_DeleteTopic_new(name.c_str()));
  rd_kafka_DeleteTopic_t* topics[] = {topic.get()};
  auto event =
      run(handle_.get(), timeout_ms_, RD_KAFKA_ADMIN_OP_DELETETOPICS, "DeleteTopics " + name,
          [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
            rd_kafka_DeleteTopics(handle_.get(), topics, 1, options, queue);
          });
  if (!event.ok()) return event.status();
  std::size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event->get()), &count);
  for (std::size_t i = 0; i < count; ++i) {
    if (Status status = topic_status(rd_kafka_topic_result_error(results[i]),
                                     rd_kafka_topic_result_error_string(results[i]), name,
                                     "Cannot delete topic");
        !status.ok()) {
      return status;
    }
  }
  return Status::ok_status();
}

Result<rdkafka::MetadataHandle> NetworkAdmin::metadata() {
  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t error = rd_kafka_metadata(handle_.get(), 1, nullptr, &raw, timeout_ms_);
  rdkafka::MetadataHandle owned(raw);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) return rdkafka_status(error, "Metadata");
  return owned;
}

Result<std::map<std::string, NetworkAdmin::TopicConfigs>> NetworkAdmin::describe_configs(
    const std::vector<std::string>& topics) {
  std::map<std::string, TopicConfigs> described;
  if (topics.empty()) return described;
  std::vector<rdkafka::ConfigResourceHandle> resources;
  std::vector<rd_kafka_ConfigResource_t*> raw;
  for (const std::string& topic : topics) {
    resources.emplace_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
    raw.push_back(resources.back().get());
  }
  auto event =
      run(handle_.get(), timeout_ms_, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, "DescribeConfigs",
          [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
            rd_kafka_DescribeConfigs(handle_.get(), raw.data(), raw.size(), options, queue);
          });
  if (!event.ok()) return event.status();
  std::size_t count = 0;
  const rd_kafka_ConfigResource_t** results = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(event->get()), &count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::string name = rd_kafka_ConfigResource_name(results[i]);
    if (Status status = topic_status(rd_kafka_ConfigResource_error(results[i]),
                                     rd_kafka_ConfigResource_error_string(results[i]), name,
                                     "Cannot describe the configs of topic");
        !status.ok()) {
      return status;
    }
    std::size_t entry_count = 0;
    const rd_kafka_ConfigEntry_t** entries =
        rd_kafka_ConfigResource_configs(results[i], &entry_count);
    TopicConfigs& configs = described[name];
    for (std::size_t e = 0; e < entry_count; ++e) {
      const char* value = rd_kafka_ConfigEntry_value(entries[e]);
      configs[rd_kafka_ConfigEntry_name(entries[e])] = {
          value != nullptr ? value : "",
          rd_kafka_ConfigEntry_source(entries[e]) == RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG};
    }
  }
  return described;
}

Result<std::vector<TopicListing>> NetworkAdmin::list_topics(bool include_internal) {
  auto md = metadata();
  if (!md.ok()) return md.status();
  std::vector<TopicListing> listings;
  for (int i = 0; i < (*md)->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& topic = (*md)->topics[i];
    if (topic.err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;  // being created or deleted
    const bool internal = is_internal(topic.topic);
    if (internal && !include_internal) continue;
    listings.push_back({topic.topic, "", topic.partition_cnt, internal, {}});
  }
  std::vector<std::string> names;
  for (const TopicListing& listing : listings) names.push_back(listing.name);
  auto configs = describe_configs(names);
  if (!configs.ok()) return configs.status();
  for (TopicListing& listing : listings) {
    for (const auto& [key, entry] : (*configs)[listing.name]) {
      if (entry.overridden) listing.overrides[key] = entry.value;
    }
  }
  std::ranges::sort(listings, {}, &TopicListing::name);
  return listings;
}

Result<TopicListing> NetworkAdmin::describe_topic(const std::string& name) {
  auto md = metadata();
  if (!md.ok()) return md.status();
  for (int i = 0; i < (*md)->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& topic = (*md)->topics[i];
    if (topic.topic != name || topic.err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    TopicListing listing{topic.topic, "", topic.partition_cnt, is_internal(topic.topic), {}};
    auto configs = describe_configs({name});
    if (!configs.ok()) return configs.status();
    for (const auto& [key, entry] : (*configs)[name]) {
      if (entry.overridden) listing.overrides[key] = entry.value;
    }
    return listing;
  }
  return topic_missing(name);
}

Result<std::map<std::string, std::string>> NetworkAdmin::describe_topic_configs(
    const std::string& name) {
  auto configs = describe_configs({name});
  if (!configs.ok()) return configs.status();
  std::map<std::string, std::string> values;
  for (const auto& [key, entry] : (*configs)[name]) values[key] = entry.value;
  return values;
}

// librdkafka 2.0 has no IncrementalAlterConfigs (it came in 2.2), and AlterConfigs replaces a
// topic's whole set of overrides. So the incremental change is emulated: read the overrides
// (DescribeConfigs, source DYNAMIC_TOPIC_CONFIG), apply set and remove to them, and send the
// result as the complete new set. Not atomic: a change by someone else between the two
// requests is lost, which Kafka's incremental API would have kept.
Status NetworkAdmin::alter_topic_configs(const std::string& name,
                                         const std::map<std::string, std::string>& set,
                                         const std::set<std::string>& remove) {
  auto configs = describe_configs({name});
  if (!configs.ok()) return configs.status();
  std::map<std::string, std::string> overrides;
  for (const auto& [key, entry] : (*configs)[name]) {
    if (entry.overridden) overrides[key] = entry.value;
  }
  for (const std::string& key : remove) overrides.erase(key);
  for (const auto& [key, value] : set) overrides[key] = value;

  rdkafka::ConfigResourceHandle resource(
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str()));
  for (const auto& [key, value] : overrides) {
    if (rd_kafka_ConfigResource_set_config(resource.get(), key.c_str(), value.c_str()) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::invalid_argument("Cannot alter topic " + name + ": bad config " + key);
    }
  }
  rd_kafka_ConfigResource_t* resources[] = {resource.get()};
  auto event =
      run(handle_.get(), timeout_ms_, RD_KAFKA_ADMIN_OP_ALTERCONFIGS, "AlterConfigs " + name,
          [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
            rd_kafka_AlterConfigs(handle_.get(), resources, 1, options, queue);
          });
  if (!event.ok()) return event.status();
  std::size_t count = 0;
  const rd_kafka_ConfigResource_t** results = rd_kafka_AlterConfigs_result_resources(
      rd_kafka_event_AlterConfigs_result(event->get()), &count);
  for (std::size_t i = 0; i < count; ++i) {
    if (Status status = topic_status(rd_kafka_ConfigResource_error(results[i]),
                                     rd_kafka_ConfigResource_error_string(results[i]), name,
                                     "Cannot alter the configs of topic");
        !status.ok()) {
      return status;
    }
  }
  return Status::ok_status();
}

Status NetworkAdmin::create_partitions(const std::string& name, std::int32_t total) {
  std::array<char, 512> error{};
  rdkafka::NewPartitionsHandle partitions(rd_kafka_NewPartitions_new(
      name.c_str(), static_cast<std::size_t>(std::max(total, 0)), error.data(), error.size()));
  if (!partitions) {
    return Status::invalid_argument("Cannot add partitions to " + name + ": " + error.data());
  }
  rd_kafka_NewPartitions_t* all[] = {partitions.get()};
  auto event = run(handle_.get(), timeout_ms_, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS,
                   "CreatePartitions " + name,
                   [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                     rd_kafka_CreatePartitions(handle_.get(), all, 1, options, queue);
                   });
  if (!event.ok()) return event.status();
  std::size_t count = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreatePartitions_result_topics(
      rd_kafka_event_CreatePartitions_result(event->get()), &count);
  for (std::size_t i = 0; i < count; ++i) {
    if (Status status = topic_status(rd_kafka_topic_result_error(results[i]),
                                     rd_kafka_topic_result_error_string(results[i]), name,
                                     "Cannot add partitions to");
        !status.ok()) {
      return status;
    }
  }
  return Status::ok_status();
}

Result<std::optional<std::int64_t>> NetworkAdmin::list_offset(const TopicPartition& partition,
                                                              std::int64_t spec) {
  const auto missing = [&] {
    return Status::not_found("This server does not host this topic-partition: " +
                             to_string(partition));
  };
  if (spec == kEarliestOffset || spec == kLatestOffset) {
    std::int64_t low = 0;
    std::int64_t high = 0;
    const rd_kafka_resp_err_t error = rd_kafka_query_watermark_offsets(
        handle_.get(), partition.topic.c_str(), partition.partition, &low, &high, timeout_ms_);
    if (error == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
        error == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
        error == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
      return missing();
    }
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return rdkafka_status(error, "ListOffsets " + to_string(partition));
    }
    return std::optional<std::int64_t>(spec == kEarliestOffset ? low : high);
  }
  if (spec < 0) return Status::invalid_argument("unknown offset spec " + std::to_string(spec));
  auto list = to_list({{partition, spec}});
  const rd_kafka_resp_err_t error =
      rd_kafka_offsets_for_times(handle_.get(), list.get(), timeout_ms_);
  const rd_kafka_resp_err_t partition_error =
      error != RD_KAFKA_RESP_ERR_NO_ERROR ? error : list->elems[0].err;
  if (partition_error == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
      partition_error == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
      partition_error == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
    return missing();
  }
  if (partition_error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return rdkafka_status(partition_error, "ListOffsets " + to_string(partition));
  }
  if (list->elems[0].offset < 0) return std::optional<std::int64_t>();  // none that recent
  return std::optional<std::int64_t>(list->elems[0].offset);
}

// ---------------------------------------------------------------------------------------------
// Groups

Result<std::vector<ConsumerGroupListing>> NetworkAdmin::list_groups() {
  auto event =
      run(handle_.get(), timeout_ms_, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, "ListConsumerGroups",
          [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
            rd_kafka_ListConsumerGroups(handle_.get(), options, queue);
          });
  if (!event.ok()) return event.status();
  const rd_kafka_ListConsumerGroups_result_t* result =
      rd_kafka_event_ListConsumerGroups_result(event->get());
  std::size_t error_count = 0;
  const rd_kafka_error_t** errors = rd_kafka_ListConsumerGroups_result_errors(result, &error_count);
  if (error_count > 0) return rdkafka_status(errors[0], "ListConsumerGroups");
  std::size_t count = 0;
  const rd_kafka_ConsumerGroupListing_t** groups =
      rd_kafka_ListConsumerGroups_result_valid(result, &count);
  std::vector<ConsumerGroupListing> listings;
  for (std::size_t i = 0; i < count; ++i) {
    ConsumerGroupListing listing;
    listing.group_id = rd_kafka_ConsumerGroupListing_group_id(groups[i]);
    listing.state =
        rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(groups[i]));
    // librdkafka only says whether the protocol type is empty (a "simple" group that commits
    // without joining).
    listing.protocol_type =
        rd_kafka_ConsumerGroupListing_is_simple_consumer_group(groups[i]) ? "" : "consumer";
    listings.push_back(std::move(listing));
  }
  std::ranges::sort(listings, {}, &ConsumerGroupListing::group_id);
  return listings;
}

Result<ConsumerGroupListing> NetworkAdmin::describe_group(const std::string& group) {
  const char* groups[] = {group.c_str()};
  auto event = run(handle_.get(), timeout_ms_, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS,
                   "DescribeConsumerGroups " + group,
                   [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                     rd_kafka_DescribeConsumerGroups(handle_.get(), groups, 1, options, queue);
                   });
  if (!event.ok()) return event.status();
  std::size_t count = 0;
  const rd_kafka_ConsumerGroupDescription_t** descriptions =
      rd_kafka_DescribeConsumerGroups_result_groups(
          rd_kafka_event_DescribeConsumerGroups_result(event->get()), &count);
  const Status missing = Status::not_found("Consumer group '" + group + "' does not exist.");
  if (count == 0) return missing;
  const rd_kafka_ConsumerGroupDescription_t* description = descriptions[0];
  if (const rd_kafka_error_t* error = rd_kafka_ConsumerGroupDescription_error(description)) {
    if (rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) return missing;
    return rdkafka_status(error, "DescribeConsumerGroups " + group);
  }
  const rd_kafka_consumer_group_state_t state =
      rd_kafka_ConsumerGroupDescription_state(description);
  if (state == RD_KAFKA_CONSUMER_GROUP_STATE_DEAD) return missing;  // Kafka's answer for none
  ConsumerGroupListing listing;
  listing.group_id = group;
  listing.state = rd_kafka_consumer_group_state_name(state);
  listing.protocol_type =
      rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(description) ? "" : "consumer";
  listing.assignor = rd_kafka_ConsumerGroupDescription_partition_assignor(description);
  const std::size_t members = rd_kafka_ConsumerGroupDescription_member_count(description);
  for (std::size_t i = 0; i < members; ++i) {
    const rd_kafka_MemberDescription_t* member =
        rd_kafka_ConsumerGroupDescription_member(description, i);
    ConsumerGroupMember entry{rd_kafka_MemberDescription_consumer_id(member),
                              rd_kafka_MemberDescription_client_id(member),
                              rd_kafka_MemberDescription_host(member),
                              {}};
    const rd_kafka_topic_partition_list_t* assigned =
        rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(member));
    for (int p = 0; assigned != nullptr && p < assigned->cnt; ++p) {
      entry.assignment.insert({assigned->elems[p].topic, assigned->elems[p].partition});
    }
    listing.members.push_back(std::move(entry));
  }
  return listing;
}

Result<std::map<TopicPartition, std::int64_t>> NetworkAdmin::list_group_offsets(
    const std::string& group) {
  rdkafka::ListGroupOffsetsHandle request(
      rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr));  // every partition
  rd_kafka_ListConsumerGroupOffsets_t* requests[] = {request.get()};
  auto event = run(handle_.get(), timeout_ms_, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS,
                   "ListConsumerGroupOffsets " + group,
                   [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                     rd_kafka_ListConsumerGroupOffsets(handle_.get(), requests, 1, options, queue);
                   });
  if (!event.ok()) return event.status();
  const rd_kafka_group_result_t* result =
      first_group(rd_kafka_event_ListConsumerGroupOffsets_result(event->get()),
                  &rd_kafka_ListConsumerGroupOffsets_result_groups);
  std::map<TopicPartition, std::int64_t> offsets;
  if (result == nullptr) return offsets;
  if (Status status = group_status(rd_kafka_group_result_error(result), group,
                                   "Cannot read the offsets of group");
      !status.ok()) {
    return status;
  }
  const rd_kafka_topic_partition_list_t* partitions = rd_kafka_group_result_partitions(result);
  for (int i = 0; partitions != nullptr && i < partitions->cnt; ++i) {
    const rd_kafka_topic_partition_t& entry = partitions->elems[i];
    if (entry.err != RD_KAFKA_RESP_ERR_NO_ERROR || entry.offset < 0) continue;
    offsets[{entry.topic, entry.partition}] = entry.offset;
  }
  return offsets;
}

Status NetworkAdmin::alter_group_offsets(const std::string& group,
                                         const std::map<TopicPartition, std::int64_t>& offsets) {
  if (offsets.empty()) return Status::ok_status();
  auto list = to_list(offsets);
  rdkafka::AlterGroupOffsetsHandle request(
      rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get()));
  rd_kafka_AlterConsumerGroupOffsets_t* requests[] = {request.get()};
  auto event = run(handle_.get(), timeout_ms_, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS,
                   "AlterConsumerGroupOffsets " + group,
                   [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                     rd_kafka_AlterConsumerGroupOffsets(handle_.get(), requests, 1, options, queue);
                   });
  if (!event.ok()) return event.status();
  const rd_kafka_group_result_t* result =
      first_group(rd_kafka_event_AlterConsumerGroupOffsets_result(event->get()),
                  &rd_kafka_AlterConsumerGroupOffsets_result_groups);
  if (result == nullptr) return Status::ok_status();
  const auto active = [&] {
    return Status::conflict("Assignments can only be reset if the group '" + group +
                            "' is inactive, but the current state is active (it has members).");
  };
  if (const rd_kafka_error_t* error = rd_kafka_group_result_error(result)) {
    if (rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID) return active();
    return group_status(error, group, "Cannot alter the offsets of group");
  }
  const rd_kafka_topic_partition_list_t* partitions = rd_kafka_group_result_partitions(result);
  for (int i = 0; partitions != nullptr && i < partitions->cnt; ++i) {
    const rd_kafka_topic_partition_t& entry = partitions->elems[i];
    if (entry.err == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID) return active();
    if (entry.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::invalid_argument(std::string(entry.topic) + "-" +
                                      std::to_string(entry.partition) + ": " +
                                      rd_kafka_err2name(entry.err));
    }
  }
  return Status::ok_status();
}

Status NetworkAdmin::delete_group(const std::string& group) {
  if (Status served = check_api(42, "DeleteGroups", "Cannot delete group " + group); !served.ok()) {
    return served;
  }
  auto deleted = delete_group_error(group);
  if (!deleted.ok()) return deleted.status();
  return group_status(*deleted, group, "Cannot delete group");
}

Result<rd_kafka_resp_err_t> NetworkAdmin::delete_group_error(const std::string& group) {
  rdkafka::DeleteGroupHandle request(rd_kafka_DeleteGroup_new(group.c_str()));
  rd_kafka_DeleteGroup_t* requests[] = {request.get()};
  auto event =
      run(handle_.get(), timeout_ms_, RD_KAFKA_ADMIN_OP_DELETEGROUPS, "DeleteGroups " + group,
          [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
            rd_kafka_DeleteGroups(handle_.get(), requests, 1, options, queue);
          });
  if (!event.ok()) return event.status();
  const rd_kafka_group_result_t* result = first_group(
      rd_kafka_event_DeleteGroups_result(event->get()), &rd_kafka_DeleteGroups_result_groups);
  if (result == nullptr) return RD_KAFKA_RESP_ERR_NO_ERROR;
  const rd_kafka_error_t* error = rd_kafka_group_result_error(result);
  return error != nullptr ? rd_kafka_error_code(error) : RD_KAFKA_RESP_ERR_NO_ERROR;
}

Status NetworkAdmin::check_api(std::int16_t api_key, const std::string& api,
                               const std::string& what) {
  // A connection to some broker brings its ApiVersions; metadata makes one if none is open.
  if (!apis_->known()) (void)check_reachable();
  if (apis_->supports(api_key)) return Status::ok_status();
  return rdkafka_status(RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE, what,
                        apis_->known() ? "the broker does not serve " + api
                                       : "the broker's APIs are not known (no ApiVersions)");
}

Status NetworkAdmin::delete_group_offsets(const std::string& group,
                                          const std::set<TopicPartition>& partitions) {
  if (Status served = check_api(47, "OffsetDelete (KIP-496, Kafka 2.4)",
                                "Cannot delete the offsets of group " + group);
      !served.ok()) {
    return served;
  }
  std::map<TopicPartition, std::int64_t> which;
  for (const TopicPartition& partition : partitions) which[partition] = RD_KAFKA_OFFSET_INVALID;
  auto list = to_list(which);
  rdkafka::DeleteGroupOffsetsHandle request(
      rd_kafka_DeleteConsumerGroupOffsets_new(group.c_str(), list.get()));
  rd_kafka_DeleteConsumerGroupOffsets_t* requests[] = {request.get()};
  auto event =
      run(handle_.get(), timeout_ms_, RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS,
          "DeleteConsumerGroupOffsets " + group,
          [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
            rd_kafka_DeleteConsumerGroupOffsets(handle_.get(), requests, 1, options, queue);
          });
  if (!event.ok()) return event.status();
  const rd_kafka_group_result_t* result =
      first_group(rd_kafka_event_DeleteConsumerGroupOffsets_result(event->get()),
                  &rd_kafka_DeleteConsumerGroupOffsets_result_groups);
  if (result == nullptr) return Status::ok_status();
  if (Status status = group_status(rd_kafka_group_result_error(result), group,
                                   "Cannot delete the offsets of group");
      !status.ok()) {
    return status;
  }
  const rd_kafka_topic_partition_list_t* results = rd_kafka_group_result_partitions(result);
  for (int i = 0; results != nullptr && i < results->cnt; ++i) {
    if (Status status =
            group_status(results->elems[i].err, group, "Cannot delete the offsets of group");
        !status.ok()) {
      return status;
    }
  }
  return Status::ok_status();
}

}  // namespace ferry::broker
