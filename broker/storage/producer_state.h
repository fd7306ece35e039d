// The idempotent producers of one partition (KIP-98): per producer id, its epoch and the last
// kCachedBatches batches it appended (first and last sequence, offsets), as Kafka's
// ProducerStateManager keeps them. The partition log owns one, updates it with every batch that
// carries a producer id, and checks an idempotent producer's batch against it before appending:
//   - a batch equal (epoch, first and last sequence) to one of the cached batches is a retry: it
//     is not appended again, and the original batch's offsets are answered, with no error;
//   - an older epoch than the one seen is kInvalidEpoch;
//   - a newer epoch must start at sequence 0, else kOutOfOrderSequence;
//   - the same epoch must continue at the last sequence + 1 (wrapping from INT32_MAX to 0), else
//     kOutOfOrderSequence;
//   - a producer id without state (never seen, or its batches all removed by retention or
//     DeleteRecords) is taken at whatever sequence it sends, as Kafka does since KIP-360, unless
//     the caller says the producer is new (an id the broker handed out since it started, whose
//     first batch must be sequence 0).
//
// The state is rebuilt when the log opens: from the newest snapshot and the batch headers after
// it (partition_log.h says which). A snapshot is the file <20-digit offset>.producer-snapshot
// in the partition's directory, the state as of that offset (every batch below it counted, none
// at or above), written atomically (temporary file, fsync, rename, directory fsync). Big-endian:
//   version int16 (1) | crc uint32: CRC-32C of every byte after it | offset int64 |
//   producer count int32 | per producer: producer id int64, epoch int16, batch count int8,
//   per batch (oldest first): first sequence int32, last sequence int32, base offset int64,
//   last offset int64, log append time int64 (-1 for CreateTime topics), record count int32.
// Kafka's .snapshot files hold only a producer's last batch; Ferry keeps all cached batches so
// that a retry of any of them is still recognised after a restart, hence its own file name.
//
// Thread-safety: none; the partition log calls it under its lock.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/storage/record_batch.h"
#include "common/result.h"

namespace ferry::broker {

inline constexpr std::string_view kProducerSnapshotExtension = ".producer-snapshot";

// What the log answered for a batch it appended, or for the original of a retried batch.
struct AppendResult {
  std::int64_t base_offset = 0;
  std::int64_t last_offset = 0;
  std::int64_t log_append_time = -1;  // -1 unless the topic uses LogAppendTime
  std::int32_t record_count = 0;
};

enum class ProducerVerdict : std::uint8_t {
  kAppend,              // new and in order
  kDuplicate,           // a retry of a cached batch
  kOutOfOrderSequence,  // Kafka's OUT_OF_ORDER_SEQUENCE_NUMBER
  kInvalidEpoch,        // Kafka's INVALID_PRODUCER_EPOCH
};

struct ProducerCheck {
  ProducerVerdict verdict = ProducerVerdict::kAppend;
  std::string why;        // for kOutOfOrderSequence and kInvalidEpoch
  AppendResult original;  // for kDuplicate
};

class ProducerStateTable {
 public:
  static constexpr std::size_t kCachedBatches = 5;  // Kafka's: max.in.flight 5 of a producer

  // The check of the header comment for a batch whose header is header (producer id >= 0).
  // new_producer: a producer without state must start at sequence 0.
  ProducerCheck check(const RecordBatchHeader& header, bool new_producer) const;

  // Counts a batch appended at header.base_offset (producer id < 0: ignored). log_append_time
  // is what the append stamped, or -1.
  void record(const RecordBatchHeader& header, std::int64_t log_append_time);

  // Drops the producers whose last batch ends below log_start_offset (Kafka's rule when
  // retention or DeleteRecords moves the log start), and their cached batches below it.
  void remove_before(std::int64_t log_start_offset);

  std::size_t producer_count() const { return producers_.size(); }
  // The largest producer id with state, or -1.
  std::int64_t max_producer_id() const;
  // The producer's epoch and last sequence, if it has state (for tests and notes).
  std::optional<std::pair<std::int16_t, std::int32_t>> last_sequence(
      std::int64_t producer_id) const;

  // The snapshot file's bytes for this state as of offset.
  std::vector<std::uint8_t> serialize(std::int64_t offset) const;
  // A snapshot's state; corruption naming path when the bytes are not a snapshot of offset (a
  // CRC mismatch, a wrong version, a length that does not add up).
  static Result<ProducerStateTable> parse(std::span<const std::uint8_t> bytes, std::int64_t offset,
                                          const std::filesystem::path& path);

  // <directory>/<20-digit offset>.producer-snapshot
  static std::filesystem::path snapshot_path(const std::filesystem::path& directory,
                                             std::int64_t offset);
  // The offsets of the snapshot files in directory, ascending.
  static std::vector<std::int64_t> list_snapshots(const std::filesystem::path& directory);

 private:
  struct Batch {
    std::int32_t first_sequence = 0;
    std::int32_t last_sequence = 0;
    AppendResult appended;
  };
  struct Producer {
    std::int16_t epoch = -1;
    std::deque<Batch> batches;  // the last kCachedBatches, oldest first; never empty
  };

  std::map<std::int64_t, Producer> producers_;
};

// The last sequence of a batch starting at first_sequence with last_offset_delta records after
// its first (sequences wrap from INT32_MAX to 0, Kafka's DefaultRecordBatch.incrementSequence).
std::int32_t last_sequence_of(std::int32_t first_sequence, std::int32_t last_offset_delta);

}  // namespace ferry::broker
