// The two sparse indexes beside each segment, in Kafka's on-disk formats so that a Kafka tool
// pointed at a Ferry data directory (kafka-dump-log) reads them:
//   <base offset>.index      entries of 8 bytes: offset - base offset (int32), file position
//                            (int32) of the batch holding that offset; both big-endian
//   <base offset>.timeindex  entries of 12 bytes: timestamp (int64), offset - base offset (int32)
// An entry is added every index.interval.bytes of log, so a lookup finds a nearby position and
// the reader scans batch headers from there. Entries are strictly increasing (offsets and
// positions; timestamps for the time index), which open() checks: a damaged index is reported
// and rebuilt from the log by the segment, never trusted.
//
// Unlike Kafka, the files are not preallocated and memory-mapped: entries are kept in memory and
// appended to the file, so the file always holds exactly its entries and no sizing is needed.
//
// Thread-safety: none; the segment serialises appends against lookups.
#pragma once

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

class OffsetIndex {
 public:
  static constexpr std::size_t kEntrySize = 8;

  // Loads the index; corruption if the file is not a whole number of entries or the entries are
  // not increasing or point past segment_size.
  static Result<OffsetIndex> open(const std::filesystem::path& path, std::int64_t base_offset,
                                  std::uint64_t segment_size);
  // An empty index at path, replacing whatever was there.
  static Result<OffsetIndex> create(const std::filesystem::path& path, std::int64_t base_offset);

  Status append(std::int64_t offset, std::uint32_t position);
  // The last entry at or before offset, or {base offset, 0}.
  OffsetPosition lookup(std::int64_t offset) const;
  // Drops entries at or after position (the log was truncated there).
  Status truncate_to_position(std::uint32_t position);
  Status sync() { return file_.sync(); }

  std::size_t size() const { return entries_.size(); }
  std::optional<OffsetPosition> last() const;

 private:
  OffsetIndex(File file, std::int64_t base_offset) : file_(std::move(file)), base_(base_offset) {}

  File file_;
  std::int64_t base_;
  std::vector<OffsetPosition> entries_;
};

class TimeIndex {
 public:
  static constexpr std::size_t kEntrySize = 12;

  static Result<TimeIndex> open(const std::filesystem::path& path, std::int64_t base_offset,
                                std::int64_t next_offset);
  static Result<TimeIndex> create(const std::filesystem::path& path, std::int64_t base_offset);

  // Ignored unless timestamp is larger than the last entry's.
  Status maybe_append(std::int64_t timestamp, std::int64_t offset);
  // Where a search for the first record with a timestamp >= timestamp may start: the last entry
  // whose timestamp is below it (every batch before that entry's offset has smaller timestamps,
  // since entries record the running maximum), or nullopt to start at the segment's base.
  std::optional<TimestampOffset> lookup(std::int64_t timestamp) const;
  // Drops entries for offsets at or after offset.
  Status truncate_to_offset(std::int64_t offset);
  Status sync() { return file_.sync(); }

  std::size_t size() const { return entries_.size(); }
  std::optional<TimestampOffset> last() const;

 private:
  TimeIndex(File file, std::int64_t base_offset) : file_(std::move(file)), base_(base_offset) {}

  File file_;
  std::int64_t base_;
  std::vector<TimestampOffset> entries_;
};

}  // namespace ferry::broker
