#include "runtime/worker/status_store.h"

#include <chrono>
#include <utility>

namespace ferry::runtime {

std::string_view state_name(State state) {
  switch (state) {
    case State::kUnassigned:
      return "UNASSIGNED";
    case State::kRunning:
      return "RUNNING";
    case State::kPaused:
      return "PAUSED";
    case State::kStopped:
      return "STOPPED";
    case State::kFailed:
      return "FAILED";
    case State::kRestarting:
      return "RESTARTING";
    case State::kDestroyed:
      return "DESTROYED";
  }
  return "UNKNOWN";
}

std::string to_string(const TaskId& id) { return id.connector + "-" + std::to_string(id.task); }

StatusStore::StatusStore(std::string worker_id, Listener listener)
    : worker_id_(std::move(worker_id)), listener_(std::move(listener)) {}

StatusEntry StatusStore::entry(State state, std::string trace) const {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return {state, std::move(trace), worker_id_, now.count()};
}

void StatusStore::put_connector(const std::string& connector, State state, std::string trace) {
  StatusEntry added = entry(state, std::move(trace));
  {
    std::scoped_lock lock(mutex_);
    connectors_[connector] = added;
  }
  if (listener_) listener_(connector, std::nullopt, added);
}

void StatusStore::put_task(const TaskId& id, State state, std::string trace) {
  StatusEntry added = entry(state, std::move(trace));
  {
    std::scoped_lock lock(mutex_);
    tasks_[id] = added;
  }
  if (listener_) listener_(id.connector, id.task, added);
}

void StatusStore::remove_connector(const std::string& connector) {
  std::scoped_lock lock(mutex_);
  connectors_.erase(connector);
  std::erase_if(tasks_, [&](const auto& item) { return item.first.connector == connector; });
}

void StatusStore::remove_tasks(const std::string& connector, int from) {
  std::scoped_lock lock(mutex_);
  std::erase_if(tasks_, [&](const auto& item) {
    return item.first.connector == connector && item.first.task >= from;
  });
}

std::optional<StatusEntry> StatusStore::connector(const std::string& connector) const {
  std::scoped_lock lock(mutex_);
  const auto it = connectors_.find(connector);
  if (it == connectors_.end()) return std::nullopt;
  return it->second;
}

std::optional<StatusEntry> StatusStore::task(const TaskId& id) const {
  std::scoped_lock lock(mutex_);
  const auto it = tasks_.find(id);
  if (it == tasks_.end()) return std::nullopt;
  return it->second;
}

std::map<int, StatusEntry> StatusStore::tasks(const std::string& connector) const {
  std::scoped_lock lock(mutex_);
  std::map<int, StatusEntry> out;
  for (auto it = tasks_.lower_bound(TaskId{connector, 0});
       it != tasks_.end() && it->first.connector == connector; ++it) {
    out.emplace(it->first.task, it->second);
  }
  return out;
}

}  // namespace ferry::runtime
