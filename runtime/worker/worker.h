// The standalone worker (Kafka Connect's Worker and StandaloneHerder in one): it keeps the
// connectors' configs and target states, instantiates each connector from the plugin registry,
// asks it for task configs and runs every task on its own thread (WorkerSourceTask,
// WorkerSinkTask), and carries out pause, resume, stop, restart and delete. REST and the
// command line drive it through these members.
//
// Lifecycle of a connector (statuses in the StatusStore, as Kafka reports them):
//   put_connector → validate (framework keys, the class, converters, transforms, the connector's
//   own validate()) → start: initialize, start(config resolved through the config providers),
//   task_configs(tasks.max) → tasks started. A connector whose start() throws is FAILED with its
//   trace (its tasks are not started); a task whose start throws is FAILED, the others run.
//   request_task_reconfiguration (from the connector, any thread) → task_configs() again on the
//   worker's own thread; if they changed, the tasks are stopped and started with the new ones.
//   pause/resume move tasks between RUNNING and PAUSED; stop ends the tasks and the connector
//   (STOPPED, no tasks); delete ends them and forgets the connector (its offsets stay, as in
//   Kafka).
//
// Stopping tasks waits task.shutdown.graceful.timeout.ms in total; a task still running then is
// abandoned ("Graceful stop of task ... failed") and the process may exit without joining it
// (abandoned_tasks()).
//
// It is the standalone Herder (herder.h) the REST API drives.
//
// Thread-safety: every member may be called from any thread; one mutex serializes them (and the
// reconfiguration thread), so a slow connector start delays the others, as in Kafka's herder.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "broker/client/clients.h"
#include "common/result.h"
#include "ferry/sdk/config_def.h"
#include "plugins/loader/plugin_registry.h"
#include "runtime/config/config_providers.h"
#include "runtime/offsets/offset_store.h"
#include "runtime/worker/active_topics.h"
#include "runtime/worker/alias_validation.h"
#include "runtime/worker/connector_config.h"
#include "runtime/worker/herder.h"
#include "runtime/worker/status_store.h"
#include "runtime/worker/worker_config.h"
#include "runtime/worker/worker_log.h"
#include "runtime/worker/worker_task.h"

namespace ferry::runtime {

class Worker final : public Herder {
 public:
  struct Collaborators {
    const loader::PluginRegistry& plugins;
    broker::Clients& clients;
    FileOffsetStore& offsets;
    const ConfigProviders* providers = nullptr;  // none: configs are used as they are
    StatusStore& statuses;
    Logger log;
  };

  Worker(WorkerConfig config, Collaborators collaborators);
  // Stops everything (shutdown()).
  ~Worker() override;
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Creates the connector, or replaces its config when it exists and replace is set (conflict
  // otherwise: "Connector <name> already exists"), and starts it in the initial state. Errors:
  // invalid_argument naming the key and the problem (several joined with "; "), not_found for
  // an unknown class with the close matches.
  Result<ConnectorInfo> put_connector(const sdk::ConfigMap& config, bool replace,
                                      TargetState initial = TargetState::kStarted) override;
  // Validates as put_connector does, starting nothing.
  Status validate_connector(const sdk::ConfigMap& config) const override;
  Result<ConfigValidation> validate_connector_config(const sdk::ConfigMap& config) const override;
  // not_found for an unknown connector ("Connector <name> not found").
  Status delete_connector(const std::string& name) override;
  Status pause_connector(const std::string& name) override;
  Status resume_connector(const std::string& name) override;
  Status stop_connector(const std::string& name) override;
  Status restart_connector(const std::string& name, bool include_tasks, bool only_failed) override;
  Status restart_task(const TaskId& id) override;

  std::vector<std::string> connectors() const override;  // sorted
  Result<ConnectorInfo> connector_info(const std::string& name) const override;
  Result<std::vector<sdk::ConfigMap>> task_configs(const std::string& name) const override;
  Result<TargetState> target_state(const std::string& name) const override;
  // From the StatusStore; tasks are those the connector has now.
  Result<ConnectorStatus> connector_status(const std::string& name) const override;
  Result<StatusEntry> task_status(const TaskId& id) const override;
  Result<std::set<std::string>> secret_keys(const std::string& name) const override;
  Result<std::vector<PartitionOffset>> connector_offsets(const std::string& name) const override;
  Result<bool> alter_connector_offsets(const std::string& name,
                                       const std::vector<OffsetChange>& changes) override;
  Result<bool> reset_connector_offsets(const std::string& name) override;
  const loader::PluginRegistry& plugins() const override { return collaborators_.plugins; }
  std::vector<std::string> connector_active_topics(const std::string& name) const override;
  void reset_connector_active_topics(const std::string& name) override;
  TopicTracking topic_tracking() const override {
    return {config_.topic_tracking_enable, config_.topic_tracking_allow_reset};
  }
  void visit_task_metrics(const TaskMetricsVisitor& visit) const override;

  // Stops every task and connector, committing offsets. Idempotent.
  void shutdown();
  // Tasks that did not stop within the graceful timeout; still running.
  std::size_t abandoned_tasks() const;

  const WorkerConfig& config() const { return config_; }

 private:
  class ConnectorContext;
  struct Connector {
    sdk::ConfigMap config;
    ConnectorConfig parsed;
    ConnectorType type = ConnectorType::kSource;
    TargetState target = TargetState::kStarted;
    // PASSWORD keys of the connector's ConfigDef and the framework's, for masking.
    std::set<std::string> secret_keys;
    std::unique_ptr<ConnectorContext> context;
    std::unique_ptr<sdk::Connector> instance;  // set while started (running or paused)
    std::vector<sdk::ConfigMap> task_configs;
    std::vector<std::unique_ptr<WorkerTask>> tasks;
  };

  Result<Connector> prepare(const sdk::ConfigMap& config) const;
  // The connector's alter_offsets hook on a fresh instance (mutex_ held): whether it handled the
  // changes too; its exception as a fatal status (REST's 500). The changes are of the
  // connector's kind.
  using ConnectorOffsetChanges = std::variant<sdk::SourceOffsetChanges, sdk::SinkOffsetChanges>;
  Result<bool> connector_alters_offsets(const std::string& name, const Connector& connector,
                                        const ConnectorOffsetChanges& changes) const;
  Result<sdk::ConfigMap> resolve(const sdk::ConfigMap& config) const;
  // All with mutex_ held.
  void start_connector(const std::string& name, Connector& connector);
  // Creates, initializes and starts the connector instance: RUNNING (or PAUSED), or FAILED with
  // the trace and false.
  bool start_instance(const std::string& name, Connector& connector);
  void stop_connector_instance(const std::string& name, Connector& connector);
  Status compute_task_configs(const std::string& name, Connector& connector);
  void start_tasks(const std::string& name, Connector& connector);
  // The task, started; nullptr (and FAILED) if it could not be created.
  std::unique_ptr<WorkerTask> start_task(const std::string& name, Connector& connector, int index);
  // Stops the task in slot index and starts a new one there.
  void replace_task(const std::string& name, Connector& connector, int index);
  std::unique_ptr<WorkerTask> create_task(const std::string& name, Connector& connector, int index);
  void stop_tasks(std::vector<std::unique_ptr<WorkerTask>> tasks);
  // Pause (kPaused) or resume (kStarted) a connector and its tasks.
  Status move_to(const std::string& name, TargetState target);
  void fail_connector(const std::string& name, Connector& connector, const std::string& trace);
  Connector* find(const std::string& name);
  const Connector* find(const std::string& name) const;
  sdk::ConfigMap producer_properties(const std::string& name, const Connector& connector,
                                     int index) const;
  sdk::ConfigMap consumer_properties(const std::string& name, const Connector& connector,
                                     int index) const;

  void reconfiguration_loop(std::stop_token stop);
  void request_reconfiguration(const std::string& name);

  const WorkerConfig config_;
  Collaborators collaborators_;
  Logger log_;
  mutable std::mutex mutex_;
  std::map<std::string, Connector> connectors_;
  std::vector<std::unique_ptr<WorkerTask>> abandoned_;
  // In memory, as Kafka's standalone worker keeps them (a cluster: its status topic).
  ActiveTopics active_topics_;
  bool shut_down_ = false;

  std::mutex queue_mutex_;
  std::condition_variable_any queue_changed_;
  std::deque<std::string> reconfigurations_;  // connector names, guarded by queue_mutex_
  std::jthread reconfigurer_;                 // last: stopped first
};

}  // namespace ferry::runtime
