// Kafka's Admin operations (broker/client/admin.h) in process, over the embedded broker's log
// manager and group coordinator. Group members' assignments are decoded with the consumer
// protocol when the group's protocol type is "consumer" (other types, such as Connect's, show
// none).
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include "broker/client/admin.h"
#include "broker/server/broker.h"

namespace ferry::broker {

class EmbeddedAdmin final : public Admin {
 public:
  explicit EmbeddedAdmin(Broker& broker) : broker_(broker) {}

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

 private:
  Broker& broker_;
};

}  // namespace ferry::broker
