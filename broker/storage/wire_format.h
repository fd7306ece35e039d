// The two integer encodings of Kafka's record format (reference/connect.md 12.3):
//
//   Big-endian fixed width: every field of the record batch header. load_be/store_be do no
//   bounds checking; the caller has already checked that the whole header is present.
//
//   Zig-zag varint (int32, at most 5 bytes) and varlong (int64, at most 10 bytes): every field of
//   a record inside a batch. Zig-zag maps small magnitudes of either sign to small unsigned
//   numbers ((n << 1) ^ (n >> 31)), which are then written 7 bits at a time, least significant
//   group first, with the high bit set on every byte but the last.
//
// Decoding is strict because its input is hostile (produce requests, damaged segment files):
// read_varint/read_varlong never look past the end of the span, and fail on a truncated value,
// on a continuation bit in the last allowed byte, and on bits beyond the type's width in that
// byte (which Java's ByteUtils silently drops; no Kafka client writes them). Encodings that are
// merely longer than needed (0x80 0x00 for 0) are accepted, as Kafka accepts them.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

namespace ferry::broker {

inline constexpr std::size_t kMaxVarintBytes = 5;    // ceil(32 / 7)
inline constexpr std::size_t kMaxVarlongBytes = 10;  // ceil(64 / 7)

template <typename T>
requires std::is_integral_v<T>
constexpr T load_be(const std::uint8_t* bytes) {
  using Unsigned = std::make_unsigned_t<T>;
  Unsigned value = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    value = static_cast<Unsigned>((value << 8) | bytes[i]);
  }
  return static_cast<T>(value);
}

template <typename T>
requires std::is_integral_v<T>
constexpr void store_be(std::uint8_t* bytes, T value) {
  auto bits = static_cast<std::make_unsigned_t<T>>(value);
  for (std::size_t i = sizeof(T); i > 0; --i) {
    bytes[i - 1] = static_cast<std::uint8_t>(bits & 0xff);
    bits = static_cast<decltype(bits)>(bits >> 8);
  }
}

constexpr std::uint32_t zigzag_encode(std::int32_t value) {
  return (static_cast<std::uint32_t>(value) << 1) ^ static_cast<std::uint32_t>(value >> 31);
}
constexpr std::uint64_t zigzag_encode(std::int64_t value) {
  return (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
}
constexpr std::int32_t zigzag_decode(std::uint32_t value) {
  return static_cast<std::int32_t>((value >> 1) ^ (0u - (value & 1u)));
}
constexpr std::int64_t zigzag_decode(std::uint64_t value) {
  return static_cast<std::int64_t>((value >> 1) ^ (0ull - (value & 1ull)));
}

namespace wire_detail {

template <typename Unsigned>
constexpr std::size_t unsigned_varint_size(Unsigned value) {
  std::size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

template <typename Unsigned>
constexpr std::size_t write_unsigned_varint(Unsigned value, std::uint8_t* out) {
  std::size_t size = 0;
  while (value >= 0x80) {
    out[size++] = static_cast<std::uint8_t>(value | 0x80);
    value >>= 7;
  }
  out[size++] = static_cast<std::uint8_t>(value);
  return size;
}

}  // namespace wire_detail

// Bytes that write_varint/write_varlong will produce for value.
constexpr std::size_t varint_size(std::int32_t value) {
  return wire_detail::unsigned_varint_size(zigzag_encode(value));
}
constexpr std::size_t varlong_size(std::int64_t value) {
  return wire_detail::unsigned_varint_size(zigzag_encode(value));
}

// Writes value at out, which must have room for varint_size(value) bytes (at most
// kMaxVarintBytes / kMaxVarlongBytes). Returns the number of bytes written.
constexpr std::size_t write_varint(std::int32_t value, std::uint8_t* out) {
  return wire_detail::write_unsigned_varint(zigzag_encode(value), out);
}
constexpr std::size_t write_varlong(std::int64_t value, std::uint8_t* out) {
  return wire_detail::write_unsigned_varint(zigzag_encode(value), out);
}

enum class VarintError : std::uint8_t {
  kNone,
  kTruncated,  // the input ended before a byte without the continuation bit
  kTooLong,    // the last allowed byte (5th / 10th) still has the continuation bit
  kOverflow,   // the last allowed byte carries bits beyond 32 / 64
};

constexpr std::string_view describe(VarintError error) {
  switch (error) {
    case VarintError::kNone:
      return "ok";
    case VarintError::kTruncated:
      return "truncated varint";
    case VarintError::kTooLong:
      return "varint longer than its maximum size";
    case VarintError::kOverflow:
      return "varint overflows its type";
  }
  return "unknown varint error";
}

template <typename T>
struct DecodedVarint {
  T value = 0;
  std::size_t length = 0;  // bytes consumed; 0 on error
  VarintError error = VarintError::kNone;

  constexpr bool ok() const { return error == VarintError::kNone; }
};

namespace wire_detail {

template <typename Unsigned, std::size_t kMaxBytes>
constexpr DecodedVarint<Unsigned> read_unsigned_varint(std::span<const std::uint8_t> bytes) {
  // How many value bits the last allowed byte may carry: 32 - 4 * 7 = 4, 64 - 9 * 7 = 1.
  constexpr unsigned kLastByteBits = sizeof(Unsigned) * 8 - 7 * (kMaxBytes - 1);
  Unsigned result = 0;
  for (std::size_t i = 0; i < kMaxBytes; ++i) {
    if (i == bytes.size()) return {0, 0, VarintError::kTruncated};
    const std::uint8_t byte = bytes[i];
    if (i == kMaxBytes - 1) {
      if ((byte & 0x80) != 0) return {0, 0, VarintError::kTooLong};
      if ((byte >> kLastByteBits) != 0) return {0, 0, VarintError::kOverflow};
    }
    result |= static_cast<Unsigned>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) return {result, i + 1, VarintError::kNone};
  }
  return {0, 0, VarintError::kTooLong};  // not reached: the last byte returns above
}

}  // namespace wire_detail

// Decodes the zig-zag varint at the front of bytes.
constexpr DecodedVarint<std::int32_t> read_varint(std::span<const std::uint8_t> bytes) {
  if (!bytes.empty() && bytes[0] < 0x80) return {zigzag_decode(std::uint32_t{bytes[0]}), 1};
  const auto raw = wire_detail::read_unsigned_varint<std::uint32_t, kMaxVarintBytes>(bytes);
  return {zigzag_decode(raw.value), raw.length, raw.error};
}

// Decodes the zig-zag varlong at the front of bytes.
constexpr DecodedVarint<std::int64_t> read_varlong(std::span<const std::uint8_t> bytes) {
  if (!bytes.empty() && bytes[0] < 0x80) return {zigzag_decode(std::uint64_t{bytes[0]}), 1};
  const auto raw = wire_detail::read_unsigned_varint<std::uint64_t, kMaxVarlongBytes>(bytes);
  return {zigzag_decode(raw.value), raw.length, raw.error};
}

}  // namespace ferry::broker
