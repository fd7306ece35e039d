// One segment of a partition's log: <base offset>.log holding whole RecordBatch v2 batches back to
// back, exactly as Kafka stores them, with its offset and time indexes (segment_index.h). Batches
// arrive with their offsets assigned; the segment appends their bytes unchanged, so a fetch can
// hand the file's bytes to a client as they are.
//
// Offsets. A batch's base offset is outside its CRC, so only its place in the log can vouch for
// it. The last segment of a log is only ever appended to, so its batches are contiguous: each
// starts one past the last offset of the one before, the first at the segment's base. Older
// segments may have gaps (compaction leaves them), so there a batch must only start after the
// one before, and end within the 32-bit offset range of the indexes and below the next
// segment's base. Recovery holds every batch to these rules (SegmentOpenOptions).
//
// Opening checks the segment. Its indexes are loaded and checked (a missing or damaged index is
// reported and rebuilt from the log). Then the batches after the last offset index entry in the
// file — the tail — are read, their CRCs and offsets checked, and index entries the tail should
// have had (the index buffers its writes, so a crash can lose the last ones) are added. A full
// recovery instead reads every batch, checks its CRC and offsets, truncates the file at the
// first batch that fails (a torn write, or damage) and rebuilds both indexes. What was found is
// reported in the notes, for the log owner to log.
//
// Reads trust neither index blindly: an offset index entry is used only if the batch at its
// position parses and ends at the entry's offset, a time index entry only if the batch it names
// has the entry's timestamp as its max timestamp. Otherwise the lookup falls back to the entry
// before or to the segment start, and indexes_damaged() turns true so that the owner rebuilds
// them (rebuilt_copy). A read never skips a batch it cannot parse: a damaged header, or a batch
// that runs past the end of the segment, is corruption naming the file and the position. Reads
// do not check CRCs (see partition_log.h for why).
//
// Read-only segments (SegmentOpenOptions::read_only) are how a reader beside a running broker
// sees the broker's files: the broker appends to them, rolls, compacts and deletes them meanwhile,
// and the reader must neither write nor be confused. Such a segment opens its files for reading
// only, loads its indexes read-only (falling back to an index in memory, built by the scan, when
// a file is missing or does not load) and keeps every entry it adds in memory. Where a read-write
// open would truncate (a batch that is torn, fails its CRC or breaks the offset rules), a
// read-only one takes the valid prefix as the segment and leaves the file as it is: at the end of
// the active segment that is usually a batch the broker is writing at this moment. refresh_tail()
// takes in what the broker appended since. The indexes are loaded before the size of the log is
// taken, so every entry they hold names a batch already in the file.
//
// Thread-safety: none of its own. The partition log serialises appends, truncation and removal
// against everything else; reads (read, find_position, find_offset_for_timestamp) may run
// concurrently with each other under the log's shared lock, and so may sync() on a segment that
// no longer takes appends.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
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

// Reads batch headers through a small buffer (log_segment.cpp).
class HeaderReader;

// An allocator that leaves the elements of a resize() default-initialised: for bytes, not
// zeroed. A read fills the whole buffer at once, and zeroing megabytes first cost as much as
// the read itself.
template <typename T>
struct DefaultInitAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() = default;
  template <typename U>
  explicit DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}
  template <typename U>
  void construct(U* element) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(element)) U;
  }
  template <typename U, typename... Args>
  void construct(U* element, Args&&... args) {
    std::allocator_traits<std::allocator<T>>::construct(static_cast<std::allocator<T>&>(*this),
                                                        element, std::forward<Args>(args)...);
  }
};

// Batches read from a segment.
using SegmentBytes = std::vector<std::uint8_t, DefaultInitAllocator<std::uint8_t>>;

// Where a run of whole batches lies in a segment's .log file: size bytes at position. file is
// the segment's own open file, shared, so it stays open (and, after the segment is deleted or
// replaced, readable as it was) for as long as the range is kept.
struct FileRange {
  std::shared_ptr<const File> file;
  std::uint64_t position = 0;
  std::uint64_t size = 0;
};

// How LogSegment::open checks a segment (see the header comment for the offset rules).
struct SegmentOpenOptions {
  // Read every batch, check its CRC and offsets, truncate at the first that fails, rebuild the
  // indexes. Otherwise only the tail is read.
  bool full_recovery = false;
  // The log's last segment, whose batches must be contiguous.
  bool last = false;
  // Every offset of the segment must be below this: the next segment's base offset.
  std::int64_t next_segment_base = std::numeric_limits<std::int64_t>::max();
  // Open for reading only and never write a file (see the header comment); full_recovery then
  // only reads: it finds the valid prefix and keeps the rebuilt indexes in memory.
  bool read_only = false;
  // Called, when a recovery runs (asked for, or because the tail or an index is damaged), with
  // the header of every batch it keeps, in order: the partition log rebuilds its producer state
  // from them without reading the segment again.
  std::function<void(const RecordBatchHeader&)> on_recovered_batch;
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
  // An existing segment, checked as the header comment says. Damage is reported in notes and
  // repaired (the segment truncated, indexes rebuilt); only I/O errors fail the open.
  static Result<std::unique_ptr<LogSegment>> open(const std::filesystem::path& directory,
                                                  std::int64_t base_offset,
                                                  std::int64_t index_interval_bytes,
                                                  const SegmentOpenOptions& options,
                                                  std::vector<std::string>& notes);
  // The same, not the last segment of its log (what the log cleaner reopens).
  static Result<std::unique_ptr<LogSegment>> open(const std::filesystem::path& directory,
                                                  std::int64_t base_offset,
                                                  std::int64_t index_interval_bytes,
                                                  bool full_recovery,
                                                  std::vector<std::string>& notes) {
    return open(directory, base_offset, index_interval_bytes,
                SegmentOpenOptions{.full_recovery = full_recovery}, notes);
  }

  // A read-only segment with no file: what a read-only log shows, empty at base_offset, before
  // the broker has created its first segment file.
  static std::unique_ptr<LogSegment> empty_in_memory(const std::filesystem::path& directory,
                                                     std::int64_t base_offset);

  // Writes the index entries still buffered (unless the files were removed or abandoned).
  ~LogSegment();
  LogSegment(const LogSegment&) = delete;
  LogSegment& operator=(const LogSegment&) = delete;

  std::int64_t base_offset() const { return base_offset_; }
  std::uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // One past the last offset in the segment (the base offset when empty).
  std::int64_t next_offset() const { return next_offset_; }
  // The largest batch max timestamp, or -1 when empty.
  std::int64_t max_timestamp() const { return max_timestamp_; }
  // The max timestamp of the first batch (what segment.ms counts from), or -1 when empty.
  std::int64_t first_batch_timestamp() const { return first_batch_timestamp_; }
  const std::filesystem::path& log_path() const { return log_->path(); }
  std::size_t offset_index_entries() const { return offset_index_.size(); }
  bool read_only() const { return read_only_; }
  // Whether a log file is open (false only for empty_in_memory()).
  bool has_file() const { return log_->is_open(); }
  // The identity of the open .log file.
  Result<FileIdentity> log_identity() const { return log_->identity(); }

  // Read-only segments: takes in the batches appended to the file since the last look, each
  // whole, passing its CRC and continuing the segment's offsets (the last segment's rule),
  // stopping before the first that does not (not yet completely written, or torn). Returns
  // whether the segment grew. corruption if the file is now shorter than the segment: a writer
  // truncated it, and the owner must open it again.
  Result<bool> refresh_tail();

  Status append(std::span<const std::uint8_t> batch, const BatchPlacement& placement);

  // The file position of the first batch that holds an offset >= offset, if one starts before
  // end (a position snapshot taken by the reader, so batches appended later are not seen).
  // Reads one or two small chunks of the file when the index is sound. A header that does not
  // parse, or a batch running past end, on the way is corruption naming the file and position.
  Result<std::optional<std::uint64_t>> find_position(std::int64_t offset, std::uint64_t end) const;

  // Whole batches from position, at most max_bytes of them, and never past end; at least one
  // batch even when it is larger than max_bytes if at_least_one (Kafka's fetch rule, so a large
  // batch cannot stall a consumer). One read of up to max_bytes; a second only when the first
  // batch is larger. Stops before a batch whose header does not parse or which runs past end;
  // that is an error (naming the file and position) only when it is the first batch.
  Result<SegmentBytes> read(std::uint64_t position, std::uint64_t max_bytes, std::uint64_t end,
                            bool at_least_one) const;

  // The batches read(position, max_bytes, end, true) returns, located instead of read, for a
  // fetch to send from the file: the first batch always (the errors of read() when it is not a
  // whole batch), then whole batches up to max_bytes. Their bytes are not read: the last offset
  // index entry at or before the limit ends a run of whole batches once its batch checks out
  // (as find_position checks entries; one that does not marks the indexes damaged), and headers
  // are read from there on; without such an entry, from the first batch on. A few small reads,
  // however large the range.
  Result<FileRange> locate(std::uint64_t position, std::uint64_t max_bytes,
                           std::uint64_t end) const;

  // The offset of the first record with timestamp >= timestamp (in the first batch whose max
  // timestamp is), or nullopt if none.
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

  // Writes the buffered index entries to their files (no fsync): when the segment rolls, so
  // that what sync() makes durable is the whole segment.
  Status write_index_tail();
  // fdatasync of the log and both indexes; writes nothing. May run without the log's lock on a
  // segment that takes no more appends, concurrently with reads.
  Status sync();
  // write_index_tail() and sync().
  Status flush();
  // Deletes the segment's files (suffix included); reads through this object still work, on the
  // unlinked files, until it is destroyed.
  Status remove();

  // Whether a lookup found an index entry that the log contradicts (set by const lookups, so
  // atomic). The owner then replaces the segment by rebuilt_copy().
  bool indexes_damaged() const {
    return index_state_.load(std::memory_order_relaxed) == IndexState::kDamaged;
  }
  // A new segment object over the same files with both indexes rebuilt from a scan of the batch
  // headers and rewritten, the rest of its state copied; this object then writes nothing more
  // to the index files. If a header does not parse (the log itself is damaged) it fails having
  // changed nothing, and indexes_damaged() stays false from then on: the old entries stay in
  // use, verified at every lookup, rather than a rebuild being tried at every read. Call under
  // the owner's exclusive lock.
  Result<std::unique_ptr<LogSegment>> rebuilt_copy();
  // From now on this object writes nothing to its index files (another object owns them).
  void abandon_index_files();

 private:
  // Largest decompressed batch a timestamp lookup decodes (the consumer's limit).
  static constexpr std::size_t kMaxDecompressedForTimestamps = 64 * 1024 * 1024;
  // The offset of the first record of the batch at position with timestamp >= timestamp.
  std::int64_t first_record_at_or_after(std::uint64_t position, const RecordBatchHeader& header,
                                        std::int64_t timestamp) const;
  LogSegment(std::filesystem::path directory, std::int64_t base_offset,
             std::int64_t index_interval_bytes, std::string suffix, File log,
             OffsetIndex offset_index, TimeIndex time_index);

  static Result<std::unique_ptr<LogSegment>> open_read_only(const std::filesystem::path& directory,
                                                            std::int64_t base_offset,
                                                            std::int64_t index_interval_bytes,
                                                            const SegmentOpenOptions& options,
                                                            std::vector<std::string>& notes);
  Status recover(const SegmentOpenOptions& options, std::vector<std::string>& notes);
  Status check_tail(const SegmentOpenOptions& options, std::vector<std::string>& notes,
                    bool* needs_recovery);
  Status check_offsets(const RecordBatchHeader& header, std::optional<std::int64_t> previous_last,
                       const SegmentOpenOptions& options) const;
  Status index(std::uint64_t position, const BatchPlacement& placement, std::uint64_t size);
  Status read_first_batch_timestamp();
  // The position of a verified offset index entry at or before offset, or 0.
  std::uint64_t verified_start(std::int64_t offset, std::uint64_t end, HeaderReader& reader) const;
  void mark_indexes_damaged() const {
    IndexState expected = IndexState::kSound;
    index_state_.compare_exchange_strong(expected, IndexState::kDamaged, std::memory_order_relaxed);
  }

  std::filesystem::path directory_;
  std::int64_t base_offset_;
  std::int64_t index_interval_bytes_;
  std::string suffix_;  // of the file names: "" or ".cleaned"
  // Shared with the FileRanges of fetches being sent (locate), which may outlive the segment.
  std::shared_ptr<File> log_;
  OffsetIndex offset_index_;
  TimeIndex time_index_;
  std::uint64_t size_ = 0;
  std::int64_t next_offset_;
  std::int64_t max_timestamp_ = -1;
  std::int64_t offset_of_max_timestamp_;
  std::int64_t first_batch_timestamp_ = -1;
  std::uint64_t bytes_since_index_entry_ = 0;
  bool read_only_ = false;
  // Read-only: the size of the file at the last look. size_ may be smaller (the valid prefix),
  // and refresh_tail() scans again only when the file changed.
  std::uint64_t file_size_seen_ = 0;
  enum class IndexState : std::uint8_t { kSound, kDamaged, kBeyondRepair };
  mutable std::atomic<IndexState> index_state_{IndexState::kSound};
};

}  // namespace ferry::broker
