#include "broker/embedded/embedded_producer.h"

#include <chrono>
#include <ctime>

#include "broker/storage/murmur2.h"
#include "common/thread_name.h"

namespace ferry::broker {
namespace {

Compression compression_named(const std::string& name) {
  if (name == "gzip") return Compression::kGzip;
  if (name == "snappy") return Compression::kSnappy;
  if (name == "lz4") return Compression::kLz4;
  if (name == "zstd") return Compression::kZstd;
  return Compression::kNone;
}

// When the metadata of a topic was read, for kMetadataMaxAge: milliseconds are plenty, and the
// coarse clock costs a few nanoseconds where steady_clock's costs some 20 on every record. Both
// count from the same point (CLOCK_MONOTONIC), the coarse one at most a tick behind.
std::chrono::steady_clock::time_point coarse_now() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  return std::chrono::steady_clock::time_point(std::chrono::seconds(now.tv_sec) +
                                               std::chrono::nanoseconds(now.tv_nsec));
}

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Kafka's DefaultRecord.sizeInBytes upper bound: enough to tell whether a record can ever fit.
std::size_t estimated_size(const ProducerRecord& record) {
  std::size_t size = 21 + kRecordBatchHeaderSize;
  if (record.key) size += record.key->size();
  if (record.value) size += record.value->size();
  for (const ClientHeader& header : record.headers) {
    size += 10 + header.key.size() + (header.value ? header.value->size() : 0);
  }
  return size;
}

}  // namespace

EmbeddedProducer::EmbeddedProducer(Broker& broker, ProducerConfig config)
    : broker_(broker),
      config_(std::move(config)),
      compression_(compression_named(config_.compression_type)) {
  sender_ = std::jthread([this](std::stop_token stop) { sender_loop(std::move(stop)); });
}

EmbeddedProducer::~EmbeddedProducer() { close(); }

// A producer knows a topic's partition count from metadata it refreshes now and then (Kafka's
// metadata.max.age.ms), not from a lookup per record: describing a topic copies its whole
// description under the log manager's lock, which would sit on the send path of every record.
Result<std::int32_t> EmbeddedProducer::partition_count(const std::string& topic) {
  const auto now = coarse_now();
  LogManager& logs = broker_.logs();
  auto description = logs.describe_topic(topic);
  if (!description.ok()) {
    if (!logs.options().auto_create_topics) {
      return Status::not_found("Topic " + topic + " not present in metadata");
    }
    const Status created = logs.create_topic(topic, logs.options().default_partitions);
    if (!created.ok() && created.kind() != Status::Kind::kConflict) return created;
    description = logs.describe_topic(topic);
    if (!description.ok()) return description.status();
  }
  std::lock_guard lock(mutex_);
  partition_counts_[topic] = {description->partitions, now};
  return description->partitions;
}

Result<std::int32_t> EmbeddedProducer::choose_partition(const ProducerRecord& record,
                                                        std::int32_t partitions) {
  if (record.partition) {
    if (*record.partition < 0 || *record.partition >= partitions) {
      return Status::invalid_argument(
          "Invalid partition given with record: " + std::to_string(*record.partition) +
          " is not in the range [0..." + std::to_string(partitions) + "].");
    }
    return *record.partition;
  }
  if (record.key) return partition_for_key(*record.key, partitions);
  // Sticky: null-key records go to one partition until its batch is sent (mutex_ is held).
  auto [it, inserted] = sticky_partition_.try_emplace(record.topic, 0);
  if (inserted || it->second >= partitions) {
    it->second = static_cast<std::int32_t>(random_() % static_cast<std::uint32_t>(partitions));
  }
  return it->second;
}

void EmbeddedProducer::send(ProducerRecord record, Callback done) {
  Status status;
  {
    std::unique_lock lock(mutex_);
    bool wake_sender = false;
    Run run;
    status = append_locked(lock, record, nullptr, 0, &done, wake_sender, run);
    if (wake_sender) wake_sender_.notify_all();
  }
  // A failure is completed after the lock is released: a callback may take locks of its own.
  if (!status.ok()) done(Result<RecordMetadata>(std::move(status)));
}

void EmbeddedProducer::send_all(std::span<const ProducerRecord> records,
                                std::span<const std::uint64_t> tokens, Listener& listener) {
  // Failures are reported after the lock is released, like send()'s.
  std::vector<std::pair<std::size_t, Status>> failed;
  {
    std::unique_lock lock(mutex_);
    bool wake_sender = false;
    Run run;
    for (std::size_t i = 0; i < records.size(); ++i) {
      Status status =
          append_locked(lock, records[i], &listener, tokens[i], nullptr, wake_sender, run);
      if (!status.ok()) failed.emplace_back(i, std::move(status));
    }
    // The sender looks at the batches before it sleeps again: only a sleeping one is woken,
    // and only for a full batch or a new one whose linger ends before it would wake anyway.
    if (wake_sender) wake_sender_.notify_all();
  }
  for (const auto& [i, status] : failed) listener.failed(status, tokens.subspan(i, 1));
}

Status EmbeddedProducer::append_locked(std::unique_lock<std::mutex>& lock,
                                       const ProducerRecord& record, Listener* listener,
                                       std::uint64_t token, Callback* done, bool& wake_sender,
                                       Run& run) {
  const std::size_t size = estimated_size(record);
  if (size > static_cast<std::size_t>(config_.max_request_size)) {
    return Status::too_large("The message is " + std::to_string(size) +
                             " bytes when serialized which is larger than " +
                             std::to_string(config_.max_request_size) +
                             ", which is the value of the max.request.size configuration.");
  }
  const bool same_topic = run.topic != nullptr && *run.topic == record.topic;
  // The topic's partition count from what was read within kMetadataMaxAge, else read now
  // (without the lock: it may create the topic).
  std::int32_t partitions = 0;
  if (same_topic) {
    partitions = run.partitions;
  } else {
    run = {};
    const auto known = partition_counts_.find(record.topic);
    if (known != partition_counts_.end() && coarse_now() - known->second.second < kMetadataMaxAge) {
      partitions = known->second.first;
    } else {
      lock.unlock();
      auto counted = partition_count(record.topic);
      lock.lock();
      if (!counted.ok()) return counted.status();
      partitions = *counted;
    }
  }
  if (closed_) return Status::invalid_argument("Cannot send after the producer is closed.");
  // A null-key record without a partition goes where the previous one of the run went while
  // that batch is open: the sticky partition changes only when its batch is sent.
  const bool sticky = !record.key && !record.partition;
  std::int32_t chosen = 0;
  if (sticky && run.sticky_batch != nullptr) {
    chosen = run.sticky_partition;
  } else {
    auto partition = choose_partition(record, partitions);
    if (!partition.ok()) return partition.status();
    chosen = *partition;
  }
  const std::int64_t timestamp = record.timestamp ? *record.timestamp : wall_clock_ms();

  Batch& batch = sticky && run.sticky_batch != nullptr
                     ? *run.sticky_batch
                     : open_batches_[TopicPartition{record.topic, chosen}];
  run.topic = &record.topic;
  run.partitions = partitions;
  if (sticky) {
    run.sticky_batch = &batch;
    run.sticky_partition = chosen;
  }
  if (!batch.builder) {
    batch.builder =
        std::make_unique<RecordBatchBuilder>(RecordBatchOptions{.compression = compression_});
    batch.created = std::chrono::steady_clock::now();
    batch.pending.reserve(records_per_batch_ + 1);
    ++batch_events_;
    if (batch.created + std::chrono::milliseconds(config_.linger_ms) < sender_wakes_at_) {
      wake_sender = true;
    }
  }
  std::vector<RecordHeaderView> headers;
  headers.reserve(record.headers.size());
  for (const ClientHeader& header : record.headers) {
    headers.push_back({header.key, header.value
                                       ? std::optional<std::span<const std::uint8_t>>(*header.value)
                                       : std::nullopt});
  }
  const auto key =
      record.key ? std::optional<std::span<const std::uint8_t>>(*record.key) : std::nullopt;
  const auto value =
      record.value ? std::optional<std::span<const std::uint8_t>>(*record.value) : std::nullopt;
  if (Status status = batch.builder->append(timestamp, key, value, headers); !status.ok()) {
    return status;
  }
  if (listener == nullptr) {
    token = batch.callbacks.size();
    batch.callbacks.push_back(std::move(*done));
  }
  batch.pending.push_back({listener, token, timestamp});
  ++in_flight_;
  if (batch.builder->uncompressed_size() >= static_cast<std::size_t>(config_.batch_size)) {
    records_per_batch_ = batch.pending.size();
    const TopicPartition where{record.topic, chosen};
    if (run.sticky_batch == &batch) run.sticky_batch = nullptr;
    ready_.emplace_back(where, std::move(batch));
    open_batches_.erase(where);
    if (sticky) sticky_partition_.erase(record.topic);
    ++batch_events_;
    if (sender_wakes_at_ != kSenderAwake) wake_sender = true;
  }
  return Status::ok_status();
}

void EmbeddedProducer::send_batch(const TopicPartition& where, Batch batch) {
  auto bytes = batch.builder->build();
  const Result<AppendResult> appended =
      bytes.ok() ? broker_.logs().append(where.topic, where.partition, *bytes)
                 : Result<AppendResult>(bytes.status());
  complete(where, batch, appended);
  std::lock_guard lock(mutex_);
  in_flight_ -= batch.pending.size();
  if (in_flight_ == 0) all_done_.notify_all();
}

void EmbeddedProducer::complete(const TopicPartition& where, Batch& batch,
                                const Result<AppendResult>& appended) {
  const std::vector<Pending>& pending = batch.pending;
  std::size_t i = 0;
  while (i < pending.size()) {
    Listener* const listener = pending[i].listener;
    if (listener == nullptr) {
      Callback& done = batch.callbacks[pending[i].token];
      if (!appended.ok()) {
        done(Result<RecordMetadata>(appended.status()));
      } else {
        done(RecordMetadata{
            where.topic, where.partition, appended->base_offset + static_cast<std::int64_t>(i),
            appended->log_append_time >= 0 ? appended->log_append_time : pending[i].timestamp});
      }
      ++i;
      continue;
    }
    const std::size_t first = i;
    run_tokens_.clear();
    for (; i < pending.size() && pending[i].listener == listener; ++i) {
      run_tokens_.push_back(pending[i].token);
    }
    if (!appended.ok()) {
      listener->failed(appended.status(), run_tokens_);
    } else {
      listener->acknowledged(where.topic, where.partition,
                             appended->base_offset + static_cast<std::int64_t>(first), run_tokens_);
    }
  }
}

void EmbeddedProducer::sender_loop(std::stop_token stop) {
  name_this_thread("producer-sender");
  const auto linger = std::chrono::milliseconds(config_.linger_ms);
  while (true) {
    std::vector<std::pair<TopicPartition, Batch>> to_send;
    {
      std::unique_lock lock(mutex_);
      const auto due = [&] {
        if (!ready_.empty() || (flush_requested_ && !open_batches_.empty())) return true;
        const auto now = std::chrono::steady_clock::now();
        for (const auto& [where, batch] : open_batches_) {
          if (now - batch.created >= linger) return true;
        }
        return false;
      };
      while (!due() && !stop.stop_requested()) {
        // Wake for new records, or when the oldest open batch's linger ends.
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        for (const auto& [where, batch] : open_batches_) {
          deadline = std::min(deadline, batch.created + linger);
        }
        // Woken early only by what changes the deadline: a new batch, a full one, a flush.
        const std::uint64_t seen = batch_events_;
        sender_wakes_at_ = deadline;
        wake_sender_.wait_until(lock, stop, deadline, [&] {
          return batch_events_ != seen || (flush_requested_ && !open_batches_.empty());
        });
        sender_wakes_at_ = kSenderAwake;
      }
      to_send = std::move(ready_);
      ready_.clear();
      const auto now = std::chrono::steady_clock::now();
      for (auto it = open_batches_.begin(); it != open_batches_.end();) {
        if (flush_requested_ || stop.stop_requested() || now - it->second.created >= linger) {
          sticky_partition_.erase(it->first.topic);
          to_send.emplace_back(it->first, std::move(it->second));
          it = open_batches_.erase(it);
        } else {
          ++it;
        }
      }
      if (stop.stop_requested() && to_send.empty()) return;
    }
    for (auto& [where, batch] : to_send) send_batch(where, std::move(batch));
  }
}

Status EmbeddedProducer::flush() {
  std::unique_lock lock(mutex_);
  flush_requested_ = true;
  wake_sender_.notify_all();
  all_done_.wait(lock, [this] { return in_flight_ == 0; });
  flush_requested_ = false;
  return Status::ok_status();
}

void EmbeddedProducer::close() {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
  }
  (void)flush();
  sender_.request_stop();
  wake_sender_.notify_all();
  if (sender_.joinable()) sender_.join();
}

}  // namespace ferry::broker
