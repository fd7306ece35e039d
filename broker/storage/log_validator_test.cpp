// The append validator against the rules it stands for: what decode_batch accepts, narrowed by
// the producer rules (records numbered 0..count-1, keys on compacted topics). Besides named
// cases, thousands of damaged batches must get the same verdict, and the same kind of error, as
// the reference: decode_batch followed by those rules, which is how the log checked appends
// before it walked the records in place.
#include "broker/storage/log_validator.h"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "broker/storage/crc32c.h"
#include "broker/storage/record_batch.h"
#include "broker/storage/wire_format.h"

namespace ferry::broker {
namespace {

std::vector<std::uint8_t> build(const RecordBatchOptions& options, int records, bool keys = true,
                                int headers = 0) {
  RecordBatchBuilder builder(options);
  for (int i = 0; i < records; ++i) {
    const std::string key = "key-" + std::to_string(i);
    const std::string value = "value-" + std::to_string(i) + std::string(i % 7, 'v');
    std::vector<RecordHeaderView> record_headers;
    for (int h = 0; h < headers; ++h) record_headers.push_back({"h", as_bytes("header value")});
    EXPECT_TRUE(builder
                    .append(1'000 + i, keys ? std::optional(as_bytes(key)) : std::nullopt,
                            i % 5 == 4 ? std::nullopt : std::optional(as_bytes(value)),
                            record_headers)
                    .ok());
  }
  auto batch = builder.build();
  EXPECT_TRUE(batch.ok()) << batch.status().message();
  return batch.ok() ? std::move(*batch) : std::vector<std::uint8_t>();
}

Status validate(std::span<const std::uint8_t> batch, const LogConfig& config = {}) {
  auto header = read_batch_header(batch);
  if (!header.ok()) return header.status();
  return validate_batch_for_append(batch, *header, config);
}

// How the log validated appends before: decode everything, then apply the producer rules.
Status reference(std::span<const std::uint8_t> batch, const LogConfig& config) {
  auto header = read_batch_header(batch);
  if (!header.ok()) return header.status();
  if (header->size() > static_cast<std::uint64_t>(config.max_message_bytes)) {
    return Status::too_large("too large");
  }
  if (Status status = verify_batch(batch); !status.ok()) return status;
  if (header->records_count <= 0 || header->last_offset_delta != header->records_count - 1) {
    return Status::invalid_argument("counts");
  }
  auto decoded = decode_batch(batch, 64 << 20);
  if (!decoded.ok()) return decoded.status();
  for (std::size_t i = 0; i < decoded->records().size(); ++i) {
    const RecordView& record = decoded->records()[i];
    if (record.offset != header->base_offset + static_cast<std::int64_t>(i)) {
      return Status::invalid_argument("offset delta");
    }
    if (config.cleanup_compact && !record.key) return Status::invalid_argument("no key");
  }
  return Status::ok_status();
}

// Recomputes the CRC, so that damage reaches the record checks instead of stopping at the CRC.
void reseal(std::vector<std::uint8_t>& batch) {
  store_be(batch.data() + batch_layout::kCrc, compute_batch_crc(batch));
}

TEST(LogValidator, AcceptsWhatAProducerSends) {
  for (const Compression codec : {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                                  Compression::kLz4, Compression::kZstd}) {
    SCOPED_TRACE(std::string(compression_name(codec)));
    EXPECT_TRUE(validate(build({.compression = codec}, 1)).ok());
    EXPECT_TRUE(validate(build({.compression = codec}, 300, true, 2)).ok());
    LogConfig compacted;
    compacted.cleanup_compact = true;
    EXPECT_TRUE(validate(build({.compression = codec}, 50), compacted).ok());
  }
  // LogAppendTime batches skip the timestamp arithmetic, as decode_batch does.
  EXPECT_TRUE(validate(build({.timestamp_type = TimestampType::kLogAppendTime}, 10)).ok());
}

TEST(LogValidator, NamesWhatIsWrong) {
  std::vector<std::uint8_t> batch = build({}, 3);
  batch.back() ^= 0x01;
  Status status = validate(batch);
  EXPECT_EQ(status.kind(), Status::Kind::kCorruption);
  EXPECT_NE(status.message().find("CRC mismatch"), std::string::npos) << status.message();

  LogConfig small;
  small.max_message_bytes = 100;
  status = validate(build({}, 10), small);
  EXPECT_EQ(status.kind(), Status::Kind::kTooLarge);
  EXPECT_NE(status.message().find("max.message.bytes"), std::string::npos) << status.message();

  LogConfig compacted;
  compacted.cleanup_compact = true;
  status = validate(build({}, 4, false), compacted);
  EXPECT_EQ(status.kind(), Status::Kind::kInvalidArgument);
  EXPECT_NE(status.message().find("record 0 has no key"), std::string::npos) << status.message();

  // A gap in the offset deltas: what the cleaner writes, never what a producer sends.
  RecordBatchBuilder gapped({});
  ASSERT_TRUE(gapped.append(1, as_bytes("a"), as_bytes("1")).ok());
  ASSERT_TRUE(gapped.append_at(2, 1, as_bytes("b"), as_bytes("2")).ok());
  ASSERT_TRUE(gapped.set_last_offset(2).ok());
  auto bytes = gapped.build();
  ASSERT_TRUE(bytes.ok());
  status = validate(*bytes);
  EXPECT_EQ(status.kind(), Status::Kind::kInvalidArgument);
  EXPECT_NE(status.message().find("0..count-1"), std::string::npos) << status.message();

  // A record whose value length runs past its body.
  batch = build({}, 2);
  // Record 0 starts at 61: length varint, attributes, timestamp delta, offset delta, key length.
  const std::size_t key_length_at = kRecordBatchHeaderSize + 1 + 1 + 1 + 1;
  batch[key_length_at] = 0x7e;  // zig-zag 63: longer than the record
  reseal(batch);
  status = validate(batch);
  EXPECT_EQ(status.kind(), Status::Kind::kCorruption);
  EXPECT_NE(status.message().find("record batch at offset 0: record 0 of 2: key: length 63"),
            std::string::npos)
      << status.message();
}

// Random damage to the records section (CRC recomputed, so the walk sees it) of batches with
// and without keys, headers and compression: the verdict, and the kind of error, must be the
// reference's.
TEST(LogValidator, AgreesWithDecodingOnDamagedBatches) {
  std::mt19937_64 random(20261125);
  std::vector<std::vector<std::uint8_t>> originals;
  for (const bool keys : {true, false}) {
    for (const int headers : {0, 1, 3}) {
      originals.push_back(build({}, 1 + headers * 7, keys, headers));
      originals.push_back(build({}, 150, keys, headers));
    }
  }
  int rejected = 0;
  int accepted = 0;
  for (const std::vector<std::uint8_t>& original : originals) {
    for (int attempt = 0; attempt < 400; ++attempt) {
      std::vector<std::uint8_t> batch = original;
      const int changes = 1 + static_cast<int>(random() % 3);
      for (int c = 0; c < changes; ++c) {
        const std::size_t at =
            kRecordBatchHeaderSize + random() % (batch.size() - kRecordBatchHeaderSize);
        switch (random() % 4) {
          case 0:
            batch[at] = static_cast<std::uint8_t>(random());
            break;
          case 1:
            batch[at] ^= static_cast<std::uint8_t>(1u << (random() % 8));
            break;
          case 2:
            batch[at] = 0x01;  // zig-zag -1: a null
            break;
          default:
            batch[at] = 0xff;  // a continuation byte
            break;
        }
      }
      reseal(batch);
      for (const bool compacted : {false, true}) {
        LogConfig config;
        config.cleanup_compact = compacted;
        const Status expected = reference(batch, config);
        const Status actual = validate(batch, config);
        ASSERT_EQ(actual.ok(), expected.ok())
            << "attempt " << attempt << " compacted " << compacted << ": validator says '"
            << actual.message() << "', decoding says '" << expected.message() << "'";
        ASSERT_EQ(actual.kind(), expected.kind())
            << actual.message() << " / " << expected.message();
        (actual.ok() ? accepted : rejected) += 1;
      }
    }
  }
  EXPECT_GT(rejected, 1000);
  EXPECT_GT(accepted, 100);  // damage to values alone stays well-formed
}

TEST(LogValidator, ChecksCompressedRecordsAfterDecompressing) {
  // A compressed batch whose records (inside the compressed block) lack keys.
  LogConfig compacted;
  compacted.cleanup_compact = true;
  for (const Compression codec : {Compression::kGzip, Compression::kLz4, Compression::kZstd}) {
    const Status status = validate(build({.compression = codec}, 20, false), compacted);
    EXPECT_EQ(status.kind(), Status::Kind::kInvalidArgument) << status.message();
  }
  // Damage inside the compressed block fails decompression or the walk: corruption either way.
  std::vector<std::uint8_t> batch = build({.compression = Compression::kZstd}, 200);
  batch[batch.size() / 2] ^= 0x55;
  reseal(batch);
  EXPECT_FALSE(validate(batch).ok());
  EXPECT_EQ(validate(batch).ok(), reference(batch, {}).ok());
}

}  // namespace
}  // namespace ferry::broker
