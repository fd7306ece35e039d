#include "broker/storage/log_validator.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "broker/storage/compression.h"
#include "broker/storage/wire_format.h"

namespace ferry::broker {
namespace {

// Decompressed records beyond this are refused as a decompression bomb: a batch may hold at most
// this many times max.message.bytes once inflated (and 64 MiB at least).
constexpr std::uint64_t kMaxInflation = 64;
constexpr std::uint64_t kMinDecompressedLimit = 64ull << 20;
// A thread's decompression buffer is given back once it has grown past this.
constexpr std::size_t kKeptBufferBytes = 8 << 20;
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

// Walks the fields of the records section in place. Every read stays inside [position, end) and
// on failure leaves a message naming the field and the byte, as decode_batch's FieldReader does.
class RecordWalker {
 public:
  explicit RecordWalker(std::span<const std::uint8_t> section)
      : begin_(section.data()), position_(section.data()), end_(section.data() + section.size()) {}

  std::size_t remaining() const { return static_cast<std::size_t>(end_ - position_); }
  const std::string& error() const { return error_; }

  // Narrows the walk to the next length bytes (a record's body); restore with widen().
  bool narrow(std::size_t length, const std::uint8_t*& saved_end) {
    if (length > remaining()) {
      return fail("body", "length " + std::to_string(length) + " exceeds the " +
                              std::to_string(remaining()) + " bytes left");
    }
    saved_end = end_;
    end_ = position_ + length;
    return true;
  }
  void widen(const std::uint8_t* saved_end) { end_ = saved_end; }

  bool skip_byte(const char* field) {
    if (position_ == end_) return fail(field, "missing");
    ++position_;
    return true;
  }

  bool varint(const char* field, std::int32_t& value) {
    if (position_ != end_ && *position_ < 0x80) {
      value = zigzag_decode(std::uint32_t{*position_++});
      return true;
    }
    const auto decoded = read_varint({position_, end_});
    if (!decoded.ok()) return fail(field, describe(decoded.error));
    value = decoded.value;
    position_ += decoded.length;
    return true;
  }

  bool varlong(const char* field, std::int64_t& value) {
    if (position_ != end_ && *position_ < 0x80) {
      value = zigzag_decode(std::uint64_t{*position_++});
      return true;
    }
    const auto decoded = read_varlong({position_, end_});
    if (!decoded.ok()) return fail(field, describe(decoded.error));
    value = decoded.value;
    position_ += decoded.length;
    return true;
  }

  // A length-prefixed byte string, skipped; *present is false for length -1 (allowed only if
  // nullable).
  bool bytes(const char* field, bool nullable, bool* present) {
    std::int32_t length = 0;
    if (!varint(field, length)) return false;
    if (length == -1 && nullable) {
      *present = false;
      return true;
    }
    if (length < 0) return fail(field, "invalid length " + std::to_string(length));
    if (static_cast<std::size_t>(length) > remaining()) {
      return fail(field, "length " + std::to_string(length) + " exceeds the " +
                             std::to_string(remaining()) + " bytes left");
    }
    position_ += length;
    *present = true;
    return true;
  }

  bool fail(std::string_view field, std::string_view problem) {
    error_.assign(field);
    error_ += ": ";
    error_ += problem;
    error_ += " at byte " + std::to_string(position_ - begin_) + " of the records";
    return false;
  }

 private:
  const std::uint8_t* begin_;
  const std::uint8_t* position_;
  const std::uint8_t* end_;
  std::string error_;
};

// Decodes the zig-zag varint at p (not past end) and advances p; false if read_varint would
// fail. One- and two-byte values, nearly every field of a record, take no loop.
[[gnu::always_inline]] inline bool next_varint(const std::uint8_t*& p, const std::uint8_t* end,
                                               std::int32_t& value) {
  if (end - p >= 2 && p[1] < 0x80) [[likely]] {
    if (p[0] < 0x80) {
      value = zigzag_decode(std::uint32_t{p[0]});
      p += 1;
    } else {
      value = zigzag_decode((std::uint32_t{p[0]} & 0x7f) | (std::uint32_t{p[1]} << 7));
      p += 2;
    }
    return true;
  }
  const auto decoded = read_varint({p, end});
  if (!decoded.ok()) return false;
  value = decoded.value;
  p += decoded.length;
  return true;
}

[[gnu::always_inline]] inline bool next_varlong(const std::uint8_t*& p, const std::uint8_t* end,
                                                std::int64_t& value) {
  if (p != end && p[0] < 0x80) [[likely]] {
    value = zigzag_decode(std::uint64_t{p[0]});
    p += 1;
    return true;
  }
  const auto decoded = read_varlong({p, end});
  if (!decoded.ok()) return false;
  value = decoded.value;
  p += decoded.length;
  return true;
}

// A length-prefixed byte string at p, skipped; null (-1) only if nullable.
[[gnu::always_inline]] inline bool skip_bytes(const std::uint8_t*& p, const std::uint8_t* end,
                                              bool nullable, bool* present) {
  std::int32_t length = 0;
  if (!next_varint(p, end, length)) return false;
  if (length < 0) {
    *present = false;
    return length == -1 && nullable;
  }
  if (length > end - p) return false;
  p += length;
  *present = true;
  return true;
}

// Whether the records are well-formed and keep the producer rules: the same verdict as the
// RecordWalker loop below, without any message. The caller runs that loop for the message when
// this says no.
bool records_pass(std::span<const std::uint8_t> section, const RecordBatchHeader& header,
                  bool compacted) {
  const std::uint8_t* p = section.data();
  const std::uint8_t* const end = p + section.size();
  const bool check_timestamps = header.timestamp_type() != TimestampType::kLogAppendTime;
  for (std::int32_t index = 0; index < header.records_count; ++index) {
    std::int32_t length = 0;
    if (!next_varint(p, end, length) || length < 0 || length > end - p) return false;
    const std::uint8_t* const body_end = p + length;
    if (p == body_end) return false;
    ++p;  // attributes
    std::int64_t timestamp_delta = 0;
    std::int32_t offset_delta = 0;
    if (!next_varlong(p, body_end, timestamp_delta) || !next_varint(p, body_end, offset_delta) ||
        offset_delta != index) {
      return false;
    }
    std::int64_t timestamp = 0;
    if (check_timestamps &&
        __builtin_add_overflow(header.base_timestamp, timestamp_delta, &timestamp)) {
      return false;
    }
    bool has_key = false;
    bool has_value = false;
    if (!skip_bytes(p, body_end, true, &has_key) || (compacted && !has_key) ||
        !skip_bytes(p, body_end, true, &has_value)) {
      return false;
    }
    std::int32_t header_count = 0;
    if (!next_varint(p, body_end, header_count) || header_count < 0) return false;
    for (std::int32_t h = 0; h < header_count; ++h) {
      bool present = false;
      if (!skip_bytes(p, body_end, false, &present) || !skip_bytes(p, body_end, true, &present)) {
        return false;
      }
    }
    if (p != body_end) return false;
  }
  return p == end;
}

std::vector<std::uint8_t>& decompression_buffer() {
  thread_local std::vector<std::uint8_t> buffer;
  return buffer;
}

}  // namespace

Status validate_batch_for_append(std::span<const std::uint8_t> batch,
                                 const RecordBatchHeader& header, const LogConfig& config) {
  if (header.size() > static_cast<std::uint64_t>(config.max_message_bytes)) {
    return Status::too_large("the batch is " + std::to_string(header.size()) +
                             " bytes, larger than max.message.bytes (" +
                             std::to_string(config.max_message_bytes) + ")");
  }
  const auto where = [&header] {
    return "record batch at offset " + std::to_string(header.base_offset);
  };
  auto corrupt = [&where](const std::string& problem) {
    return Status::corruption(problem).with_context(where());
  };
  if (batch.size() < header.size()) {
    return corrupt("batch length " + std::to_string(header.batch_length) + " needs " +
                   std::to_string(header.size()) + " bytes, only " + std::to_string(batch.size()) +
                   " available");
  }
  batch = batch.first(header.size());
  if (const std::uint32_t computed = compute_batch_crc(batch); computed != header.crc) {
    char text[64];
    std::snprintf(text, sizeof text, "CRC mismatch: stored 0x%08x, computed 0x%08x", header.crc,
                  computed);
    return corrupt(text);
  }
  if (header.records_count <= 0 || header.last_offset_delta != header.records_count - 1) {
    return Status::invalid_argument("the batch claims " + std::to_string(header.records_count) +
                                    " records with last offset delta " +
                                    std::to_string(header.last_offset_delta) +
                                    "; a producer's batch numbers its records 0..count-1");
  }
  if (!is_known_compression(header.compression())) {
    return corrupt("unknown compression codec id " +
                   std::to_string(static_cast<int>(header.compression())));
  }
  if (header.base_offset > kInt64Max - header.last_offset_delta) {
    return corrupt("last offset delta " + std::to_string(header.last_offset_delta) +
                   " overflows the offset");
  }

  std::span<const std::uint8_t> section = batch.subspan(kRecordBatchHeaderSize);
  std::vector<std::uint8_t>& buffer = decompression_buffer();
  // A bomb-sized buffer is not kept for the thread's next batch.
  struct Trim {
    std::vector<std::uint8_t>& buffer;
    ~Trim() {
      if (buffer.capacity() > kKeptBufferBytes) std::vector<std::uint8_t>().swap(buffer);
    }
  } trim{buffer};
  if (header.compression() != Compression::kNone) {
    const std::uint64_t limit =
        std::max(kMinDecompressedLimit,
                 static_cast<std::uint64_t>(config.max_message_bytes) * kMaxInflation);
    buffer.clear();
    Status status = decompress(header.compression(), section, limit, buffer);
    if (!status.ok()) return status.with_context(where());
    section = buffer;
  }

  if (records_pass(section, header, config.cleanup_compact)) return Status::ok_status();

  // Something is wrong: walk again, slowly, to say what. Rule breaks (not malformations) are
  // reported only once every record proved well-formed, so that a batch that is both is called
  // corrupt, as decode_batch would.
  std::string rule_broken;
  const auto count = static_cast<std::size_t>(header.records_count);
  const bool log_append_time = header.timestamp_type() == TimestampType::kLogAppendTime;
  RecordWalker walker(section);
  std::int64_t previous_offset_delta = -1;
  for (std::size_t index = 0; index < count; ++index) {
    auto record_fail = [&](const std::string& problem) {
      return corrupt("record " + std::to_string(index) + " of " + std::to_string(count) + ": " +
                     problem);
    };
    std::int32_t length = 0;
    if (!walker.varint("length", length)) return record_fail(walker.error());
    if (length < 0) return record_fail("negative length " + std::to_string(length));
    const std::uint8_t* section_end = nullptr;
    if (!walker.narrow(static_cast<std::size_t>(length), section_end)) {
      return record_fail(walker.error());
    }
    std::int64_t timestamp_delta = 0;
    std::int32_t offset_delta = 0;
    if (!walker.skip_byte("attributes") || !walker.varlong("timestamp delta", timestamp_delta) ||
        !walker.varint("offset delta", offset_delta)) {
      return record_fail(walker.error());
    }
    if (offset_delta <= previous_offset_delta || offset_delta > header.last_offset_delta) {
      return record_fail("offset delta " + std::to_string(offset_delta) +
                         " is not between the previous record's (" +
                         std::to_string(previous_offset_delta) + ") and the last offset delta " +
                         std::to_string(header.last_offset_delta));
    }
    previous_offset_delta = offset_delta;
    if (offset_delta != static_cast<std::int64_t>(index) && rule_broken.empty()) {
      rule_broken = "record " + std::to_string(index) + " has offset delta " +
                    std::to_string(offset_delta) +
                    "; a producer's batch numbers its records 0..count-1";
    }
    std::int64_t timestamp = 0;
    if (!log_append_time &&
        __builtin_add_overflow(header.base_timestamp, timestamp_delta, &timestamp)) {
      return record_fail("timestamp delta " + std::to_string(timestamp_delta) +
                         " overflows the base timestamp");
    }
    bool has_key = false;
    bool has_value = false;
    if (!walker.bytes("key", true, &has_key) || !walker.bytes("value", true, &has_value)) {
      return record_fail(walker.error());
    }
    if (config.cleanup_compact && !has_key && rule_broken.empty()) {
      rule_broken = "record " + std::to_string(index) +
                    " has no key; a compacted topic needs a key on every record";
    }
    std::int32_t header_count = 0;
    if (!walker.varint("header count", header_count)) return record_fail(walker.error());
    if (header_count < 0) {
      return record_fail("negative header count " + std::to_string(header_count));
    }
    for (std::int32_t h = 0; h < header_count; ++h) {
      bool present = false;
      if (!walker.bytes("key", false, &present) || !walker.bytes("value", true, &present)) {
        return record_fail("header " + std::to_string(h) + ": " + walker.error());
      }
    }
    if (walker.remaining() != 0) {
      return record_fail(std::to_string(walker.remaining()) +
                         " bytes left over after the headers (record length " +
                         std::to_string(length) + ")");
    }
    walker.widen(section_end);
  }
  if (walker.remaining() != 0) {
    return corrupt(std::to_string(walker.remaining()) + " bytes of trailing data after the " +
                   std::to_string(count) + " records");
  }
  if (!rule_broken.empty()) return Status::invalid_argument(rule_broken);
  // Not reached unless records_pass and this loop disagree; the stricter verdict stands.
  return corrupt("the records failed a check");
}

}  // namespace ferry::broker
