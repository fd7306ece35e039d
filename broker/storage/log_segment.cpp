#include "broker/storage/log_segment.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <system_error>

#include "broker/storage/record_batch.h"

namespace ferry::broker {
namespace {

constexpr std::size_t kScanChunk = 1 << 20;
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt32Max = std::numeric_limits<std::int32_t>::max();

std::string at(const File& file, std::uint64_t position) {
  return file.path().string() + " at position " + std::to_string(position);
}

Status runs_past_end(const File& file, std::uint64_t position, std::uint64_t size,
                     std::uint64_t left) {
  return Status::corruption(at(file, position) + ": batch of " + std::to_string(size) +
                            " bytes runs past the end of the segment (" + std::to_string(left) +
                            " bytes left)");
}

// Reads the batches of a file in order through one large buffer, so that scanning a segment of
// many small batches costs a read per megabyte rather than per batch.
class BatchScanner {
 public:
  struct Item {
    std::uint64_t position;
    RecordBatchHeader header;
    std::span<const std::uint8_t> bytes;  // the whole batch; valid until the next call
  };

  BatchScanner(const File& file, std::uint64_t start, std::uint64_t end)
      : file_(file), position_(start), end_(end) {}

  std::uint64_t position() const { return position_; }

  // The next batch, nullopt at the end, or corruption naming the file and position when the
  // bytes there are not a whole, well-formed batch (a torn write, or damage).
  Result<std::optional<Item>> next() {
    if (position_ >= end_) return std::optional<Item>();
    if (end_ - position_ < kRecordBatchHeaderSize) {
      return Status::corruption(at(file_, position_) + ": " + std::to_string(end_ - position_) +
                                " bytes left, less than a batch header");
    }
    if (Status status = fill(kRecordBatchHeaderSize); !status.ok()) return status;
    auto header = read_batch_header(view(kRecordBatchHeaderSize));
    if (!header.ok()) return header.status().with_context(at(file_, position_));
    const std::uint64_t size = header->size();
    if (size > end_ - position_) return runs_past_end(file_, position_, size, end_ - position_);
    if (Status status = fill(size); !status.ok()) return status;
    Item item{position_, *header, view(size)};
    position_ += size;
    return std::optional<Item>(item);
  }

 private:
  std::span<const std::uint8_t> view(std::uint64_t size) const {
    return std::span<const std::uint8_t>(buffer_).subspan(position_ - buffer_start_, size);
  }

  // Makes buffer_ hold [position_, position_ + size).
  Status fill(std::uint64_t size) {
    if (position_ >= buffer_start_ && position_ + size <= buffer_start_ + buffer_.size()) {
      return Status::ok_status();
    }
    const std::uint64_t want =
        std::min<std::uint64_t>(std::max<std::uint64_t>(size, kScanChunk), end_ - position_);
    buffer_.resize(want);
    auto read = file_.read_at(position_, buffer_);
    if (!read.ok()) return read.status();
    buffer_.resize(*read);
    buffer_start_ = position_;
    if (*read < size) {
      return Status::corruption(at(file_, position_) + ": the file ends inside a batch");
    }
    return Status::ok_status();
  }

  const File& file_;
  std::uint64_t position_;
  std::uint64_t end_;
  std::vector<std::uint8_t> buffer_;
  std::uint64_t buffer_start_ = 0;
};

std::filesystem::path path_of(const std::filesystem::path& directory, std::int64_t base_offset,
                              std::string_view extension, std::string_view suffix = "") {
  std::string name = LogSegment::file_stem(base_offset);
  name += extension;
  name += suffix;
  return directory / name;
}

}  // namespace

// Reads batch headers at positions of a segment below end through a small buffer, so that
// hopping from header to header over small batches costs one read per buffer, not per batch,
// and a lookup over large batches reads a few small chunks rather than whole batches.
class HeaderReader {
 public:
  static constexpr std::size_t kChunk = 8192;

  HeaderReader(const File& file, std::uint64_t end) : file_(file), end_(end) {}

  // The header of the batch at position; corruption naming the file and position if the bytes
  // there are not a batch header or the batch runs past end.
  Result<RecordBatchHeader> read(std::uint64_t position) {
    if (position >= end_ || end_ - position < kRecordBatchHeaderSize) {
      return Status::corruption(at(file_, position) + ": " +
                                std::to_string(end_ - std::min(end_, position)) +
                                " bytes left in the segment, less than a batch header");
    }
    if (position < start_ || position + kRecordBatchHeaderSize > start_ + size_) {
      const std::size_t want =
          static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, end_ - position));
      auto read = file_.read_at(position, std::span<std::uint8_t>(buffer_, want));
      if (!read.ok()) return read.status();
      start_ = position;
      size_ = *read;
      if (size_ < kRecordBatchHeaderSize) {
        return Status::corruption(at(file_, position) + ": the file ends inside a batch header");
      }
    }
    auto header = read_batch_header(
        std::span<const std::uint8_t>(buffer_ + (position - start_), kRecordBatchHeaderSize));
    if (!header.ok()) return header.status().with_context(at(file_, position));
    if (header->size() > end_ - position) {
      return runs_past_end(file_, position, header->size(), end_ - position);
    }
    return header;
  }

 private:
  const File& file_;
  const std::uint64_t end_;
  std::uint8_t buffer_[kChunk];
  std::uint64_t start_ = 0;
  std::size_t size_ = 0;
};

std::string LogSegment::file_stem(std::int64_t base_offset) {
  char name[32];
  std::snprintf(name, sizeof name, "%020lld", static_cast<long long>(base_offset));
  return name;
}

std::optional<std::int64_t> LogSegment::parse_file_stem(std::string_view stem) {
  if (stem.size() != 20) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(stem.data(), stem.data() + stem.size(), value);
  if (error != std::errc() || end != stem.data() + stem.size() || value < 0) return std::nullopt;
  return value;
}

std::filesystem::path LogSegment::file_path(const std::filesystem::path& directory,
                                            std::int64_t base_offset, std::string_view extension) {
  return path_of(directory, base_offset, extension);
}

LogSegment::LogSegment(std::filesystem::path directory, std::int64_t base_offset,
                       std::int64_t index_interval_bytes, std::string suffix, File log,
                       OffsetIndex offset_index, TimeIndex time_index)
    : directory_(std::move(directory)),
      base_offset_(base_offset),
      index_interval_bytes_(index_interval_bytes),
      suffix_(std::move(suffix)),
      log_(std::make_shared<File>(std::move(log))),
      offset_index_(std::move(offset_index)),
      time_index_(std::move(time_index)),
      next_offset_(base_offset),
      offset_of_max_timestamp_(base_offset) {}

LogSegment::~LogSegment() { (void)write_index_tail(); }

Result<std::unique_ptr<LogSegment>> LogSegment::create(const std::filesystem::path& directory,
                                                       std::int64_t base_offset,
                                                       std::int64_t index_interval_bytes,
                                                       std::string_view suffix) {
  auto log = File::open(path_of(directory, base_offset, ".log", suffix));
  if (!log.ok()) return log.status();
  if (Status status = log->truncate(0); !status.ok()) return status;
  auto offsets =
      OffsetIndex::create(path_of(directory, base_offset, ".index", suffix), base_offset);
  if (!offsets.ok()) return offsets.status();
  auto times =
      TimeIndex::create(path_of(directory, base_offset, ".timeindex", suffix), base_offset);
  if (!times.ok()) return times.status();
  return std::unique_ptr<LogSegment>(new LogSegment(directory, base_offset, index_interval_bytes,
                                                    std::string(suffix), std::move(*log),
                                                    std::move(*offsets), std::move(*times)));
}

std::unique_ptr<LogSegment> LogSegment::empty_in_memory(const std::filesystem::path& directory,
                                                        std::int64_t base_offset) {
  std::unique_ptr<LogSegment> segment(new LogSegment(directory, base_offset, kInt64Max, "", File(),
                                                     OffsetIndex::in_memory(base_offset),
                                                     TimeIndex::in_memory(base_offset)));
  segment->read_only_ = true;
  return segment;
}

Result<std::unique_ptr<LogSegment>> LogSegment::open(const std::filesystem::path& directory,
                                                     std::int64_t base_offset,
                                                     std::int64_t index_interval_bytes,
                                                     const SegmentOpenOptions& options,
                                                     std::vector<std::string>& notes) {
  if (options.read_only) {
    return open_read_only(directory, base_offset, index_interval_bytes, options, notes);
  }
  auto log = File::open(path_of(directory, base_offset, ".log"));
  if (!log.ok()) return log.status();
  auto size = log->size();
  if (!size.ok()) return size.status();
  bool full_recovery = options.full_recovery;

  // A missing index is created empty; the tail check then finds every entry missing and adds
  // them, or a full recovery rebuilds it. Either way the note says so.
  const auto offsets_path = path_of(directory, base_offset, ".index");
  const auto times_path = path_of(directory, base_offset, ".timeindex");
  std::vector<std::string> missing;
  for (const auto& path : {offsets_path, times_path}) {
    std::error_code error;
    if (*size > 0 && !std::filesystem::exists(path, error)) {
      missing.push_back(path.string() + ": missing; rebuilding it from the log");
    }
  }
  // Indexes that do not load are rebuilt by a recovery of the segment.
  auto offsets = OffsetIndex::open(offsets_path, base_offset, *size);
  if (!offsets.ok()) {
    notes.push_back(offsets.status().message() + "; rebuilding the indexes");
    full_recovery = true;
    offsets = OffsetIndex::create(offsets_path, base_offset);
    if (!offsets.ok()) return offsets.status();
  }
  auto times = TimeIndex::open(times_path, base_offset, std::numeric_limits<std::int64_t>::max());
  if (!times.ok()) {
    notes.push_back(times.status().message() + "; rebuilding the indexes");
    full_recovery = true;
    times = TimeIndex::create(times_path, base_offset);
    if (!times.ok()) return times.status();
  }
  notes.insert(notes.end(), missing.begin(), missing.end());
  std::unique_ptr<LogSegment> segment(new LogSegment(directory, base_offset, index_interval_bytes,
                                                     "", std::move(*log), std::move(*offsets),
                                                     std::move(*times)));
  segment->size_ = *size;
  if (!full_recovery) {
    bool needs_recovery = false;
    if (Status status = segment->check_tail(options, notes, &needs_recovery); !status.ok()) {
      return status;
    }
    full_recovery = needs_recovery;
  }
  if (full_recovery) {
    if (Status status = segment->recover(options, notes); !status.ok()) return status;
  }
  return segment;
}

Result<std::unique_ptr<LogSegment>> LogSegment::open_read_only(
    const std::filesystem::path& directory, std::int64_t base_offset,
    std::int64_t index_interval_bytes, const SegmentOpenOptions& options,
    std::vector<std::string>& notes) {
  auto log = File::open(path_of(directory, base_offset, ".log"), File::Mode::kReadOnly);
  if (!log.ok()) return log.status();
  // The indexes before the size of the log: the writer adds an entry only after its batch is in
  // the file, so a sound index names no batch past the size taken afterwards. An index that does
  // not load (missing: the segment is being created, or the writer rebuilds it; or damaged) is
  // replaced by one in memory, which the tail check fills from the start of the segment.
  auto offsets = OffsetIndex::open(path_of(directory, base_offset, ".index"), base_offset,
                                   std::numeric_limits<std::uint64_t>::max(), true);
  auto times =
      TimeIndex::open(path_of(directory, base_offset, ".timeindex"), base_offset, kInt64Max, true);
  auto size = log->size();
  if (!size.ok()) return size.status();
  for (const Status& status : {offsets.status(), times.status()}) {
    if (!status.ok() && *size > 0) {
      notes.push_back(status.message() + "; read-only: indexing the segment in memory");
    }
  }
  if (!offsets.ok()) offsets = OffsetIndex::in_memory(base_offset);
  if (!times.ok()) times = TimeIndex::in_memory(base_offset);
  // Only a damaged index names positions past the end; what is left is verified by the tail check.
  if (Status status = offsets->truncate_to_position(static_cast<std::uint32_t>(
          std::min<std::uint64_t>(*size, std::numeric_limits<std::uint32_t>::max())));
      !status.ok()) {
    return status;
  }
  std::unique_ptr<LogSegment> segment(new LogSegment(directory, base_offset, index_interval_bytes,
                                                     "", std::move(*log), std::move(*offsets),
                                                     std::move(*times)));
  segment->read_only_ = true;
  segment->size_ = *size;
  segment->file_size_seen_ = *size;
  bool full_scan = options.full_recovery;
  if (!full_scan) {
    if (Status status = segment->check_tail(options, notes, &full_scan); !status.ok()) {
      return status;
    }
  }
  if (full_scan) {
    if (Status status = segment->recover(options, notes); !status.ok()) return status;
  }
  return segment;
}

// The offset rules of the header comment. previous_last is the last offset of the batch before
// (base offset - 1 for the first batch of the segment), nullopt when the check starts in the
// middle of the segment and does not know it.
Status LogSegment::check_offsets(const RecordBatchHeader& header,
                                 std::optional<std::int64_t> previous_last,
                                 const SegmentOpenOptions& options) const {
  if (header.last_offset_delta < 0 || header.base_offset < 0 ||
      header.base_offset > kInt64Max - header.last_offset_delta) {
    return Status::corruption("batch at offset " + std::to_string(header.base_offset) +
                              " has last offset delta " + std::to_string(header.last_offset_delta));
  }
  const std::int64_t last = header.base_offset + header.last_offset_delta;
  if (previous_last) {
    if (options.last && header.base_offset != *previous_last + 1) {
      return Status::corruption("batch at offset " + std::to_string(header.base_offset) +
                                " does not follow offset " + std::to_string(*previous_last) +
                                " (the last segment's batches are contiguous)");
    }
    if (header.base_offset <= *previous_last) {
      return Status::corruption("batch at offset " + std::to_string(header.base_offset) +
                                " does not follow offset " + std::to_string(*previous_last));
    }
  }
  if (header.base_offset < base_offset_ || last - base_offset_ > kInt32Max) {
    return Status::corruption("batch at offsets " + std::to_string(header.base_offset) + "-" +
                              std::to_string(last) + " is outside the offsets of the segment (" +
                              std::to_string(base_offset_) + " + 2^31-1)");
  }
  if (last >= options.next_segment_base) {
    return Status::corruption("batch at offsets " + std::to_string(header.base_offset) + "-" +
                              std::to_string(last) + " reaches into the next segment, at " +
                              std::to_string(options.next_segment_base));
  }
  return Status::ok_status();
}

// Reads the batches after the last offset index entry (and after the last time index entry, if
// that is earlier), checking their CRCs and offsets, to learn the next offset and catch a torn
// or damaged tail without reading the whole segment. Both index entries are verified against
// their batches on the way, and the entries the index rule would have added after them (the
// buffered ones a crash lost, or all of a deleted index) are added. Any problem: *needs_recovery.
Status LogSegment::check_tail(const SegmentOpenOptions& options, std::vector<std::string>& notes,
                              bool* needs_recovery) {
  const std::optional<OffsetPosition> last_entry = offset_index_.last();
  const std::optional<TimestampOffset> last_time = time_index_.last();
  std::uint64_t start = last_entry ? last_entry->position : 0;
  if (last_entry && !last_time) {
    start = 0;  // the time index lost everything: rebuild its running maximum from the start
  } else if (last_entry && last_time && last_time->offset < last_entry->offset) {
    start = offset_index_.lookup(last_time->offset).position;
  }
  // The offset index entries from start on: the moments the time index was offered an entry.
  std::size_t slot = offset_index_.first_slot_from(start);
  const std::size_t offsets_before = offset_index_.size();
  const std::size_t times_before = time_index_.size();

  BatchScanner scanner(*log_, start, size_);
  std::optional<std::int64_t> previous_last;
  if (start == 0) previous_last = base_offset_ - 1;
  std::int64_t max_timestamp = -1;
  std::int64_t offset_of_max_timestamp = base_offset_;
  bool entry_seen = !last_entry;
  bool time_seen = !last_time;
  bool counting = !last_entry;  // past the last offset index entry: index entries are due again
  std::uint64_t bytes_since_entry = 0;
  std::uint64_t valid_end = start;  // the end of the last batch that passed
  Status problem;
  while (true) {
    auto item = scanner.next();
    if (!item.ok()) {
      problem = item.status();
      break;
    }
    if (!*item) break;
    const RecordBatchHeader& header = (*item)->header;
    const std::uint64_t position = (*item)->position;
    const auto where = [&](const Status& status) {
      return status.with_context(at(*log_, position));
    };
    problem = verify_batch((*item)->bytes);
    if (problem.ok()) problem = check_offsets(header, previous_last, options);
    if (!problem.ok()) {
      problem = where(problem);
      break;
    }
    const std::int64_t last = header.last_offset();
    if (last_entry && !entry_seen && position >= last_entry->position) {
      if (position != last_entry->position || last != last_entry->offset) {
        problem = where(Status::corruption("the offset index points at offset " +
                                           std::to_string(last_entry->offset) + " at position " +
                                           std::to_string(last_entry->position) +
                                           " but the batch here ends at " + std::to_string(last)));
        break;
      }
      entry_seen = true;
    }
    if (header.max_timestamp > max_timestamp) {
      max_timestamp = header.max_timestamp;
      offset_of_max_timestamp = last;
    }
    if (last_time && !time_seen && last >= last_time->offset) {
      if (last != last_time->offset || header.max_timestamp != last_time->timestamp) {
        problem = where(Status::corruption(
            "the time index says offset " + std::to_string(last_time->offset) + " has timestamp " +
            std::to_string(last_time->timestamp) + " but the batch here ends at " +
            std::to_string(last) + " with max timestamp " + std::to_string(header.max_timestamp)));
        break;
      }
      // The entry holds the running maximum of everything before it, which the scan (starting
      // after the segment's start) has not all seen.
      max_timestamp = last_time->timestamp;
      offset_of_max_timestamp = last_time->offset;
      time_seen = true;
    }
    if (slot < offset_index_.size() && offset_index_.entry(slot).position == position) {
      // An existing entry: the time index was offered one here too.
      if (time_seen) problem = time_index_.maybe_append(max_timestamp, offset_of_max_timestamp);
      if (++slot == offset_index_.size()) counting = true;
    } else if (counting && bytes_since_entry > static_cast<std::uint64_t>(index_interval_bytes_)) {
      problem = offset_index_.append(last, static_cast<std::uint32_t>(position));
      if (problem.ok() && time_seen) {
        problem = time_index_.maybe_append(max_timestamp, offset_of_max_timestamp);
      }
      ++slot;
      bytes_since_entry = 0;
    }
    if (!problem.ok()) {
      problem = where(problem);
      break;
    }
    if (counting) bytes_since_entry += (*item)->bytes.size();
    previous_last = last;
    valid_end = position + (*item)->bytes.size();
  }
  if (!problem.ok() && options.read_only && entry_seen && time_seen) {
    // Past every index entry, so the indexes are sound: the segment is the valid prefix, and the
    // rest is a batch being written (or a tail torn by a crash, which the broker's recovery will
    // truncate). A later refresh_tail() looks at it again.
    notes.push_back(problem.message() + "; read-only: the segment ends at position " +
                    std::to_string(valid_end) + " for now");
    size_ = valid_end;
    problem = Status::ok_status();
  }
  if (problem.ok() && (!entry_seen || !time_seen)) {
    problem = Status::corruption((entry_seen ? time_index_.path() : offset_index_.path()).string() +
                                 ": the last entry names an offset or position that no batch of " +
                                 log_->path().string() + " has");
  }
  if (!problem.ok()) {
    notes.push_back(problem.message() + "; recovering the segment");
    *needs_recovery = true;
    return Status::ok_status();
  }
  next_offset_ = previous_last && size_ > 0 ? *previous_last + 1 : base_offset_;
  max_timestamp_ = max_timestamp;
  offset_of_max_timestamp_ = offset_of_max_timestamp;
  bytes_since_index_entry_ = bytes_since_entry;
  if (offset_index_.size() > offsets_before) {
    notes.push_back(offset_index_.path().string() + ": " +
                    std::to_string(offset_index_.size() - offsets_before) +
                    " entries were missing at its end; added them from the log");
  }
  if (time_index_.size() > times_before) {
    notes.push_back(time_index_.path().string() + ": " +
                    std::to_string(time_index_.size() - times_before) +
                    " entries were missing at its end; added them from the log");
  }
  if (Status status = write_index_tail(); !status.ok()) return status;
  return read_first_batch_timestamp();
}

// The first batch's timestamp decides segment.ms rolling; a tail check need not have read it.
Status LogSegment::read_first_batch_timestamp() {
  first_batch_timestamp_ = -1;
  if (size_ == 0) return Status::ok_status();
  HeaderReader reader(*log_, size_);
  auto header = reader.read(0);
  if (header.ok()) first_batch_timestamp_ = header->max_timestamp;
  return Status::ok_status();
}

Status LogSegment::recover(const SegmentOpenOptions& options, std::vector<std::string>& notes) {
  if (options.read_only) {
    offset_index_ = OffsetIndex::in_memory(base_offset_);
    time_index_ = TimeIndex::in_memory(base_offset_);
  } else {
    auto offsets =
        OffsetIndex::create(path_of(directory_, base_offset_, ".index", suffix_), base_offset_);
    if (!offsets.ok()) return offsets.status();
    auto times =
        TimeIndex::create(path_of(directory_, base_offset_, ".timeindex", suffix_), base_offset_);
    if (!times.ok()) return times.status();
    offset_index_ = std::move(*offsets);
    time_index_ = std::move(*times);
  }
  const std::uint64_t file_size = size_;
  size_ = 0;
  next_offset_ = base_offset_;
  max_timestamp_ = -1;
  offset_of_max_timestamp_ = base_offset_;
  first_batch_timestamp_ = -1;
  bytes_since_index_entry_ = 0;

  BatchScanner scanner(*log_, 0, file_size);
  while (true) {
    auto item = scanner.next();
    Status problem = item.ok() ? Status::ok_status() : item.status();
    if (problem.ok() && *item) {
      const RecordBatchHeader& header = (*item)->header;
      problem = verify_batch((*item)->bytes);
      if (problem.ok()) problem = check_offsets(header, next_offset_ - 1, options);
      if (!problem.ok()) problem = problem.with_context(at(*log_, (*item)->position));
    }
    if (!problem.ok()) {
      if (options.read_only) {
        notes.push_back(problem.message() + "; read-only: " + log_->path().string() +
                        " ends at position " + std::to_string(size_) +
                        " for now (the file is left as it is)");
      } else {
        notes.push_back(problem.message() + "; truncating " + log_->path().string() + " to " +
                        std::to_string(size_) + " bytes (dropping " +
                        std::to_string(file_size - size_) + ")");
      }
      break;
    }
    if (!*item) break;
    const RecordBatchHeader& header = (*item)->header;
    const BatchPlacement placement{header.base_offset, header.last_offset(), header.max_timestamp};
    if (Status status = index(size_, placement, (*item)->bytes.size()); !status.ok()) {
      return status;
    }
    if (options.on_recovered_batch) options.on_recovered_batch(header);
  }
  if (size_ < file_size && !options.read_only) {
    if (Status status = log_->truncate(size_); !status.ok()) return status;
  }
  return write_index_tail();
}

Result<bool> LogSegment::refresh_tail() {
  auto size = log_->size();
  if (!size.ok()) return size.status();
  if (*size < size_) {
    return Status::corruption(log_->path().string() + ": the file is " + std::to_string(*size) +
                              " bytes, shorter than the " + std::to_string(size_) +
                              " already read: it was truncated");
  }
  if (*size == file_size_seen_) return false;
  file_size_seen_ = *size;
  const std::uint64_t before = size_;
  const SegmentOpenOptions options{.last = true, .read_only = true};
  BatchScanner scanner(*log_, size_, *size);
  while (true) {
    auto item = scanner.next();
    if (!item.ok() || !*item) break;
    const RecordBatchHeader& header = (*item)->header;
    if (!verify_batch((*item)->bytes).ok() ||
        !check_offsets(header, next_offset_ - 1, options).ok()) {
      break;
    }
    const BatchPlacement placement{header.base_offset, header.last_offset(), header.max_timestamp};
    if (Status status = index(size_, placement, (*item)->bytes.size()); !status.ok()) {
      return status;
    }
  }
  return size_ > before;
}

// Records a batch written at position in the segment's state and indexes. As Kafka does, an
// index entry is added for the batch that starts after index.interval.bytes of log: the offset
// index maps the batch's last offset to its position, and the time index records the largest
// timestamp so far with the offset it belongs to.
Status LogSegment::index(std::uint64_t position, const BatchPlacement& placement,
                         std::uint64_t size) {
  if (placement.max_timestamp > max_timestamp_) {
    max_timestamp_ = placement.max_timestamp;
    offset_of_max_timestamp_ = placement.last_offset;
  }
  if (size_ == 0) first_batch_timestamp_ = placement.max_timestamp;
  if (bytes_since_index_entry_ > static_cast<std::uint64_t>(index_interval_bytes_)) {
    if (Status status =
            offset_index_.append(placement.last_offset, static_cast<std::uint32_t>(position));
        !status.ok()) {
      return status;
    }
    if (Status status = time_index_.maybe_append(max_timestamp_, offset_of_max_timestamp_);
        !status.ok()) {
      return status;
    }
    bytes_since_index_entry_ = 0;
  }
  bytes_since_index_entry_ += size;
  size_ = position + size;
  next_offset_ = placement.last_offset + 1;
  return Status::ok_status();
}

Status LogSegment::append(std::span<const std::uint8_t> batch, const BatchPlacement& placement) {
  if (placement.base_offset < next_offset_) {
    return Status::invalid_argument(log_->path().string() + ": append at offset " +
                                    std::to_string(placement.base_offset) +
                                    " does not follow offset " + std::to_string(next_offset_ - 1));
  }
  const std::uint64_t position = size_;
  if (Status status = log_->write_at(position, batch); !status.ok()) {
    // Nothing half-written may stay behind: the next append starts at size_ again.
    (void)log_->truncate(position);
    return status;
  }
  return index(position, placement, batch.size());
}

// Tries the offset index entry for offset and the one before it; each is used only if the batch
// at its position ends at its offset. Anything else marks the indexes damaged and starts at 0.
std::uint64_t LogSegment::verified_start(std::int64_t offset, std::uint64_t end,
                                         HeaderReader& reader) const {
  const std::optional<std::size_t> slot = offset_index_.lookup_slot(offset);
  if (!slot) return 0;
  for (std::size_t tried = 0; tried < 2 && tried <= *slot; ++tried) {
    const OffsetPosition& entry = offset_index_.entry(*slot - tried);
    if (entry.position < end) {
      auto header = reader.read(entry.position);
      if (header.ok() && header->last_offset() == entry.offset) {
        if (tried > 0) mark_indexes_damaged();
        return entry.position;
      }
    }
    mark_indexes_damaged();
  }
  return 0;
}

Result<std::optional<std::uint64_t>> LogSegment::find_position(std::int64_t offset,
                                                               std::uint64_t end) const {
  HeaderReader reader(*log_, end);
  std::uint64_t position = verified_start(offset, end, reader);
  while (position < end) {
    auto header = reader.read(position);
    if (!header.ok()) return header.status();
    if (header->last_offset() >= offset) return std::optional<std::uint64_t>(position);
    position += header->size();
  }
  return std::optional<std::uint64_t>();
}

Result<SegmentBytes> LogSegment::read(std::uint64_t position, std::uint64_t max_bytes,
                                      std::uint64_t end, bool at_least_one) const {
  if (position >= end) return SegmentBytes();
  const std::uint64_t available = end - position;
  std::uint64_t want = std::min(max_bytes, available);
  if (at_least_one) {
    want = std::max(want, std::min<std::uint64_t>(available, kRecordBatchHeaderSize));
  }
  SegmentBytes bytes(want);  // not zeroed: the read fills it
  auto read = log_->read_at(position, bytes);
  if (!read.ok()) return read.status();
  if (*read != bytes.size()) {
    return Status::corruption(at(*log_, position) + ": the file ends " +
                              std::to_string(available - *read) + " bytes before the segment");
  }
  // Whole batches only, walking the headers in what was read.
  std::uint64_t stop = 0;
  while (want - stop >= kRecordBatchHeaderSize) {
    auto header = read_batch_header(std::span<const std::uint8_t>(bytes).subspan(stop));
    if (!header.ok()) {
      if (stop == 0) return header.status().with_context(at(*log_, position));
      break;  // the next read starts here and reports it
    }
    const std::uint64_t size = header->size();
    if (size > available - stop) {
      if (stop == 0) return runs_past_end(*log_, position, size, available);
      break;
    }
    if (size > want - stop) {
      if (stop == 0 && at_least_one) {
        // The first batch is larger than max_bytes: read the rest of it.
        bytes.resize(size);
        auto rest = log_->read_at(position + want, std::span<std::uint8_t>(bytes).subspan(want));
        if (!rest.ok()) return rest.status();
        if (*rest != size - want) {
          return Status::corruption(at(*log_, position) + ": the file ends inside the batch");
        }
        return bytes;
      }
      break;
    }
    stop += size;
  }
  if (stop == 0 && at_least_one) {
    return Status::corruption(at(*log_, position) + ": " + std::to_string(available) +
                              " bytes left in the segment, less than a batch header");
  }
  bytes.resize(stop);
  return bytes;
}

Result<FileRange> LogSegment::locate(std::uint64_t position, std::uint64_t max_bytes,
                                     std::uint64_t end) const {
  FileRange range{log_, position, 0};
  if (position >= end) return range;
  HeaderReader reader(*log_, end);
  auto first = reader.read(position);
  if (!first.ok()) return first.status();
  std::uint64_t stop = position + first->size();
  const std::uint64_t limit = position + std::min(max_bytes, end - position);
  if (stop < limit) {
    // Index entries name batch starts: everything before a sound one at or before the limit is
    // whole batches.
    const std::size_t after = offset_index_.first_slot_from(limit + 1);
    if (after > 0 && offset_index_.entry(after - 1).position > stop) {
      const OffsetPosition& entry = offset_index_.entry(after - 1);
      auto header = reader.read(entry.position);
      if (header.ok() && header->last_offset() == entry.offset) {
        stop = entry.position;
      } else {
        mark_indexes_damaged();
      }
    }
    while (limit - stop >= kRecordBatchHeaderSize) {
      auto header = reader.read(stop);
      // A batch that does not parse ends the range; the read that starts there reports it.
      if (!header.ok() || header->size() > limit - stop) break;
      stop += header->size();
    }
  }
  range.size = stop - position;
  return range;
}

Result<std::optional<std::int64_t>> LogSegment::find_offset_for_timestamp(
    std::int64_t timestamp) const {
  if (max_timestamp_ < timestamp) return std::optional<std::int64_t>();
  // Every batch up to the entry's offset has a smaller max timestamp, so the search starts at
  // the batch holding it: if that batch is the one the entry names, with the entry's timestamp.
  std::uint64_t position = 0;
  if (const std::optional<TimestampOffset> entry = time_index_.lookup(timestamp)) {
    auto found = find_position(entry->offset, size_);
    if (!found.ok()) return found.status();
    bool verified = false;
    if (*found) {
      HeaderReader reader(*log_, size_);
      auto header = reader.read(**found);
      if (!header.ok()) return header.status();
      verified =
          header->last_offset() == entry->offset && header->max_timestamp == entry->timestamp;
    }
    if (verified) {
      position = **found;
    } else {
      mark_indexes_damaged();
    }
  }
  HeaderReader reader(*log_, size_);
  while (position < size_) {
    auto header = reader.read(position);
    if (!header.ok()) return header.status();
    if (header->max_timestamp >= timestamp) {
      return std::optional<std::int64_t>(first_record_at_or_after(position, *header, timestamp));
    }
    position += header->size();
  }
  return std::optional<std::int64_t>();
}

std::int64_t LogSegment::first_record_at_or_after(std::uint64_t position,
                                                  const RecordBatchHeader& header,
                                                  std::int64_t timestamp) const {
  // Kafka answers the record, not its batch: the batch is read and its records scanned. One
  // that cannot be read or decoded answers with its base offset, as before the scan.
  auto bytes = read(position, header.size(), size_, true);
  if (!bytes.ok() || bytes->size() < header.size()) return header.base_offset;
  auto decoded = decode_batch(*bytes, kMaxDecompressedForTimestamps);
  if (!decoded.ok()) return header.base_offset;
  for (const RecordView& record : decoded->records()) {
    if (record.timestamp >= timestamp) return record.offset;
  }
  return header.base_offset;
}

Status LogSegment::for_each_batch(const BatchVisitor& visit) const {
  BatchScanner scanner(*log_, 0, size_);
  while (true) {
    auto item = scanner.next();
    if (!item.ok()) return item.status();
    if (!*item) return Status::ok_status();
    auto more = visit((*item)->header, (*item)->bytes);
    if (!more.ok()) return more.status().with_context(at(*log_, (*item)->position));
    if (!*more) return Status::ok_status();
  }
}

Result<std::int64_t> LogSegment::scan_next_offset(const std::filesystem::path& path,
                                                  std::int64_t base_offset) {
  auto file = File::open(path, File::Mode::kReadOnly);
  if (!file.ok()) return file.status();
  auto size = file->size();
  if (!size.ok()) return size.status();
  BatchScanner scanner(*file, 0, *size);
  std::int64_t next = base_offset;
  while (true) {
    auto item = scanner.next();
    if (!item.ok()) return item.status();
    if (!*item) return next;
    if (Status status = verify_batch((*item)->bytes); !status.ok()) {
      return status.with_context(at(*file, (*item)->position));
    }
    next = (*item)->header.last_offset() + 1;
  }
}

Status LogSegment::truncate_to(std::int64_t offset) {
  if (offset >= next_offset_) return Status::ok_status();
  auto position = find_position(offset, size_);
  if (!position.ok()) return position.status();
  const std::uint64_t new_size = position->value_or(size_);
  if (Status status = log_->truncate(new_size); !status.ok()) return status;
  if (Status status = offset_index_.truncate_to_position(static_cast<std::uint32_t>(new_size));
      !status.ok()) {
    return status;
  }
  if (Status status = time_index_.truncate_to_offset(offset); !status.ok()) return status;
  // Recompute what the truncated tail held from the batches that remain.
  size_ = new_size;
  std::vector<std::string> ignored;
  bool needs_recovery = false;
  return check_tail(SegmentOpenOptions{}, ignored, &needs_recovery);
}

Status LogSegment::write_index_tail() {
  if (Status status = offset_index_.write_pending(); !status.ok()) return status;
  return time_index_.write_pending();
}

Status LogSegment::sync() {
  if (Status status = log_->sync(); !status.ok()) return status;
  if (Status status = offset_index_.sync(); !status.ok()) return status;
  return time_index_.sync();
}

Status LogSegment::flush() {
  if (Status status = write_index_tail(); !status.ok()) return status;
  return sync();
}

void LogSegment::abandon_index_files() {
  offset_index_.abandon_file();
  time_index_.abandon_file();
}

Status LogSegment::remove() {
  abandon_index_files();
  std::error_code error;
  for (const std::string_view extension : kExtensions) {
    const auto path = path_of(directory_, base_offset_, extension, suffix_);
    std::filesystem::remove(path, error);
    if (error) return Status::fatal(path.string() + ": cannot delete: " + error.message());
  }
  return Status::ok_status();
}

Result<std::unique_ptr<LogSegment>> LogSegment::rebuilt_copy() {
  // The entries first, from the headers alone, so that a damaged log changes no file.
  std::vector<OffsetPosition> offsets;
  std::vector<TimestampOffset> times;
  HeaderReader reader(*log_, size_);
  std::uint64_t bytes_since_entry = 0;
  std::int64_t max_timestamp = -1;
  std::int64_t offset_of_max_timestamp = base_offset_;
  for (std::uint64_t position = 0; position < size_;) {
    auto header = reader.read(position);
    if (!header.ok()) {
      index_state_.store(IndexState::kBeyondRepair, std::memory_order_relaxed);
      return header.status();
    }
    const std::int64_t last = header->last_offset();
    if (header->max_timestamp > max_timestamp) {
      max_timestamp = header->max_timestamp;
      offset_of_max_timestamp = last;
    }
    if (bytes_since_entry > static_cast<std::uint64_t>(index_interval_bytes_)) {
      offsets.push_back({last, static_cast<std::uint32_t>(position)});
      if (times.empty() || max_timestamp > times.back().timestamp) {
        times.push_back({max_timestamp, offset_of_max_timestamp});
      }
      bytes_since_entry = 0;
    }
    bytes_since_entry += header->size();
    position += header->size();
  }
  auto log = File::open(log_->path());
  if (!log.ok()) return log.status();
  abandon_index_files();
  auto offset_index =
      OffsetIndex::create(path_of(directory_, base_offset_, ".index", suffix_), base_offset_);
  if (!offset_index.ok()) return offset_index.status();
  auto time_index =
      TimeIndex::create(path_of(directory_, base_offset_, ".timeindex", suffix_), base_offset_);
  if (!time_index.ok()) return time_index.status();
  std::unique_ptr<LogSegment> copy(
      new LogSegment(directory_, base_offset_, index_interval_bytes_, suffix_, std::move(*log),
                     std::move(*offset_index), std::move(*time_index)));
  for (const OffsetPosition& entry : offsets) {
    if (Status status = copy->offset_index_.append(entry.offset, entry.position); !status.ok()) {
      return status;
    }
  }
  for (const TimestampOffset& entry : times) {
    if (Status status = copy->time_index_.maybe_append(entry.timestamp, entry.offset);
        !status.ok()) {
      return status;
    }
  }
  if (Status status = copy->write_index_tail(); !status.ok()) return status;
  copy->size_ = size_;
  copy->next_offset_ = next_offset_;
  copy->max_timestamp_ = max_timestamp_;
  copy->offset_of_max_timestamp_ = offset_of_max_timestamp_;
  copy->first_batch_timestamp_ = first_batch_timestamp_;
  copy->bytes_since_index_entry_ = bytes_since_entry;
  return copy;
}

}  // namespace ferry::broker
