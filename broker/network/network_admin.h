// broker/client/admin.h over the Kafka protocol, on librdkafka's Admin API (a producer handle
// of its own). Errors carry the embedded admin's wording where it has one (Kafka's: "Topic 'x'
// already exists.", "Group g is not empty (NON_EMPTY_GROUP)"), so the REST API and the tools
// print the same either way; otherwise the broker's message, else librdkafka's.
//
// What librdkafka 2.0 cannot give: topic ids (Metadata there has none: topic_id is empty), a
// group's assignor in list_groups (ListGroups has none; describe_group has it), and
// IncrementalAlterConfigs (emulated: see alter_topic_configs in the .cpp).
//
// Thread-safety: every member may be called from any thread (rd_kafka_t is thread-safe; each
// call has its own result queue).
#pragma once

#include <memory>

#include "broker/client/admin.h"
#include "broker/network/broker_api_support.h"
#include "broker/network/rdkafka_handles.h"

namespace ferry::broker {

class NetworkAdmin final : public Admin {
 public:
  // properties: Kafka's admin client keys with bootstrap.servers.
  static Result<std::unique_ptr<NetworkAdmin>> create(
      const std::map<std::string, std::string>& properties);
  // apis: the log callback of handle's client; timeout_ms: how long one request may take (Java's
  // default.api.timeout.ms).
  NetworkAdmin(std::unique_ptr<BrokerApiSupport> apis, rdkafka::KafkaHandle handle, int timeout_ms)
      : apis_(std::move(apis)), handle_(std::move(handle)), timeout_ms_(timeout_ms) {}

  Status create_topic(const std::string& name, std::int32_t partitions,
                      const std::map<std::string, std::string>& configs) override;
  Status create_replicated_topic(const std::string& name, std::int32_t partitions,
                                 std::int16_t replication_factor,
                                 const std::map<std::string, std::string>& configs) override;
  Status delete_topic(const std::string& name) override;
  Result<std::vector<TopicListing>> list_topics(bool include_internal) override;
  Result<TopicListing> describe_topic(const std::string& name) override;
  Result<std::map<std::string, std::string>> describe_topic_configs(
      const std::string& name) override;
  Status alter_topic_configs(const std::string& name, const std::map<std::string, std::string>& set,
                             const std::set<std::string>& remove) override;
  Status create_partitions(const std::string& name, std::int32_t total) override;
  Result<std::optional<std::int64_t>> list_offset(const TopicPartition& partition,
                                                  std::int64_t spec) override;
  Result<std::vector<ConsumerGroupListing>> list_groups() override;
  Result<ConsumerGroupListing> describe_group(const std::string& group) override;
  Result<std::map<TopicPartition, std::int64_t>> list_group_offsets(
      const std::string& group) override;
  Status alter_group_offsets(const std::string& group,
                             const std::map<TopicPartition, std::int64_t>& offsets) override;
  Status delete_group(const std::string& group) override;
  Status delete_group_offsets(const std::string& group,
                              const std::set<TopicPartition>& partitions) override;

  // The cluster's id from Metadata (REST GET / shows it as kafka_cluster_id).
  Result<std::string> cluster_id();
  // Whether the cluster answers a Metadata request (no topics asked for).
  Status check_reachable();

 private:
  struct ConfigEntry {
    std::string value;
    bool overridden = false;  // set on the topic (DYNAMIC_TOPIC_CONFIG)
  };
  using TopicConfigs = std::map<std::string, ConfigEntry>;

  Result<rdkafka::MetadataHandle> metadata();
  Result<std::map<std::string, TopicConfigs>> describe_configs(
      const std::vector<std::string>& topics);
  Result<rd_kafka_resp_err_t> delete_group_error(const std::string& group);
  // ok when some broker serves api_key; else the error librdkafka would give, without sending.
  Status check_api(std::int16_t api_key, const std::string& api, const std::string& what);

  std::unique_ptr<BrokerApiSupport> apis_;  // before handle_: it outlives the client's logging
  rdkafka::KafkaHandle handle_;
  const int timeout_ms_;
};

}  // namespace ferry::broker
