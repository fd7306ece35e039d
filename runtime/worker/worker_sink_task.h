// Runs one sink task (Kafka Connect's WorkerSinkTask): a consumer in group connect-<connector>
// reads the connector's topics (topics or topics.regex), records are converted and transformed
// and handed to SinkTask::put() in batches, and consumer offsets are committed only for what the
// task says it has written.
//
// Loop. poll (up to max.poll.records) → convert → transforms → put(batch) → the consumed
// positions advance. Every offset.flush.interval.ms, or sooner after request_commit(),
// pre_commit(current offsets) (default: flush, then all of them) gives the offsets to commit,
// which are committed with commit_sync. A put() throwing RetriableException gets the same batch
// again after the context's timeout (default: at the next poll) with every partition paused
// meanwhile; any other exception fails the task.
//
// Rebalances. Partitions revoked: their offsets are committed (pre_commit first), then
// SinkTask::close(them). Partitions assigned: SinkTask::open(them), then any offsets the task
// asked for with context.offset() are sought.
//
// Pause. A paused task's partitions are all paused in the consumer (polling continues so the
// group keeps the member), nothing is put, commits go on. Resume restores the pauses the task
// itself asked for.
//
// Errors. A record a converter or transformation fails on, or that the task reports through the
// context's ErrantRecordReporter, fails the task with errors.tolerance=none; with all it is
// skipped, logged when errors.log.enable, and sent as consumed to the dead letter queue when the
// connector has one (dead_letter_queue.h), which is flushed before every offset commit.
//
// Stop. request_stop() wakes the consumer; the loop ends, commits (pre_commit), closes the
// partitions, stops the task (on the task's thread, after its last flush) and closes the
// consumer. Whatever was put and not committed is delivered again after a restart: at-least-once.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "broker/client/consumer.h"
#include "ferry/sdk/sink_connector.h"
#include "runtime/worker/active_topics.h"
#include "runtime/worker/connector_config.h"
#include "runtime/worker/dead_letter_queue.h"
#include "runtime/worker/error_trace.h"
#include "runtime/worker/record_converters.h"
#include "runtime/worker/task_settings.h"
#include "runtime/worker/transformation_chain.h"
#include "runtime/worker/worker_task.h"

namespace ferry::runtime {

class WorkerSinkTask final : public WorkerTask {
 public:
  // settings.task_config must hold topics or topics.regex (the connector config's).
  WorkerSinkTask(TaskId id, TaskSettings settings, std::vector<std::string> topics,
                 std::string topics_regex, std::unique_ptr<sdk::SinkTask> task,
                 RecordConverters converters, TransformationChain<sdk::SinkRecord> transforms,
                 std::unique_ptr<broker::Consumer> consumer,
                 std::unique_ptr<DeadLetterQueue> dead_letter_queue, StatusStore& statuses,
                 Logger log);
  ~WorkerSinkTask() override;

 private:
  class Context;
  class ErrantRecords;
  using Clock = std::chrono::steady_clock;

  void execute() override;
  void on_stop_requested() override;
  void on_transition(TargetState state) override;
  void subscribe();
  // Converts and transforms what poll() returned into the batch for put().
  void convert(const std::vector<broker::ConsumerRecord>& records);
  // put(batch_): true when delivered (or nothing to deliver).
  bool deliver();
  // Commits what pre_commit says is written, for partitions (all assigned ones if empty).
  void commit(const std::set<broker::TopicPartition>& partitions, bool closing);
  // The lag and partition gauges of metrics().
  void update_lag();
  void apply_requested_offsets();
  // Inside a catch: the record failed in stage (a converter or a transformation).
  void handle_record_error(Stage stage, const broker::ConsumerRecord& record);
  // What the ErrantRecordReporter does with a record the task could not write.
  void report_errant(const sdk::SinkRecord& record, const std::exception& error);
  // Counts a failed record, and throws (errors.tolerance=none) or logs it and sends it to the
  // dead letter queue.
  void tolerate(Stage stage, const std::string& class_name, const broker::ConsumerRecord& record,
                const ExceptionDescription& error);
  std::set<sdk::TopicPartitionId> assignment_ids() const;

  const TaskSettings settings_;
  const std::vector<std::string> topics_;
  const std::string topics_regex_;
  std::unique_ptr<Context> context_;
  std::unique_ptr<sdk::SinkTask> task_;
  RecordConverters converters_;
  TransformationChain<sdk::SinkRecord> transforms_;
  std::unique_ptr<broker::Consumer> consumer_;
  std::unique_ptr<DeadLetterQueue> dead_letter_queue_;  // null: none
  std::unique_ptr<ErrantRecords> errant_records_;
  const std::string task_class_;  // for the dead letter queue's context headers

  // Task thread only.
  std::vector<broker::ConsumerRecord> polled_;  // while put() may report them as errant
  std::vector<sdk::SinkRecord> batch_;          // converted, not yet put
  std::map<broker::TopicPartition, std::int64_t> batch_end_;  // positions after batch_
  std::map<broker::TopicPartition, std::int64_t> current_;    // after what was put
  std::map<broker::TopicPartition, std::int64_t> committed_;
  std::optional<Clock::time_point> retry_at_;  // a retriable put() failed: try again then
  bool all_paused_for_retry_ = false;
  Clock::time_point next_commit_;
  static constexpr std::chrono::seconds kLagUpdateInterval{1};
  Clock::time_point next_lag_update_;
  std::optional<ActiveTopics::Recorder> active_topics_;  // unless topic.tracking.enable=false
  bool task_started_ = false;
  bool task_stopped_ = false;
};

}  // namespace ferry::runtime
