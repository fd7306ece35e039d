#include "broker/server/broker.h"

#include <charconv>

#include "broker/server/cluster_id.h"
#include "broker/topics/topic_config.h"

namespace ferry::broker {
namespace {

// Reads an integer key if present; errors in Kafka's wording.
template <typename T>
Status read_integer(const std::map<std::string, std::string>& props, const std::string& key, T& out,
                    T min) {
  const auto it = props.find(key);
  if (it == props.end()) return Status::ok_status();
  std::string text = it->second;
  while (!text.empty() && text.back() <= ' ') text.pop_back();
  while (!text.empty() && text.front() <= ' ') text.erase(text.begin());
  T value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    return Status::invalid_argument("Invalid value " + it->second + " for configuration " + key +
                                    ": Not a number of type " + (sizeof(T) == 4 ? "INT" : "LONG"));
  }
  if (value < min) {
    return Status::invalid_argument("Invalid value " + it->second + " for configuration " + key +
                                    ": Value must be at least " + std::to_string(min));
  }
  out = value;
  return Status::ok_status();
}

}  // namespace

Result<BrokerConfig> broker_config_from_properties(
    const std::map<std::string, std::string>& props) {
  BrokerConfig config;
  auto defaults = broker_log_defaults(props);
  if (!defaults.ok()) return defaults.status();
  config.logs.defaults = *defaults;
  config.logs.data_directory = "/tmp/kafka-logs";
  for (const char* key : {"log.dir", "log.dirs"}) {
    const auto it = props.find(key);
    if (it == props.end()) continue;
    const std::string& value = it->second;
    if (value.find(',') != std::string::npos) {
      return Status::invalid_argument(std::string(key) + "=" + value +
                                      ": the embedded broker keeps its data in one directory");
    }
    config.logs.data_directory = value;
  }
  if (const auto it = props.find("auto.create.topics.enable"); it != props.end()) {
    if (it->second != "true" && it->second != "false") {
      return Status::invalid_argument("Invalid value " + it->second +
                                      " for configuration auto.create.topics.enable: Expected "
                                      "value to be either true or false");
    }
    config.logs.auto_create_topics = it->second == "true";
  }
  const std::initializer_list<Status> checks = {
      read_integer(props, "num.partitions", config.logs.default_partitions, 1),
      read_integer<std::int64_t>(props, "log.retention.check.interval.ms",
                                 config.logs.retention_check_interval_ms, 1),
      read_integer(props, "offsets.topic.num.partitions", config.offsets_topic_partitions, 1),
      read_integer(props, "group.min.session.timeout.ms", config.groups.min_session_timeout_ms, 0),
      read_integer(props, "group.max.session.timeout.ms", config.groups.max_session_timeout_ms, 0),
      read_integer(props, "group.initial.rebalance.delay.ms",
                   config.groups.initial_rebalance_delay_ms, 0),
      read_integer(props, "group.max.size", config.groups.max_group_size, 1),
      read_integer(props, "offset.metadata.max.bytes", config.groups.offset_metadata_max_bytes, 0),
  };
  for (const Status& status : checks) {
    if (!status.ok()) return status;
  }
  return config;
}

Result<std::unique_ptr<Broker>> Broker::open(BrokerConfig config) {
  std::unique_ptr<Broker> broker(new Broker());
  auto logs = LogManager::open(std::move(config.logs));
  if (!logs.ok()) return logs.status();
  broker->logs_ = std::move(*logs);
  auto cluster_id = load_or_create_cluster_id(broker->logs_->options().data_directory,
                                              !broker->logs_->read_only());
  if (!cluster_id.ok()) return cluster_id.status();
  broker->cluster_id_ = std::move(*cluster_id);
  auto offsets = GroupOffsets::open(*broker->logs_, config.offsets_topic_partitions);
  if (!offsets.ok()) return offsets.status();
  broker->offsets_ = std::move(*offsets);
  broker->coordinator_ = std::make_unique<GroupCoordinator>(*broker->offsets_, config.groups);
  return broker;
}

Broker::~Broker() {
  coordinator_.reset();
  offsets_.reset();
  logs_.reset();
}

}  // namespace ferry::broker
