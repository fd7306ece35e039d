#include "runtime/worker/worker_sink_task.h"

#include <algorithm>
#include <utility>

#include "runtime/worker/error_trace.h"

namespace ferry::runtime {
namespace {

sdk::TopicPartitionId to_id(const broker::TopicPartition& partition) {
  return {partition.topic, partition.partition};
}

broker::TopicPartition to_partition(const sdk::TopicPartitionId& id) {
  return {id.topic, id.partition};
}

std::set<sdk::TopicPartitionId> to_ids(const std::set<broker::TopicPartition>& partitions) {
  std::set<sdk::TopicPartitionId> ids;
  for (const auto& partition : partitions) ids.insert(to_id(partition));
  return ids;
}

// The task's C++ class, as the dead letter queue's __connect.errors.class.name names it.
std::string class_name_of(const sdk::SinkTask& task) { return demangled_type_name(typeid(task)); }

std::set<broker::TopicPartition> to_partitions(const std::set<sdk::TopicPartitionId>& ids) {
  std::set<broker::TopicPartition> partitions;
  for (const auto& id : ids) partitions.insert(to_partition(id));
  return partitions;
}

}  // namespace

// What the task may ask of the worker; used on the task's thread (inside put, open, ...), so it
// records requests for the loop to carry out and answers from the consumer directly.
class WorkerSinkTask::Context final : public sdk::SinkTaskContext {
 public:
  Context(const sdk::ConfigMap& configs, broker::Consumer& consumer)
      : configs_(configs), consumer_(consumer) {}

  const sdk::ConfigMap& configs() const override { return configs_; }
  void offset(const sdk::TopicPartitionId& partition, std::int64_t offset) override {
    std::scoped_lock lock(mutex_);
    requested_offsets_[to_partition(partition)] = offset;
  }
  void timeout(std::chrono::milliseconds backoff) override {
    std::scoped_lock lock(mutex_);
    timeout_ = backoff;
  }
  std::set<sdk::TopicPartitionId> assignment() const override {
    return to_ids(consumer_.assignment());
  }
  void pause(const std::set<sdk::TopicPartitionId>& partitions) override {
    const auto which = to_partitions(partitions);
    {
      std::scoped_lock lock(mutex_);
      paused_by_task_.insert(which.begin(), which.end());
    }
    consumer_.pause(which);
  }
  void resume(const std::set<sdk::TopicPartitionId>& partitions) override {
    const auto which = to_partitions(partitions);
    {
      std::scoped_lock lock(mutex_);
      for (const auto& partition : which) paused_by_task_.erase(partition);
      if (worker_paused_) return;  // resumed with the task
    }
    consumer_.resume(which);
  }
  void request_commit() override {
    std::scoped_lock lock(mutex_);
    commit_requested_ = true;
  }
  sdk::ErrantRecordReporter* errant_record_reporter() override { return errant_records_; }
  void set_errant_record_reporter(sdk::ErrantRecordReporter* reporter) {
    errant_records_ = reporter;
  }

  std::map<broker::TopicPartition, std::int64_t> take_requested_offsets() {
    std::scoped_lock lock(mutex_);
    return std::exchange(requested_offsets_, {});
  }
  std::chrono::milliseconds take_timeout() {
    std::scoped_lock lock(mutex_);
    return std::exchange(timeout_, std::chrono::milliseconds(0));
  }
  bool take_commit_request() {
    std::scoped_lock lock(mutex_);
    return std::exchange(commit_requested_, false);
  }
  std::set<broker::TopicPartition> paused_by_task() const {
    std::scoped_lock lock(mutex_);
    return paused_by_task_;
  }
  void set_worker_paused(bool paused) {
    std::scoped_lock lock(mutex_);
    worker_paused_ = paused;
  }

 private:
  const sdk::ConfigMap& configs_;
  broker::Consumer& consumer_;
  mutable std::mutex mutex_;
  std::map<broker::TopicPartition, std::int64_t> requested_offsets_;
  std::chrono::milliseconds timeout_{0};
  bool commit_requested_ = false;
  bool worker_paused_ = false;
  std::set<broker::TopicPartition> paused_by_task_;
  sdk::ErrantRecordReporter* errant_records_ = nullptr;
};

class WorkerSinkTask::ErrantRecords final : public sdk::ErrantRecordReporter {
 public:
  explicit ErrantRecords(WorkerSinkTask& task) : task_(task) {}
  void report(const sdk::SinkRecord& record, const std::exception& error) override {
    task_.report_errant(record, error);
  }

 private:
  WorkerSinkTask& task_;
};

WorkerSinkTask::WorkerSinkTask(TaskId id, TaskSettings settings, std::vector<std::string> topics,
                               std::string topics_regex, std::unique_ptr<sdk::SinkTask> task,
                               RecordConverters converters,
                               TransformationChain<sdk::SinkRecord> transforms,
                               std::unique_ptr<broker::Consumer> consumer,
                               std::unique_ptr<DeadLetterQueue> dead_letter_queue,
                               StatusStore& statuses, Logger log)
    : WorkerTask(std::move(id), statuses, std::move(log)),
      settings_(std::move(settings)),
      topics_(std::move(topics)),
      topics_regex_(std::move(topics_regex)),
      task_(std::move(task)),
      converters_(std::move(converters)),
      transforms_(std::move(transforms)),
      consumer_(std::move(consumer)),
      dead_letter_queue_(std::move(dead_letter_queue)),
      errant_records_(std::make_unique<ErrantRecords>(*this)),
      task_class_(class_name_of(*task_)) {
  context_ = std::make_unique<Context>(settings_.task_config, *consumer_);
  context_->set_errant_record_reporter(errant_records_.get());
  if (settings_.active_topics != nullptr) {
    active_topics_.emplace(*settings_.active_topics, settings_.connector);
  }
}

WorkerSinkTask::~WorkerSinkTask() {
  request_stop();
  await_stop(std::chrono::steady_clock::time_point::max());
}

void WorkerSinkTask::on_stop_requested() { consumer_->wakeup(); }

void WorkerSinkTask::on_transition(TargetState state) {
  const std::set<broker::TopicPartition> assigned = consumer_->assignment();
  if (state == TargetState::kPaused) {
    context_->set_worker_paused(true);
    consumer_->pause(assigned);
    return;
  }
  context_->set_worker_paused(false);
  std::set<broker::TopicPartition> resumed;
  std::ranges::set_difference(assigned, context_->paused_by_task(),
                              std::inserter(resumed, resumed.end()));
  if (!retry_at_) consumer_->resume(resumed);
}

void WorkerSinkTask::subscribe() {
  broker::RebalanceListener listener;
  listener.on_partitions_revoked = [this](const std::set<broker::TopicPartition>& revoked) {
    // Closing the consumer revokes everything once more, after the task was stopped.
    if (revoked.empty() || task_stopped_) return;
    commit(revoked, true);
    try {
      task_->close(to_ids(revoked));
    } catch (...) {
      log()->error("{} SinkTask::close threw: {}", to_string(id()), current_exception_trace(""));
    }
    // What was read from them and not put goes to their next owner, from the committed offset.
    std::erase_if(batch_, [&](const sdk::SinkRecord& record) {
      return revoked.contains({record.topic, record.kafka_partition});
    });
    for (const auto& partition : revoked) {
      current_.erase(partition);
      committed_.erase(partition);
      batch_end_.erase(partition);
    }
  };
  listener.on_partitions_assigned = [this](const std::set<broker::TopicPartition>& assigned) {
    for (const auto& partition : assigned) {
      auto position = consumer_->position(partition);
      if (position.ok()) {
        current_[partition] = *position;
        committed_[partition] = *position;
      }
    }
    log()->info("{} Partitions assigned: {}", to_string(id()), assigned.size());
    task_->open(to_ids(assigned));
    if (paused() || retry_at_) consumer_->pause(assigned);
    const auto by_task = context_->paused_by_task();
    std::set<broker::TopicPartition> keep_paused;
    std::ranges::set_intersection(assigned, by_task, std::inserter(keep_paused, keep_paused.end()));
    consumer_->pause(keep_paused);
    apply_requested_offsets();
  };
  Status subscribed = topics_regex_.empty() ? consumer_->subscribe(topics_, listener)
                                            : consumer_->subscribe_pattern(topics_regex_, listener);
  if (!subscribed.ok()) {
    throw sdk::ConnectException("Cannot subscribe to the connector's topics: " +
                                subscribed.message());
  }
}

void WorkerSinkTask::execute() {
  const std::string name = to_string(id());
  struct Close {
    WorkerSinkTask& self;
    ~Close() {
      try {
        if (self.task_started_) {
          self.commit({}, true);
          self.task_->close(to_ids(self.consumer_->assignment()));
        }
      } catch (...) {
        self.log()->error("{} Committing and closing partitions failed: {}", to_string(self.id()),
                          current_exception_trace(""));
      }
      self.task_stopped_ = true;
      try {
        self.task_->stop();
      } catch (...) {
        self.log()->error("{} SinkTask::stop threw: {}", to_string(self.id()),
                          current_exception_trace(""));
      }
      if (Status closed = self.consumer_->close(); !closed.ok()) {
        self.log()->warn("{} Closing the consumer: {}", to_string(self.id()), closed.message());
      }
    }
  } close{*this};

  task_->initialize(*context_);
  task_->start(settings_.task_config);
  task_started_ = true;
  log()->info("{} Sink task finished initialization and start", name);
  subscribe();
  next_commit_ = Clock::now() + settings_.offset_flush_interval;
  while (!stopping()) {
    wait_while_paused(std::chrono::milliseconds(0));
    Clock::time_point now = Clock::now();
    if (now >= next_commit_ || context_->take_commit_request()) {
      commit({}, false);
      next_commit_ = Clock::now() + settings_.offset_flush_interval;
    }
    if (now >= next_lag_update_) {
      update_lag();
      next_lag_update_ = now + kLagUpdateInterval;
    }
    if (retry_at_ && now >= *retry_at_) {
      retry_at_.reset();
      if (!paused()) on_transition(TargetState::kStarted);  // resume what the retry paused
    }
    auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(next_commit_ - now);
    timeout = std::clamp(timeout, std::chrono::milliseconds(0), std::chrono::milliseconds(1000));
    if (retry_at_) {
      timeout = std::min(timeout, std::chrono::duration_cast<std::chrono::milliseconds>(
                                      *retry_at_ - now + std::chrono::milliseconds(1)));
    }
    auto records = consumer_->poll(timeout);
    if (!records.ok()) {
      if (records.status().kind() == Status::Kind::kRetriable) continue;
      throw sdk::ConnectException("Consumer poll failed (stage " +
                                  std::string(stage_name(Stage::kKafkaConsume)) +
                                  "): " + records.status().message());
    }
    metrics().sink_record_read.add(records->size());
    if (!records->empty() && !paused()) {
      polled_ = std::move(*records);
      convert(polled_);
      deliver();
      polled_.clear();
    }
    apply_requested_offsets();
  }
}

void WorkerSinkTask::convert(const std::vector<broker::ConsumerRecord>& records) {
  batch_.reserve(batch_.size() + records.size());
  // A poll returns runs of records of one partition: one map lookup per run, not per record.
  std::int64_t* end = nullptr;
  const broker::ConsumerRecord* previous = nullptr;
  for (const broker::ConsumerRecord& record : records) {
    if (previous == nullptr || record.partition != previous->partition ||
        record.topic != previous->topic) {
      end = &batch_end_[broker::TopicPartition{record.topic, record.partition}];
      if (active_topics_) active_topics_->record(record.topic);
    }
    *end = record.offset + 1;
    previous = &record;
    Stage stage = Stage::kKeyConverter;
    try {
      sdk::SinkRecord converted = converters_.to_sink_record(record, &stage);
      stage = Stage::kTransformation;
      if (transforms_.empty()) {
        batch_.push_back(std::move(converted));
      } else if (auto transformed = transforms_.apply(std::move(converted))) {
        batch_.push_back(std::move(*transformed));
      }
    } catch (...) {
      handle_record_error(stage, record);
    }
  }
}

bool WorkerSinkTask::deliver() {
  // Where each partition of the batch starts, to read it again if put() asks for a retry.
  std::map<broker::TopicPartition, std::int64_t> batch_start;
  const sdk::SinkRecord* previous = nullptr;
  for (const sdk::SinkRecord& record : batch_) {
    if (previous == nullptr || record.kafka_partition != previous->kafka_partition ||
        record.topic != previous->topic) {
      batch_start.try_emplace({record.topic, record.kafka_partition}, record.kafka_offset);
    }
    previous = &record;
  }
  const std::size_t records = batch_.size();
  const Clock::time_point started = Clock::now();
  try {
    task_->put(std::move(batch_));
    metrics().put_batch_nanos.observe(nanos_since(started));
    metrics().sink_record_send.add(records);
    metrics().batch_size.observe(records);
  } catch (const sdk::RetriableException& e) {
    log()->error("{} RetriableException from SinkTask: {}; the batch is delivered again",
                 to_string(id()), e.what());
    batch_.clear();
    for (const auto& [partition, offset] : batch_start) (void)consumer_->seek(partition, offset);
    for (const auto& [partition, end] : batch_end_) {
      if (!batch_start.contains(partition)) current_[partition] = end;  // all skipped
    }
    batch_end_.clear();
    consumer_->pause(consumer_->assignment());
    retry_at_ = Clock::now() + context_->take_timeout();
    return false;
  }
  batch_.clear();
  for (const auto& [partition, end] : batch_end_) current_[partition] = end;
  batch_end_.clear();
  return true;
}

void WorkerSinkTask::commit(const std::set<broker::TopicPartition>& partitions, bool closing) {
  sdk::SinkOffsets offsets;
  for (const auto& [partition, offset] : current_) {
    if (partitions.empty() || partitions.contains(partition)) offsets[to_id(partition)] = offset;
  }
  if (offsets.empty()) return;
  sdk::SinkOffsets to_commit;
  try {
    to_commit = task_->pre_commit(offsets);
  } catch (...) {
    log()->error(
        "{} Commit of offsets threw an unexpected exception: {}; rewinding to the last "
        "committed offsets",
        to_string(id()), current_exception_trace(""));
    if (closing) return;
    for (const auto& [id, offset] : offsets) {
      const broker::TopicPartition partition = to_partition(id);
      const auto committed = committed_.find(partition);
      if (committed == committed_.end()) continue;
      (void)consumer_->seek(partition, committed->second);
      current_[partition] = committed->second;
    }
    return;
  }
  std::map<broker::TopicPartition, std::int64_t> changed;
  const std::set<broker::TopicPartition> assigned = consumer_->assignment();
  for (const auto& [id, offset] : to_commit) {
    const broker::TopicPartition partition = to_partition(id);
    if (!assigned.contains(partition)) continue;
    const auto committed = committed_.find(partition);
    if (committed != committed_.end() && committed->second == offset) continue;
    changed[partition] = offset;
  }
  if (changed.empty()) return;
  // Records skipped into the dead letter queue must be there before their offsets are committed.
  if (dead_letter_queue_) {
    std::uint64_t failures = 0;
    const Status flushed = dead_letter_queue_->flush(&failures);
    metrics().dead_letter_queue_failures.add(failures);
    if (!flushed.ok()) {
      metrics().offset_commit_failure.add();
      if (closing) {
        log()->error("{} Offsets not committed: {}", to_string(id()), flushed.message());
        return;
      }
      throw sdk::ConnectException(flushed.message());
    }
  }
  if (Status done = consumer_->commit_sync(changed); !done.ok()) {
    metrics().offset_commit_failure.add();
    log()->error("{} Offset commit failed: {}", to_string(id()), done.message());
    return;
  }
  metrics().offset_commit_success.add();
  for (const auto& [partition, offset] : changed) committed_[partition] = offset;
}

void WorkerSinkTask::update_lag() {
  const std::set<broker::TopicPartition> assigned = consumer_->assignment();
  metrics().partition_count.set(static_cast<std::int64_t>(assigned.size()));
  auto ends = consumer_->end_offsets(assigned);
  if (!ends.ok()) return;  // a partition not there yet: the next update
  std::int64_t total = 0;
  std::int64_t largest = 0;
  for (const auto& [partition, end] : *ends) {
    const auto position = current_.find(partition);
    if (position == current_.end()) continue;
    const std::int64_t lag = std::max<std::int64_t>(0, end - position->second);
    total += lag;
    largest = std::max(largest, lag);
  }
  metrics().sink_record_lag.set(total);
  metrics().sink_record_lag_max.set(largest);
}

void WorkerSinkTask::apply_requested_offsets() {
  for (const auto& [partition, offset] : context_->take_requested_offsets()) {
    if (Status sought = consumer_->seek(partition, offset); !sought.ok()) {
      log()->warn("{} Cannot rewind {}-{} to {}: {}", to_string(id()), partition.topic,
                  partition.partition, offset, sought.message());
      continue;
    }
    current_[partition] = offset;
  }
}

void WorkerSinkTask::handle_record_error(Stage stage, const broker::ConsumerRecord& record) {
  tolerate(stage, stage == Stage::kTransformation ? "" : converters_.class_name(stage), record,
           describe_exception(std::current_exception()));
}

void WorkerSinkTask::report_errant(const sdk::SinkRecord& record, const std::exception& error) {
  const auto original = std::ranges::find_if(polled_, [&](const broker::ConsumerRecord& polled) {
    return polled.offset == record.kafka_offset && polled.partition == record.kafka_partition &&
           polled.topic == record.topic;
  });
  // A record the worker did not hand over in this batch (a copy the task made, a transformed
  // topic): its bytes as the converters write it, as Kafka's reporter does.
  broker::ConsumerRecord rebuilt;
  if (original == polled_.end()) {
    try {
      rebuilt = converters_.to_consumer_record(record);
    } catch (const std::exception&) {
      rebuilt = {.topic = record.topic,
                 .partition = record.kafka_partition,
                 .offset = record.kafka_offset};  // the queue gets where it was, at least
    }
  }
  tolerate(Stage::kTaskPut, task_class_, original == polled_.end() ? rebuilt : *original,
           describe_exception(error));
}

void WorkerSinkTask::tolerate(Stage stage, const std::string& class_name,
                              const broker::ConsumerRecord& record,
                              const ExceptionDescription& error) {
  const std::string where = class_name.empty() ? std::string(stage_name(stage))
                                               : std::string(stage_name(stage)) + " " + class_name;
  const std::string position = record.topic + "-" + std::to_string(record.partition) +
                               " at offset " + std::to_string(record.offset);
  metrics().record_errors.add();
  if (settings_.errors_tolerance == ErrorTolerance::kNone) {
    throw sdk::ConnectException("Tolerance exceeded in error handler: " + where + " failed for " +
                                position + ": " + error.trace);
  }
  metrics().records_skipped.add();
  if (settings_.errors_log_enable) {
    metrics().errors_logged.add();
    log()->error("{} Error encountered in {} for {}: {}", to_string(id()), where, position,
                 error.trace);
  }
  if (dead_letter_queue_) {
    metrics().dead_letter_queue_requests.add();
    dead_letter_queue_->send(record, stage, class_name, error);
  }
}

}  // namespace ferry::runtime
