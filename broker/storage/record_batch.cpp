#include "broker/storage/record_batch.h"

#include <algorithm>
#include <cassert>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "broker/storage/crc32c.h"
#include "broker/storage/wire_format.h"

namespace ferry::broker {
namespace {

namespace layout = batch_layout;

constexpr std::int32_t kInt32Max = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
// The smallest record: a 1-byte length, then attributes, timestamp delta, offset delta, key
// length, value length and header count at one byte each.
constexpr std::size_t kMinRecordBytes = 7;

std::string batch_context(std::int64_t base_offset) {
  return "record batch at offset " + std::to_string(base_offset);
}

std::string hex32(std::uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof(text), "0x%08" PRIx32, value);
  return text;
}

RecordBatchHeader parse_header(const std::uint8_t* bytes) {
  RecordBatchHeader header;
  header.base_offset = load_be<std::int64_t>(bytes + layout::kBaseOffset);
  header.batch_length = load_be<std::int32_t>(bytes + layout::kBatchLength);
  header.partition_leader_epoch = load_be<std::int32_t>(bytes + layout::kPartitionLeaderEpoch);
  header.magic = static_cast<std::int8_t>(bytes[layout::kMagic]);
  header.crc = load_be<std::uint32_t>(bytes + layout::kCrc);
  header.attributes = load_be<std::int16_t>(bytes + layout::kAttributes);
  header.last_offset_delta = load_be<std::int32_t>(bytes + layout::kLastOffsetDelta);
  header.base_timestamp = load_be<std::int64_t>(bytes + layout::kBaseTimestamp);
  header.max_timestamp = load_be<std::int64_t>(bytes + layout::kMaxTimestamp);
  header.producer_id = load_be<std::int64_t>(bytes + layout::kProducerId);
  header.producer_epoch = load_be<std::int16_t>(bytes + layout::kProducerEpoch);
  header.base_sequence = load_be<std::int32_t>(bytes + layout::kBaseSequence);
  header.records_count = load_be<std::int32_t>(bytes + layout::kRecordsCount);
  return header;
}

// Writes every header field but the CRC, which covers the records and so comes last.
void write_header(std::uint8_t* bytes, const RecordBatchHeader& header) {
  store_be(bytes + layout::kBaseOffset, header.base_offset);
  store_be(bytes + layout::kBatchLength, header.batch_length);
  store_be(bytes + layout::kPartitionLeaderEpoch, header.partition_leader_epoch);
  store_be(bytes + layout::kMagic, header.magic);
  store_be(bytes + layout::kAttributes, header.attributes);
  store_be(bytes + layout::kLastOffsetDelta, header.last_offset_delta);
  store_be(bytes + layout::kBaseTimestamp, header.base_timestamp);
  store_be(bytes + layout::kMaxTimestamp, header.max_timestamp);
  store_be(bytes + layout::kProducerId, header.producer_id);
  store_be(bytes + layout::kProducerEpoch, header.producer_epoch);
  store_be(bytes + layout::kBaseSequence, header.base_sequence);
  store_be(bytes + layout::kRecordsCount, header.records_count);
}

// read_batch_header plus: the whole batch is present and its CRC matches.
Result<RecordBatchHeader> read_verified_header(std::span<const std::uint8_t> bytes) {
  Result<RecordBatchHeader> header = read_batch_header(bytes);
  if (!header.ok()) return header;
  const std::size_t size = header->size();
  if (size > bytes.size()) {
    return Status::corruption("batch length " + std::to_string(header->batch_length) + " needs " +
                              std::to_string(size) + " bytes, only " +
                              std::to_string(bytes.size()) + " available")
        .with_context(batch_context(header->base_offset));
  }
  const std::uint32_t computed = compute_batch_crc(bytes.first(size));
  if (computed != header->crc) {
    return Status::corruption("CRC mismatch: stored " + hex32(header->crc) + ", computed " +
                              hex32(computed))
        .with_context(batch_context(header->base_offset));
  }
  return header;
}

// Reads the fields of one record, or of the records section, without passing the end of its
// span. A failed read leaves an error message naming the field and the position.
class FieldReader {
 public:
  // base: where bytes start within the records section, so errors give section positions.
  FieldReader(std::span<const std::uint8_t> bytes, std::size_t base) : bytes_(bytes), base_(base) {}

  std::size_t position() const { return position_; }
  std::size_t remaining() const { return bytes_.size() - position_; }
  const std::string& error() const { return error_; }

  bool read_int8(const char* field, std::int8_t& value) {
    if (remaining() < 1) return fail(field, "missing");
    value = static_cast<std::int8_t>(bytes_[position_++]);
    return true;
  }

  bool read_varint(const char* field, std::int32_t& value) {
    const DecodedVarint<std::int32_t> decoded =
        ferry::broker::read_varint(bytes_.subspan(position_));
    if (!decoded.ok()) return fail(field, describe(decoded.error));
    value = decoded.value;
    position_ += decoded.length;
    return true;
  }

  bool read_varlong(const char* field, std::int64_t& value) {
    const DecodedVarint<std::int64_t> decoded =
        ferry::broker::read_varlong(bytes_.subspan(position_));
    if (!decoded.ok()) return fail(field, describe(decoded.error));
    value = decoded.value;
    position_ += decoded.length;
    return true;
  }

  bool take(const char* field, std::size_t length, std::span<const std::uint8_t>& value) {
    if (length > remaining()) {
      return fail(field, "length " + std::to_string(length) + " exceeds the " +
                             std::to_string(remaining()) + " bytes left");
    }
    value = bytes_.subspan(position_, length);
    position_ += length;
    return true;
  }

  // A length-prefixed byte string; length -1 is null and allowed only if nullable.
  bool read_bytes(const char* field, bool nullable,
                  std::optional<std::span<const std::uint8_t>>& value) {
    std::int32_t length = 0;
    if (!read_varint(field, length)) return false;
    if (length == -1 && nullable) {
      value.reset();
      return true;
    }
    if (length < 0) return fail(field, "invalid length " + std::to_string(length));
    std::span<const std::uint8_t> bytes;
    if (!take(field, static_cast<std::size_t>(length), bytes)) return false;
    value = bytes;
    return true;
  }

  bool fail(std::string_view field, std::string_view problem) {
    error_.assign(field);
    error_ += ": ";
    error_ += problem;
    error_ += " at byte " + std::to_string(base_ + position_) + " of the records";
    return false;
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t base_;
  std::size_t position_ = 0;
  std::string error_;
};

std::size_t length_field_size(const std::optional<std::span<const std::uint8_t>>& bytes) {
  return bytes ? varint_size(static_cast<std::int32_t>(bytes->size())) + bytes->size()
               : varint_size(-1);
}

std::uint8_t* write_length_prefixed(std::uint8_t* out,
                                    const std::optional<std::span<const std::uint8_t>>& bytes) {
  if (!bytes) return out + write_varint(-1, out);
  out += write_varint(static_cast<std::int32_t>(bytes->size()), out);
  if (!bytes->empty()) std::memcpy(out, bytes->data(), bytes->size());
  return out + bytes->size();
}

bool fits_int32(std::size_t size) { return size <= static_cast<std::size_t>(kInt32Max); }

}  // namespace

// ---- header -----------------------------------------------------------------------------------

Result<RecordBatchHeader> read_batch_header(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kRecordBatchHeaderSize) {
    return Status::corruption("record batch header needs " +
                              std::to_string(kRecordBatchHeaderSize) + " bytes, only " +
                              std::to_string(bytes.size()) + " available");
  }
  RecordBatchHeader header = parse_header(bytes.data());
  if (header.magic != kRecordBatchMagic) {
    return Status::corruption("unsupported magic " + std::to_string(header.magic) +
                              " (only record batch v2, magic 2, is supported)")
        .with_context(batch_context(header.base_offset));
  }
  if (header.batch_length < kMinBatchLength) {
    return Status::corruption("batch length " + std::to_string(header.batch_length) +
                              " is below the minimum of " + std::to_string(kMinBatchLength))
        .with_context(batch_context(header.base_offset));
  }
  return header;
}

Status verify_batch(std::span<const std::uint8_t> bytes) {
  return read_verified_header(bytes).status();
}

std::uint32_t compute_batch_crc(std::span<const std::uint8_t> batch) {
  assert(batch.size() >= layout::kAttributes);
  return crc32c(batch.subspan(layout::kAttributes));
}

void set_base_offset(std::span<std::uint8_t> batch, std::int64_t base_offset) {
  assert(batch.size() >= kRecordBatchHeaderSize);
  store_be(batch.data() + layout::kBaseOffset, base_offset);
}

void set_partition_leader_epoch(std::span<std::uint8_t> batch, std::int32_t epoch) {
  assert(batch.size() >= kRecordBatchHeaderSize);
  store_be(batch.data() + layout::kPartitionLeaderEpoch, epoch);
}

void set_log_append_time(std::span<std::uint8_t> batch, std::int64_t log_append_time) {
  assert(batch.size() >= kRecordBatchHeaderSize);
  const std::int32_t batch_length = load_be<std::int32_t>(batch.data() + layout::kBatchLength);
  assert(batch_length >= kMinBatchLength);
  const std::size_t size = static_cast<std::size_t>(batch_length) + kRecordBatchLengthOverhead;
  assert(batch.size() >= size);
  const auto attributes = static_cast<std::int16_t>(
      load_be<std::int16_t>(batch.data() + layout::kAttributes) | batch_attributes::kLogAppendTime);
  store_be(batch.data() + layout::kAttributes, attributes);
  store_be(batch.data() + layout::kMaxTimestamp, log_append_time);
  store_be(batch.data() + layout::kCrc, compute_batch_crc(batch.first(size)));
}

// ---- builder ----------------------------------------------------------------------------------

RecordBatchBuilder::RecordBatchBuilder(const RecordBatchOptions& options) : options_(options) {
  buffer_.resize(kRecordBatchHeaderSize);
}

Status RecordBatchBuilder::append(std::int64_t timestamp,
                                  std::optional<std::span<const std::uint8_t>> key,
                                  std::optional<std::span<const std::uint8_t>> value,
                                  std::span<const RecordHeaderView> headers) {
  return append_with_delta(static_cast<std::int64_t>(last_offset_delta_) + 1, timestamp, key, value,
                           headers);
}

Status RecordBatchBuilder::append_at(std::int64_t offset, std::int64_t timestamp,
                                     std::optional<std::span<const std::uint8_t>> key,
                                     std::optional<std::span<const std::uint8_t>> value,
                                     std::span<const RecordHeaderView> headers) {
  std::int64_t offset_delta = 0;
  if (__builtin_sub_overflow(offset, options_.base_offset, &offset_delta)) {
    return Status::invalid_argument("record batch builder: offset " + std::to_string(offset) +
                                    " is too far from the base offset " +
                                    std::to_string(options_.base_offset));
  }
  return append_with_delta(offset_delta, timestamp, key, value, headers);
}

Status RecordBatchBuilder::set_last_offset(std::int64_t last_offset) {
  if (built_) {
    return Status::invalid_argument("record batch builder: set_last_offset after build()");
  }
  std::int64_t delta = 0;
  if (__builtin_sub_overflow(last_offset, options_.base_offset, &delta) ||
      delta < last_offset_delta_ || delta < 0 || delta > kInt32Max) {
    return Status::invalid_argument(
        "record batch builder: last offset " + std::to_string(last_offset) +
        " is not between the last record's offset delta " + std::to_string(last_offset_delta_) +
        " and 2^31-1 past the base offset " + std::to_string(options_.base_offset));
  }
  last_offset_delta_claimed_ = static_cast<std::int32_t>(delta);
  return Status::ok_status();
}

Status RecordBatchBuilder::append_with_delta(std::int64_t wide_offset_delta, std::int64_t timestamp,
                                             std::optional<std::span<const std::uint8_t>> key,
                                             std::optional<std::span<const std::uint8_t>> value,
                                             std::span<const RecordHeaderView> headers) {
  if (built_) return Status::invalid_argument("record batch builder: append after build()");
  if (record_count_ == kInt32Max) {
    return Status::invalid_argument("record batch builder: batch already holds 2^31-1 records");
  }
  if (wide_offset_delta <= last_offset_delta_ || wide_offset_delta > kInt32Max) {
    return Status::invalid_argument("record batch builder: offset delta " +
                                    std::to_string(wide_offset_delta) +
                                    " is not above the previous record's (" +
                                    std::to_string(last_offset_delta_) + ") and within 2^31-1");
  }
  const auto offset_delta = static_cast<std::int32_t>(wide_offset_delta);
  if (options_.base_offset > kInt64Max - offset_delta) {
    return Status::invalid_argument("record batch builder: offset " +
                                    std::to_string(options_.base_offset) + " + " +
                                    std::to_string(offset_delta) + " overflows int64");
  }
  const std::int64_t base_timestamp = options_.base_timestamp.value_or(timestamp);
  std::int64_t timestamp_delta = 0;
  if (__builtin_sub_overflow(timestamp, base_timestamp, &timestamp_delta)) {
    return Status::invalid_argument("record batch builder: timestamp " + std::to_string(timestamp) +
                                    " is too far from the base " + std::to_string(base_timestamp));
  }
  if ((key && !fits_int32(key->size())) || (value && !fits_int32(value->size())) ||
      !fits_int32(headers.size())) {
    return Status::invalid_argument("record batch builder: key, value or header count over 2^31-1");
  }

  // Sizes in 64 bits: a record over 2^31-1 bytes must be refused, not wrapped.
  std::uint64_t body = 1 + varlong_size(timestamp_delta) + varint_size(offset_delta) +
                       length_field_size(key) + length_field_size(value) +
                       varint_size(static_cast<std::int32_t>(headers.size()));
  for (const RecordHeaderView& header : headers) {
    if (!fits_int32(header.key.size()) || (header.value && !fits_int32(header.value->size()))) {
      return Status::invalid_argument("record batch builder: header key or value over 2^31-1");
    }
    body += varint_size(static_cast<std::int32_t>(header.key.size())) + header.key.size() +
            length_field_size(header.value);
  }
  if (body > static_cast<std::uint64_t>(kInt32Max)) {
    return Status::invalid_argument("record batch builder: record of " + std::to_string(body) +
                                    " bytes is over 2^31-1");
  }
  const auto body_size = static_cast<std::int32_t>(body);
  const std::size_t record_size = varint_size(body_size) + body;
  if (buffer_.size() - kRecordBatchLengthOverhead + record_size >
      static_cast<std::size_t>(kInt32Max)) {
    return Status::invalid_argument("record batch builder: batch would exceed 2^31-1 bytes");
  }

  const std::size_t start = buffer_.size();
  buffer_.resize(start + record_size);
  std::uint8_t* out = buffer_.data() + start;
  out += write_varint(body_size, out);
  *out++ = 0;  // record attributes: unused by Kafka
  out += write_varlong(timestamp_delta, out);
  out += write_varint(offset_delta, out);
  out = write_length_prefixed(out, key);
  out = write_length_prefixed(out, value);
  out += write_varint(static_cast<std::int32_t>(headers.size()), out);
  for (const RecordHeaderView& header : headers) {
    out = write_length_prefixed(out, as_bytes(header.key));
    out = write_length_prefixed(out, header.value);
  }
  assert(out == buffer_.data() + buffer_.size());

  options_.base_timestamp = base_timestamp;
  max_timestamp_ = record_count_ == 0 ? timestamp : std::max(max_timestamp_, timestamp);
  ++record_count_;
  last_offset_delta_ = offset_delta;
  return Status();
}

Result<std::vector<std::uint8_t>> RecordBatchBuilder::build() {
  if (built_) return Status::invalid_argument("record batch builder: build() called twice");
  built_ = true;
  if (last_offset_delta_claimed_ && *last_offset_delta_claimed_ < last_offset_delta_) {
    return Status::invalid_argument("record batch builder: the batch claims last offset delta " +
                                    std::to_string(*last_offset_delta_claimed_) +
                                    " but holds a record at offset delta " +
                                    std::to_string(last_offset_delta_));
  }

  RecordBatchHeader header;
  header.base_offset = options_.base_offset;
  header.partition_leader_epoch = options_.partition_leader_epoch;
  header.attributes = static_cast<std::int16_t>(
      static_cast<std::int16_t>(options_.compression) |
      (options_.timestamp_type == TimestampType::kLogAppendTime ? batch_attributes::kLogAppendTime
                                                                : 0) |
      (options_.transactional ? batch_attributes::kTransactional : 0) |
      (options_.control ? batch_attributes::kControl : 0));
  header.last_offset_delta =
      last_offset_delta_claimed_.value_or(record_count_ == 0 ? 0 : last_offset_delta_);
  header.base_timestamp = options_.base_timestamp.value_or(-1);
  header.max_timestamp = record_count_ == 0 ? header.base_timestamp : max_timestamp_;
  header.producer_id = options_.producer_id;
  header.producer_epoch = options_.producer_epoch;
  header.base_sequence = options_.base_sequence;
  header.records_count = record_count_;

  std::vector<std::uint8_t> batch;
  if (options_.compression == Compression::kNone) {
    batch = std::move(buffer_);
  } else {
    const auto records = std::span<const std::uint8_t>(buffer_).subspan(kRecordBatchHeaderSize);
    batch.reserve(kRecordBatchHeaderSize + records.size() / 2);
    batch.resize(kRecordBatchHeaderSize);
    Status status = compress(options_.compression, records, batch);
    if (!status.ok()) return status.with_context("record batch builder");
    buffer_ = {};
    if (batch.size() - kRecordBatchLengthOverhead > static_cast<std::size_t>(kInt32Max)) {
      return Status::invalid_argument("record batch builder: compressed batch exceeds 2^31-1");
    }
  }
  header.batch_length = static_cast<std::int32_t>(batch.size() - kRecordBatchLengthOverhead);
  write_header(batch.data(), header);
  store_be(batch.data() + layout::kCrc, compute_batch_crc(batch));
  return batch;
}

// ---- decoder ----------------------------------------------------------------------------------

Result<DecodedBatch> decode_batch(std::span<const std::uint8_t> batch,
                                  std::size_t max_decompressed) {
  Result<RecordBatchHeader> verified = read_verified_header(batch);
  if (!verified.ok()) return verified.status();
  const RecordBatchHeader& header = *verified;
  const std::string where = batch_context(header.base_offset);
  auto fail = [&where](const std::string& problem) {
    return Status::corruption(problem).with_context(where);
  };

  if (!is_known_compression(header.compression())) {
    return fail("unknown compression codec id " +
                std::to_string(static_cast<int>(header.compression())));
  }
  if (header.records_count < 0) {
    return fail("negative record count " + std::to_string(header.records_count));
  }
  if (header.last_offset_delta < 0) {
    return fail("negative last offset delta " + std::to_string(header.last_offset_delta));
  }
  if (header.base_offset > kInt64Max - header.last_offset_delta) {
    return fail("last offset delta " + std::to_string(header.last_offset_delta) +
                " overflows the offset");
  }
  // Compaction may leave fewer records than the delta spans, never more.
  if (header.records_count > 0 && header.records_count - 1 > header.last_offset_delta) {
    return fail(std::to_string(header.records_count) + " records cannot fit in last offset delta " +
                std::to_string(header.last_offset_delta));
  }

  DecodedBatch decoded;
  decoded.header_ = header;
  std::span<const std::uint8_t> section =
      batch.subspan(kRecordBatchHeaderSize, header.size() - kRecordBatchHeaderSize);
  if (header.compression() != Compression::kNone) {
    Status status =
        decompress(header.compression(), section, max_decompressed, decoded.decompressed_);
    if (!status.ok()) return status.with_context(where);
    section = decoded.decompressed_;
  }

  const auto count = static_cast<std::size_t>(header.records_count);
  // Checked before reserving, so a lying count cannot make us allocate.
  if (count > section.size() / kMinRecordBytes) {
    return fail(std::to_string(count) + " records cannot fit in " + std::to_string(section.size()) +
                " bytes of records");
  }
  decoded.records_.reserve(count);
  std::vector<std::uint32_t> header_counts;
  header_counts.reserve(count);

  const bool log_append_time = header.timestamp_type() == TimestampType::kLogAppendTime;
  FieldReader records(section, 0);
  std::int64_t previous_offset_delta = -1;
  for (std::size_t index = 0; index < count; ++index) {
    auto record_fail = [&](const std::string& problem) {
      return fail("record " + std::to_string(index) + " of " + std::to_string(count) + ": " +
                  problem);
    };
    std::int32_t length = 0;
    std::span<const std::uint8_t> body;
    if (!records.read_varint("length", length)) return record_fail(records.error());
    if (length < 0) return record_fail("negative length " + std::to_string(length));
    const std::size_t body_start = records.position();
    if (!records.take("body", static_cast<std::size_t>(length), body)) {
      return record_fail(records.error());
    }
    FieldReader fields(body, body_start);

    RecordView record;
    std::int8_t attributes = 0;
    std::int64_t timestamp_delta = 0;
    std::int32_t offset_delta = 0;
    if (!fields.read_int8("attributes", attributes) ||
        !fields.read_varlong("timestamp delta", timestamp_delta) ||
        !fields.read_varint("offset delta", offset_delta)) {
      return record_fail(fields.error());
    }
    if (offset_delta <= previous_offset_delta || offset_delta > header.last_offset_delta) {
      return record_fail("offset delta " + std::to_string(offset_delta) +
                         " is not between the previous record's (" +
                         std::to_string(previous_offset_delta) + ") and the last offset delta " +
                         std::to_string(header.last_offset_delta));
    }
    previous_offset_delta = offset_delta;
    record.offset = header.base_offset + offset_delta;
    if (log_append_time) {
      record.timestamp = header.max_timestamp;
    } else if (__builtin_add_overflow(header.base_timestamp, timestamp_delta, &record.timestamp)) {
      return record_fail("timestamp delta " + std::to_string(timestamp_delta) +
                         " overflows the base timestamp");
    }
    if (!fields.read_bytes("key", true, record.key) ||
        !fields.read_bytes("value", true, record.value)) {
      return record_fail(fields.error());
    }
    std::int32_t header_count = 0;
    if (!fields.read_varint("header count", header_count)) return record_fail(fields.error());
    if (header_count < 0) {
      return record_fail("negative header count " + std::to_string(header_count));
    }
    for (std::int32_t h = 0; h < header_count; ++h) {
      std::optional<std::span<const std::uint8_t>> key;
      std::optional<std::span<const std::uint8_t>> value;
      if (!fields.read_bytes("key", false, key) || !fields.read_bytes("value", true, value)) {
        return record_fail("header " + std::to_string(h) + ": " + fields.error());
      }
      decoded.headers_.push_back(RecordHeaderView{
          std::string_view(reinterpret_cast<const char*>(key->data()), key->size()), value});
    }
    if (fields.remaining() != 0) {
      return record_fail(std::to_string(fields.remaining()) +
                         " bytes left over after the headers (record length " +
                         std::to_string(length) + ")");
    }
    header_counts.push_back(static_cast<std::uint32_t>(header_count));
    decoded.records_.push_back(record);
  }
  if (records.remaining() != 0) {
    return fail(std::to_string(records.remaining()) + " bytes of trailing data after the " +
                std::to_string(count) + " records");
  }

  // Only now that headers_ has stopped growing can records point into it.
  const std::span<const RecordHeaderView> all_headers = decoded.headers_;
  std::size_t next = 0;
  for (std::size_t index = 0; index < count; ++index) {
    decoded.records_[index].headers = all_headers.subspan(next, header_counts[index]);
    next += header_counts[index];
  }
  return decoded;
}

}  // namespace ferry::broker
