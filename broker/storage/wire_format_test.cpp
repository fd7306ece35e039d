#include "broker/storage/wire_format.h"

#include <array>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace ferry::broker {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes encode_varint(std::int32_t value) {
  Bytes out(kMaxVarintBytes);
  out.resize(write_varint(value, out.data()));
  return out;
}

Bytes encode_varlong(std::int64_t value) {
  Bytes out(kMaxVarlongBytes);
  out.resize(write_varlong(value, out.data()));
  return out;
}

constexpr std::int32_t kInt32Min = std::numeric_limits<std::int32_t>::min();
constexpr std::int32_t kInt32Max = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

TEST(ZigZag, MapsSmallMagnitudesOfBothSignsToSmallNumbers) {
  EXPECT_EQ(zigzag_encode(std::int32_t{0}), 0u);
  EXPECT_EQ(zigzag_encode(std::int32_t{-1}), 1u);
  EXPECT_EQ(zigzag_encode(std::int32_t{1}), 2u);
  EXPECT_EQ(zigzag_encode(std::int32_t{-2}), 3u);
  EXPECT_EQ(zigzag_encode(kInt32Max), 0xFFFFFFFEu);
  EXPECT_EQ(zigzag_encode(kInt32Min), 0xFFFFFFFFu);
  EXPECT_EQ(zigzag_encode(kInt64Min), 0xFFFFFFFFFFFFFFFFull);
  EXPECT_EQ(zigzag_decode(std::uint32_t{0xFFFFFFFF}), kInt32Min);
  EXPECT_EQ(zigzag_decode(std::uint64_t{0xFFFFFFFFFFFFFFFE}), kInt64Max);
}

TEST(Varint, EncodesKnownValuesAsKafkaDoes) {
  EXPECT_EQ(encode_varint(0), (Bytes{0x00}));
  EXPECT_EQ(encode_varint(-1), (Bytes{0x01}));
  EXPECT_EQ(encode_varint(1), (Bytes{0x02}));
  EXPECT_EQ(encode_varint(63), (Bytes{0x7e}));
  EXPECT_EQ(encode_varint(-64), (Bytes{0x7f}));
  EXPECT_EQ(encode_varint(64), (Bytes{0x80, 0x01}));
  EXPECT_EQ(encode_varint(300), (Bytes{0xd8, 0x04}));
  EXPECT_EQ(encode_varint(kInt32Max), (Bytes{0xfe, 0xff, 0xff, 0xff, 0x0f}));
  EXPECT_EQ(encode_varint(kInt32Min), (Bytes{0xff, 0xff, 0xff, 0xff, 0x0f}));
  EXPECT_EQ(encode_varlong(kInt64Max),
            (Bytes{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));
  EXPECT_EQ(encode_varlong(kInt64Min),
            (Bytes{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));
  EXPECT_EQ(encode_varlong(-1), (Bytes{0x01}));
}

TEST(Varint, RoundTripsEdgeValues) {
  for (std::int32_t value : {0, -1, 1, 63, -64, 64, -65, 8191, 8192, kInt32Max, kInt32Min,
                             kInt32Max - 1, kInt32Min + 1}) {
    const Bytes bytes = encode_varint(value);
    EXPECT_EQ(bytes.size(), varint_size(value));
    const auto decoded = read_varint(bytes);
    ASSERT_TRUE(decoded.ok()) << value;
    EXPECT_EQ(decoded.value, value);
    EXPECT_EQ(decoded.length, bytes.size());
  }
  for (std::int64_t value :
       {std::int64_t{0}, std::int64_t{-1}, std::int64_t{1}, std::int64_t{kInt32Max} + 1,
        std::int64_t{kInt32Min} - 1, kInt64Max, kInt64Min, kInt64Max - 1, kInt64Min + 1}) {
    const Bytes bytes = encode_varlong(value);
    EXPECT_EQ(bytes.size(), varlong_size(value));
    const auto decoded = read_varlong(bytes);
    ASSERT_TRUE(decoded.ok()) << value;
    EXPECT_EQ(decoded.value, value);
    EXPECT_EQ(decoded.length, bytes.size());
  }
}

TEST(Varint, RoundTripsRandomValues) {
  std::mt19937_64 random(7);
  for (int i = 0; i < 10000; ++i) {
    const auto wide = static_cast<std::int64_t>(random() >> (random() % 64));
    const auto narrow = static_cast<std::int32_t>(wide);
    EXPECT_EQ(read_varint(encode_varint(narrow)).value, narrow);
    EXPECT_EQ(read_varlong(encode_varlong(wide)).value, wide);
    EXPECT_EQ(read_varlong(encode_varlong(-wide)).value, -wide);
  }
}

TEST(Varint, MaximumSizesAreFiveAndTenBytes) {
  EXPECT_EQ(varint_size(kInt32Min), kMaxVarintBytes);
  EXPECT_EQ(varlong_size(kInt64Min), kMaxVarlongBytes);
  EXPECT_EQ(varlong_size(std::int64_t{kInt32Min}), 5u);
}

TEST(Varint, DecodeConsumesOnlyTheVarint) {
  const Bytes bytes = {0xd8, 0x04, 0x7f, 0x01};
  const auto decoded = read_varint(bytes);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded.value, 300);
  EXPECT_EQ(decoded.length, 2u);
}

TEST(Varint, EmptyOrTruncatedInputIsAnError) {
  EXPECT_EQ(read_varint({}).error, VarintError::kTruncated);
  EXPECT_EQ(read_varlong({}).error, VarintError::kTruncated);
  const Bytes continued = {0x80};
  EXPECT_EQ(read_varint(continued).error, VarintError::kTruncated);
  const Bytes four = {0xff, 0xff, 0xff, 0xff};
  EXPECT_EQ(read_varint(four).error, VarintError::kTruncated);
  const Bytes nine = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  EXPECT_EQ(read_varlong(nine).error, VarintError::kTruncated);
}

TEST(Varint, NeverReadsPastTheEndOfTheSpan) {
  // The byte after the span would complete the varint; the decoder must not look at it.
  const std::array<std::uint8_t, 2> buffer = {0x80, 0x01};
  const auto decoded = read_varint(std::span<const std::uint8_t>(buffer).first(1));
  EXPECT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error, VarintError::kTruncated);
  EXPECT_EQ(decoded.length, 0u);
}

TEST(Varint, ContinuationBitOnTheLastAllowedByteIsAnError) {
  const Bytes six = {0xff, 0xff, 0xff, 0xff, 0x8f, 0x00};
  EXPECT_EQ(read_varint(six).error, VarintError::kTooLong);
  const Bytes eleven = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00};
  EXPECT_EQ(read_varlong(eleven).error, VarintError::kTooLong);
}

TEST(Varint, BitsBeyondTheTypeWidthAreAnError) {
  const Bytes varint = {0xff, 0xff, 0xff, 0xff, 0x1f};  // 5th byte may carry 4 bits only
  EXPECT_EQ(read_varint(varint).error, VarintError::kOverflow);
  const Bytes varlong = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03};
  EXPECT_EQ(read_varlong(varlong).error, VarintError::kOverflow);
  // A 32-bit varint is not a valid prefix of a longer varlong's value range and vice versa.
  const Bytes five_byte_long = {0x80, 0x80, 0x80, 0x80, 0x10};
  EXPECT_EQ(read_varint(five_byte_long).error, VarintError::kOverflow);
  EXPECT_TRUE(read_varlong(five_byte_long).ok());
}

TEST(Varint, OverlongButInRangeEncodingsAreAccepted) {
  const Bytes padded_zero = {0x80, 0x80, 0x00};
  const auto decoded = read_varint(padded_zero);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded.value, 0);
  EXPECT_EQ(decoded.length, 3u);
}

TEST(BigEndian, StoresAndLoadsInNetworkOrder) {
  std::array<std::uint8_t, 8> bytes{};
  store_be<std::int64_t>(bytes.data(), 1700000000000);
  EXPECT_EQ(bytes, (std::array<std::uint8_t, 8>{0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00}));
  EXPECT_EQ(load_be<std::int64_t>(bytes.data()), 1700000000000);

  store_be<std::int32_t>(bytes.data(), -2);
  EXPECT_EQ(bytes[0], 0xff);
  EXPECT_EQ(bytes[3], 0xfe);
  EXPECT_EQ(load_be<std::int32_t>(bytes.data()), -2);
  EXPECT_EQ(load_be<std::uint32_t>(bytes.data()), 0xFFFFFFFEu);

  store_be<std::int16_t>(bytes.data(), std::int16_t{-32768});
  EXPECT_EQ(load_be<std::int16_t>(bytes.data()), -32768);
  store_be<std::int64_t>(bytes.data(), kInt64Min);
  EXPECT_EQ(load_be<std::int64_t>(bytes.data()), kInt64Min);
}

}  // namespace
}  // namespace ferry::broker
