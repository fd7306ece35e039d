// A Herder that records in a ConnectorStore what the REST API changes, so connectors created or
// changed through REST in standalone mode survive a restart (connector_store.h). It forwards
// every call to the worker's herder and, after a successful create, replace, pause, resume,
// stop or delete, writes the connector's config and target state (or forgets it). Connectors
// given on the command line are recorded only once REST changes them; at start the command
// line wins (app/standalone_command.cpp).
//
// A failed write is logged through on_store_error and does not fail the request: the change
// has happened in the worker, and the next change writes the whole store again.
//
// Thread-safety: as Herder; one mutex keeps each change and its write in order.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "runtime/worker/connector_store.h"
#include "runtime/worker/herder.h"

namespace ferry::runtime {

class RecordingHerder final : public Herder {
 public:
  // herder and store must outlive this object.
  RecordingHerder(Herder& herder, ConnectorStore& store,
                  std::function<void(const Status&)> on_store_error)
      : herder_(herder), store_(store), on_store_error_(std::move(on_store_error)) {}

  Result<ConnectorInfo> put_connector(const sdk::ConfigMap& config, bool replace,
                                      TargetState initial) override;
  Status delete_connector(const std::string& name) override;
  Status pause_connector(const std::string& name) override;
  Status resume_connector(const std::string& name) override;
  Status stop_connector(const std::string& name) override;

  Status validate_connector(const sdk::ConfigMap& config) const override {
    return herder_.validate_connector(config);
  }
  Result<ConfigValidation> validate_connector_config(const sdk::ConfigMap& config) const override {
    return herder_.validate_connector_config(config);
  }
  Status restart_connector(const std::string& name, bool include_tasks, bool only_failed) override {
    return herder_.restart_connector(name, include_tasks, only_failed);
  }
  Status restart_task(const TaskId& id) override { return herder_.restart_task(id); }
  std::vector<std::string> connectors() const override { return herder_.connectors(); }
  Result<ConnectorInfo> connector_info(const std::string& name) const override {
    return herder_.connector_info(name);
  }
  Result<std::vector<sdk::ConfigMap>> task_configs(const std::string& name) const override {
    return herder_.task_configs(name);
  }
  Result<TargetState> target_state(const std::string& name) const override {
    return herder_.target_state(name);
  }
  Result<ConnectorStatus> connector_status(const std::string& name) const override {
    return herder_.connector_status(name);
  }
  Result<StatusEntry> task_status(const TaskId& id) const override {
    return herder_.task_status(id);
  }
  Result<std::set<std::string>> secret_keys(const std::string& name) const override {
    return herder_.secret_keys(name);
  }
  Result<std::vector<PartitionOffset>> connector_offsets(const std::string& name) const override {
    return herder_.connector_offsets(name);
  }
  Result<bool> alter_connector_offsets(const std::string& name,
                                       const std::vector<OffsetChange>& changes) override {
    return herder_.alter_connector_offsets(name, changes);
  }
  Result<bool> reset_connector_offsets(const std::string& name) override {
    return herder_.reset_connector_offsets(name);
  }
  const loader::PluginRegistry& plugins() const override { return herder_.plugins(); }
  std::vector<std::string> connector_active_topics(const std::string& name) const override {
    return herder_.connector_active_topics(name);
  }
  void reset_connector_active_topics(const std::string& name) override {
    herder_.reset_connector_active_topics(name);
  }
  TopicTracking topic_tracking() const override { return herder_.topic_tracking(); }
  void visit_task_metrics(const TaskMetricsVisitor& visit) const override {
    herder_.visit_task_metrics(visit);
  }

 private:
  // Writes the connector's current config and target state (mutex_ held).
  void record(const std::string& name);
  // A target change of a recorded connector (mutex_ held).
  void record_target(const std::string& name);

  Herder& herder_;
  ConnectorStore& store_;
  const std::function<void(const Status&)> on_store_error_;
  std::mutex mutex_;
};

}  // namespace ferry::runtime
