// The embedded broker: one data directory's topics (LogManager), the committed group offsets
// (GroupOffsets) and the group coordinator, built from Kafka's server.properties keys and owned
// together so that a worker (standalone) or `ferry broker` starts and stops them as one.
//
// Keys read (Kafka's names and defaults unless said):
//   log.dirs / log.dir           the data directory (one; default /tmp/kafka-logs)
//   num.partitions               1
//   auto.create.topics.enable    true
//   offsets.topic.num.partitions 50
//   group.min.session.timeout.ms 6000, group.max.session.timeout.ms 1800000,
//   group.initial.rebalance.delay.ms 3000, group.max.size, offset.metadata.max.bytes 4096
//   log.retention.check.interval.ms 300000
//   log.* topic defaults         see broker/topics/topic_config.h
// Unknown keys are ignored (a Kafka server.properties has many that do not apply here).
//
// Opened read-only (BrokerConfig::logs.access; what the tools do beside a running broker), the
// broker is a view of the directory: the committed offsets as open() found them, a coordinator
// whose groups live only in this process and whose commits fail, topics that cannot be changed
// (broker/topics/log_manager.h).
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "broker/groups/group_coordinator.h"
#include "broker/groups/group_offsets.h"
#include "broker/topics/log_manager.h"
#include "common/result.h"

namespace ferry::broker {

struct BrokerConfig {
  LogManagerOptions logs;
  std::int32_t offsets_topic_partitions = 50;
  GroupCoordinatorOptions groups;
};

// BrokerConfig from server.properties keys; errors name the key and the value.
Result<BrokerConfig> broker_config_from_properties(const std::map<std::string, std::string>& props);

class Broker {
 public:
  // Opens (recovering) the data directory and loads the committed offsets.
  static Result<std::unique_ptr<Broker>> open(BrokerConfig config);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  LogManager& logs() { return *logs_; }
  GroupCoordinator& groups() { return *coordinator_; }
  GroupOffsets& offsets() { return *offsets_; }
  // The data directory's cluster id (cluster_id.h); empty in a read-only view of a directory no
  // broker has opened yet.
  const std::string& cluster_id() const { return cluster_id_; }

 private:
  Broker() = default;

  // Destroyed in reverse: the coordinator before the offsets it writes, both before the logs.
  std::unique_ptr<LogManager> logs_;
  std::unique_ptr<GroupOffsets> offsets_;
  std::unique_ptr<GroupCoordinator> coordinator_;
  std::string cluster_id_;
};

}  // namespace ferry::broker
