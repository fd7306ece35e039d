// Runs one source task (Kafka Connect's WorkerSourceTask): poll() → transforms → converters →
// producer, on the task's thread, and commits source offsets only for records the broker
// acknowledged.
//
// Loop. While started: poll the task; put each record through the transforms (a dropped record
// is acknowledged at once) and convert it; hand the poll's converted records to the producer in
// one call (those before a failing record go first); hand acknowledged records to commit_record;
// every offset.flush.interval.ms, commit. While more than max_outstanding_bytes wait for
// acknowledgement, poll() is not called. While paused, nothing is polled; acknowledgements and
// commits go on.
//
// Commit. The offsets of the acknowledged prefix of every source partition (SubmittedRecords)
// are put into the offset store and flushed (atomic rewrite of the offsets file); then
// SourceTask::commit() runs. A failed flush is logged and retried at the next interval: the
// offsets stay in memory.
//
// Stop. request_stop() calls SourceTask::stop() (so a blocked poll() returns) and the loop ends;
// the runner then waits up to offset.flush.timeout.ms for the producer to acknowledge what was
// sent, commits, and closes the producer. kill -9 at any point loses nothing acknowledged: a
// restart resumes from the last committed offsets and sends again what followed them.
//
// Errors. An exception from poll() fails the task. A transform or converter failure fails it too
// with errors.tolerance=none; with all, the record is skipped (logged with errors.log.enable) and
// counts as acknowledged. A send the broker refuses fails the task (tolerance none) or is skipped.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "broker/client/producer.h"
#include "ferry/sdk/source_connector.h"
#include "runtime/offsets/offset_store.h"
#include "runtime/worker/active_topics.h"
#include "runtime/worker/record_converters.h"
#include "runtime/worker/submitted_records.h"
#include "runtime/worker/task_settings.h"
#include "runtime/worker/transformation_chain.h"
#include "runtime/worker/worker_task.h"

namespace ferry::runtime {

class WorkerSourceTask final : public WorkerTask, private broker::Producer::Listener {
 public:
  WorkerSourceTask(TaskId id, TaskSettings settings, std::unique_ptr<sdk::SourceTask> task,
                   RecordConverters converters, TransformationChain<sdk::SourceRecord> transforms,
                   std::unique_ptr<broker::Producer> producer, FileOffsetStore& offsets,
                   StatusStore& statuses, Logger log);
  ~WorkerSourceTask() override;

 private:
  class Context;

  void execute() override;
  void on_stop_requested() override;
  // Transforms, converts and submits one polled record and gathers it for send_gathered(), or
  // acknowledges it at once when it was dropped or skipped.
  void send(SubmittedRecords::Poll& poll, std::size_t index);
  // Hands the gathered records to the producer in one call.
  void send_gathered();
  // broker::Producer::Listener, on the producer's thread: the tokens are submitted_'s entries.
  void acknowledged(const std::string& topic, std::int32_t partition, std::int64_t base_offset,
                    std::span<const std::uint64_t> tokens) override;
  void failed(const Status& status, std::span<const std::uint64_t> tokens) override;
  // Hands acknowledged records to commit_record and gathers their offsets.
  void collect_acknowledged();
  // Stores and flushes the gathered offsets, then SourceTask::commit(). False if the flush failed.
  bool commit_offsets();
  void check_send_failure();
  // errors.tolerance=all: logs and skips; none: rethrows.
  void handle_record_error(Stage stage, const sdk::SourceRecord& record);

  const TaskSettings settings_;
  std::unique_ptr<Context> context_;
  std::unique_ptr<sdk::SourceTask> task_;
  RecordConverters converters_;
  TransformationChain<sdk::SourceRecord> transforms_;
  std::unique_ptr<broker::Producer> producer_;
  FileOffsetStore& offsets_;
  SubmittedRecords submitted_;
  // Task thread: the first gathered_ are converted and not yet sent, each under the token in
  // gathered_tokens_. Converted into again poll after poll, so their storage is reused.
  std::vector<broker::ProducerRecord> converted_;
  std::size_t gathered_ = 0;
  std::vector<std::uint64_t> gathered_tokens_;
  std::vector<SubmittedRecords::SourceOffset> acknowledged_offsets_;  // task thread: scratch
  std::optional<ActiveTopics::Recorder> active_topics_;  // unless topic.tracking.enable=false
  // Offsets acknowledged and not yet committed, one per source partition; task thread only.
  std::vector<std::pair<sdk::SourceMap, sdk::SourceMap>> pending_offsets_;
  std::mutex send_failure_mutex_;
  std::string send_failure_;  // the first refused send, guarded by send_failure_mutex_
};

}  // namespace ferry::runtime
