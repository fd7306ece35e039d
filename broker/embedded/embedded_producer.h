// Kafka's producer (broker/client/producer.h) in process: records are accumulated per partition
// into RecordBatch v2 batches (batch.size, linger.ms, compression.type) and a sender thread
// appends each finished batch to the embedded broker's log, then completes the records'
// callbacks in send order with their offsets. Topics are auto-created on first send when the
// broker allows it, as a Kafka producer's metadata request would.
//
// Thread-safety: send, flush and close may be called from any thread; callbacks run on the
// sender thread (or on the caller's thread for errors found before batching), so they must not
// call flush() or close().
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "broker/client/client_config.h"
#include "broker/client/producer.h"
#include "broker/client/topic_partition.h"
#include "broker/server/broker.h"
#include "broker/storage/record_batch.h"

namespace ferry::broker {

class EmbeddedProducer final : public Producer {
 public:
  EmbeddedProducer(Broker& broker, ProducerConfig config);
  ~EmbeddedProducer() override;
  EmbeddedProducer(const EmbeddedProducer&) = delete;
  EmbeddedProducer& operator=(const EmbeddedProducer&) = delete;

  void send(ProducerRecord record, Callback done) override;
  // One lock for all of them; the listener hears once per run of them in a batch.
  void send_all(std::span<const ProducerRecord> records, std::span<const std::uint64_t> tokens,
                Listener& listener) override;
  Status flush() override;
  void close() override;

 private:
  // Who hears of one record: a listener under a token, or (listener null) callbacks[token] of its
  // batch. Trivially copied: send_all()'s records carry no callback to move in and out.
  struct Pending {
    Listener* listener;
    std::uint64_t token;
    std::int64_t timestamp;
  };
  struct Batch {
    std::unique_ptr<RecordBatchBuilder> builder;
    std::vector<Pending> pending;  // one per record, in offset order
    std::vector<Callback> callbacks;
    std::chrono::steady_clock::time_point created;
  };

  // What the previous record of one send_all() looked up, valid while mutex_ stays held: a run
  // of records to one topic reads its partition count, and its sticky partition's batch, once.
  struct Run {
    const std::string* topic = nullptr;  // the previous record's; empty run when null
    std::int32_t partitions = 0;
    Batch* sticky_batch = nullptr;  // the open batch null-key records went to, until it fills
    std::int32_t sticky_partition = 0;
  };
  // Appends the record to its partition's open batch (mutex_ held; released meanwhile to create
  // a topic, which starts the run over), to be reported to listener under token, or to *done
  // (taken on success) when listener is null; sets wake_sender when the sender must be woken.
  Status append_locked(std::unique_lock<std::mutex>& lock, const ProducerRecord& record,
                       Listener* listener, std::uint64_t token, Callback* done, bool& wake_sender,
                       Run& run);
  Result<std::int32_t> choose_partition(const ProducerRecord& record, std::int32_t partitions);
  Result<std::int32_t> partition_count(const std::string& topic);
  void sender_loop(std::stop_token stop);
  void send_batch(const TopicPartition& where, Batch batch);
  // Reports a batch's records: each run of one listener's records in one call.
  void complete(const TopicPartition& where, Batch& batch, const Result<AppendResult>& appended);

  Broker& broker_;
  ProducerConfig config_;
  Compression compression_ = Compression::kNone;

  std::mutex mutex_;
  std::condition_variable_any wake_sender_;
  std::condition_variable all_done_;
  std::map<TopicPartition, Batch> open_batches_;
  std::vector<std::pair<TopicPartition, Batch>> ready_;  // full batches, in the order they filled
  std::map<std::string, std::int32_t> sticky_partition_;
  // topic -> (partition count, when it was read); refreshed after kMetadataMaxAge.
  static constexpr std::chrono::milliseconds kMetadataMaxAge{1000};
  std::map<std::string, std::pair<std::int32_t, std::chrono::steady_clock::time_point>>
      partition_counts_;
  std::uint64_t in_flight_ = 0;     // records sent and not yet completed
  std::uint64_t batch_events_ = 0;  // batches opened or filled: the sender's wake-up reasons
  // When the sender wakes by itself if nothing wakes it earlier; kSenderAwake while it is not
  // waiting (it looks at every batch before it waits again, so it needs no wake-up then).
  static constexpr std::chrono::steady_clock::time_point kSenderAwake =
      std::chrono::steady_clock::time_point::min();
  std::chrono::steady_clock::time_point sender_wakes_at_ = kSenderAwake;
  std::size_t records_per_batch_ = 0;  // of the last full batch: what a new batch reserves
  bool flush_requested_ = false;
  bool closed_ = false;
  std::mt19937 random_{std::random_device{}()};
  std::vector<std::uint64_t> run_tokens_;  // the sender thread's, for complete()
  std::jthread sender_;
};

}  // namespace ferry::broker
