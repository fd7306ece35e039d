// The log of one topic partition: its directory of segments (<topic>-<partition>/ holding
// <base offset>.log, .index and .timeindex files, as Kafka lays them out), the offsets producers
// append at and consumers read from, segment rolling, retention and the fsync policy.
//
// Appends take the producer's RecordBatch v2 bytes, check them (CRC, size, that every record
// decodes and its offset delta is its position in the batch; keys on compacted topics), assign
// offsets in place (and the LogAppendTime when the topic asks for it) and write them unchanged,
// so a read returns the very bytes a Kafka client expects. An append that returns has reached
// the file (it survives kill -9); fsync follows flush.messages and flush.ms (log_config.h).
//
// Reads return whole batches from the one segment holding the offset: at most max_bytes, but
// always at least one batch, and starting with the batch that holds the offset (so the first
// records may be below it; Kafka consumers skip them). Reading at the log end offset returns no
// bytes; before the log start offset or past the end is out_of_range.
//
// Compaction (log_cleaner.h) rewrites segments that are no longer active into new ones without
// the records it removes, keeping every retained record's offset; batches and segments may then
// have gaps, so a read from a removed offset returns the batch holding the next record there is.
//
// Opening recovers the directory: a compaction the process died in is rolled back or completed
// (log_cleaner.h), every segment's tail is checked by CRC, damaged indexes are rebuilt, and after
// an unclean shutdown the last segment is read in full and truncated at the first torn or damaged
// batch. What happened is returned as notes for the broker to log.
//
// Thread-safety: every member may be called from any thread. Appends, retention, flushes and the
// moment a compaction swaps its segments in are serialised; reads run concurrently with each
// other and wait for an append in progress. A compaction reads and writes its segments without
// the log's lock, so appends and reads go on meanwhile.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "broker/storage/log_config.h"
#include "broker/storage/log_segment.h"
#include "common/result.h"

namespace ferry::broker {

struct AppendResult {
  std::int64_t base_offset = 0;
  std::int64_t last_offset = 0;
  std::int64_t log_append_time = -1;  // -1 unless the topic uses LogAppendTime
  std::int32_t record_count = 0;
};

struct ReadResult {
  std::vector<std::uint8_t> records;  // whole RecordBatch v2 batches
  std::int64_t high_watermark = 0;    // the log end offset: a single copy is all there is
  std::int64_t log_start_offset = 0;
};

class PartitionLog {
 public:
  static Result<std::unique_ptr<PartitionLog>> open(const std::filesystem::path& directory,
                                                    LogConfig config, bool clean_shutdown,
                                                    std::vector<std::string>& notes);

  ~PartitionLog();
  PartitionLog(const PartitionLog&) = delete;
  PartitionLog& operator=(const PartitionLog&) = delete;

  const std::filesystem::path& directory() const { return directory_; }

  // Appends one or more batches, rewriting their base offsets (and LogAppendTime) in place.
  // invalid_argument / corruption / too_large name the batch and what is wrong; nothing of a
  // rejected call is written.
  Result<AppendResult> append(std::span<std::uint8_t> batches, std::int64_t now_ms);

  Result<ReadResult> read(std::int64_t offset, std::uint64_t max_bytes) const;

  std::int64_t log_start_offset() const;
  std::int64_t log_end_offset() const;
  // The offset of the first batch whose timestamp is >= timestamp, or nullopt (Kafka's
  // ListOffsets by timestamp answers -1 then).
  Result<std::optional<std::int64_t>> offset_for_timestamp(std::int64_t timestamp) const;

  // fsync what flush.ms says is due; called by the broker's background thread.
  Status flush_if_due(std::int64_t now_ms);
  Status flush();

  // Deletes the oldest segments that retention.ms or retention.bytes say are expired (never the
  // active segment); returns how many went.
  Result<int> apply_retention(std::int64_t now_ms);

  void set_config(const LogConfig& config);
  LogConfig config() const;

  std::uint64_t size_in_bytes() const;
  std::size_t segment_count() const;

  // The offset below which compaction has deduplicated the log (the cleaner-offset-checkpoint);
  // the log start offset before the first compaction.
  std::int64_t cleaner_checkpoint() const;

  // Deletes every file and the directory; afterwards reads and appends are not_found and the
  // offsets -1.
  Status remove();

 private:
  // Compaction reads the segment map and swaps segments in under mutex_ (log_cleaner.cpp).
  friend class LogCleaner;

  PartitionLog(std::filesystem::path directory, LogConfig config);

  Status roll_if_needed(std::uint64_t incoming_bytes, std::int64_t now_ms);
  Status flush_locked();
  Status removed() const;
  LogSegment& active() { return *segments_.rbegin()->second; }
  const LogSegment& active() const { return *segments_.rbegin()->second; }

  std::filesystem::path directory_;
  mutable std::shared_mutex mutex_;
  LogConfig config_;  // guarded by mutex_
  // Shared so that a compaction can go on reading a segment that retention deletes meanwhile.
  std::map<std::int64_t, std::shared_ptr<LogSegment>> segments_;  // guarded by mutex_
  std::int64_t unflushed_messages_ = 0;                           // guarded by mutex_
  std::int64_t first_unflushed_ms_ = -1;                          // guarded by mutex_
  std::int64_t cleaner_checkpoint_ = 0;                           // guarded by mutex_
  // Held for a whole compaction, so that one runs at a time; never taken under mutex_.
  std::mutex cleaner_mutex_;
};

}  // namespace ferry::broker
