// The two sparse indexes beside each segment, in Kafka's on-disk formats so that a Kafka tool
// pointed at a Ferry data directory (kafka-dump-log) reads them:
//   <base offset>.index      entries of 8 bytes: offset - base offset (int32), file position
//                            (int32) of the batch whose LAST offset that is; both big-endian
//   <base offset>.timeindex  entries of 12 bytes: timestamp (int64), offset - base offset (int32):
//                            the largest batch max timestamp so far and the last offset of the
//                            batch that has it
// An entry is added every index.interval.bytes of log, so a lookup finds a nearby position and
// the reader scans batch headers from there. Entries are strictly increasing (offsets and
// positions; timestamps for the time index), which open() checks. That check cannot see an entry
// that was garbled into another plausible value, so the segment verifies every entry it uses
// against the batch it names and falls back to a scan when they disagree (log_segment.h).
//
// Unlike Kafka, the files are not preallocated and memory-mapped: entries are kept in memory and
// appended to the file, so the file always holds exactly its entries and no sizing is needed.
// Appends are buffered: the entries not yet in the file are written in one write once they fill
// kWriteChunkBytes, and by write_pending() (on flush, roll and close). A crash may therefore lose
// the last few entries from the file. That is harmless: the segment's open checks the batches
// after the last entry in the file and adds the entries they should have (log_segment.h).
//
// Read-only indexes (a reader beside the broker that writes them, log_segment.h) load what the
// file holds, ignoring a last entry the writer is halfway through, and never write: entries a
// reader adds stay in memory. An index made in_memory() has no file at all.
//
// Thread-safety: none; the segment serialises appends against lookups.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "broker/storage/file.h"
#include "common/result.h"

namespace ferry::broker {

struct OffsetPosition {
  std::int64_t offset = 0;
  std::uint32_t position = 0;
};

struct TimestampOffset {
  std::int64_t timestamp = 0;
  std::int64_t offset = 0;
};

// How many bytes of new entries an index gathers before it writes them.
inline constexpr std::size_t kIndexWriteChunkBytes = 4096;

class OffsetIndex {
 public:
  static constexpr std::size_t kEntrySize = 8;

  // Loads the index; corruption if the file is not a whole number of entries or the entries are
  // not increasing or point past segment_size.
  // read_only: the file is opened for reading, a partial last entry is ignored, and nothing is
  // ever written to it.
  static Result<OffsetIndex> open(const std::filesystem::path& path, std::int64_t base_offset,
                                  std::uint64_t segment_size, bool read_only = false);
  // An empty index at path, replacing whatever was there.
  static Result<OffsetIndex> create(const std::filesystem::path& path, std::int64_t base_offset);
  // An empty index with no file (for a read-only segment whose index file cannot be used).
  static OffsetIndex in_memory(std::int64_t base_offset);

  // invalid_argument unless the entry follows the last one and its offset is within 2^31-1 of
  // the base. Writes the buffered entries when they fill a chunk; if that write fails they stay
  // buffered and the next write_pending() reports it.
  Status append(std::int64_t offset, std::uint32_t position);
  // The last entry at or before offset, or {base offset, 0}.
  OffsetPosition lookup(std::int64_t offset) const;
  // The index of the last entry at or before offset, or nullopt if there is none.
  std::optional<std::size_t> lookup_slot(std::int64_t offset) const;
  const OffsetPosition& entry(std::size_t slot) const { return entries_[slot]; }
  // The index of the first entry at or after position, size() if there is none.
  std::size_t first_slot_from(std::uint64_t position) const;
  // Drops entries at or after position (the log was truncated there).
  Status truncate_to_position(std::uint32_t position);
  // Writes the entries not yet in the file.
  Status write_pending();
  // Never writes again (see LogSegment::abandon_index_files).
  void abandon_file() { abandoned_ = true; }
  // fdatasync; write_pending() first for the entries to be in it.
  Status sync() { return file_.sync(); }

  std::size_t size() const { return entries_.size(); }
  std::size_t persisted() const { return persisted_; }
  std::optional<OffsetPosition> last() const;
  const std::filesystem::path& path() const { return file_.path(); }

 private:
  OffsetIndex(File file, std::int64_t base_offset) : file_(std::move(file)), base_(base_offset) {}

  File file_;
  std::int64_t base_;
  std::vector<OffsetPosition> entries_;
  std::size_t persisted_ = 0;  // entries_[0, persisted_) are in the file
  bool abandoned_ = false;
};

class TimeIndex {
 public:
  static constexpr std::size_t kEntrySize = 12;

  static Result<TimeIndex> open(const std::filesystem::path& path, std::int64_t base_offset,
                                std::int64_t next_offset, bool read_only = false);
  static Result<TimeIndex> create(const std::filesystem::path& path, std::int64_t base_offset);
  static TimeIndex in_memory(std::int64_t base_offset);

  // Ignored unless timestamp is larger than the last entry's.
  Status maybe_append(std::int64_t timestamp, std::int64_t offset);
  // Where a search for the first record with a timestamp >= timestamp may start: the last entry
  // whose timestamp is below it (every batch up to that entry's offset has smaller timestamps,
  // since entries record the running maximum), or nullopt to start at the segment's base.
  std::optional<TimestampOffset> lookup(std::int64_t timestamp) const;
  // The index of that entry, or nullopt.
  std::optional<std::size_t> lookup_slot(std::int64_t timestamp) const;
  const TimestampOffset& entry(std::size_t slot) const { return entries_[slot]; }
  // Drops entries for offsets at or after offset.
  Status truncate_to_offset(std::int64_t offset);
  Status write_pending();
  void abandon_file() { abandoned_ = true; }
  Status sync() { return file_.sync(); }

  std::size_t size() const { return entries_.size(); }
  std::size_t persisted() const { return persisted_; }
  std::optional<TimestampOffset> last() const;
  const std::filesystem::path& path() const { return file_.path(); }

 private:
  TimeIndex(File file, std::int64_t base_offset) : file_(std::move(file)), base_(base_offset) {}

  File file_;
  std::int64_t base_;
  std::vector<TimestampOffset> entries_;
  std::size_t persisted_ = 0;
  bool abandoned_ = false;
};

}  // namespace ferry::broker
