// The codecs a record batch's records section may be compressed with (attributes bits 0-2), in
// the byte formats Kafka's clients write and read, so that batches cross between Ferry, the Java
// clients and librdkafka unchanged:
//
//   gzip    a gzip stream (RFC 1952); several concatenated members are read as one stream.
//   snappy  written in the framing of xerial snappy-java, which the Java producer uses: the
//           16-byte header "\x82SNAPPY\0" + int32 version 1 + int32 min-compatible version 1
//           (big-endian), then blocks of at most 32 KiB of input, each a 4-byte big-endian
//           length and a raw snappy block. Read: that framing (including headers repeated
//           mid-stream, as snappy-java's concatenated streams have) or one raw snappy block,
//           which librdkafka writes and snappy-java falls back to.
//   lz4     the LZ4 frame format (lz4frame.h), written the way Kafka's Lz4BlockOutputStream
//           writes it: 64 KiB independent blocks, no content size, no checksums, since Kafka's
//           reader rejects linked blocks. Read: any valid frame, and concatenated frames.
//   zstd    standard zstd frames; frames without a content size are read too (the Java client
//           streams and never writes one).
//
// Decompression is bounded: the caller passes max_output, and a stream that would decompress to
// more fails with invalid_argument having allocated at most max_output + 1 bytes for it, so a
// small hostile batch cannot exhaust memory. Damaged input fails
// with corruption. Every message starts with the codec's name ("lz4: frame truncated ...").
//
// Thread-safety: pure functions; each call uses its own codec state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ferry::broker {

// The values are Kafka's codec ids, as stored in the attributes.
enum class Compression : std::uint8_t { kNone = 0, kGzip = 1, kSnappy = 2, kLz4 = 3, kZstd = 4 };

// Kafka's compression.type spelling ("none", "gzip", ...); "unknown" for ids 5-7.
std::string_view compression_name(Compression codec);

// Whether codec is one of the five ids Kafka defines (an attributes field can hold 5-7).
constexpr bool is_known_compression(Compression codec) {
  return static_cast<std::uint8_t>(codec) <= static_cast<std::uint8_t>(Compression::kZstd);
}

// Appends the compressed form of input to output (kNone appends input as is). Uses each codec's
// default level: gzip 6, lz4 fast, zstd 3, as the Java producer does by default.
Status compress(Compression codec, std::span<const std::uint8_t> input,
                std::vector<std::uint8_t>& output);

// Appends the decompressed form of input to output, failing rather than growing output by more
// than max_output bytes. On failure output keeps its original size.
Status decompress(Compression codec, std::span<const std::uint8_t> input, std::size_t max_output,
                  std::vector<std::uint8_t>& output);

}  // namespace ferry::broker
