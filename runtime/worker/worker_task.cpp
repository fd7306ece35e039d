#include "runtime/worker/worker_task.h"

#include <utility>

#include "common/thread_name.h"
#include "runtime/worker/error_trace.h"

namespace ferry::runtime {

std::string_view target_state_name(TargetState state) {
  switch (state) {
    case TargetState::kStarted:
      return "STARTED";
    case TargetState::kPaused:
      return "PAUSED";
    case TargetState::kStopped:
      return "STOPPED";
  }
  return "UNKNOWN";
}

WorkerTask::WorkerTask(TaskId id, StatusStore& statuses, Logger log)
    : id_(std::move(id)), statuses_(statuses), log_(std::move(log)) {}

WorkerTask::~WorkerTask() {
  // A derived class must stop its thread before its own members go; this is the last resort.
  if (thread_.joinable()) {
    stop_requested_ = true;
    changed_.notify_all();
    thread_.join();
  }
}

void WorkerTask::start(TargetState initial) {
  {
    std::scoped_lock lock(mutex_);
    target_ = initial;
  }
  thread_ = std::thread([this] { run(); });
}

void WorkerTask::transition_to(TargetState state) {
  {
    std::scoped_lock lock(mutex_);
    target_ = state;
  }
  changed_.notify_all();
}

void WorkerTask::request_stop() {
  if (stop_requested_.exchange(true)) return;
  changed_.notify_all();
  on_stop_requested();
}

bool WorkerTask::await_stop(std::chrono::steady_clock::time_point deadline) {
  {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_until(lock, deadline, [this] { return finished_; })) return false;
  }
  if (thread_.joinable()) thread_.join();
  return true;
}

bool WorkerTask::paused() const {
  std::scoped_lock lock(mutex_);
  return target_ == TargetState::kPaused;
}

TargetState WorkerTask::target_state() const {
  std::scoped_lock lock(mutex_);
  return target_;
}

bool WorkerTask::wait_while_paused(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (target_ != TargetState::kPaused) {
    if (reported_paused_) {
      reported_paused_ = false;
      lock.unlock();
      on_transition(TargetState::kStarted);
      log_->info("{} Task resumed", to_string(id_));
      statuses_.put_task(id_, State::kRunning);
    }
    return false;
  }
  if (!reported_paused_) {
    reported_paused_ = true;
    lock.unlock();
    on_transition(TargetState::kPaused);
    log_->info("{} Task paused", to_string(id_));
    statuses_.put_task(id_, State::kPaused);
    lock.lock();
  }
  changed_.wait_for(lock, timeout,
                    [this] { return target_ != TargetState::kPaused || stop_requested_.load(); });
  return target_ == TargetState::kPaused && !stop_requested_.load();
}

void WorkerTask::run() {
  name_this_thread(to_string(id()));
  statuses_.put_task(id_, State::kRunning);
  try {
    execute();
    if (!failed_) statuses_.put_task(id_, State::kUnassigned);
  } catch (...) {
    failed_ = true;
    const std::string trace = current_exception_trace("task " + to_string(id_));
    log_->error(
        "{} Task threw an uncaught and unrecoverable exception. Task is being killed and will not "
        "recover until manually restarted: {}",
        to_string(id_), trace);
    statuses_.put_task(id_, State::kFailed, trace);
  }
  {
    std::scoped_lock lock(mutex_);
    finished_ = true;
  }
  changed_.notify_all();
}

}  // namespace ferry::runtime
