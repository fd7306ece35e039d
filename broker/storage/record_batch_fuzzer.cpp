// Hostile bytes through decode_batch: no crash, no sanitizer report, no read outside the input,
// no allocation beyond the decompression limit. A random input almost never has a matching
// CRC-32C, so the fuzzer writes the right CRC into its copy first (when the input holds a whole
// batch) and spends its time in the record and codec parsing behind the check. Whatever decodes
// must survive a rebuild and decode again to the same records.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <optional>
#include <span>
#include <vector>

#include "broker/storage/record_batch.h"
#include "broker/storage/wire_format.h"

namespace {

using ferry::broker::RecordBatchBuilder;
using ferry::broker::RecordView;

constexpr std::size_t kMaxDecompressed = 1024 * 1024;

bool same_bytes(const std::optional<std::span<const std::uint8_t>>& a,
                const std::optional<std::span<const std::uint8_t>>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || std::equal(a->begin(), a->end(), b->begin(), b->end());
}

void check_rebuild(const ferry::broker::DecodedBatch& decoded) {
  RecordBatchBuilder builder({.base_offset = decoded.header().base_offset});
  for (const RecordView& record : decoded.records()) {
    // Timestamps of a hostile batch may be too far apart for one batch; that is a refusal,
    // not a bug.
    if (!builder.append(record.timestamp, record.key, record.value, record.headers).ok()) return;
  }
  auto rebuilt = builder.build();
  if (!rebuilt.ok()) std::abort();
  auto again = ferry::broker::decode_batch(*rebuilt, kMaxDecompressed);
  if (!again.ok() || again->records().size() != decoded.records().size()) std::abort();
  for (std::size_t i = 0; i < decoded.records().size(); ++i) {
    const RecordView& a = decoded.records()[i];
    const RecordView& b = again->records()[i];
    if (a.timestamp != b.timestamp || !same_bytes(a.key, b.key) || !same_bytes(a.value, b.value) ||
        a.headers.size() != b.headers.size()) {
      std::abort();
    }
    for (std::size_t h = 0; h < a.headers.size(); ++h) {
      if (a.headers[h].key != b.headers[h].key ||
          !same_bytes(a.headers[h].value, b.headers[h].value)) {
        std::abort();
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace layout = ferry::broker::batch_layout;
  std::vector<std::uint8_t> batch(data, data + size);
  if (batch.size() >= ferry::broker::kRecordBatchHeaderSize) {
    const auto length = ferry::broker::load_be<std::int32_t>(batch.data() + layout::kBatchLength);
    const auto whole = static_cast<std::size_t>(length) + ferry::broker::kRecordBatchLengthOverhead;
    if (length >= ferry::broker::kMinBatchLength && whole <= batch.size()) {
      const std::uint32_t crc =
          ferry::broker::compute_batch_crc(std::span<const std::uint8_t>(batch).first(whole));
      ferry::broker::store_be(batch.data() + layout::kCrc, crc);
    }
  }
  auto decoded = ferry::broker::decode_batch(batch, kMaxDecompressed);
  if (!decoded.ok()) return 0;
  // Touch every byte a view points at, so ASan sees any view outside its buffer.
  std::size_t sum = 0;
  for (const RecordView& record : decoded->records()) {
    if (record.key) sum += std::accumulate(record.key->begin(), record.key->end(), std::size_t{0});
    if (record.value) {
      sum += std::accumulate(record.value->begin(), record.value->end(), std::size_t{0});
    }
    for (const auto& header : record.headers) {
      sum += header.key.size();
      if (header.value)
        sum += std::accumulate(header.value->begin(), header.value->end(), std::size_t{0});
    }
  }
  volatile std::size_t sink = sum;
  (void)sink;
  check_rebuild(*decoded);
  return 0;
}
