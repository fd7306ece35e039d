// Kafka's RecordBatch v2 (magic 2), the unit producers send, segments store and consumers
// fetch; Ferry stores batches byte for byte as Kafka would (reference/connect.md 12.3):
//
//   offset size field                      offset size field
//        0    8 base offset                    35    8 max timestamp
//        8    4 batch length (size - 12)       43    8 producer id (-1: none)
//       12    4 partition leader epoch         51    2 producer epoch
//       16    1 magic = 2                      53    4 base sequence
//       17    4 CRC-32C of bytes [21, end)     57    4 records count
//       21    2 attributes                     61    - records, compressed as one block if the
//       23    4 last offset delta                      attributes name a codec
//       27    8 base timestamp
//
// All big-endian. Attributes: bits 0-2 codec, bit 3 timestamp type, bit 4 transactional, bit 5
// control, bit 6 delete horizon set. Each record is
//   length varint | attributes int8 | timestamp delta varlong | offset delta varint |
//   key length varint (-1: null) | key | value length varint (-1: null) | value |
//   header count varint | per header: key length varint, key, value length varint (-1), value
// with zig-zag varints (wire_format.h).
//
// Because the CRC starts at the attributes, the broker assigns the base offset and leader epoch
// without touching it (set_base_offset, set_partition_leader_epoch); stamping LogAppendTime
// changes covered fields and recomputes it (set_log_append_time).
//
// Functions taking a batch look at the batch starting at bytes[0] and at no byte past its end
// (base offset 0 + batch length + 12), so they work on a slice of a segment or of a produce
// request holding several batches. Only decode_batch reads inside the records; it trusts
// nothing: counts, lengths and deltas are checked against each other and against the bytes
// present, and every error names the batch's base offset and, where it applies, the record's
// index.
//
// Thread-safety: free functions are pure (the in-place setters write only the span they are
// given). A RecordBatchBuilder or DecodedBatch is a value owned by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "broker/storage/compression.h"
#include "common/result.h"

namespace ferry::broker {

inline constexpr std::int8_t kRecordBatchMagic = 2;
inline constexpr std::size_t kRecordBatchHeaderSize = 61;
// Base offset (8) and batch length (4) precede what the batch length counts.
inline constexpr std::size_t kRecordBatchLengthOverhead = 12;
inline constexpr std::int32_t kMinBatchLength =
    static_cast<std::int32_t>(kRecordBatchHeaderSize - kRecordBatchLengthOverhead);  // 49

// Byte positions of the header fields within a batch.
namespace batch_layout {
inline constexpr std::size_t kBaseOffset = 0;
inline constexpr std::size_t kBatchLength = 8;
inline constexpr std::size_t kPartitionLeaderEpoch = 12;
inline constexpr std::size_t kMagic = 16;
inline constexpr std::size_t kCrc = 17;
inline constexpr std::size_t kAttributes = 21;  // the CRC covers from here to the end
inline constexpr std::size_t kLastOffsetDelta = 23;
inline constexpr std::size_t kBaseTimestamp = 27;
inline constexpr std::size_t kMaxTimestamp = 35;
inline constexpr std::size_t kProducerId = 43;
inline constexpr std::size_t kProducerEpoch = 51;
inline constexpr std::size_t kBaseSequence = 53;
inline constexpr std::size_t kRecordsCount = 57;
inline constexpr std::size_t kRecords = 61;
}  // namespace batch_layout

// Bits of the attributes field.
namespace batch_attributes {
inline constexpr std::int16_t kCompressionMask = 0x07;
inline constexpr std::int16_t kLogAppendTime = 0x08;
inline constexpr std::int16_t kTransactional = 0x10;
inline constexpr std::int16_t kControl = 0x20;
inline constexpr std::int16_t kDeleteHorizon = 0x40;
}  // namespace batch_attributes

enum class TimestampType : std::uint8_t { kCreateTime = 0, kLogAppendTime = 1 };

// The 61-byte header, field for field.
struct RecordBatchHeader {
  std::int64_t base_offset = 0;
  std::int32_t batch_length = 0;
  std::int32_t partition_leader_epoch = -1;
  std::int8_t magic = kRecordBatchMagic;
  std::uint32_t crc = 0;
  std::int16_t attributes = 0;
  std::int32_t last_offset_delta = 0;
  std::int64_t base_timestamp = -1;
  std::int64_t max_timestamp = -1;
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
  std::int32_t base_sequence = -1;
  std::int32_t records_count = 0;

  // May be an id Kafka does not define (5-7); decode_batch rejects those.
  Compression compression() const {
    return static_cast<Compression>(attributes & batch_attributes::kCompressionMask);
  }
  TimestampType timestamp_type() const {
    return (attributes & batch_attributes::kLogAppendTime) != 0 ? TimestampType::kLogAppendTime
                                                                : TimestampType::kCreateTime;
  }
  bool is_transactional() const { return (attributes & batch_attributes::kTransactional) != 0; }
  bool is_control() const { return (attributes & batch_attributes::kControl) != 0; }
  bool has_delete_horizon() const { return (attributes & batch_attributes::kDeleteHorizon) != 0; }
  // The offset of the batch's last record as originally written; compaction may since have
  // removed that record, but the batch keeps claiming the offset. Wraps rather than overflowing
  // for a hostile header; decode_batch rejects such headers.
  std::int64_t last_offset() const {
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(base_offset) +
                                     static_cast<std::uint64_t>(last_offset_delta));
  }
  // Bytes the whole batch occupies; meaningful once read_batch_header accepted the header.
  std::size_t size() const {
    return static_cast<std::size_t>(batch_length) + kRecordBatchLengthOverhead;
  }
};

// Parses the header at bytes[0]: needs 61 bytes, magic 2 and a batch length of at least 49.
// Checks neither the CRC nor whether the rest of the batch is present, so that rebuilding an
// index or scanning for a segment's tail can hop from batch to batch cheaply.
Result<RecordBatchHeader> read_batch_header(std::span<const std::uint8_t> bytes);

// Checks that the batch at bytes[0] is complete and that its stored CRC matches its content.
// Does not look inside the records.
Status verify_batch(std::span<const std::uint8_t> bytes);

// CRC-32C of batch[21, batch.size()): pass exactly the batch (at least 21 bytes).
std::uint32_t compute_batch_crc(std::span<const std::uint8_t> batch);

// In-place edits of the batch at batch[0], which must hold at least a whole header (61 bytes);
// set_log_append_time needs the whole batch, since it recomputes the CRC.
void set_base_offset(std::span<std::uint8_t> batch, std::int64_t base_offset);
void set_partition_leader_epoch(std::span<std::uint8_t> batch, std::int32_t epoch);
// What a broker does for a topic with message.timestamp.type=LogAppendTime: sets the timestamp
// type bit and max timestamp (every record's timestamp then reads as the max timestamp) and
// rewrites the CRC.
void set_log_append_time(std::span<std::uint8_t> batch, std::int64_t log_append_time);

struct RecordHeaderView {
  std::string_view key;  // Kafka header keys are UTF-8 and never null (not validated here)
  std::optional<std::span<const std::uint8_t>> value;
};

// One record of a batch, pointing into bytes someone else owns (see DecodedBatch).
struct RecordView {
  std::int64_t offset = 0;     // base offset + offset delta
  std::int64_t timestamp = 0;  // base timestamp + delta, or max timestamp under LogAppendTime
  std::optional<std::span<const std::uint8_t>> key;
  std::optional<std::span<const std::uint8_t>> value;  // nullopt: a tombstone
  std::span<const RecordHeaderView> headers;
};

// Views a string's bytes, for keys, values and header values that are text.
inline std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

struct RecordBatchOptions {
  std::int64_t base_offset = 0;
  Compression compression = Compression::kNone;
  // Sets the attribute bit only; the max timestamp is always the largest record timestamp. A
  // broker stamps LogAppendTime on a finished batch with set_log_append_time().
  TimestampType timestamp_type = TimestampType::kCreateTime;
  // Unset: the first record's timestamp, as Kafka's producer does (-1 for an empty batch).
  std::optional<std::int64_t> base_timestamp;
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
  std::int32_t base_sequence = -1;
  std::int32_t partition_leader_epoch = -1;
  bool transactional = false;
  bool control = false;
};

// Writes one batch: records get offset deltas 0, 1, 2, ... (or the offsets append_at gives) and
// are encoded into the final buffer as they are appended, so an uncompressed build() copies
// nothing. Usage:
//   RecordBatchBuilder builder({.base_offset = 42, .compression = Compression::kLz4});
//   Status status = builder.append(now_ms, as_bytes("key"), as_bytes("value"));
//   Result<std::vector<std::uint8_t>> batch = builder.build();
class RecordBatchBuilder {
 public:
  explicit RecordBatchBuilder(const RecordBatchOptions& options);

  RecordBatchBuilder(const RecordBatchBuilder&) = delete;
  RecordBatchBuilder& operator=(const RecordBatchBuilder&) = delete;
  RecordBatchBuilder(RecordBatchBuilder&&) = default;
  RecordBatchBuilder& operator=(RecordBatchBuilder&&) = default;

  // nullopt key or value is written as length -1 (a null key; a tombstone). Fails with
  // invalid_argument, leaving the batch as it was, when the record cannot be represented: a
  // length, count, offset or timestamp delta beyond the format's int32/int64 fields, a batch
  // over 2 GiB, or a builder that has already built.
  Status append(std::int64_t timestamp, std::optional<std::span<const std::uint8_t>> key,
                std::optional<std::span<const std::uint8_t>> value,
                std::span<const RecordHeaderView> headers = {});

  // Appends a record at an explicit offset, leaving a gap after the previous record: how the log
  // cleaner rewrites a batch without the records compaction removed (Kafka's
  // MemoryRecordsBuilder.appendWithOffset). offset - base offset becomes the record's offset
  // delta, which must be larger than the previous record's and fit in int32; otherwise
  // invalid_argument, and the batch is as it was. append() after append_at() continues at the
  // next offset.
  Status append_at(std::int64_t offset, std::int64_t timestamp,
                   std::optional<std::span<const std::uint8_t>> key,
                   std::optional<std::span<const std::uint8_t>> value,
                   std::span<const RecordHeaderView> headers = {});

  // Makes the batch claim last_offset as its last offset although no record has it (Kafka's
  // MemoryRecordsBuilder.overrideLastOffset). The cleaner keeps a rewritten batch ending where the
  // producer's batch ended: its last sequence number (base sequence + last offset delta) stays
  // the producer's, and a consumer that moves to the batch's last offset + 1 skips exactly what
  // the batch once held. invalid_argument if last_offset is below the last record appended so far
  // or beyond int32 from the base offset; build() refuses a record appended after it.
  Status set_last_offset(std::int64_t last_offset);

  std::int32_t record_count() const { return record_count_; }
  // Header plus records as encoded so far, before compression: what a producer compares with
  // batch.size to decide when a batch is full.
  std::size_t uncompressed_size() const { return buffer_.size(); }

  // Finishes the batch: header, compressed records, CRC. Call once; the builder is spent after.
  Result<std::vector<std::uint8_t>> build();

 private:
  Status append_with_delta(std::int64_t offset_delta, std::int64_t timestamp,
                           std::optional<std::span<const std::uint8_t>> key,
                           std::optional<std::span<const std::uint8_t>> value,
                           std::span<const RecordHeaderView> headers);

  RecordBatchOptions options_;
  std::vector<std::uint8_t> buffer_;  // header space, then the uncompressed records
  std::int32_t record_count_ = 0;
  std::int32_t last_offset_delta_ = -1;                    // of the last record appended
  std::optional<std::int32_t> last_offset_delta_claimed_;  // set_last_offset()
  std::int64_t max_timestamp_ = -1;
  bool built_ = false;
};

class DecodedBatch;

// Parses and validates the batch at batch[0]: CRC first, then header fields (codec, counts,
// deltas), then every record. Compressed records are decompressed into the DecodedBatch,
// failing with invalid_argument if they would exceed max_decompressed bytes.
//
// Lifetime: the returned views point into `batch` (uncompressed batches) or into the
// DecodedBatch itself (compressed ones). They stay valid while both the input bytes and the
// DecodedBatch live, including after the DecodedBatch is moved.
Result<DecodedBatch> decode_batch(std::span<const std::uint8_t> batch,
                                  std::size_t max_decompressed);

// The result of decode_batch: the header and views of the records. Move-only, because the views
// may point into its own buffers (moving a vector keeps its heap storage; copying would not).
class DecodedBatch {
 public:
  DecodedBatch(const DecodedBatch&) = delete;
  DecodedBatch& operator=(const DecodedBatch&) = delete;
  DecodedBatch(DecodedBatch&&) = default;
  DecodedBatch& operator=(DecodedBatch&&) = default;

  const RecordBatchHeader& header() const { return header_; }
  std::span<const RecordView> records() const { return records_; }

 private:
  friend Result<DecodedBatch> decode_batch(std::span<const std::uint8_t> batch,
                                           std::size_t max_decompressed);
  DecodedBatch() = default;

  RecordBatchHeader header_;
  std::vector<std::uint8_t> decompressed_;  // empty for an uncompressed batch
  std::vector<RecordHeaderView> headers_;   // all records' headers; RecordView::headers slices
  std::vector<RecordView> records_;
};

}  // namespace ferry::broker
