// The checks a producer's batch passes before the partition log appends it, as Kafka's
// LogValidator makes them:
//   size      at most max.message.bytes                                        (too_large)
//   CRC       over the whole batch, computed once                              (corruption)
//   header    records count > 0 and last offset delta = count - 1: a producer numbers its
//             records 0..count-1                                               (invalid_argument)
//   records   each well-formed exactly as decode_batch (record_batch.h) requires: a known codec,
//             lengths and varints inside the bytes present, timestamps that do not overflow,
//             header keys present, nothing left over                           (corruption)
//             offset delta = the record's index in the batch                   (invalid_argument)
//             on a compacted topic, a key                                      (invalid_argument)
// What it accepts is exactly what decode_batch accepts, narrowed by the producer rules, but it
// gets there without building the records' views: it walks their varints in place. Compressed
// records are decompressed first, bounded as the log bounds them (max.message.bytes times 64,
// and 64 MiB at least), into a buffer the calling thread keeps for its next batch. Messages
// read like decode_batch's ("record batch at offset 0: record 3 of 10: key: ...").
//
// Thread-safety: a pure function but for the per-thread decompression buffer.
#pragma once

#include <cstdint>
#include <span>

#include "broker/storage/log_config.h"
#include "broker/storage/record_batch.h"
#include "common/result.h"

namespace ferry::broker {

// batch is exactly the batch whose header read_batch_header parsed (header.size() bytes).
Status validate_batch_for_append(std::span<const std::uint8_t> batch,
                                 const RecordBatchHeader& header, const LogConfig& config);

}  // namespace ferry::broker
