#include "broker/storage/compression.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

namespace ferry::broker {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr Compression kCodecs[] = {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                                   Compression::kLz4, Compression::kZstd};
constexpr Compression kRealCodecs[] = {Compression::kGzip, Compression::kSnappy, Compression::kLz4,
                                       Compression::kZstd};
constexpr std::size_t kGenerous = 64 * 1024 * 1024;

// Half text-like (compressible), half random, so blocks of both kinds are exercised.
Bytes sample(std::size_t size, std::uint32_t seed = 1) {
  std::mt19937 random(seed);
  Bytes bytes(size);
  for (std::size_t i = 0; i < size; ++i) {
    bytes[i] = (i / 4096) % 2 == 0 ? static_cast<std::uint8_t>("record-value "[i % 13])
                                   : static_cast<std::uint8_t>(random());
  }
  return bytes;
}

Bytes compressed(Compression codec, const Bytes& input) {
  Bytes output;
  const Status status = compress(codec, input, output);
  EXPECT_TRUE(status.ok()) << status.message();
  return output;
}

Result<Bytes> decompressed(Compression codec, const Bytes& input, std::size_t max = kGenerous) {
  Bytes output;
  Status status = decompress(codec, input, max, output);
  if (!status.ok()) return status;
  return output;
}

class CodecTest : public testing::TestWithParam<Compression> {};

TEST_P(CodecTest, RoundTripsSizesAroundBlockBoundaries) {
  for (std::size_t size :
       {0u, 1u, 100u, 32u * 1024, 32u * 1024 + 1, 64u * 1024, 64u * 1024 + 1, 300u * 1024}) {
    const Bytes input = sample(size, static_cast<std::uint32_t>(size));
    const Result<Bytes> output = decompressed(GetParam(), compressed(GetParam(), input));
    ASSERT_TRUE(output.ok()) << size << ": " << output.status().message();
    EXPECT_EQ(*output, input) << "size " << size;
  }
}

TEST_P(CodecTest, AppendsAfterExistingBytes) {
  const Bytes input = sample(5000);
  Bytes packed = {0xaa, 0xbb};
  ASSERT_TRUE(compress(GetParam(), input, packed).ok());
  ASSERT_EQ(packed[0], 0xaa);
  Bytes unpacked = {0xcc};
  ASSERT_TRUE(
      decompress(GetParam(), std::span<const std::uint8_t>(packed).subspan(2), kGenerous, unpacked)
          .ok());
  ASSERT_EQ(unpacked.size(), input.size() + 1);
  EXPECT_EQ(unpacked[0], 0xcc);
  EXPECT_TRUE(std::equal(input.begin(), input.end(), unpacked.begin() + 1));
}

TEST_P(CodecTest, OutputExactlyAtTheLimitIsAcceptedOneByteLessIsNot) {
  const Bytes input = sample(100 * 1024);
  const Bytes packed = compressed(GetParam(), input);
  EXPECT_TRUE(decompressed(GetParam(), packed, input.size()).ok());
  const Result<Bytes> over = decompressed(GetParam(), packed, input.size() - 1);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().kind(), Status::Kind::kTooLarge);
  EXPECT_NE(over.status().message().find("exceeds the limit of 102399 bytes"), std::string::npos)
      << over.status().message();
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, CodecTest, testing::ValuesIn(kCodecs),
                         [](const testing::TestParamInfo<Compression>& info) {
                           return std::string(compression_name(info.param));
                         });

class RealCodecTest : public testing::TestWithParam<Compression> {};

TEST_P(RealCodecTest, TruncatedStreamIsCorruptionNamingTheCodec) {
  const Bytes packed = compressed(GetParam(), sample(200 * 1024));
  for (std::size_t keep : {std::size_t{0}, std::size_t{3}, packed.size() / 2, packed.size() - 1}) {
    const Bytes truncated(packed.begin(), packed.begin() + static_cast<std::ptrdiff_t>(keep));
    const Result<Bytes> output = decompressed(GetParam(), truncated);
    ASSERT_FALSE(output.ok()) << "kept " << keep;
    EXPECT_EQ(output.status().kind(), Status::Kind::kCorruption) << output.status().message();
    EXPECT_EQ(output.status().message().rfind(std::string(compression_name(GetParam())) + ": ", 0),
              0u)
        << output.status().message();
  }
}

TEST_P(RealCodecTest, DamagedBytesNeverCrash) {
  const Bytes input = sample(70 * 1024);
  const Bytes packed = compressed(GetParam(), input);
  std::mt19937 random(3);
  for (int trial = 0; trial < 200; ++trial) {
    Bytes damaged = packed;
    damaged[random() % damaged.size()] ^= static_cast<std::uint8_t>(1u << (random() % 8));
    const Result<Bytes> output = decompressed(GetParam(), damaged, input.size());
    if (output.ok()) {
      EXPECT_LE(output->size(), input.size());
    }
  }
}

TEST_P(RealCodecTest, BombIsRejectedWithoutAllocatingItsFullSize) {
  const Bytes zeros(16 * 1024 * 1024, 0);
  const Bytes packed = compressed(GetParam(), zeros);
  ASSERT_LT(packed.size(), zeros.size() / 10);
  constexpr std::size_t kLimit = 1024 * 1024;
  Bytes output;
  const Status status = decompress(GetParam(), packed, kLimit, output);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.kind(), Status::Kind::kTooLarge);
  EXPECT_TRUE(output.empty());
  EXPECT_LE(output.capacity(), kLimit + 1);
}

INSTANTIATE_TEST_SUITE_P(Codecs, RealCodecTest, testing::ValuesIn(kRealCodecs),
                         [](const testing::TestParamInfo<Compression>& info) {
                           return std::string(compression_name(info.param));
                         });

TEST(Compression, NamesAreKafkasCompressionTypes) {
  EXPECT_EQ(compression_name(Compression::kNone), "none");
  EXPECT_EQ(compression_name(Compression::kGzip), "gzip");
  EXPECT_EQ(compression_name(Compression::kSnappy), "snappy");
  EXPECT_EQ(compression_name(Compression::kLz4), "lz4");
  EXPECT_EQ(compression_name(Compression::kZstd), "zstd");
  EXPECT_EQ(compression_name(static_cast<Compression>(6)), "unknown");
  EXPECT_FALSE(is_known_compression(static_cast<Compression>(5)));
}

TEST(Compression, UnknownCodecIsRejected) {
  Bytes output;
  const Status status = decompress(static_cast<Compression>(5), sample(10), kGenerous, output);
  EXPECT_EQ(status.kind(), Status::Kind::kInvalidArgument);
  EXPECT_NE(status.message().find("5"), std::string::npos);
  EXPECT_FALSE(compress(static_cast<Compression>(7), sample(10), output).ok());
}

TEST(Gzip, WritesAGzipStream) {
  const Bytes packed = compressed(Compression::kGzip, sample(100));
  ASSERT_GE(packed.size(), 18u);
  EXPECT_EQ(packed[0], 0x1f);
  EXPECT_EQ(packed[1], 0x8b);
  EXPECT_EQ(packed[2], 8);  // deflate
}

TEST(Gzip, ReadsConcatenatedMembers) {
  const Bytes first = sample(1000, 1);
  const Bytes second = sample(2000, 2);
  Bytes packed = compressed(Compression::kGzip, first);
  ASSERT_TRUE(compress(Compression::kGzip, second, packed).ok());
  const Result<Bytes> output = decompressed(Compression::kGzip, packed);
  ASSERT_TRUE(output.ok()) << output.status().message();
  Bytes expected = first;
  expected.insert(expected.end(), second.begin(), second.end());
  EXPECT_EQ(*output, expected);
}

TEST(Gzip, TrailingGarbageIsAnError) {
  Bytes packed = compressed(Compression::kGzip, sample(1000));
  packed.push_back(0x00);
  packed.push_back(0x42);
  const Result<Bytes> output = decompressed(Compression::kGzip, packed);
  ASSERT_FALSE(output.ok());
  EXPECT_NE(output.status().message().find("member 2"), std::string::npos)
      << output.status().message();
}

TEST(Gzip, BadChecksumIsCorruption) {
  Bytes packed = compressed(Compression::kGzip, sample(1000));
  packed[packed.size() - 6] ^= 0x01;  // inside the CRC-32 trailer
  const Result<Bytes> output = decompressed(Compression::kGzip, packed);
  ASSERT_FALSE(output.ok());
  EXPECT_EQ(output.status().kind(), Status::Kind::kCorruption);
}

TEST(Snappy, WritesXerialFramingWith32KiBBlocks) {
  const Bytes input = sample(70 * 1024);
  const Bytes packed = compressed(Compression::kSnappy, input);
  const Bytes header = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
  ASSERT_GE(packed.size(), header.size());
  EXPECT_TRUE(std::equal(header.begin(), header.end(), packed.begin()));
  // Three blocks: 32 KiB, 32 KiB, 6 KiB of input.
  std::size_t position = header.size();
  int blocks = 0;
  while (position < packed.size()) {
    const std::size_t length = (std::size_t{packed[position]} << 24) |
                               (std::size_t{packed[position + 1]} << 16) |
                               (std::size_t{packed[position + 2]} << 8) | packed[position + 3];
    std::size_t uncompressed = 0;
    ASSERT_TRUE(snappy::GetUncompressedLength(
        reinterpret_cast<const char*>(packed.data() + position + 4), length, &uncompressed));
    EXPECT_LE(uncompressed, 32u * 1024);
    position += 4 + length;
    ++blocks;
  }
  EXPECT_EQ(position, packed.size());
  EXPECT_EQ(blocks, 3);
}

TEST(Snappy, ReadsRawSnappyAsLibrdkafkaWritesIt) {
  const Bytes input = sample(50 * 1024);
  std::string raw;
  snappy::Compress(reinterpret_cast<const char*>(input.data()), input.size(), &raw);
  const Result<Bytes> output = decompressed(Compression::kSnappy, Bytes(raw.begin(), raw.end()));
  ASSERT_TRUE(output.ok()) << output.status().message();
  EXPECT_EQ(*output, input);
}

TEST(Snappy, ReadsConcatenatedXerialStreams) {
  const Bytes first = sample(40000, 1);
  const Bytes second = sample(100, 2);
  Bytes packed = compressed(Compression::kSnappy, first);
  ASSERT_TRUE(compress(Compression::kSnappy, second, packed).ok());
  const Result<Bytes> output = decompressed(Compression::kSnappy, packed);
  ASSERT_TRUE(output.ok()) << output.status().message();
  Bytes expected = first;
  expected.insert(expected.end(), second.begin(), second.end());
  EXPECT_EQ(*output, expected);
}

TEST(Snappy, BlockLengthPastTheEndIsCorruption) {
  Bytes packed = compressed(Compression::kSnappy, sample(1000));
  packed[16] = 0x7f;  // first block's length, most significant byte
  const Result<Bytes> output = decompressed(Compression::kSnappy, packed);
  ASSERT_FALSE(output.ok());
  EXPECT_NE(output.status().message().find("snappy: block 0 at byte 16"), std::string::npos)
      << output.status().message();
}

TEST(Lz4, WritesFramesKafkasJavaReaderAccepts) {
  const Bytes packed = compressed(Compression::kLz4, sample(1000));
  ASSERT_GE(packed.size(), 7u);
  EXPECT_EQ(packed[0], 0x04);  // magic 0x184D2204, little-endian
  EXPECT_EQ(packed[1], 0x22);
  EXPECT_EQ(packed[2], 0x4d);
  EXPECT_EQ(packed[3], 0x18);
  EXPECT_EQ(packed[4], 0x60);  // FLG: version 1, independent blocks, no checksums, no size
  EXPECT_EQ(packed[5], 0x40);  // BD: 64 KiB blocks
}

Bytes lz4_frame(const Bytes& input, const LZ4F_preferences_t& preferences) {
  Bytes packed(LZ4F_compressFrameBound(input.size(), &preferences));
  const std::size_t size =
      LZ4F_compressFrame(packed.data(), packed.size(), input.data(), input.size(), &preferences);
  EXPECT_FALSE(LZ4F_isError(size));
  packed.resize(size);
  return packed;
}

TEST(Lz4, ReadsFramesWithOtherSettingsAndConcatenatedFrames) {
  const Bytes input = sample(300 * 1024);
  LZ4F_preferences_t preferences{};
  preferences.frameInfo.blockSizeID = LZ4F_max256KB;
  preferences.frameInfo.blockMode = LZ4F_blockLinked;
  preferences.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  preferences.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
  preferences.frameInfo.contentSize = input.size();
  Bytes packed = lz4_frame(input, preferences);
  const Bytes second = lz4_frame(sample(10), LZ4F_preferences_t{});
  packed.insert(packed.end(), second.begin(), second.end());
  const Result<Bytes> output = decompressed(Compression::kLz4, packed);
  ASSERT_TRUE(output.ok()) << output.status().message();
  Bytes expected = input;
  const Bytes tail = sample(10);
  expected.insert(expected.end(), tail.begin(), tail.end());
  EXPECT_EQ(*output, expected);
}

TEST(Lz4, ContentChecksumMismatchIsCorruption) {
  const Bytes input = sample(1000);
  LZ4F_preferences_t preferences{};
  preferences.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  Bytes packed = lz4_frame(input, preferences);
  packed.back() ^= 0x01;
  const Result<Bytes> output = decompressed(Compression::kLz4, packed);
  ASSERT_FALSE(output.ok());
  EXPECT_EQ(output.status().kind(), Status::Kind::kCorruption);
}

TEST(Zstd, ReadsStreamedFramesWithoutContentSize) {
  const Bytes input = sample(500 * 1024);
  ZSTD_CCtx* context = ZSTD_createCCtx();
  ASSERT_NE(context, nullptr);
  ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 0);
  Bytes packed(ZSTD_compressBound(input.size()));
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  ZSTD_outBuffer out{packed.data(), packed.size(), 0};
  const std::size_t remaining = ZSTD_compressStream2(context, &out, &in, ZSTD_e_end);
  ZSTD_freeCCtx(context);
  ASSERT_EQ(remaining, 0u);
  packed.resize(out.pos);
  ASSERT_EQ(ZSTD_getFrameContentSize(packed.data(), packed.size()), ZSTD_CONTENTSIZE_UNKNOWN);

  const Result<Bytes> output = decompressed(Compression::kZstd, packed);
  ASSERT_TRUE(output.ok()) << output.status().message();
  EXPECT_EQ(*output, input);
  EXPECT_FALSE(decompressed(Compression::kZstd, packed, input.size() - 1).ok());
}

TEST(Zstd, DeclaredContentSizeOverTheLimitFailsBeforeDecompressing) {
  const Bytes packed = compressed(Compression::kZstd, Bytes(2 * 1024 * 1024, 7));
  Bytes output;
  const Status status = decompress(Compression::kZstd, packed, 1024 * 1024, output);
  EXPECT_EQ(status.kind(), Status::Kind::kTooLarge);
  EXPECT_EQ(output.capacity(), 0u);
}

TEST(Zstd, ReadsConcatenatedFrames) {
  Bytes packed = compressed(Compression::kZstd, sample(1000, 1));
  ASSERT_TRUE(compress(Compression::kZstd, sample(3000, 2), packed).ok());
  const Result<Bytes> output = decompressed(Compression::kZstd, packed);
  ASSERT_TRUE(output.ok()) << output.status().message();
  EXPECT_EQ(output->size(), 4000u);
}

}  // namespace
}  // namespace ferry::broker
