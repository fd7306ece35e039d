#include "broker/storage/compression.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include "broker/storage/wire_format.h"

namespace ferry::broker {
namespace {

// The first allocation for a stream of unknown output size; later ones double.
constexpr std::size_t kInitialOutputBytes = 16 * 1024;
// snappy-java's default block size (SnappyOutputStream.DEFAULT_BLOCK_SIZE), which Kafka uses.
constexpr std::size_t kSnappyBlockBytes = 32 * 1024;
constexpr std::array<std::uint8_t, 8> kXerialMagic = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
// Magic, then int32 version and int32 minimum compatible version.
constexpr std::size_t kXerialHeaderBytes = kXerialMagic.size() + 4 + 4;
constexpr std::int32_t kXerialVersion = 1;
// zstd's own default cap on the window a frame may ask for (ZSTD_WINDOWLOG_LIMIT_DEFAULT), set
// explicitly so a library upgrade cannot raise it. Kafka allows producers level 22, whose
// streamed frames need all of it. Lowering it for small output limits would reject those; the
// window buffer is only written as output is produced, and output is bounded anyway.
constexpr int kZstdMaxWindowLog = 27;

std::string prefix(Compression codec, std::string_view message) {
  std::string text(compression_name(codec));
  text += ": ";
  text += message;
  return text;
}

Status corrupt(Compression codec, std::string_view message) {
  return Status::corruption(prefix(codec, message));
}

Status too_large(Compression codec, std::size_t max_output) {
  return Status::too_large(prefix(
      codec, "decompressed size exceeds the limit of " + std::to_string(max_output) + " bytes"));
}

// An output area for a decompressor that cannot say up front how much it will produce. It grows
// output (from its original size `start`) geometrically, but never past max_output + 1 bytes: a
// decompressor that fills that last byte has proven the stream too large.
class BoundedOutput {
 public:
  BoundedOutput(std::vector<std::uint8_t>& output, std::size_t max_output, std::size_t size_hint)
      : output_(output),
        start_(output.size()),
        cap_(max_output == std::numeric_limits<std::size_t>::max() ? max_output : max_output + 1),
        max_output_(max_output),
        next_grow_(std::max<std::size_t>(size_hint, 1)) {}

  BoundedOutput(const BoundedOutput&) = delete;
  BoundedOutput& operator=(const BoundedOutput&) = delete;

  // Undoes a failed decompression; commit() keeps the produced bytes.
  ~BoundedOutput() { output_.resize(start_ + (committed_ ? produced_ : 0)); }

  // Room for the next write; empty only once more than max_output bytes were produced.
  std::span<std::uint8_t> free_space() {
    if (start_ + produced_ == output_.size() && output_.size() - start_ < cap_) {
      const std::size_t allocated = output_.size() - start_;
      const std::size_t target = std::min(cap_, std::max(allocated * 2, next_grow_));
      output_.reserve(start_ + target);  // exactly: resize alone may double the capacity
      output_.resize(start_ + target);
    }
    return std::span<std::uint8_t>(output_).subspan(start_ + produced_);
  }

  void advance(std::size_t bytes) { produced_ += bytes; }
  bool over_limit() const { return produced_ > max_output_; }

  void commit() { committed_ = true; }

 private:
  std::vector<std::uint8_t>& output_;
  const std::size_t start_;
  const std::size_t cap_;
  const std::size_t max_output_;
  const std::size_t next_grow_;
  std::size_t produced_ = 0;
  bool committed_ = false;
};

std::size_t initial_guess(std::span<const std::uint8_t> input) {
  // Record batches compress roughly 2-5x; guessing 4x saves most regrowth copies.
  return std::max(kInitialOutputBytes,
                  input.size() > SIZE_MAX / 4 ? input.size() : input.size() * 4);
}

// ---- gzip -------------------------------------------------------------------------------------

constexpr int kGzipWindowBits = 16 + MAX_WBITS;  // 16: gzip wrapper instead of zlib's

Status gzip_compress(std::span<const std::uint8_t> input, std::vector<std::uint8_t>& output) {
  if (input.size() > UINT_MAX) return Status::invalid_argument("gzip: input too large");
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::fatal("gzip: deflateInit2 failed");
  }
  const std::unique_ptr<z_stream, decltype(&deflateEnd)> guard(&stream, &deflateEnd);
  const std::size_t start = output.size();
  const std::size_t bound = deflateBound(&stream, static_cast<uLong>(input.size()));
  output.resize(start + bound);
  stream.next_in = const_cast<Bytef*>(input.data());  // zlib's API predates const
  stream.avail_in = static_cast<uInt>(input.size());
  stream.next_out = output.data() + start;
  stream.avail_out = static_cast<uInt>(std::min<std::size_t>(bound, UINT_MAX));
  const int rc = deflate(&stream, Z_FINISH);  // one call: the output has deflateBound() room
  if (rc != Z_STREAM_END) {
    output.resize(start);
    return Status::fatal("gzip: deflate failed with code " + std::to_string(rc));
  }
  output.resize(start + stream.total_out);
  return Status();
}

Status gzip_decompress(std::span<const std::uint8_t> input, std::size_t max_output,
                       std::vector<std::uint8_t>& output) {
  constexpr Compression kCodec = Compression::kGzip;
  if (input.size() > UINT_MAX) return corrupt(kCodec, "input too large");
  z_stream stream{};
  if (inflateInit2(&stream, kGzipWindowBits) != Z_OK) {
    return Status::fatal("gzip: inflateInit2 failed");
  }
  const std::unique_ptr<z_stream, decltype(&inflateEnd)> guard(&stream, &inflateEnd);
  stream.next_in = const_cast<Bytef*>(input.data());
  stream.avail_in = static_cast<uInt>(input.size());
  BoundedOutput out(output, max_output, initial_guess(input));
  int members = 1;
  while (true) {
    const std::span<std::uint8_t> space = out.free_space();
    if (space.empty()) return too_large(kCodec, max_output);
    stream.next_out = space.data();
    stream.avail_out = static_cast<uInt>(std::min<std::size_t>(space.size(), UINT_MAX));
    const uInt before = stream.avail_out;
    const int rc = inflate(&stream, Z_NO_FLUSH);
    out.advance(before - stream.avail_out);
    if (out.over_limit()) return too_large(kCodec, max_output);
    if (rc == Z_STREAM_END) {
      if (stream.avail_in == 0) break;
      // Another member follows (GZIPInputStream reads those too).
      ++members;
      if (inflateReset(&stream) != Z_OK) return Status::fatal("gzip: inflateReset failed");
      continue;
    }
    if (rc == Z_OK && stream.avail_out == 0) continue;  // needs more room
    if (rc == Z_OK || rc == Z_BUF_ERROR) {
      if (stream.avail_in == 0) {
        return corrupt(kCodec, "stream truncated in member " + std::to_string(members));
      }
      return corrupt(kCodec, "inflate made no progress in member " + std::to_string(members));
    }
    return corrupt(kCodec, std::string(stream.msg != nullptr ? stream.msg : "inflate failed") +
                               " in member " + std::to_string(members) + " (zlib code " +
                               std::to_string(rc) + ")");
  }
  out.commit();
  return Status();
}

// ---- snappy -----------------------------------------------------------------------------------

bool starts_with_xerial_magic(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= kXerialMagic.size() &&
         std::memcmp(bytes.data(), kXerialMagic.data(), kXerialMagic.size()) == 0;
}

Status snappy_compress(std::span<const std::uint8_t> input, std::vector<std::uint8_t>& output) {
  const std::size_t start = output.size();
  const std::size_t blocks = (input.size() + kSnappyBlockBytes - 1) / kSnappyBlockBytes;
  output.resize(start + kXerialHeaderBytes +
                blocks * (4 + snappy::MaxCompressedLength(kSnappyBlockBytes)));
  std::uint8_t* cursor = output.data() + start;
  std::memcpy(cursor, kXerialMagic.data(), kXerialMagic.size());
  store_be<std::int32_t>(cursor + 8, kXerialVersion);
  store_be<std::int32_t>(cursor + 12, kXerialVersion);
  cursor += kXerialHeaderBytes;
  for (std::size_t offset = 0; offset < input.size(); offset += kSnappyBlockBytes) {
    const std::size_t length = std::min(kSnappyBlockBytes, input.size() - offset);
    std::size_t compressed = 0;
    snappy::RawCompress(reinterpret_cast<const char*>(input.data() + offset), length,
                        reinterpret_cast<char*>(cursor + 4), &compressed);
    store_be<std::int32_t>(cursor, static_cast<std::int32_t>(compressed));
    cursor += 4 + compressed;
  }
  output.resize(static_cast<std::size_t>(cursor - output.data()));
  return Status();
}

// Calls visit(block, where) for each raw snappy block of a xerial stream, in order, and fails
// on broken framing. Headers repeated mid-stream (snappy-java writes them where streams were
// concatenated) are skipped; their version fields are not checked, as only version 1 exists.
template <typename Visit>
Status for_each_xerial_block(std::span<const std::uint8_t> input, Visit visit) {
  constexpr Compression kCodec = Compression::kSnappy;
  std::size_t position = 0;
  std::size_t block_index = 0;
  while (position < input.size()) {
    const std::span<const std::uint8_t> rest = input.subspan(position);
    if (starts_with_xerial_magic(rest)) {
      if (rest.size() < kXerialHeaderBytes) {
        return corrupt(kCodec, "xerial header truncated at byte " + std::to_string(position));
      }
      position += kXerialHeaderBytes;
      continue;
    }
    if (rest.size() < 4) {
      return corrupt(kCodec, "block length truncated at byte " + std::to_string(position));
    }
    const std::int32_t length = load_be<std::int32_t>(rest.data());
    const std::string where =
        "block " + std::to_string(block_index) + " at byte " + std::to_string(position);
    if (length <= 0 || static_cast<std::size_t>(length) > rest.size() - 4) {
      return corrupt(kCodec, where + " has length " + std::to_string(length) + " but " +
                                 std::to_string(rest.size() - 4) + " bytes follow");
    }
    Status status = visit(rest.subspan(4, static_cast<std::size_t>(length)), where);
    if (!status.ok()) return status;
    position += 4 + static_cast<std::size_t>(length);
    ++block_index;
  }
  return Status();
}

// The decompressed size a raw snappy block claims in its preamble.
Status snappy_block_length(std::span<const std::uint8_t> block, const std::string& where,
                           std::size_t& length) {
  if (!snappy::GetUncompressedLength(reinterpret_cast<const char*>(block.data()), block.size(),
                                     &length)) {
    return corrupt(Compression::kSnappy, where + " has an unreadable length preamble");
  }
  return Status();
}

Status snappy_decompress(std::span<const std::uint8_t> input, std::size_t max_output,
                         std::vector<std::uint8_t>& output) {
  constexpr Compression kCodec = Compression::kSnappy;
  const bool xerial = starts_with_xerial_magic(input);
  // Pass 1: sum the sizes the blocks claim, so the limit is enforced and the output allocated
  // exactly once before anything is decompressed. A block whose data disagrees with its claim
  // fails in pass 2 (RawUncompress checks).
  std::size_t total = 0;
  auto add_length = [&](std::span<const std::uint8_t> block, const std::string& where) {
    std::size_t length = 0;
    Status status = snappy_block_length(block, where, length);
    if (!status.ok()) return status;
    if (length > max_output - total) return too_large(kCodec, max_output);
    total += length;
    return Status();
  };
  Status status =
      xerial ? for_each_xerial_block(input, add_length) : add_length(input, "raw snappy data");
  if (!status.ok()) return status;

  const std::size_t start = output.size();
  output.resize(start + total);
  std::size_t produced = 0;
  auto uncompress = [&](std::span<const std::uint8_t> block, const std::string& where) {
    std::size_t length = 0;
    Status length_status = snappy_block_length(block, where, length);
    if (!length_status.ok()) return length_status;
    if (!snappy::RawUncompress(reinterpret_cast<const char*>(block.data()), block.size(),
                               reinterpret_cast<char*>(output.data() + start + produced))) {
      return corrupt(kCodec, where + " is corrupt");
    }
    produced += length;
    return Status();
  };
  status = xerial ? for_each_xerial_block(input, uncompress) : uncompress(input, "raw snappy data");
  if (!status.ok()) output.resize(start);
  return status;
}

// ---- lz4 --------------------------------------------------------------------------------------

Status lz4_compress(std::span<const std::uint8_t> input, std::vector<std::uint8_t>& output) {
  LZ4F_preferences_t preferences{};
  preferences.frameInfo.blockSizeID = LZ4F_max64KB;
  preferences.frameInfo.blockMode = LZ4F_blockIndependent;
  preferences.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
  preferences.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum;
  preferences.frameInfo.contentSize = 0;
  preferences.compressionLevel = 0;  // lz4's fast mode, as Kafka's default level selects
  const std::size_t start = output.size();
  const std::size_t bound = LZ4F_compressFrameBound(input.size(), &preferences);
  output.resize(start + bound);
  const std::size_t written =
      LZ4F_compressFrame(output.data() + start, bound, input.data(), input.size(), &preferences);
  if (LZ4F_isError(written)) {
    output.resize(start);
    return Status::fatal(std::string("lz4: ") + LZ4F_getErrorName(written));
  }
  output.resize(start + written);
  return Status();
}

Status lz4_decompress(std::span<const std::uint8_t> input, std::size_t max_output,
                      std::vector<std::uint8_t>& output) {
  constexpr Compression kCodec = Compression::kLz4;
  LZ4F_dctx* raw_context = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw_context, LZ4F_VERSION))) {
    return Status::fatal("lz4: cannot create a decompression context");
  }
  const std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> context(
      raw_context, &LZ4F_freeDecompressionContext);
  BoundedOutput out(output, max_output, initial_guess(input));
  std::size_t position = 0;
  while (true) {
    const std::span<std::uint8_t> space = out.free_space();
    if (space.empty()) return too_large(kCodec, max_output);
    std::size_t written = space.size();
    std::size_t consumed = input.size() - position;
    const std::size_t hint = LZ4F_decompress(context.get(), space.data(), &written,
                                             input.data() + position, &consumed, nullptr);
    if (LZ4F_isError(hint)) {
      return corrupt(kCodec, std::string(LZ4F_getErrorName(hint)) + " near byte " +
                                 std::to_string(position + consumed));
    }
    position += consumed;
    out.advance(written);
    if (out.over_limit()) return too_large(kCodec, max_output);
    // 0: a frame ended; if input remains, the context starts on the next frame.
    if (hint == 0 && position == input.size()) break;
    if (consumed == 0 && written == 0) {
      if (position == input.size()) {
        return corrupt(kCodec, "frame truncated after " + std::to_string(input.size()) + " bytes");
      }
      return corrupt(kCodec, "decoder stalled at byte " + std::to_string(position));
    }
  }
  out.commit();
  return Status();
}

// ---- zstd -------------------------------------------------------------------------------------

Status zstd_compress(std::span<const std::uint8_t> input, std::vector<std::uint8_t>& output) {
  constexpr int kLevel = 3;  // Kafka's compression.zstd.level default (ZSTD_CLEVEL_DEFAULT)
  const std::size_t start = output.size();
  const std::size_t bound = ZSTD_compressBound(input.size());
  output.resize(start + bound);
  const std::size_t written =
      ZSTD_compress(output.data() + start, bound, input.data(), input.size(), kLevel);
  if (ZSTD_isError(written)) {
    output.resize(start);
    return Status::fatal(std::string("zstd: ") + ZSTD_getErrorName(written));
  }
  output.resize(start + written);
  return Status();
}

Status zstd_decompress(std::span<const std::uint8_t> input, std::size_t max_output,
                       std::vector<std::uint8_t>& output) {
  constexpr Compression kCodec = Compression::kZstd;
  const std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> context(ZSTD_createDCtx(),
                                                                     &ZSTD_freeDCtx);
  if (context == nullptr) return Status::fatal("zstd: cannot create a decompression context");
  ZSTD_DCtx_setParameter(context.get(), ZSTD_d_windowLogMax, kZstdMaxWindowLog);
  std::size_t hint = initial_guess(input);
  const unsigned long long declared = ZSTD_getFrameContentSize(input.data(), input.size());
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != ZSTD_CONTENTSIZE_ERROR) {
    if (declared > max_output) return too_large(kCodec, max_output);
    hint = std::max<std::size_t>(static_cast<std::size_t>(declared), 1);
  }
  BoundedOutput out(output, max_output, hint);
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  while (true) {
    const std::span<std::uint8_t> space = out.free_space();
    if (space.empty()) return too_large(kCodec, max_output);
    ZSTD_outBuffer buffer{space.data(), space.size(), 0};
    const std::size_t consumed_before = in.pos;
    const std::size_t rc = ZSTD_decompressStream(context.get(), &buffer, &in);
    if (ZSTD_isError(rc)) {
      return corrupt(kCodec,
                     std::string(ZSTD_getErrorName(rc)) + " near byte " + std::to_string(in.pos));
    }
    out.advance(buffer.pos);
    if (out.over_limit()) return too_large(kCodec, max_output);
    // 0: a frame ended and is fully flushed; if input remains, the next frame starts.
    if (rc == 0 && in.pos == in.size) break;
    if (buffer.pos == 0 && in.pos == consumed_before) {
      if (in.pos == in.size) {
        return corrupt(kCodec, "frame truncated after " + std::to_string(input.size()) + " bytes");
      }
      return corrupt(kCodec, "decoder stalled at byte " + std::to_string(in.pos));
    }
  }
  out.commit();
  return Status();
}

Status unknown_codec(Compression codec) {
  return Status::invalid_argument("unknown compression codec id " +
                                  std::to_string(static_cast<int>(codec)));
}

}  // namespace

std::string_view compression_name(Compression codec) {
  switch (codec) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kSnappy:
      return "snappy";
    case Compression::kLz4:
      return "lz4";
    case Compression::kZstd:
      return "zstd";
  }
  return "unknown";
}

Status compress(Compression codec, std::span<const std::uint8_t> input,
                std::vector<std::uint8_t>& output) {
  switch (codec) {
    case Compression::kNone:
      output.insert(output.end(), input.begin(), input.end());
      return Status();
    case Compression::kGzip:
      return gzip_compress(input, output);
    case Compression::kSnappy:
      return snappy_compress(input, output);
    case Compression::kLz4:
      return lz4_compress(input, output);
    case Compression::kZstd:
      return zstd_compress(input, output);
  }
  return unknown_codec(codec);
}

Status decompress(Compression codec, std::span<const std::uint8_t> input, std::size_t max_output,
                  std::vector<std::uint8_t>& output) {
  switch (codec) {
    case Compression::kNone:
      if (input.size() > max_output) return too_large(codec, max_output);
      output.insert(output.end(), input.begin(), input.end());
      return Status();
    case Compression::kGzip:
      return gzip_decompress(input, max_output, output);
    case Compression::kSnappy:
      return snappy_decompress(input, max_output, output);
    case Compression::kLz4:
      return lz4_decompress(input, max_output, output);
    case Compression::kZstd:
      return zstd_decompress(input, max_output, output);
  }
  return unknown_codec(codec);
}

}  // namespace ferry::broker
