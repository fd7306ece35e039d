#include "broker/server/producer_state.h"

#include <limits>

#include "broker/storage/wire_format.h"

namespace ferry::broker {

using protocol::ErrorCode;

namespace {

// RecordBatch v2 header offsets (docs/storage-format.md): baseOffset int64 at 0, batchLength
// int32 at 8, lastOffsetDelta int32 at 23, producerId int64 at 43, producerEpoch int16 at 51,
// baseSequence int32 at 53; the header is 61 bytes.
constexpr std::size_t kBatchLengthAt = 8;
constexpr std::size_t kLastOffsetDeltaAt = 23;
constexpr std::size_t kProducerIdAt = 43;
constexpr std::size_t kProducerEpochAt = 51;
constexpr std::size_t kBaseSequenceAt = 53;
constexpr std::size_t kHeaderSize = 61;

// Sequences wrap from INT32_MAX to 0 (Kafka's DefaultRecordBatch.incrementSequence).
std::int32_t add_sequence(std::int32_t sequence, std::int64_t increment) {
  const std::int64_t next = static_cast<std::int64_t>(sequence) + increment;
  constexpr std::int64_t kWrap = std::int64_t{std::numeric_limits<std::int32_t>::max()} + 1;
  return static_cast<std::int32_t>(next % kWrap);
}

}  // namespace

std::optional<BatchProducer> batch_producer(std::span<const std::uint8_t> records) {
  if (records.size() < kHeaderSize) return std::nullopt;
  BatchProducer producer;
  producer.producer_id = load_be<std::int64_t>(records.data() + kProducerIdAt);
  producer.epoch = load_be<std::int16_t>(records.data() + kProducerEpochAt);
  producer.first_sequence = load_be<std::int32_t>(records.data() + kBaseSequenceAt);
  const auto delta = load_be<std::int32_t>(records.data() + kLastOffsetDeltaAt);
  producer.last_sequence = add_sequence(producer.first_sequence, std::max(0, delta));
  return producer;
}

std::size_t first_batch_size(std::span<const std::uint8_t> records) {
  if (records.size() < kHeaderSize) return 0;
  const auto length = load_be<std::int32_t>(records.data() + kBatchLengthAt);
  return length < 0 ? 0 : static_cast<std::size_t>(length) + 12;
}

SequencedAppend ProducerStates::append(const std::string& topic, std::int32_t partition,
                                       const BatchProducer& producer,
                                       const std::function<Result<AppendResult>()>& append) {
  SequencedAppend outcome;
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard lock(mutex_);
    auto& slot = entries_[Key{producer.producer_id, topic, partition}];
    if (!slot) slot = std::make_shared<Entry>();
    entry = slot;
  }
  std::lock_guard lock(entry->mutex);
  const auto refuse = [&](ErrorCode error, std::string why) {
    outcome.error = error;
    outcome.why = std::move(why);
    return outcome;
  };
  const std::string who = "producer " + std::to_string(producer.producer_id) + " epoch " +
                          std::to_string(producer.epoch) + ": ";
  if (entry->epoch >= 0 && producer.epoch < entry->epoch) {
    return refuse(ErrorCode::kInvalidProducerEpoch,
                  who + "older than the current epoch " + std::to_string(entry->epoch));
  }
  if (entry->epoch >= 0 && producer.epoch == entry->epoch) {
    for (const Batch& batch : entry->batches) {
      if (batch.first_sequence == producer.first_sequence &&
          batch.last_sequence == producer.last_sequence) {
        outcome.appended = batch.appended;
        outcome.duplicate = true;
        return outcome;
      }
    }
    const std::int32_t expected = add_sequence(entry->batches.back().last_sequence, 1);
    if (producer.first_sequence != expected) {
      return refuse(ErrorCode::kOutOfOrderSequenceNumber,
                    who + "sequence " + std::to_string(producer.first_sequence) + ", expected " +
                        std::to_string(expected));
    }
  } else if (producer.first_sequence != 0 &&
             (entry->epoch >= 0 || producer.producer_id >= first_local_id_)) {
    // A new epoch, or a producer this process started: its first batch is sequence 0.
    return refuse(
        ErrorCode::kOutOfOrderSequenceNumber,
        who + "first sequence " + std::to_string(producer.first_sequence) + ", expected 0");
  }
  auto appended = append();
  if (!appended.ok()) {
    outcome.failed = appended.status();
    return outcome;
  }
  if (producer.epoch != entry->epoch) entry->batches.clear();
  entry->epoch = producer.epoch;
  entry->batches.push_back({producer.first_sequence, producer.last_sequence, *appended});
  if (entry->batches.size() > kCachedBatches) entry->batches.pop_front();
  outcome.appended = *appended;
  return outcome;
}

}  // namespace ferry::broker
