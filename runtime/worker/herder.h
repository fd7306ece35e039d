// What the management REST API (rest/) may ask of a worker: Kafka Connect's Herder, narrowed to
// the calls the endpoints make. "The non-Java interfaces to the cluster (REST API and CLI) are
// very simple wrappers of the functionality provided by this interface" (Kafka's Herder.java):
// the standalone Worker implements it now, a distributed herder (forwarding writes to the leader)
// will later, and the REST handlers see nothing else.
//
// Results are values: not_found for an unknown connector or task (REST 404), invalid_argument
// for a bad config (400), conflict for an existing name or a state that forbids the call (409).
// Configs are returned as stored (config-provider references unresolved, secrets in the clear);
// the REST layer masks the keys secret_keys() names before anything leaves the process.
//
// Thread-safety: every member may be called from any thread at any time, concurrently.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "ferry/sdk/config_def.h"
#include "plugins/loader/plugin_registry.h"
#include "runtime/offsets/offset_store.h"
#include "runtime/worker/connector_config.h"
#include "runtime/worker/status_store.h"
#include "runtime/worker/worker_task.h"

namespace ferry::runtime {

struct ConnectorInfo {
  std::string name;
  sdk::ConfigMap config;  // as given, before config providers
  std::vector<TaskId> tasks;
  ConnectorType type = ConnectorType::kSource;
};

// Kafka's ConnectorStateInfo: the connector's status and each task's, by task number.
struct ConnectorStatus {
  std::string name;
  StatusEntry connector;
  std::vector<std::pair<int, StatusEntry>> tasks;  // by task number, ascending
  ConnectorType type = ConnectorType::kSource;
};

// Kafka's ConfigInfos (PUT /connector-plugins/{p}/config/validate): every key's definition and
// validation result, the framework's keys first, then the connector's; a value whose key is
// defined by neither comes first with no definition. Definitions are for describing keys only
// (their validators may belong to a connector instance that no longer exists).
struct ConfigValidation {
  std::string connector_class;  // as given
  std::vector<std::string> groups;
  std::vector<std::pair<std::optional<sdk::ConfigKey>, sdk::ConfigValue>> configs;
};

// One entry of PATCH /connectors/{c}/offsets; no offset resets the partition.
struct OffsetChange {
  sdk::SourceMap partition;
  std::optional<sdk::SourceMap> offset;
};

class Herder {
 public:
  virtual ~Herder() = default;

  // Creates the connector (conflict "Connector <name> already exists" unless replace), or
  // replaces its config, and starts it in initial (ignored on replace: the target state stays).
  virtual Result<ConnectorInfo> put_connector(const sdk::ConfigMap& config, bool replace,
                                              TargetState initial) = 0;
  // Validates as put_connector does, starting nothing.
  virtual Status validate_connector(const sdk::ConfigMap& config) const = 0;
  // Every key's result, starting nothing. Problems with values are in the result; errors are
  // for a config that cannot be validated at all: invalid_argument "Connector config {...}
  // contains no connector type", not_found for an unknown class.
  virtual Result<ConfigValidation> validate_connector_config(
      const sdk::ConfigMap& config) const = 0;
  virtual Status delete_connector(const std::string& name) = 0;
  virtual Status pause_connector(const std::string& name) = 0;
  virtual Status resume_connector(const std::string& name) = 0;
  virtual Status stop_connector(const std::string& name) = 0;
  virtual Status restart_connector(const std::string& name, bool include_tasks,
                                   bool only_failed) = 0;
  virtual Status restart_task(const TaskId& id) = 0;

  virtual std::vector<std::string> connectors() const = 0;  // sorted
  virtual Result<ConnectorInfo> connector_info(const std::string& name) const = 0;
  virtual Result<std::vector<sdk::ConfigMap>> task_configs(const std::string& name) const = 0;
  virtual Result<TargetState> target_state(const std::string& name) const = 0;
  // not_found "No status found for connector <name>" / "No status found for task <c>-<t>".
  virtual Result<ConnectorStatus> connector_status(const std::string& name) const = 0;
  virtual Result<StatusEntry> task_status(const TaskId& id) const = 0;
  // The keys of the connector's config whose values are secrets: PASSWORD keys of the
  // connector's ConfigDef (and of the framework's).
  virtual Result<std::set<std::string>> secret_keys(const std::string& name) const = 0;

  // Kafka's connector offsets (reference §1.3): a source's partitions and offsets from the
  // offsets store; a sink's committed offsets of group connect-<name>, as
  // {"kafka_topic","kafka_partition"} -> {"kafka_offset"}.
  virtual Result<std::vector<PartitionOffset>> connector_offsets(const std::string& name) const = 0;
  // Only on a STOPPED connector (invalid_argument with Kafka's message otherwise); durable when
  // they return. The connector's alter_offsets hook runs first: true when the connector changed
  // offsets it keeps outside the worker too; what it throws fails the call (invalid_argument).
  virtual Result<bool> alter_connector_offsets(const std::string& name,
                                               const std::vector<OffsetChange>& changes) = 0;
  virtual Result<bool> reset_connector_offsets(const std::string& name) = 0;

  // Every installed plugin (GET /connector-plugins).
  virtual const loader::PluginRegistry& plugins() const = 0;

  // The topics the connector's tasks produced to or consumed from since it was created or its
  // topics were last reset, sorted (GET /connectors/{c}/topics). As in Kafka, an unknown
  // connector simply has none; whether tracking is on (topic_tracking()) is the REST layer's to
  // check, as Kafka's resource checks it.
  virtual std::vector<std::string> connector_active_topics(const std::string& name) const = 0;
  virtual void reset_connector_active_topics(const std::string& name) = 0;
  struct TopicTracking {
    bool enabled = true;      // topic.tracking.enable
    bool allow_reset = true;  // topic.tracking.allow.reset
  };
  virtual TopicTracking topic_tracking() const = 0;

  // Calls visit with the metrics of every task the herder runs here (GET /metrics). Runs under
  // the herder's lock: visit must only read and must not call back into the herder.
  using TaskMetricsVisitor =
      std::function<void(const TaskId& id, ConnectorType type, const TaskMetrics& metrics)>;
  virtual void visit_task_metrics(const TaskMetricsVisitor& visit) const = 0;
};

}  // namespace ferry::runtime
