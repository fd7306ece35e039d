// One segment of a partition's log: <base offset>.log holding whole RecordBatch v2 batches back to
// back, exactly as Kafka stores them, with its offset and time indexes (segment_index.h). Batches
// arrive with their offsets assigned; the segment appends their bytes unchanged, so a fetch can
// hand the file's bytes to a client as they are.
//
// Opening checks the segment: its indexes are loaded and checked (rebuilt from the log when
// missing or damaged), and the batches after the last index entry — the tail — are read and their
// CRCs checked. A full recovery instead reads every batch, checks every CRC and that offsets
// increase, truncates the file at the first batch that fails (a torn write) and rebuilds both
// indexes. What was found is reported in the notes, for the log owner to log.
//
// Thread-safety: none of its own. The partition log serialises appends, truncation and removal
// against everything else; reads (read, find_position, find_offset_for_timestamp) may run
// concurrently with each other under the log's shared lock.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "broker/storage/file.h"
#include "broker/storage/record_batch.h"
#include "broker/storage/segment_index.h"
#include "common/result.h"

namespace ferry::broker {

// What the log knows about a batch it appends.
struct BatchPlacement {
  std::int64_t base_offset = 0;
  std::int64_t last_offset = 0;
  std::int64_t max_timestamp = -1;
};

class LogSegment {
 public:
  // The 20-digit zero-padded file name Kafka uses: 00000000000000000042.log
  static std::string file_stem(std::int64_t base_offset);
  // The base offset a segment file name stands for, or nullopt if it is not one.
  static std::optional<std::int64_t> parse_file_stem(std::string_view stem);
  // <directory>/<file stem><extension>, e.g. extension ".log" or ".index.swap".
  static std::filesystem::path file_path(const std::filesystem::path& directory,
                                         std::int64_t base_offset, std::string_view extension);
  // The three files of a segment, the log last: whoever renames a segment's files one by one
  // renames them in this order, so that the .log's new name marks the whole rename as done.
  static constexpr std::string_view kExtensions[] = {".index", ".timeindex", ".log"};

  // A new, empty segment (any files of that name are replaced). A suffix makes the files
  // <base>.log<suffix> and so on: the log cleaner writes a segment as ".cleaned" before it
  // becomes part of the log.
  static Result<std::unique_ptr<LogSegment>> create(const std::filesystem::path& directory,
                                                    std::int64_t base_offset,
                                                    std::int64_t index_interval_bytes,
                                                    std::string_view suffix = "");
  // An existing segment, checked as the header comment says; full_recovery reads all of it.
  static Result<std::unique_ptr<LogSegment>> open(const std::filesystem::path& directory,
                                                  std::int64_t base_offset,
                                                  std::int64_t index_interval_bytes,
                                                  bool full_recovery,
                                                  std::vector<std::string>& notes);

  std::int64_t base_offset() const { return base_offset_; }
  std::uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // One past the last offset in the segment (the base offset when empty).
  std::int64_t next_offset() const { return next_offset_; }
  // The largest batch max timestamp, or -1 when empty.
  std::int64_t max_timestamp() const { return max_timestamp_; }
  // The max timestamp of the first batch (what segment.ms counts from), or -1 when empty.
  std::int64_t first_batch_timestamp() const { return first_batch_timestamp_; }
  const std::filesystem::path& log_path() const { return log_.path(); }
  std::size_t offset_index_entries() const { return offset_index_.size(); }

  Status append(std::span<const std::uint8_t> batch, const BatchPlacement& placement);

  // The file position of the first batch that holds an offset >= offset, if one starts before
  // end (a position snapshot taken by the reader, so batches appended later are not seen).
  Result<std::optional<std::uint64_t>> find_position(std::int64_t offset, std::uint64_t end) const;

  // Whole batches from position, at most max_bytes of them, and never past end; at least one
  // batch even when it is larger than max_bytes if at_least_one (Kafka's fetch rule, so a large
  // batch cannot stall a consumer).
  Result<std::vector<std::uint8_t>> read(std::uint64_t position, std::uint64_t max_bytes,
                                         std::uint64_t end, bool at_least_one) const;

  // The offset of the first batch with max timestamp >= timestamp, or nullopt if none.
  Result<std::optional<std::int64_t>> find_offset_for_timestamp(std::int64_t timestamp) const;

  // Calls visit with every batch of the segment in order: its header (read_batch_header's checks
  // only) and its bytes, valid during the call only. visit returns true to go on, false to stop,
  // or an error, which ends the walk and is returned. Reads through one large buffer. The log
  // cleaner reads segments that are no longer active this way without the log's lock: such a
  // segment never changes, and its descriptor outlives a deletion of its files.
  using BatchVisitor = std::function<Result<bool>(const RecordBatchHeader& header,
                                                  std::span<const std::uint8_t> batch)>;
  Status for_each_batch(const BatchVisitor& visit) const;

  // One past the last offset of the batches in the log file at path (base_offset when it holds
  // none), reading every batch and checking its CRC; corruption names the file and position of
  // a batch that fails. For files not opened as segments: a .swap left by an interrupted
  // compaction.
  static Result<std::int64_t> scan_next_offset(const std::filesystem::path& path,
                                               std::int64_t base_offset);

  // Drops every batch at or after offset (which must be a batch boundary or beyond the end).
  Status truncate_to(std::int64_t offset);

  Status flush();
  // Deletes the segment's files (suffix included); reads through this object still work, on the
  // unlinked files, until it is destroyed.
  Status remove();

 private:
  LogSegment(std::filesystem::path directory, std::int64_t base_offset,
             std::int64_t index_interval_bytes, std::string suffix, File log,
             OffsetIndex offset_index, TimeIndex time_index);

  Status recover(std::vector<std::string>& notes);
  Status check_tail(std::vector<std::string>& notes, bool* needs_recovery);
  Status index(std::uint64_t position, const BatchPlacement& placement, std::uint64_t size);

  std::filesystem::path directory_;
  std::int64_t base_offset_;
  std::int64_t index_interval_bytes_;
  std::string suffix_;  // of the file names: "" or ".cleaned"
  File log_;
  OffsetIndex offset_index_;
  TimeIndex time_index_;
  std::uint64_t size_ = 0;
  std::int64_t next_offset_;
  std::int64_t max_timestamp_ = -1;
  std::int64_t offset_of_max_timestamp_;
  std::int64_t first_batch_timestamp_ = -1;
  std::uint64_t bytes_since_index_entry_ = 0;
};

}  // namespace ferry::broker
