// The per-topic settings the storage engine obeys, under Kafka's topic-config names and with
// Kafka's defaults, except where a single-node broker needs another default (said below).
//
//   segment.bytes          1073741824  roll the active segment when the next batch would pass it
//   segment.ms             604800000   ... or when its first batch is older than this
//   segment.index.bytes    10485760    ... or when its offset index would pass this
//   index.interval.bytes   4096        bytes of log between two index entries
//   max.message.bytes      1048588     largest batch accepted
//   retention.ms           604800000   delete segments whose newest record is older (-1: never)
//   retention.bytes        -1          delete oldest segments while the log is larger (-1: never)
//   cleanup.policy         delete      delete | compact | compact,delete
//   min.compaction.lag.ms  0           records younger than this are not compacted
//   delete.retention.ms    86400000    how long compaction keeps tombstones
//   min.cleanable.dirty.ratio 0.5      compact once more than this share of the log is dirty
//   message.timestamp.type CreateTime  CreateTime | LogAppendTime
//   flush.messages         (see below) fsync after this many records
//   flush.ms               (see below) fsync when the oldest unsynced append is this old
//                          (the broker's background check, every 200 ms; appends never wait)
//
// Durability: an acknowledged append has been written to the file, so it survives kill -9 of the
// process. Power loss is what fsync is for: Kafka leaves flush.messages and flush.ms at
// Long.MAX_VALUE because replication covers it, but the embedded broker has no replica, so Ferry's
// default is flush.ms=1000 (at most about a second, plus the 200 ms check, of acknowledged records
// at risk on power loss) and flush.messages=Long.MAX_VALUE. flush.messages=1 makes every append
// durable before it is acknowledged.
#pragma once

#include <cstdint>
#include <limits>

#include "broker/storage/record_batch.h"

namespace ferry::broker {

struct LogConfig {
  std::int64_t segment_bytes = 1073741824;
  std::int64_t segment_ms = 604800000;
  std::int64_t segment_index_bytes = 10485760;
  std::int64_t index_interval_bytes = 4096;
  std::int64_t max_message_bytes = 1048588;
  std::int64_t retention_ms = 604800000;
  std::int64_t retention_bytes = -1;
  bool cleanup_delete = true;
  bool cleanup_compact = false;
  std::int64_t min_compaction_lag_ms = 0;
  std::int64_t delete_retention_ms = 86400000;
  double min_cleanable_dirty_ratio = 0.5;
  TimestampType timestamp_type = TimestampType::kCreateTime;
  std::int64_t flush_messages = std::numeric_limits<std::int64_t>::max();
  std::int64_t flush_ms = 1000;
};

}  // namespace ferry::broker
