// The primitive encodings of Kafka's request and response messages (Kafka protocol guide,
// "Protocol Primitive Types"), classic and flexible alike:
//   INT8..INT64        big-endian two's complement; BOOLEAN one byte (any non-zero is true)
//   UUID               16 bytes
//   UNSIGNED_VARINT    7 bits a byte, least significant group first, high bit = more follows
//                      (no zig-zag: these are the flexible versions' lengths and tags, unlike
//                      the zig-zag varints inside record batches, storage/wire_format.h)
//   STRING             INT16 length, then UTF-8; nullable: -1 is null
//   COMPACT_STRING     UNSIGNED_VARINT length + 1, then UTF-8; nullable: 0 is null
//   BYTES              INT32 length, then bytes; COMPACT_BYTES as COMPACT_STRING
//   ARRAY              INT32 count (-1 null); COMPACT_ARRAY UNSIGNED_VARINT count + 1 (0 null)
//   TAGGED_FIELDS      UNSIGNED_VARINT count, then per field UNSIGNED_VARINT tag,
//                      UNSIGNED_VARINT size and size bytes
//
// The reader is strict because its input is hostile (any client on the network): it never reads
// past its span, refuses negative lengths other than null's -1, refuses a varint longer than 5
// bytes or with bits beyond 32, and refuses an array count the remaining bytes cannot hold at
// one byte per element, so a hostile count cannot make a decoder reserve memory. Errors stick:
// after the first failure every read returns an empty value, and error() names the field and
// the byte offset of the first one.
//
// Thread-safety: a reader or writer belongs to one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::broker::protocol {

class WireReader {
 public:
  // The bytes must outlive the reader.
  explicit WireReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::int8_t read_int8(std::string_view field);
  std::int16_t read_int16(std::string_view field);
  std::int32_t read_int32(std::string_view field);
  std::int64_t read_int64(std::string_view field);
  std::uint32_t read_unsigned_varint(std::string_view field);
  // Exactly size bytes, as a view into the input; empty after a failure.
  std::span<const std::uint8_t> read_raw(std::string_view field, std::size_t size);

  // A length or count prefix: INT16 (strings), INT32 (bytes, arrays) or, when compact, an
  // UNSIGNED_VARINT holding length + 1. nullopt is null (-1, or compact 0), which is a failure
  // unless nullable. Lengths are not checked against the remaining bytes here.
  std::optional<std::size_t> read_length(std::string_view field, bool compact, bool wide,
                                         bool nullable);

  void fail(std::string_view field, std::string_view reason);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::size_t position() const { return position_; }
  std::size_t remaining() const { return bytes_.size() - position_; }

 private:
  bool require(std::string_view field, std::size_t size);

  std::span<const std::uint8_t> bytes_;
  std::size_t position_ = 0;
  std::string error_;
};

class WireWriter {
 public:
  void write_int8(std::int8_t value) { bytes_.push_back(static_cast<std::uint8_t>(value)); }
  void write_int16(std::int16_t value);
  void write_int32(std::int32_t value);
  void write_int64(std::int64_t value);
  void write_unsigned_varint(std::uint32_t value);
  void write_raw(std::span<const std::uint8_t> bytes);
  // The prefix read_length reads; nullopt writes null.
  void write_length(std::optional<std::size_t> length, bool compact, bool wide);

  std::vector<std::uint8_t>& bytes() { return bytes_; }
  std::size_t size() const { return bytes_.size(); }

 private:
  std::vector<std::uint8_t> bytes_;
};

// How many bytes write_unsigned_varint writes for value.
std::size_t unsigned_varint_size(std::uint32_t value);

}  // namespace ferry::broker::protocol
