// The states of connectors and tasks as REST's status endpoints show them (Kafka Connect's
// AbstractStatus.State and StatusBackingStore), with the failure trace of a FAILED one. The
// standalone worker keeps them in memory; a cluster will keep them in its status topic.
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::runtime {

enum class State { kUnassigned, kRunning, kPaused, kStopped, kFailed, kRestarting, kDestroyed };
std::string_view state_name(State state);  // "UNASSIGNED", "RUNNING", ...

struct TaskId {
  std::string connector;
  int task = 0;
  friend auto operator<=>(const TaskId&, const TaskId&) = default;
};
std::string to_string(const TaskId& id);  // "<connector>-<task>", as Kafka prints it

struct StatusEntry {
  State state = State::kUnassigned;
  std::string trace;  // set for kFailed
  std::string worker_id;
  std::int64_t changed_ms = 0;  // when the state was entered, ms since the epoch
};

class StatusStore {
 public:
  // Called after every change (connector, task or nullopt for a connector's own state), outside
  // the store's lock; for logging.
  using Listener = std::function<void(const std::string& connector, std::optional<int> task,
                                      const StatusEntry& entry)>;

  explicit StatusStore(std::string worker_id, Listener listener = {});

  void put_connector(const std::string& connector, State state, std::string trace = {});
  void put_task(const TaskId& id, State state, std::string trace = {});
  // Forgets the connector and its tasks (deleted).
  void remove_connector(const std::string& connector);
  // Forgets the connector's tasks from `from` on (fewer tasks after a reconfiguration).
  void remove_tasks(const std::string& connector, int from);

  std::optional<StatusEntry> connector(const std::string& connector) const;
  std::optional<StatusEntry> task(const TaskId& id) const;
  std::map<int, StatusEntry> tasks(const std::string& connector) const;
  const std::string& worker_id() const { return worker_id_; }

 private:
  StatusEntry entry(State state, std::string trace) const;

  const std::string worker_id_;
  const Listener listener_;
  mutable std::mutex mutex_;
  std::map<std::string, StatusEntry> connectors_;
  std::map<TaskId, StatusEntry> tasks_;
};

}  // namespace ferry::runtime
