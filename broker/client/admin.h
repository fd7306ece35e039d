// What the tools and the runtime manage topics, offsets and groups through: the parts of Kafka's
// Admin client they need, implemented in process over the embedded broker (broker/embedded) and,
// later, over the Kafka protocol. Errors carry Kafka's wording where Kafka has one
// ("Topic 'x' already exists.").
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "broker/client/topic_partition.h"
#include "common/result.h"

namespace ferry::broker {

struct TopicListing {
  std::string name;
  std::string topic_id;
  std::int32_t partitions = 0;
  bool internal = false;
  std::map<std::string, std::string> overrides;  // configs set on the topic
};

struct ConsumerGroupMember {
  std::string member_id;
  std::string client_id;
  std::string host;
  std::set<TopicPartition> assignment;
};

struct ConsumerGroupListing {
  std::string group_id;
  std::string state;  // Empty, PreparingRebalance, CompletingRebalance, Stable
  std::string protocol_type;
  std::string assignor;
  std::vector<ConsumerGroupMember> members;
};

// ListOffsets specs, as Kafka's wire values.
inline constexpr std::int64_t kEarliestOffset = -2;
inline constexpr std::int64_t kLatestOffset = -1;

class Admin {
 public:
  virtual ~Admin() = default;

  virtual Status create_topic(const std::string& name, std::int32_t partitions,
                              const std::map<std::string, std::string>& configs) = 0;
  // create_topic with Kafka's replication factor (-1: the cluster's default). A cluster refuses
  // one it cannot meet with Kafka's message ("Replication factor: 3 larger than available
  // brokers: 1."); the embedded broker is one broker.
  virtual Status create_replicated_topic(const std::string& name, std::int32_t partitions,
                                         std::int16_t replication_factor,
                                         const std::map<std::string, std::string>& configs) = 0;
  virtual Status delete_topic(const std::string& name) = 0;
  virtual Result<std::vector<TopicListing>> list_topics(bool include_internal) = 0;
  virtual Result<TopicListing> describe_topic(const std::string& name) = 0;
  // Every effective config of the topic, overrides and defaults alike.
  virtual Result<std::map<std::string, std::string>> describe_topic_configs(
      const std::string& name) = 0;
  // Kafka's incremental alter: set these, remove those (back to the default).
  virtual Status alter_topic_configs(const std::string& name,
                                     const std::map<std::string, std::string>& set,
                                     const std::set<std::string>& remove) = 0;
  virtual Status create_partitions(const std::string& name, std::int32_t total) = 0;

  // kEarliestOffset, kLatestOffset or a timestamp; nullopt when no record is that recent.
  virtual Result<std::optional<std::int64_t>> list_offset(const TopicPartition& partition,
                                                          std::int64_t spec) = 0;

  virtual Result<std::vector<ConsumerGroupListing>> list_groups() = 0;
  virtual Result<ConsumerGroupListing> describe_group(const std::string& group) = 0;
  virtual Result<std::map<TopicPartition, std::int64_t>> list_group_offsets(
      const std::string& group) = 0;
  // Only for a group without active members, as Kafka's kafka-consumer-groups --reset-offsets.
  virtual Status alter_group_offsets(const std::string& group,
                                     const std::map<TopicPartition, std::int64_t>& offsets) = 0;
  virtual Status delete_group(const std::string& group) = 0;
  // Kafka's deleteConsumerGroupOffsets: the group's committed offsets of these partitions are
  // forgotten (its consumers then start where auto.offset.reset says); only for a group without
  // active members.
  virtual Status delete_group_offsets(const std::string& group,
                                      const std::set<TopicPartition>& partitions) = 0;
};

}  // namespace ferry::broker
