#include "broker/storage/record_batch.h"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "broker/storage/crc32c.h"
#include "broker/storage/wire_format.h"

namespace ferry::broker {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::size_t kMaxDecompressed = 64 * 1024 * 1024;
constexpr std::int64_t kTimestamp = 1700000000000;  // 2023-11-14T22:13:20Z

std::string text(std::span<const std::uint8_t> bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

Bytes build(RecordBatchBuilder& builder) {
  Result<Bytes> batch = builder.build();
  EXPECT_TRUE(batch.ok()) << batch.status().message();
  return batch.ok() ? std::move(*batch) : Bytes{};
}

// A header for hand-made records sections, so malformed records can be tested with a valid CRC.
Bytes assemble_batch(const Bytes& records, std::int32_t count, std::int32_t last_offset_delta,
                     std::int16_t attributes = 0, std::int64_t base_offset = 0) {
  Bytes batch(kRecordBatchHeaderSize);
  store_be<std::int64_t>(batch.data() + 0, base_offset);
  store_be<std::int32_t>(batch.data() + 8,
                         static_cast<std::int32_t>(kRecordBatchHeaderSize + records.size() - 12));
  store_be<std::int32_t>(batch.data() + 12, -1);
  batch[16] = 2;
  store_be<std::int16_t>(batch.data() + 21, attributes);
  store_be<std::int32_t>(batch.data() + 23, last_offset_delta);
  store_be<std::int64_t>(batch.data() + 27, kTimestamp);
  store_be<std::int64_t>(batch.data() + 35, kTimestamp);
  store_be<std::int64_t>(batch.data() + 43, -1);
  store_be<std::int16_t>(batch.data() + 51, -1);
  store_be<std::int32_t>(batch.data() + 53, -1);
  store_be<std::int32_t>(batch.data() + 57, count);
  batch.insert(batch.end(), records.begin(), records.end());
  store_be<std::uint32_t>(batch.data() + 17, compute_batch_crc(batch));
  return batch;
}

void fix_crc(Bytes& batch) { store_be<std::uint32_t>(batch.data() + 17, compute_batch_crc(batch)); }

// Writes record fields one by one; finish() prefixes the length (or a chosen, wrong one).
class RawRecord {
 public:
  RawRecord& int8(std::int8_t value) {
    body_.push_back(static_cast<std::uint8_t>(value));
    return *this;
  }
  RawRecord& varint(std::int32_t value) {
    std::uint8_t buffer[kMaxVarintBytes];
    body_.insert(body_.end(), buffer, buffer + write_varint(value, buffer));
    return *this;
  }
  RawRecord& varlong(std::int64_t value) {
    std::uint8_t buffer[kMaxVarlongBytes];
    body_.insert(body_.end(), buffer, buffer + write_varlong(value, buffer));
    return *this;
  }
  RawRecord& raw(std::string_view bytes) {
    body_.insert(body_.end(), bytes.begin(), bytes.end());
    return *this;
  }
  // attributes, timestamp delta 0, the offset delta, key "k", value "v", no headers.
  RawRecord& simple(std::int32_t offset_delta) {
    return int8(0).varlong(0).varint(offset_delta).varint(1).raw("k").varint(1).raw("v").varint(0);
  }
  Bytes finish() const { return finish_with_length(static_cast<std::int32_t>(body_.size())); }
  Bytes finish_with_length(std::int32_t length) const {
    Bytes record;
    RawRecord prefix;
    prefix.varint(length);
    record = prefix.body_;
    record.insert(record.end(), body_.begin(), body_.end());
    return record;
  }

 private:
  Bytes body_;
};

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes all;
  for (const Bytes& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}

Status decode_status(const Bytes& batch, std::size_t max = kMaxDecompressed) {
  return decode_batch(batch, max).status();
}

// ---- the exact bytes ------------------------------------------------------------------------

// Written out field by field from the format table (reference/connect.md 12.3).
Bytes hand_assembled_batch() {
  Bytes batch = {
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //  0 base offset 0
      0x00, 0x00, 0x00, 0x3a,                          //  8 batch length 58 = 70 - 12
      0xff, 0xff, 0xff, 0xff,                          // 12 partition leader epoch -1
      0x02,                                            // 16 magic 2
      0x00, 0x00, 0x00, 0x00,                          // 17 CRC, filled in below
      0x00, 0x00,                                      // 21 attributes: none, CreateTime
      0x00, 0x00, 0x00, 0x00,                          // 23 last offset delta 0
      0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00,  // 27 base timestamp 1700000000000
      0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00,  // 35 max timestamp 1700000000000
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // 43 producer id -1
      0xff, 0xff,                                      // 51 producer epoch -1
      0xff, 0xff, 0xff, 0xff,                          // 53 base sequence -1
      0x00, 0x00, 0x00, 0x01,                          // 57 records count 1
      // 61: the record. Varints are zig-zag: 8 -> 0x10, 1 -> 0x02, 0 -> 0x00.
      0x10,  // length 8
      0x00,  // attributes
      0x00,  // timestamp delta 0
      0x00,  // offset delta 0
      0x02,  // key length 1
      'k',   //
      0x02,  // value length 1
      'v',   //
      0x00,  // header count 0
  };
  const std::uint32_t crc = crc32c(std::span<const std::uint8_t>(batch).subspan(21));
  batch[17] = static_cast<std::uint8_t>(crc >> 24);
  batch[18] = static_cast<std::uint8_t>(crc >> 16);
  batch[19] = static_cast<std::uint8_t>(crc >> 8);
  batch[20] = static_cast<std::uint8_t>(crc);
  return batch;
}

TEST(RecordBatch, BuilderWritesExactlyTheBytesOfTheFormatTable) {
  const Bytes expected = hand_assembled_batch();
  ASSERT_EQ(expected.size(), 70u);
  // The same CRC, computed by an independent bit-at-a-time implementation.
  EXPECT_EQ(load_be<std::uint32_t>(expected.data() + 17), 0xE99B8DD8u);

  RecordBatchBuilder builder({});
  ASSERT_TRUE(builder.append(kTimestamp, as_bytes("k"), as_bytes("v")).ok());
  EXPECT_EQ(builder.uncompressed_size(), 70u);
  const Bytes built = build(builder);
  EXPECT_EQ(built, expected);
}

TEST(RecordBatch, ReadsEveryHeaderField) {
  Bytes batch = assemble_batch(RawRecord().simple(0).finish(), 1, 0,
                               batch_attributes::kTransactional | batch_attributes::kControl, 77);
  store_be<std::int32_t>(batch.data() + 12, 5);
  store_be<std::int64_t>(batch.data() + 43, 1234);
  store_be<std::int16_t>(batch.data() + 51, 3);
  store_be<std::int32_t>(batch.data() + 53, 99);
  fix_crc(batch);
  const Result<RecordBatchHeader> header = read_batch_header(batch);
  ASSERT_TRUE(header.ok()) << header.status().message();
  EXPECT_EQ(header->base_offset, 77);
  EXPECT_EQ(header->batch_length, static_cast<std::int32_t>(batch.size() - 12));
  EXPECT_EQ(header->size(), batch.size());
  EXPECT_EQ(header->partition_leader_epoch, 5);
  EXPECT_EQ(header->magic, 2);
  EXPECT_EQ(header->crc, compute_batch_crc(batch));
  EXPECT_EQ(header->compression(), Compression::kNone);
  EXPECT_EQ(header->timestamp_type(), TimestampType::kCreateTime);
  EXPECT_TRUE(header->is_transactional());
  EXPECT_TRUE(header->is_control());
  EXPECT_FALSE(header->has_delete_horizon());
  EXPECT_EQ(header->last_offset_delta, 0);
  EXPECT_EQ(header->last_offset(), 77);
  EXPECT_EQ(header->base_timestamp, kTimestamp);
  EXPECT_EQ(header->max_timestamp, kTimestamp);
  EXPECT_EQ(header->producer_id, 1234);
  EXPECT_EQ(header->producer_epoch, 3);
  EXPECT_EQ(header->base_sequence, 99);
  EXPECT_EQ(header->records_count, 1);
  EXPECT_TRUE(verify_batch(batch).ok());
}

// ---- round trips ----------------------------------------------------------------------------

class RoundTrip : public testing::TestWithParam<Compression> {};

TEST_P(RoundTrip, HeadersNullsAndEmptiesSurvive) {
  RecordBatchBuilder builder({.base_offset = 1000,
                              .compression = GetParam(),
                              .producer_id = 42,
                              .producer_epoch = 7,
                              .base_sequence = 10,
                              .transactional = true});
  const RecordHeaderView headers[] = {
      {"trace-id", as_bytes("abc-123")},
      {"empty", as_bytes("")},
      {"null", std::nullopt},
      {"", as_bytes("keyless header")},
  };
  ASSERT_TRUE(builder.append(kTimestamp, as_bytes("key-0"), as_bytes("value-0"), headers).ok());
  ASSERT_TRUE(builder.append(kTimestamp + 5, std::nullopt, as_bytes("no key")).ok());
  ASSERT_TRUE(builder.append(kTimestamp - 3, as_bytes("tombstone"), std::nullopt).ok());
  ASSERT_TRUE(builder.append(kTimestamp + 1, as_bytes(""), as_bytes("")).ok());
  const Bytes batch = build(builder);

  const Result<DecodedBatch> decoded = decode_batch(batch, kMaxDecompressed);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  const RecordBatchHeader& header = decoded->header();
  EXPECT_EQ(header.compression(), GetParam());
  EXPECT_EQ(header.records_count, 4);
  EXPECT_EQ(header.last_offset_delta, 3);
  EXPECT_EQ(header.last_offset(), 1003);
  EXPECT_EQ(header.base_timestamp, kTimestamp);
  EXPECT_EQ(header.max_timestamp, kTimestamp + 5);
  EXPECT_EQ(header.producer_id, 42);
  EXPECT_EQ(header.producer_epoch, 7);
  EXPECT_EQ(header.base_sequence, 10);
  EXPECT_TRUE(header.is_transactional());
  EXPECT_FALSE(header.is_control());

  const auto records = decoded->records();
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].offset, 1000);
  EXPECT_EQ(records[0].timestamp, kTimestamp);
  EXPECT_EQ(text(*records[0].key), "key-0");
  EXPECT_EQ(text(*records[0].value), "value-0");
  ASSERT_EQ(records[0].headers.size(), 4u);
  EXPECT_EQ(records[0].headers[0].key, "trace-id");
  EXPECT_EQ(text(*records[0].headers[0].value), "abc-123");
  EXPECT_EQ(records[0].headers[1].key, "empty");
  ASSERT_TRUE(records[0].headers[1].value.has_value());
  EXPECT_TRUE(records[0].headers[1].value->empty());
  EXPECT_EQ(records[0].headers[2].key, "null");
  EXPECT_FALSE(records[0].headers[2].value.has_value());
  EXPECT_EQ(records[0].headers[3].key, "");
  EXPECT_EQ(text(*records[0].headers[3].value), "keyless header");

  EXPECT_EQ(records[1].offset, 1001);
  EXPECT_EQ(records[1].timestamp, kTimestamp + 5);
  EXPECT_FALSE(records[1].key.has_value());
  EXPECT_EQ(text(*records[1].value), "no key");
  EXPECT_TRUE(records[1].headers.empty());

  EXPECT_EQ(records[2].timestamp, kTimestamp - 3);  // timestamps need not increase
  EXPECT_EQ(text(*records[2].key), "tombstone");
  EXPECT_FALSE(records[2].value.has_value());

  ASSERT_TRUE(records[3].key.has_value());  // empty is not null
  EXPECT_TRUE(records[3].key->empty());
  ASSERT_TRUE(records[3].value.has_value());
  EXPECT_TRUE(records[3].value->empty());
}

TEST_P(RoundTrip, ManyRecords) {
  RecordBatchBuilder builder({.compression = GetParam()});
  constexpr int kCount = 5000;
  for (int i = 0; i < kCount; ++i) {
    const std::string key = "key-" + std::to_string(i);
    const std::string value(static_cast<std::size_t>(i % 300), static_cast<char>('a' + i % 26));
    const std::string header_value = std::to_string(i * 7);
    const RecordHeaderView headers[] = {{"i", as_bytes(header_value)}};
    ASSERT_TRUE(builder
                    .append(kTimestamp + i, as_bytes(key), as_bytes(value),
                            i % 3 == 0 ? std::span<const RecordHeaderView>(headers)
                                       : std::span<const RecordHeaderView>())
                    .ok());
  }
  EXPECT_EQ(builder.record_count(), kCount);
  const Bytes batch = build(builder);
  const Result<DecodedBatch> decoded = decode_batch(batch, kMaxDecompressed);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  ASSERT_EQ(decoded->records().size(), static_cast<std::size_t>(kCount));
  EXPECT_EQ(decoded->header().max_timestamp, kTimestamp + kCount - 1);
  for (int i = 0; i < kCount; ++i) {
    const RecordView& record = decoded->records()[static_cast<std::size_t>(i)];
    ASSERT_EQ(record.offset, i);
    ASSERT_EQ(record.timestamp, kTimestamp + i);
    ASSERT_EQ(text(*record.key), "key-" + std::to_string(i));
    ASSERT_EQ(record.value->size(), static_cast<std::size_t>(i % 300));
    ASSERT_EQ(record.headers.size(), i % 3 == 0 ? 1u : 0u);
    if (i % 3 == 0) {
      ASSERT_EQ(text(*record.headers[0].value), std::to_string(i * 7));
    }
  }
}

TEST_P(RoundTrip, ViewsSurviveMovingTheDecodedBatch) {
  RecordBatchBuilder builder({.compression = GetParam()});
  const RecordHeaderView headers[] = {{"h", as_bytes("header value")}};
  ASSERT_TRUE(builder.append(kTimestamp, as_bytes("k"), as_bytes("moved value"), headers).ok());
  const Bytes batch = build(builder);
  Result<DecodedBatch> decoded = decode_batch(batch, kMaxDecompressed);
  ASSERT_TRUE(decoded.ok());
  DecodedBatch moved = std::move(decoded).value();
  DecodedBatch assigned = decode_batch(batch, kMaxDecompressed).value();
  assigned = std::move(moved);
  EXPECT_EQ(text(*assigned.records()[0].value), "moved value");
  EXPECT_EQ(text(*assigned.records()[0].headers[0].value), "header value");
}

TEST_P(RoundTrip, EmptyBatch) {
  RecordBatchBuilder builder({.base_offset = 5, .compression = GetParam()});
  const Bytes batch = build(builder);
  const Result<DecodedBatch> decoded = decode_batch(batch, kMaxDecompressed);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_TRUE(decoded->records().empty());
  EXPECT_EQ(decoded->header().records_count, 0);
  EXPECT_EQ(decoded->header().base_timestamp, -1);
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, RoundTrip,
                         testing::Values(Compression::kNone, Compression::kGzip,
                                         Compression::kSnappy, Compression::kLz4,
                                         Compression::kZstd),
                         [](const testing::TestParamInfo<Compression>& info) {
                           return std::string(compression_name(info.param));
                         });

TEST(RecordBatch, UncompressedViewsPointIntoTheInput) {
  RecordBatchBuilder builder({});
  ASSERT_TRUE(builder.append(kTimestamp, as_bytes("k"), as_bytes("v")).ok());
  const Bytes batch = build(builder);
  const DecodedBatch decoded = decode_batch(batch, kMaxDecompressed).value();
  EXPECT_EQ(decoded.records()[0].value->data(), batch.data() + 68);
}

TEST(RecordBatch, DecodesTheBatchAtTheFrontOfALongerBuffer) {
  RecordBatchBuilder first({.base_offset = 0});
  ASSERT_TRUE(first.append(kTimestamp, as_bytes("a"), as_bytes("1")).ok());
  RecordBatchBuilder second({.base_offset = 1, .compression = Compression::kLz4});
  ASSERT_TRUE(second.append(kTimestamp, as_bytes("b"), as_bytes("2")).ok());
  const Bytes both = concat({build(first), build(second)});

  std::span<const std::uint8_t> rest = both;
  std::vector<std::string> values;
  while (!rest.empty()) {
    const Result<RecordBatchHeader> header = read_batch_header(rest);
    ASSERT_TRUE(header.ok()) << header.status().message();
    const Result<DecodedBatch> decoded = decode_batch(rest, kMaxDecompressed);
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    for (const RecordView& record : decoded->records()) values.push_back(text(*record.value));
    rest = rest.subspan(header->size());
  }
  EXPECT_EQ(values, (std::vector<std::string>{"1", "2"}));
}

TEST(RecordBatch, FixedBaseTimestampGivesDeltasFromIt) {
  RecordBatchBuilder builder({.base_timestamp = kTimestamp - 1000});
  ASSERT_TRUE(builder.append(kTimestamp, std::nullopt, as_bytes("v")).ok());
  const Bytes batch = build(builder);
  const DecodedBatch decoded = decode_batch(batch, kMaxDecompressed).value();
  EXPECT_EQ(decoded.header().base_timestamp, kTimestamp - 1000);
  EXPECT_EQ(decoded.records()[0].timestamp, kTimestamp);
}

TEST(RecordBatch, CompactedBatchWithOffsetGapsDecodes) {
  // What the cleaner leaves: offsets 0, 2 and 5 of a batch that once held 0..6.
  const Bytes records = concat({RawRecord().simple(0).finish(), RawRecord().simple(2).finish(),
                                RawRecord().simple(5).finish()});
  const Bytes batch = assemble_batch(records, 3, 6, 0, 100);
  const Result<DecodedBatch> decoded = decode_batch(batch, kMaxDecompressed);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  ASSERT_EQ(decoded->records().size(), 3u);
  EXPECT_EQ(decoded->records()[0].offset, 100);
  EXPECT_EQ(decoded->records()[1].offset, 102);
  EXPECT_EQ(decoded->records()[2].offset, 105);
  EXPECT_EQ(decoded->header().last_offset(), 106);
}

// ---- in-place edits -------------------------------------------------------------------------

TEST(RecordBatch, BaseOffsetAndLeaderEpochChangeWithoutTheCrc) {
  RecordBatchBuilder builder({});
  ASSERT_TRUE(builder.append(kTimestamp, as_bytes("k"), as_bytes("v")).ok());
  ASSERT_TRUE(builder.append(kTimestamp, as_bytes("k"), as_bytes("v")).ok());
  Bytes batch = build(builder);
  const std::uint32_t crc = load_be<std::uint32_t>(batch.data() + 17);
  set_base_offset(batch, 123456789012);
  set_partition_leader_epoch(batch, 9);
  EXPECT_EQ(load_be<std::uint32_t>(batch.data() + 17), crc);
  ASSERT_TRUE(verify_batch(batch).ok());
  const DecodedBatch decoded = decode_batch(batch, kMaxDecompressed).value();
  EXPECT_EQ(decoded.header().partition_leader_epoch, 9);
  EXPECT_EQ(decoded.records()[0].offset, 123456789012);
  EXPECT_EQ(decoded.records()[1].offset, 123456789013);
}

TEST(RecordBatch, LogAppendTimeStampsEveryRecordAndKeepsTheCrcValid) {
  RecordBatchBuilder builder({.compression = Compression::kZstd});
  ASSERT_TRUE(builder.append(kTimestamp, as_bytes("a"), as_bytes("1")).ok());
  ASSERT_TRUE(builder.append(kTimestamp + 10, as_bytes("b"), as_bytes("2")).ok());
  Bytes batch = build(builder);
  batch.push_back(0xee);  // a byte past the batch's end must stay untouched
  set_log_append_time(batch, kTimestamp + 99999);
  EXPECT_EQ(batch.back(), 0xee);
  ASSERT_TRUE(verify_batch(batch).ok());
  const DecodedBatch decoded = decode_batch(batch, kMaxDecompressed).value();
  EXPECT_EQ(decoded.header().timestamp_type(), TimestampType::kLogAppendTime);
  EXPECT_EQ(decoded.header().compression(), Compression::kZstd);
  EXPECT_EQ(decoded.header().max_timestamp, kTimestamp + 99999);
  EXPECT_EQ(decoded.header().base_timestamp, kTimestamp);
  for (const RecordView& record : decoded.records()) {
    EXPECT_EQ(record.timestamp, kTimestamp + 99999);
  }
}

// ---- damage ---------------------------------------------------------------------------------

TEST(RecordBatch, EveryBitFlipInCoveredBytesIsACrcMismatch) {
  const Bytes original = hand_assembled_batch();
  for (std::size_t byte = 17; byte < original.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes damaged = original;
      damaged[byte] ^= static_cast<std::uint8_t>(1u << bit);
      const Status status = verify_batch(damaged);
      ASSERT_FALSE(status.ok()) << "byte " << byte << " bit " << bit;
      EXPECT_EQ(status.kind(), Status::Kind::kCorruption);
      EXPECT_NE(status.message().find("CRC mismatch: stored 0x"), std::string::npos)
          << status.message();
      EXPECT_FALSE(decode_batch(damaged, kMaxDecompressed).ok());
    }
  }
}

TEST(RecordBatch, CrcMismatchNamesBothValuesAndTheBatch) {
  Bytes batch = hand_assembled_batch();
  set_base_offset(batch, 4242);
  batch[69] ^= 0x01;
  const Status status = verify_batch(batch);
  const std::uint32_t computed = compute_batch_crc(batch);
  char expected[128];
  std::snprintf(expected, sizeof(expected),
                "record batch at offset 4242: CRC mismatch: stored 0x%08x, computed 0x%08x",
                0xE99B8DD8u, computed);
  EXPECT_EQ(status.message(), expected);
}

TEST(RecordBatch, EveryTruncationIsAnError) {
  RecordBatchBuilder builder({.compression = Compression::kGzip});
  ASSERT_TRUE(builder.append(kTimestamp, as_bytes("key"), as_bytes("value")).ok());
  const Bytes batch = build(builder);
  for (std::size_t size = 0; size < batch.size(); ++size) {
    const Bytes truncated(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(size));
    EXPECT_FALSE(verify_batch(truncated).ok()) << size;
    EXPECT_FALSE(decode_batch(truncated, kMaxDecompressed).ok()) << size;
  }
}

TEST(RecordBatch, ShortInputMessagesSayWhatIsMissing) {
  const Bytes batch = hand_assembled_batch();
  EXPECT_EQ(verify_batch(std::span<const std::uint8_t>(batch).first(20)).message(),
            "record batch header needs 61 bytes, only 20 available");
  EXPECT_EQ(verify_batch(std::span<const std::uint8_t>(batch).first(65)).message(),
            "record batch at offset 0: batch length 58 needs 70 bytes, only 65 available");
}

TEST(RecordBatch, HeaderReadNeedsNoMoreThanTheHeader) {
  const Bytes batch = hand_assembled_batch();
  const Result<RecordBatchHeader> header =
      read_batch_header(std::span<const std::uint8_t>(batch).first(61));
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->size(), 70u);
}

TEST(RecordBatch, WrongMagicIsRejected) {
  for (std::uint8_t magic : {0, 1, 3, 0xff}) {
    Bytes batch = hand_assembled_batch();
    batch[16] = magic;
    const Result<RecordBatchHeader> header = read_batch_header(batch);
    ASSERT_FALSE(header.ok());
    EXPECT_NE(header.status().message().find("unsupported magic"), std::string::npos);
    EXPECT_FALSE(decode_batch(batch, kMaxDecompressed).ok());
  }
}

TEST(RecordBatch, BatchLengthBelowTheHeaderIsRejected) {
  for (std::int32_t length : {-1, 0, 48, std::numeric_limits<std::int32_t>::min()}) {
    Bytes batch = hand_assembled_batch();
    store_be<std::int32_t>(batch.data() + 8, length);
    const Status status = read_batch_header(batch).status();
    EXPECT_NE(status.message().find("below the minimum of 49"), std::string::npos)
        << status.message();
  }
}

TEST(RecordBatch, RecordCountLiesAreCaught) {
  Bytes more = hand_assembled_batch();
  store_be<std::int32_t>(more.data() + 57, 2);
  store_be<std::int32_t>(more.data() + 23, 1);
  fix_crc(more);
  EXPECT_EQ(decode_status(more).message(),
            "record batch at offset 0: 2 records cannot fit in 9 bytes of records");

  Bytes fewer = hand_assembled_batch();
  store_be<std::int32_t>(fewer.data() + 57, 0);
  fix_crc(fewer);
  EXPECT_EQ(decode_status(fewer).message(),
            "record batch at offset 0: 9 bytes of trailing data after the 0 records");

  Bytes negative = hand_assembled_batch();
  store_be<std::int32_t>(negative.data() + 57, -1);
  fix_crc(negative);
  EXPECT_NE(decode_status(negative).message().find("negative record count"), std::string::npos);

  // Enough bytes for two minimal records, but only one is there.
  const Bytes records = concat({RawRecord().simple(0).finish(), Bytes(9, 0x00)});
  const Status status = decode_status(assemble_batch(records, 2, 1));
  EXPECT_NE(status.message().find("record 1 of 2"), std::string::npos) << status.message();
}

TEST(RecordBatch, RecordCountBeyondLastOffsetDeltaIsRejected) {
  const Bytes records = concat({RawRecord().simple(0).finish(), RawRecord().simple(1).finish()});
  const Status status = decode_status(assemble_batch(records, 2, 0));
  EXPECT_NE(status.message().find("2 records cannot fit in last offset delta 0"), std::string::npos)
      << status.message();
}

TEST(RecordBatch, OverflowingOffsetsAreRejected) {
  const Bytes batch = assemble_batch(RawRecord().simple(0).finish(), 1, 10, 0,
                                     std::numeric_limits<std::int64_t>::max() - 5);
  EXPECT_NE(decode_status(batch).message().find("overflows the offset"), std::string::npos);
  const Bytes negative = assemble_batch(RawRecord().simple(0).finish(), 1, -1);
  EXPECT_NE(decode_status(negative).message().find("negative last offset delta"),
            std::string::npos);
}

TEST(RecordBatch, VarintOverflowInARecordIsAnError) {
  // A record length of five 0xff bytes: continuation bit still set on the fifth.
  const Bytes records = {0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02, 0x03};
  EXPECT_EQ(decode_status(assemble_batch(records, 1, 0)).message(),
            "record batch at offset 0: record 0 of 1: length: varint longer than its maximum "
            "size at byte 0 of the records");
  // A timestamp delta with bits beyond 64.
  const Bytes timestamp = RawRecord()
                              .int8(0)
                              .raw("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f")
                              .varint(0)
                              .varint(-1)
                              .varint(-1)
                              .varint(0)
                              .finish();
  const Status status = decode_status(assemble_batch(timestamp, 1, 0));
  EXPECT_NE(status.message().find("timestamp delta: varint overflows its type"), std::string::npos)
      << status.message();
}

TEST(RecordBatch, MalformedRecordsNameTheBatchAndTheRecord) {
  struct Case {
    const char* name;
    Bytes second_record;
    const char* expected;
  };
  const Case cases[] = {
      {"negative length", RawRecord().simple(1).finish_with_length(-5), "negative length -5"},
      {"length past the end", RawRecord().simple(1).finish_with_length(40),
       "body: length 40 exceeds the 8 bytes left"},
      {"bytes after the headers", RawRecord().simple(1).raw("xy").finish(),
       "2 bytes left over after the headers"},
      {"key length below -1",
       RawRecord().int8(0).varlong(0).varint(1).varint(-2).varint(-1).varint(0).finish(),
       "key: invalid length -2"},
      {"key longer than the record",
       RawRecord().int8(0).varlong(0).varint(1).varint(50).raw("abc").finish(),
       "key: length 50 exceeds the 3 bytes left"},
      {"value length below -1",
       RawRecord().int8(0).varlong(0).varint(1).varint(-1).varint(-7).varint(0).finish(),
       "value: invalid length -7"},
      {"negative header count",
       RawRecord().int8(0).varlong(0).varint(1).varint(-1).varint(-1).varint(-3).finish(),
       "negative header count -3"},
      {"null header key",
       RawRecord()
           .int8(0)
           .varlong(0)
           .varint(1)
           .varint(-1)
           .varint(-1)
           .varint(1)
           .varint(-1)
           .varint(-1)
           .finish(),
       "header 0: key: invalid length -1"},
      {"header value past the end",
       RawRecord()
           .int8(0)
           .varlong(0)
           .varint(1)
           .varint(-1)
           .varint(-1)
           .varint(1)
           .varint(1)
           .raw("h")
           .varint(9)
           .finish(),
       "header 0: value: length 9 exceeds the 0 bytes left"},
      {"header count lies",
       RawRecord()
           .int8(0)
           .varlong(0)
           .varint(1)
           .varint(-1)
           .varint(-1)
           .varint(2)
           .varint(1)
           .raw("h")
           .varint(-1)
           .finish(),
       "header 1: key: truncated varint"},
      {"repeated offset delta", RawRecord().simple(0).finish(),
       "offset delta 0 is not between the previous record's (0)"},
      {"offset delta past the last", RawRecord().simple(2).finish(),
       "offset delta 2 is not between the previous record's (0) and the last offset delta 1"},
      // Zero padding after it keeps the section long enough for the count check to pass.
      {"missing attributes", concat({RawRecord().finish(), Bytes(4, 0)}), "attributes: missing"},
  };
  for (const Case& test : cases) {
    const Bytes records = concat({RawRecord().simple(0).finish(), test.second_record});
    const Bytes batch = assemble_batch(records, 2, 1, 0, 500);
    const Status status = decode_status(batch);
    ASSERT_FALSE(status.ok()) << test.name;
    EXPECT_EQ(status.kind(), Status::Kind::kCorruption) << test.name;
    EXPECT_EQ(status.message().rfind("record batch at offset 500: record 1 of 2: ", 0), 0u)
        << test.name << ": " << status.message();
    EXPECT_NE(status.message().find(test.expected), std::string::npos)
        << test.name << ": " << status.message();
  }
}

TEST(RecordBatch, UnknownCompressionCodecIsRejected) {
  const Bytes batch = assemble_batch(RawRecord().simple(0).finish(), 1, 0, 5);
  EXPECT_EQ(decode_status(batch).message(),
            "record batch at offset 0: unknown compression codec id 5");
}

TEST(RecordBatch, GarbageInACompressedSectionIsCorruptionNamingTheCodec) {
  const Bytes batch = assemble_batch(RawRecord().simple(0).finish(), 1, 0,
                                     static_cast<std::int16_t>(Compression::kLz4));
  const Status status = decode_status(batch);
  EXPECT_EQ(status.kind(), Status::Kind::kCorruption);
  EXPECT_EQ(status.message().rfind("record batch at offset 0: lz4: ", 0), 0u) << status.message();
}

TEST(RecordBatch, DecompressionBombIsBounded) {
  RecordBatchBuilder builder({.base_offset = 9, .compression = Compression::kGzip});
  const Bytes zeros(8 * 1024 * 1024, 0);
  ASSERT_TRUE(builder.append(kTimestamp, std::nullopt, zeros).ok());
  const Bytes batch = build(builder);
  ASSERT_LT(batch.size(), 64u * 1024);
  const Status status = decode_status(batch, 1024 * 1024);
  EXPECT_EQ(status.kind(), Status::Kind::kTooLarge);
  EXPECT_EQ(status.message(),
            "record batch at offset 9: gzip: decompressed size exceeds the limit of 1048576 bytes");
  EXPECT_TRUE(decode_batch(batch, 9 * 1024 * 1024).ok());
}

// The fuzzer starts from these; a stale seed that no longer decodes would waste its time.
TEST(RecordBatch, FuzzerSeedsDecode) {
  const std::filesystem::path seeds =
      std::filesystem::path(FERRY_SOURCE_DIR) / "broker/storage/record_batch_fuzzer_seeds";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(seeds)) {
    std::ifstream file(entry.path(), std::ios::binary);
    const Bytes batch((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    const Status status = decode_status(batch);
    EXPECT_TRUE(status.ok()) << entry.path() << ": " << status.message();
    ++count;
  }
  EXPECT_GE(count, 5);
}

// ---- builder limits -------------------------------------------------------------------------

TEST(RecordBatchBuilder, RefusesWorkAfterBuild) {
  RecordBatchBuilder builder({});
  ASSERT_TRUE(builder.append(kTimestamp, std::nullopt, std::nullopt).ok());
  ASSERT_TRUE(builder.build().ok());
  EXPECT_EQ(builder.append(kTimestamp, std::nullopt, std::nullopt).kind(),
            Status::Kind::kInvalidArgument);
  EXPECT_FALSE(builder.build().ok());
}

TEST(RecordBatchBuilder, RefusesOffsetsAndTimestampsBeyondInt64) {
  RecordBatchBuilder offsets({.base_offset = std::numeric_limits<std::int64_t>::max()});
  ASSERT_TRUE(offsets.append(kTimestamp, std::nullopt, std::nullopt).ok());
  EXPECT_FALSE(offsets.append(kTimestamp, std::nullopt, std::nullopt).ok());
  EXPECT_EQ(offsets.record_count(), 1);

  RecordBatchBuilder timestamps({.base_timestamp = std::numeric_limits<std::int64_t>::min()});
  EXPECT_FALSE(timestamps.append(1, std::nullopt, std::nullopt).ok());
  EXPECT_EQ(timestamps.record_count(), 0);
  EXPECT_EQ(timestamps.uncompressed_size(), kRecordBatchHeaderSize);
}

// ---- what the log cleaner writes --------------------------------------------------------------

TEST(RecordBatchBuilder, AppendAtLeavesGapsAndTheBatchKeepsItsLastOffset) {
  // What the cleaner makes of a producer's batch 100..109 that keeps 100, 103 and 104.
  for (const Compression compression : {Compression::kNone, Compression::kZstd}) {
    RecordBatchBuilder builder({.base_offset = 100,
                                .compression = compression,
                                .producer_id = 5,
                                .producer_epoch = 1,
                                .base_sequence = 7});
    ASSERT_TRUE(builder.append_at(100, kTimestamp, as_bytes("a"), as_bytes("1")).ok());
    ASSERT_TRUE(builder.append_at(103, kTimestamp + 5, as_bytes("b"), std::nullopt).ok());
    ASSERT_TRUE(builder.append(kTimestamp + 9, as_bytes("c"), as_bytes("3")).ok());  // 104
    ASSERT_TRUE(builder.set_last_offset(109).ok());
    const Bytes batch = build(builder);
    const Result<DecodedBatch> decoded = decode_batch(batch, kMaxDecompressed);
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    const RecordBatchHeader& header = decoded->header();
    EXPECT_EQ(header.compression(), compression);
    EXPECT_EQ(header.base_offset, 100);
    EXPECT_EQ(header.last_offset_delta, 9);
    EXPECT_EQ(header.last_offset(), 109);
    EXPECT_EQ(header.records_count, 3);
    EXPECT_EQ(header.base_timestamp, kTimestamp);
    EXPECT_EQ(header.max_timestamp, kTimestamp + 9);
    EXPECT_EQ(header.producer_id, 5);
    EXPECT_EQ(header.producer_epoch, 1);
    EXPECT_EQ(header.base_sequence, 7);
    ASSERT_EQ(decoded->records().size(), 3u);
    EXPECT_EQ(decoded->records()[0].offset, 100);
    EXPECT_EQ(decoded->records()[1].offset, 103);
    EXPECT_FALSE(decoded->records()[1].value.has_value());
    EXPECT_EQ(decoded->records()[1].timestamp, kTimestamp + 5);
    EXPECT_EQ(decoded->records()[2].offset, 104);
    EXPECT_EQ(text(*decoded->records()[2].key), "c");
  }
}

TEST(RecordBatchBuilder, WithoutSetLastOffsetTheBatchEndsAtItsLastRecord) {
  RecordBatchBuilder builder({.base_offset = 10});
  ASSERT_TRUE(builder.append_at(12, kTimestamp, as_bytes("k"), as_bytes("v")).ok());
  const Bytes batch = build(builder);
  EXPECT_EQ(read_batch_header(batch)->last_offset_delta, 2);
  EXPECT_EQ(decode_batch(batch, kMaxDecompressed)->records()[0].offset, 12);
}

TEST(RecordBatchBuilder, AppendAtRefusesOffsetsThatDoNotIncrease) {
  RecordBatchBuilder builder({.base_offset = 10});
  ASSERT_TRUE(builder.append_at(12, kTimestamp, std::nullopt, std::nullopt).ok());
  EXPECT_EQ(builder.append_at(12, kTimestamp, std::nullopt, std::nullopt).kind(),
            Status::Kind::kInvalidArgument);
  EXPECT_FALSE(builder.append_at(11, kTimestamp, std::nullopt, std::nullopt).ok());
  EXPECT_FALSE(builder.append_at(9, kTimestamp, std::nullopt, std::nullopt).ok());  // below base
  EXPECT_FALSE(
      builder.append_at(10 + (std::int64_t{1} << 31), kTimestamp, std::nullopt,
                        std::nullopt)
          .ok());  // beyond an int32 delta
  EXPECT_FALSE(builder
                   .append_at(std::numeric_limits<std::int64_t>::min(), kTimestamp, std::nullopt,
                              std::nullopt)
                   .ok());
  EXPECT_EQ(builder.record_count(), 1);
  EXPECT_FALSE(builder.set_last_offset(11).ok());  // below the last record
  EXPECT_FALSE(builder.set_last_offset(10 + (std::int64_t{1} << 31)).ok());
  ASSERT_TRUE(builder.set_last_offset(12).ok());
  // A record past the claimed end makes the batch unbuildable rather than wrong.
  ASSERT_TRUE(builder.append_at(13, kTimestamp, std::nullopt, std::nullopt).ok());
  EXPECT_EQ(builder.build().status().kind(), Status::Kind::kInvalidArgument);
}

}  // namespace
}  // namespace ferry::broker
