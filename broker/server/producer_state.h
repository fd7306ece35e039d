// Idempotent producers' sequence numbers (KIP-98), per producer id and topic-partition, as
// Kafka's broker checks them before it appends a batch:
//   - a batch without a producer id (-1) is not checked;
//   - a batch equal (first and last sequence, epoch) to one of the last kCachedBatches appended
//     for its producer and partition is a retry: it is not appended again, and the original
//     batch's base offset is answered, with no error;
//   - an older epoch than the one seen is INVALID_PRODUCER_EPOCH; a newer epoch starts over at
//     sequence 0;
//   - otherwise the batch's first sequence must follow the last one appended (wrapping from
//     INT32_MAX to 0), else OUT_OF_ORDER_SEQUENCE_NUMBER;
//   - the first batch of a producer id this process handed out must start at sequence 0. A
//     producer id from before a restart (the state is held in memory only and not rebuilt from
//     the log) is taken at whatever sequence it continues with.
//
// Thread-safety: append() may be called from any thread; appends for one producer and
// partition run one at a time (the check and the append are one step).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <tuple>

#include "broker/protocol/error_code.h"
#include "broker/storage/partition_log.h"
#include "common/result.h"

namespace ferry::broker {

// The producer fields of a RecordBatch v2 header.
struct BatchProducer {
  std::int64_t producer_id = -1;
  std::int16_t epoch = -1;
  std::int32_t first_sequence = -1;
  std::int32_t last_sequence = -1;
};

// The producer fields of the first batch in records; nullopt if records is shorter than a batch
// header (the log refuses it).
std::optional<BatchProducer> batch_producer(std::span<const std::uint8_t> records);

// The bytes of the first batch in records (12 + its batchLength field), or 0 if too short.
std::size_t first_batch_size(std::span<const std::uint8_t> records);

struct SequencedAppend {
  protocol::ErrorCode error = protocol::ErrorCode::kNone;
  std::string why;                      // for the log line, with error
  Status failed = Status::ok_status();  // the log refused the append (error is then unset)
  AppendResult appended;
  bool duplicate = false;  // a retry answered from the cache
};

class ProducerStates {
 public:
  static constexpr std::size_t kCachedBatches = 5;  // Kafka's: max.in.flight 5 of a producer

  // Ids at or above first_local_id were handed out by this process (InitProducerId).
  explicit ProducerStates(std::int64_t first_local_id) : first_local_id_(first_local_id) {}

  // Checks producer's batch for topic-partition and, when it is new and in order, calls append
  // (with this producer and partition's lock held) and records its offsets.
  SequencedAppend append(const std::string& topic, std::int32_t partition,
                         const BatchProducer& producer,
                         const std::function<Result<AppendResult>()>& append);

 private:
  struct Batch {
    std::int32_t first_sequence;
    std::int32_t last_sequence;
    AppendResult appended;
  };
  struct Entry {
    std::mutex mutex;
    std::int16_t epoch = -1;    // guarded by mutex; -1: nothing appended yet
    std::deque<Batch> batches;  // guarded by mutex; the last kCachedBatches, oldest first
  };
  using Key = std::tuple<std::int64_t, std::string, std::int32_t>;

  std::int64_t first_local_id_;
  std::mutex mutex_;
  std::map<Key, std::shared_ptr<Entry>> entries_;  // guarded by mutex_
};

}  // namespace ferry::broker
