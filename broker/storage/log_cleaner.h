// Compaction (cleanup.policy=compact): Kafka's log cleaner, for the one broker that owns the log.
// A compacted topic keeps at least the latest record of every key; older records of a key go,
// and so do tombstones (a null value) once delete.retention.ms has passed, so the key disappears.
// Retained records keep their offsets, timestamps and batches' producer fields.
//
// One clean() of a partition, as Kafka's LogCleaner.doClean:
//   1. Under the log's shared lock, note the segments that are no longer active (they never
//      change again) and the cleaner checkpoint: the log below it is already compacted (every
//      key at most once), the rest up to the active segment is dirty.
//   2. Without the log's lock, map key -> latest offset over the dirty records, stopping at the
//      first batch younger than min.compaction.lag.ms (the first uncleanable offset) or when the
//      map would outgrow the dedupe buffer (then only the prefix mapped is cleaned this time).
//      Keys compare as byte strings. If dirty records exist but none could be mapped, stop here.
//   3. Rewrite every segment below the end of the map, grouped while the result stays within
//      segment.bytes, segment.index.bytes and a 32-bit offset range: a record stays unless the
//      map holds a later offset for its key, or it is a tombstone past the delete horizon. A
//      batch that keeps every record is copied byte for byte; one that keeps some is rebuilt
//      with the same base offset, last offset (Kafka's MemoryRecords.filterTo), codec, timestamp
//      type and producer fields; one that keeps none is dropped. Control batches are copied. A
//      group of one segment that keeps every record is left as it is. With nothing dirty at all
//      the map is empty, and such a pass only drops expired tombstones.
//   4. Swap each group in (below), one group at a time and in offset order, then write the
//      checkpoint: the end of the map.
//
// The swap. A group [S1..Sn] becomes one segment with S1's base offset X:
//   X.index.cleaned, X.timeindex.cleaned, X.log.cleaned   written and fsynced, no lock held
//   then under the log's exclusive lock (so that retention cannot delete part of the group):
//   rename each to .swap, the .log last; fsync the directory        <- the commit point
//   delete S2..Sn; rename each .swap to its final name, the .log last (replacing S1's files);
//   open the new segment and put it in the map in S1..Sn's place
//   fsync the directory (after the lock: a crash before it is finished by the next open)
// recover_interrupted_cleaning(), called by PartitionLog::open, makes any crash land on one side:
//   *.cleaned                        not committed: deleted
//   X.log.swap                       committed: the segments with a base offset in (X, end of the
//                                    swap file) are deleted, X's .swap files renamed
//   X.index.swap without X.log.swap  not committed (the .log goes last both times): deleted
// If S1..Sn ended in segments that lost every record, those lie past the end of the swap file
// and survive such a crash; they hold only records compaction removes (none of which can
// resurrect a deleted key: a tombstone is only dropped together with, or after, the records it
// deletes, which lie at lower offsets) and the next compaction removes them.
//
// Simplifications against Kafka: tombstones go when their batch's max timestamp is older than
// delete.retention.ms (Kafka counts from when the cleaner first saw the tombstone, and writes
// that into the batch as its delete horizon); transactions are not considered (aborted records
// are not dropped early, and control batches are kept as they are); a batch left with no record
// is dropped (Kafka keeps a producer's last batch, empty, for its sequence numbers); keys are
// kept whole in the map, not as 16-byte hashes; one cleaner runs per log, called by the owner
// (LogManager) rather than by a pool of cleaner threads.
//
// Files in the partition directory:
//   cleaner-offset-checkpoint   "0\n<offset>\n": format version 0, then the checkpoint; written
//                               atomically (temporary file, fsync, rename, directory fsync)
//
// Thread-safety: clean() may be called from any thread; calls on the same log run one at a
// time (PartitionLog::cleaner_mutex_). Appends and reads on the log go on while it runs and wait
// only for the swaps. Files appear in the partition directory only under the log's lock (new
// files are created under the shared lock, renames done under the exclusive one), so a deletion
// of the log, which empties the directory under the exclusive lock, never finds one appearing;
// after it, the compaction stops with not_found.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/storage/partition_log.h"
#include "common/result.h"

namespace ferry::broker {

inline constexpr std::string_view kCleanerCheckpointFile = "cleaner-offset-checkpoint";

struct CleanerStats {
  std::int64_t first_dirty_offset = 0;        // the checkpoint the clean started from
  std::int64_t first_uncleanable_offset = 0;  // the active segment, or min.compaction.lag.ms
  std::int64_t end_offset = 0;                // the new checkpoint: the log below it is compacted
  std::int64_t records_read = 0;              // in the segments rewritten
  std::int64_t records_kept = 0;
  std::int64_t tombstones_removed = 0;  // past delete.retention.ms (superseded ones not counted)
  std::uint64_t bytes_read = 0;
  std::uint64_t bytes_written = 0;
  int segments_read = 0;
  int segments_written = 0;
  // The dedupe buffer filled up before the first uncleanable offset: only the log below
  // end_offset is compacted, the rest waits for the next clean.
  bool dedupe_buffer_full = false;
  // Retention or a deletion removed segments of a group meanwhile: that group and the ones after
  // it were left as they were, and the checkpoint stays.
  bool aborted = false;
  std::vector<std::string> notes;  // what reopening a new segment reported (nothing, normally)
};

// Points of a clean where a test stops it as a crash would (LogCleanerOptions::crash_after).
enum class CleanerStep {
  kCleanedWritten,  // a group's .cleaned files are written and synced
  kSwapCommitted,   // renamed to .swap, directory synced
  kOldDeleted,      // the group's other segments deleted
  kIndexesRenamed,  // .index and .timeindex have their final names, the .log.swap not yet
  kSwapped,         // every file renamed and the new segment in the map; checkpoint not written
};

struct LogCleanerOptions {
  // Memory for the key -> offset map, Kafka's log.cleaner.dedupe.buffer.size.
  std::size_t dedupe_buffer_bytes = 128 << 20;
  // For tests: when it returns true for a step, clean() returns at once (retriable, "stopped
  // after ..."), leaving the files and the map as a crash there would.
  std::function<bool(CleanerStep)> crash_after;
};

class LogCleaner {
 public:
  explicit LogCleaner(LogCleanerOptions options = {});

  // The share of the log's bytes (active segment excluded) at or after the cleaner checkpoint,
  // counted by whole segments, as Kafka's cleanable ratio; 0 when there is nothing but the
  // active segment. Compaction is due when it is above min.cleanable.dirty.ratio.
  static double dirty_ratio(const PartitionLog& log);

  // Compacts the log as the header comment says. Callers pick logs whose cleanup.policy
  // includes compact; a record without a key (which such a log refuses) is kept.
  Result<CleanerStats> clean(PartitionLog& log, std::int64_t now_ms) const;

 private:
  class Compaction;  // one clean() of one log (log_cleaner.cpp)

  LogCleanerOptions options_;
};

// Finishes or rolls back a compaction that a crash interrupted, as the header comment says;
// what it did goes into notes. For PartitionLog::open, before it lists the segments.
Status recover_interrupted_cleaning(const std::filesystem::path& directory,
                                    std::vector<std::string>& notes);

// The checkpoint in directory, or nullopt when there is none; one that does not parse is
// reported in notes and ignored (the next clean maps the whole log, which is always safe).
std::optional<std::int64_t> read_cleaner_checkpoint(const std::filesystem::path& directory,
                                                    std::vector<std::string>& notes);

}  // namespace ferry::broker
