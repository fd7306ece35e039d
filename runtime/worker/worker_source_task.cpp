#include "runtime/worker/worker_source_task.h"

#include <algorithm>
#include <utility>

#include "runtime/worker/error_trace.h"

namespace ferry::runtime {
namespace {

// {key=value, ...}, as Java prints a Map.
std::string map_text(const sdk::SourceMap& map) {
  std::string text = "{";
  for (const auto& [key, value] : map) {
    if (text.size() > 1) text += ", ";
    text += key + "=" + sdk::to_string(value);
  }
  return text + "}";
}

}  // namespace

class WorkerSourceTask::Context final : public sdk::SourceTaskContext {
 public:
  Context(const sdk::ConfigMap& configs, std::unique_ptr<sdk::OffsetStorageReader> reader)
      : configs_(configs), reader_(std::move(reader)) {}
  const sdk::ConfigMap& configs() const override { return configs_; }
  const sdk::OffsetStorageReader& offset_storage_reader() const override { return *reader_; }

 private:
  const sdk::ConfigMap& configs_;
  std::unique_ptr<sdk::OffsetStorageReader> reader_;
};

WorkerSourceTask::WorkerSourceTask(TaskId id, TaskSettings settings,
                                   std::unique_ptr<sdk::SourceTask> task,
                                   RecordConverters converters,
                                   TransformationChain<sdk::SourceRecord> transforms,
                                   std::unique_ptr<broker::Producer> producer,
                                   FileOffsetStore& offsets, StatusStore& statuses, Logger log)
    : WorkerTask(std::move(id), statuses, std::move(log)),
      settings_(std::move(settings)),
      task_(std::move(task)),
      converters_(std::move(converters)),
      transforms_(std::move(transforms)),
      producer_(std::move(producer)),
      offsets_(offsets) {
  context_ = std::make_unique<Context>(settings_.task_config, offsets_.reader(settings_.connector));
  if (settings_.active_topics != nullptr) {
    active_topics_.emplace(*settings_.active_topics, settings_.connector);
  }
}

WorkerSourceTask::~WorkerSourceTask() {
  request_stop();
  await_stop(std::chrono::steady_clock::time_point::max());
  if (producer_) producer_->close();
}

void WorkerSourceTask::on_stop_requested() {
  submitted_.notify();
  try {
    task_->stop();
  } catch (...) {
    log()->warn("{} SourceTask::stop threw: {}", to_string(id()), current_exception_trace(""));
  }
}

void WorkerSourceTask::execute() {
  using Clock = std::chrono::steady_clock;
  const std::string name = to_string(id());
  // Whatever ends the loop (a stop, a failure), what the broker acknowledged is committed.
  struct FinalCommit {
    WorkerSourceTask& self;
    ~FinalCommit() {
      try {
        if (Status flushed = self.producer_->flush(); !flushed.ok()) {
          self.log()->error("{} Flushing records failed: {}", to_string(self.id()),
                            flushed.message());
        }
        self.collect_acknowledged();
        self.commit_offsets();
        self.producer_->close();
      } catch (...) {
        self.log()->error("{} Final offset commit failed: {}", to_string(self.id()),
                          current_exception_trace(""));
      }
    }
  } final_commit{*this};

  task_->initialize(*context_);
  task_->start(settings_.task_config);
  log()->info("{} Source task finished initialization and start", name);
  Clock::time_point next_commit = Clock::now() + settings_.offset_flush_interval;
  while (!stopping()) {
    const bool is_paused = wait_while_paused(std::chrono::milliseconds(100));
    check_send_failure();
    collect_acknowledged();
    if (Clock::now() >= next_commit) {
      commit_offsets();
      next_commit = Clock::now() + settings_.offset_flush_interval;
    }
    if (is_paused || stopping()) continue;
    if (submitted_.outstanding_bytes() > settings_.max_outstanding_bytes) {
      submitted_.wait_below(settings_.max_outstanding_bytes,
                            Clock::now() + std::chrono::milliseconds(100),
                            [this] { return stopping(); });
      continue;
    }
    const Clock::time_point polling = Clock::now();
    std::vector<sdk::SourceRecord> records = task_->poll();
    if (!records.empty()) {
      // Only polls that returned records: an idle poll's wait is not a batch's cost.
      metrics().poll_batch_nanos.observe(nanos_since(polling));
      metrics().source_record_poll.add(records.size());
      metrics().batch_size.observe(records.size());
    }
    if (!records.empty()) {
      SubmittedRecords::Poll& poll = submitted_.hold(std::move(records));
      for (std::size_t i = 0; i < poll.records().size(); ++i) send(poll, i);
      send_gathered();
    }
    metrics().source_record_active.set(static_cast<std::int64_t>(submitted_.outstanding_records()));
  }
}

void WorkerSourceTask::send(SubmittedRecords::Poll& poll, std::size_t index) {
  const sdk::SourceRecord& record = poll.records()[index];
  Stage stage = Stage::kTransformation;
  if (gathered_ == converted_.size()) converted_.emplace_back();
  broker::ProducerRecord& converted = converted_[gathered_];
  try {
    if (transforms_.empty()) {
      converters_.to_producer_record(record, &stage, converted);
    } else {
      std::optional<sdk::SourceRecord> transformed = transforms_.apply(record);
      if (!transformed) {
        submitted_.ack(submitted_.submit(poll, index, 0), {});
        return;
      }
      converters_.to_producer_record(*transformed, &stage, converted);
    }
  } catch (...) {
    send_gathered();  // what came before goes first, also when the error fails the task
    handle_record_error(stage, record);
    submitted_.ack(submitted_.submit(poll, index, 0), {});
    return;
  }
  const std::size_t bytes = TaskSettings::kRecordOverhead +
                            (converted.key ? converted.key->size() : 0) +
                            (converted.value ? converted.value->size() : 0);
  if (active_topics_) active_topics_->record(converted.topic);
  gathered_tokens_.push_back(SubmittedRecords::token(submitted_.submit(poll, index, bytes)));
  ++gathered_;
}

void WorkerSourceTask::send_gathered() {
  if (gathered_ == 0) return;
  producer_->send_all(std::span(converted_.data(), gathered_), gathered_tokens_, *this);
  // A rare large record would otherwise hold on to its storage in every later poll.
  constexpr std::size_t kKeptBytes = 64 * 1024;
  for (std::size_t i = 0; i < gathered_; ++i) {
    broker::ProducerRecord& sent = converted_[i];
    if (sent.key && sent.key->capacity() > kKeptBytes) sent.key.reset();
    if (sent.value && sent.value->capacity() > kKeptBytes) sent.value.reset();
  }
  gathered_ = 0;
  gathered_tokens_.clear();
}

void WorkerSourceTask::acknowledged(const std::string& topic, std::int32_t partition,
                                    std::int64_t base_offset,
                                    std::span<const std::uint64_t> tokens) {
  submitted_.ack_all(tokens, topic, partition, base_offset);
}

void WorkerSourceTask::failed(const Status& status, std::span<const std::uint64_t> tokens) {
  if (settings_.errors_tolerance == ErrorTolerance::kAll) {
    for (const std::uint64_t token : tokens) {
      log()->error("{} Failed to send a record, skipping it (errors.tolerance=all): {}",
                   to_string(id()), status.message());
      submitted_.ack(SubmittedRecords::entry(token), {});
    }
    return;
  }
  std::scoped_lock lock(send_failure_mutex_);
  if (send_failure_.empty()) send_failure_ = status.message();
  submitted_.notify();
}

void WorkerSourceTask::check_send_failure() {
  std::scoped_lock lock(send_failure_mutex_);
  if (!send_failure_.empty()) {
    throw sdk::ConnectException("Unrecoverable exception from producer send callback (stage " +
                                std::string(stage_name(Stage::kKafkaProduce)) +
                                "): " + send_failure_);
  }
}

void WorkerSourceTask::handle_record_error(Stage stage, const sdk::SourceRecord& record) {
  const std::string trace = current_exception_trace("");
  const std::string where = stage == Stage::kTransformation ? std::string(stage_name(stage))
                                                            : std::string(stage_name(stage)) + " " +
                                                                  converters_.class_name(stage);
  metrics().record_errors.add();
  if (settings_.errors_tolerance == ErrorTolerance::kNone) {
    throw sdk::ConnectException("Tolerance exceeded in error handler: " + where +
                                " failed: " + trace);
  }
  metrics().records_skipped.add();
  if (settings_.errors_log_enable) {
    metrics().errors_logged.add();
    if (settings_.errors_log_include_messages) {
      log()->error("{} Error encountered in {} for source record {}: {}", to_string(id()), where,
                   sdk::to_string(record), trace);
    } else {
      log()->error("{} Error encountered in {}: {}", to_string(id()), where, trace);
    }
  }
}

void WorkerSourceTask::collect_acknowledged() {
  submitted_.take_acknowledged(
      [this](const sdk::SourceRecord& record, const sdk::RecordPosition& position) {
        // Filtered-out and failed-then-skipped records are acknowledged without a position.
        if (!position.topic.empty()) metrics().source_record_write.add();
        try {
          task_->commit_record(record, position);
        } catch (...) {
          log()->error("{} Exception thrown while calling task.commit_record(): {}",
                       to_string(id()), current_exception_trace(""));
        }
      },
      acknowledged_offsets_);
  for (auto& acknowledged : acknowledged_offsets_) {
    const auto same = std::ranges::find_if(
        pending_offsets_, [&](const auto& pending) { return pending.first == acknowledged.first; });
    if (same == pending_offsets_.end()) {
      pending_offsets_.push_back(std::move(acknowledged));
    } else {
      same->second = std::move(acknowledged.second);
    }
  }
}

bool WorkerSourceTask::commit_offsets() {
  if (pending_offsets_.empty()) return true;
  for (const auto& [partition, offset] : pending_offsets_) {
    if (Status put = offsets_.put(settings_.connector, partition, offset); !put.ok()) {
      log()->error("{} Cannot store the offset {} of source partition {}: {}", to_string(id()),
                   map_text(offset), map_text(partition), put.message());
    }
  }
  if (Status flushed = offsets_.flush(); !flushed.ok()) {
    // The offsets stay in the store's memory; the next commit writes them.
    metrics().offset_commit_failure.add();
    log()->error("{} Failed to commit offsets: {}", to_string(id()), flushed.message());
    return false;
  }
  metrics().offset_commit_success.add();
  pending_offsets_.clear();
  try {
    task_->commit();
  } catch (...) {
    log()->error("{} Exception thrown while calling task.commit(): {}", to_string(id()),
                 current_exception_trace(""));
  }
  return true;
}

}  // namespace ferry::runtime
