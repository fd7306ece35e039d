// What a source and a sink task runner share (Kafka Connect's WorkerTask): the thread the task
// runs on, its target state (started or paused) and its status, reported to the StatusStore as
// Kafka's worker reports it: RUNNING once started, PAUSED while paused, FAILED with the trace when
// the task or the runner throws, UNASSIGNED once stopped cleanly.
//
// Thread-safety: start, transition_to, request_stop and await_stop may be called from any thread;
// execute() runs on the task's own thread, which the object owns and joins.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "runtime/worker/status_store.h"
#include "runtime/worker/task_metrics.h"
#include "runtime/worker/worker_log.h"

namespace ferry::runtime {

enum class TargetState { kStarted, kPaused, kStopped };
std::string_view target_state_name(TargetState state);  // "STARTED", "PAUSED", "STOPPED"

class WorkerTask {
 public:
  WorkerTask(TaskId id, StatusStore& statuses, Logger log);
  virtual ~WorkerTask();  // requests a stop and joins the thread
  WorkerTask(const WorkerTask&) = delete;
  WorkerTask& operator=(const WorkerTask&) = delete;

  const TaskId& id() const { return id_; }

  // Starts the thread in the given target state (kStarted or kPaused).
  void start(TargetState initial);
  // Pause or resume; a paused task keeps what it holds and reads nothing new.
  void transition_to(TargetState state);
  // Asks the task to stop (returns at once): the loop commits what it can and ends.
  void request_stop();
  // Waits for the thread to end, until the deadline. True when it ended (and was joined).
  bool await_stop(std::chrono::steady_clock::time_point deadline);
  bool failed() const { return failed_.load(); }
  // What the task's loop has counted so far (GET /metrics).
  const TaskMetrics& metrics() const { return metrics_; }

 protected:
  // The task's whole life on its thread; returns when stopping() after a clean shutdown, throws
  // to fail the task.
  virtual void execute() = 0;
  // Called by request_stop() on the caller's thread: wake whatever execute() may block in.
  virtual void on_stop_requested() {}
  // Called on the task's thread when the target state changes, before the status changes.
  virtual void on_transition(TargetState /*state*/) {}

  bool stopping() const { return stop_requested_.load(); }
  bool paused() const;
  // While paused: sets PAUSED, waits for resume or stop (or the timeout), sets RUNNING on resume.
  // Returns whether the task is (still) paused.
  bool wait_while_paused(std::chrono::milliseconds timeout);
  // The target state changed since the last call (for the loop to act on it).
  TargetState target_state() const;

  Logger& log() { return log_; }
  TaskMetrics& metrics() { return metrics_; }
  StatusStore& statuses() { return statuses_; }

 private:
  void run();

  const TaskId id_;
  StatusStore& statuses_;
  Logger log_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  TargetState target_ = TargetState::kStarted;
  bool reported_paused_ = false;  // task thread only
  bool finished_ = false;         // guarded by mutex_
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> failed_{false};
  TaskMetrics metrics_;
  std::thread thread_;
};

}  // namespace ferry::runtime
