// The primitive types of Kafka's classic (non-flexible) protocol encoding, as the consumer
// group's embedded protocol and the sticky assignor's user data use them (Kafka protocol guide,
// "Protocol Primitive Types"; none of these messages has flexible versions):
//   INT16, INT32      big-endian two's complement
//   STRING            INT16 length N >= 0, then N bytes of UTF-8
//   NULLABLE_STRING   as STRING; length -1 is null
//   NULLABLE_BYTES    INT32 length N, then N bytes; length -1 is null
//   ARRAY             INT32 count N, then N elements
//
// The reader is strict because its input is hostile (another group member wrote it): it never
// reads past the end of its span; it refuses negative lengths and counts except null's -1
// (Java's generated readers take any negative length as null; no Kafka client writes anything
// but -1); and it refuses an array count that the remaining bytes could not hold at the
// element's minimum encoded size, so a hostile count cannot make a decoder reserve memory.
//
// Errors stick: after the first failure every read returns an empty value and status() keeps
// the first message, which names the message, the field and the byte offset. A decoder can read
// a whole message and check once; loops over counts end because a failed read returns 0.
//
// Thread-safety: a reader or writer belongs to one thread; separate instances are independent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ferry::broker {

class ProtocolReader {
 public:
  // `message` names what is being decoded in error messages ("consumer protocol subscription").
  // The bytes must outlive the reader.
  ProtocolReader(std::span<const std::uint8_t> bytes, std::string_view message);

  std::int16_t read_int16(std::string_view field);
  std::int32_t read_int32(std::string_view field);
  std::string read_string(std::string_view field);
  std::optional<std::string> read_nullable_string(std::string_view field);
  std::optional<std::vector<std::uint8_t>> read_nullable_bytes(std::string_view field);

  // The element count of a non-nullable array whose elements take at least min_element_size
  // bytes each (INT32: 4, STRING: 2). 0 after a failure.
  std::int32_t read_array_count(std::string_view field, std::size_t min_element_size);

  // Records a failure the decoder itself detected (a value out of its allowed range), at the
  // current position, unless an earlier failure is already recorded.
  void fail(std::string_view field, std::string_view reason);

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  std::size_t position() const { return position_; }
  std::size_t remaining() const { return bytes_.size() - position_; }

 private:
  // True if `size` more bytes are present; otherwise records a truncation failure.
  bool require(std::string_view field, std::size_t size);

  std::span<const std::uint8_t> bytes_;
  std::string_view message_;
  std::size_t position_ = 0;
  Status status_;
};

class ProtocolWriter {
 public:
  // `message` names what is being encoded in error messages.
  explicit ProtocolWriter(std::string_view message);

  void write_int16(std::int16_t value);
  void write_int32(std::int32_t value);
  // Fails (sticky, as the reader) for strings longer than INT16's 32767 bytes.
  void write_string(std::string_view field, std::string_view value);
  void write_nullable_string(std::string_view field, const std::optional<std::string>& value);
  // Fails for byte strings longer than INT32's maximum.
  void write_nullable_bytes(std::string_view field,
                            const std::optional<std::vector<std::uint8_t>>& value);
  // Fails for counts above INT32's maximum.
  void write_array_count(std::string_view field, std::size_t count);

  // The encoded bytes, or the first failure.
  Result<std::vector<std::uint8_t>> finish() &&;

 private:
  void fail(std::string_view field, std::string_view reason);

  std::string_view message_;
  std::vector<std::uint8_t> bytes_;
  Status status_;
};

}  // namespace ferry::broker
