#include "broker/storage/log_segment.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <system_error>

#include "broker/storage/record_batch.h"

namespace ferry::broker {
namespace {

constexpr std::size_t kScanChunk = 1 << 20;

std::string at(const File& file, std::uint64_t position) {
  return file.path().string() + " at position " + std::to_string(position);
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
    if (size > end_ - position_) {
      return Status::corruption(at(file_, position_) + ": batch of " + std::to_string(size) +
                                " bytes runs past the end of the segment (" +
                                std::to_string(end_ - position_) + " bytes left)");
    }
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
      log_(std::move(log)),
      offset_index_(std::move(offset_index)),
      time_index_(std::move(time_index)),
      next_offset_(base_offset),
      offset_of_max_timestamp_(base_offset) {}

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

Result<std::unique_ptr<LogSegment>> LogSegment::open(const std::filesystem::path& directory,
                                                     std::int64_t base_offset,
                                                     std::int64_t index_interval_bytes,
                                                     bool full_recovery,
                                                     std::vector<std::string>& notes) {
  auto log = File::open(path_of(directory, base_offset, ".log"));
  if (!log.ok()) return log.status();
  auto size = log->size();
  if (!size.ok()) return size.status();

  // Indexes that do not load are rebuilt by a recovery of the segment.
  const auto offsets_path = path_of(directory, base_offset, ".index");
  const auto times_path = path_of(directory, base_offset, ".timeindex");
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
  std::unique_ptr<LogSegment> segment(new LogSegment(directory, base_offset, index_interval_bytes,
                                                     "", std::move(*log), std::move(*offsets),
                                                     std::move(*times)));
  segment->size_ = *size;
  if (!full_recovery) {
    bool needs_recovery = false;
    if (Status status = segment->check_tail(notes, &needs_recovery); !status.ok()) return status;
    full_recovery = needs_recovery;
  }
  if (full_recovery) {
    if (Status status = segment->recover(notes); !status.ok()) return status;
  }
  return segment;
}

// Reads the batches after the last offset index entry, checking their CRCs, to learn the next
// offset and catch a torn or damaged tail without reading the whole segment.
Status LogSegment::check_tail(std::vector<std::string>& notes, bool* needs_recovery) {
  const OffsetPosition start = offset_index_.last().value_or(OffsetPosition{base_offset_, 0});
  BatchScanner scanner(log_, start.position, size_);
  std::int64_t next = base_offset_;
  std::int64_t max_timestamp = -1;
  std::int64_t offset_of_max_timestamp = base_offset_;
  if (const auto last_time = time_index_.last()) {
    max_timestamp = last_time->timestamp;
    offset_of_max_timestamp = last_time->offset;
  }
  bool first = true;
  while (true) {
    auto item = scanner.next();
    Status problem = item.ok() ? Status::ok_status() : item.status();
    if (problem.ok() && *item) {
      problem = verify_batch((*item)->bytes);
      if (problem.ok() && first && offset_index_.last() &&
          (*item)->header.last_offset() != start.offset) {
        problem = Status::corruption(
            "the offset index points at offset " + std::to_string(start.offset) +
            " but the batch there ends at " + std::to_string((*item)->header.last_offset()));
      }
      if (!problem.ok()) problem = problem.with_context(at(log_, (*item)->position));
    }
    if (!problem.ok()) {
      notes.push_back(problem.message() + "; recovering the segment");
      *needs_recovery = true;
      return Status::ok_status();
    }
    if (!*item) break;
    first = false;
    next = (*item)->header.last_offset() + 1;
    if ((*item)->header.max_timestamp > max_timestamp) {
      max_timestamp = (*item)->header.max_timestamp;
      offset_of_max_timestamp = (*item)->header.last_offset();
    }
  }
  next_offset_ = next;
  max_timestamp_ = max_timestamp;
  offset_of_max_timestamp_ = offset_of_max_timestamp;
  // The first batch's timestamp decides segment.ms rolling; read it when the tail did not start
  // at the beginning.
  if (size_ > 0) {
    BatchScanner head(log_, 0, size_);
    auto item = head.next();
    if (item.ok() && *item) first_batch_timestamp_ = (*item)->header.max_timestamp;
  }
  bytes_since_index_entry_ = size_ - offset_index_.last().value_or(OffsetPosition{}).position;
  return Status::ok_status();
}

Status LogSegment::recover(std::vector<std::string>& notes) {
  auto offsets =
      OffsetIndex::create(path_of(directory_, base_offset_, ".index", suffix_), base_offset_);
  if (!offsets.ok()) return offsets.status();
  auto times =
      TimeIndex::create(path_of(directory_, base_offset_, ".timeindex", suffix_), base_offset_);
  if (!times.ok()) return times.status();
  offset_index_ = std::move(*offsets);
  time_index_ = std::move(*times);
  const std::uint64_t file_size = size_;
  size_ = 0;
  next_offset_ = base_offset_;
  max_timestamp_ = -1;
  offset_of_max_timestamp_ = base_offset_;
  first_batch_timestamp_ = -1;
  bytes_since_index_entry_ = 0;

  BatchScanner scanner(log_, 0, file_size);
  while (true) {
    auto item = scanner.next();
    Status problem = item.ok() ? Status::ok_status() : item.status();
    if (problem.ok() && *item) {
      const RecordBatchHeader& header = (*item)->header;
      problem = verify_batch((*item)->bytes);
      if (problem.ok() && header.base_offset < next_offset_) {
        problem = Status::corruption("batch at offset " + std::to_string(header.base_offset) +
                                     " does not follow offset " + std::to_string(next_offset_ - 1));
      }
      if (!problem.ok()) problem = problem.with_context(at(log_, (*item)->position));
    }
    if (!problem.ok()) {
      notes.push_back(problem.message() + "; truncating " + log_.path().string() + " to " +
                      std::to_string(size_) + " bytes (dropping " +
                      std::to_string(file_size - size_) + ")");
      break;
    }
    if (!*item) break;
    const RecordBatchHeader& header = (*item)->header;
    const BatchPlacement placement{header.base_offset, header.last_offset(), header.max_timestamp};
    if (Status status = index(size_, placement, (*item)->bytes.size()); !status.ok()) {
      return status;
    }
  }
  if (size_ < file_size) {
    if (Status status = log_.truncate(size_); !status.ok()) return status;
  }
  return Status::ok_status();
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
    return Status::invalid_argument(log_.path().string() + ": append at offset " +
                                    std::to_string(placement.base_offset) +
                                    " does not follow offset " + std::to_string(next_offset_ - 1));
  }
  const std::uint64_t position = size_;
  if (Status status = log_.write_at(position, batch); !status.ok()) {
    // Nothing half-written may stay behind: the next append starts at size_ again.
    (void)log_.truncate(position);
    return status;
  }
  return index(position, placement, batch.size());
}

Result<std::optional<std::uint64_t>> LogSegment::find_position(std::int64_t offset,
                                                               std::uint64_t end) const {
  const OffsetPosition start = offset_index_.lookup(offset);
  std::uint64_t position = start.position;
  std::uint8_t header_bytes[kRecordBatchHeaderSize];
  while (position < end) {
    auto read = log_.read_at(position, header_bytes);
    if (!read.ok()) return read.status();
    if (*read < kRecordBatchHeaderSize) {
      return Status::corruption(at(log_, position) + ": the file ends inside a batch header");
    }
    auto header = read_batch_header(header_bytes);
    if (!header.ok()) return header.status().with_context(at(log_, position));
    if (header->last_offset() >= offset) return std::optional<std::uint64_t>(position);
    position += header->size();
  }
  return std::optional<std::uint64_t>();
}

Result<std::vector<std::uint8_t>> LogSegment::read(std::uint64_t position, std::uint64_t max_bytes,
                                                   std::uint64_t end, bool at_least_one) const {
  // Walk batch headers to find how many whole batches fit, then read them in one go.
  std::uint64_t stop = position;
  std::uint8_t header_bytes[kRecordBatchHeaderSize];
  while (stop < end) {
    auto read = log_.read_at(stop, header_bytes);
    if (!read.ok()) return read.status();
    if (*read < kRecordBatchHeaderSize) {
      return Status::corruption(at(log_, stop) + ": the file ends inside a batch header");
    }
    auto header = read_batch_header(header_bytes);
    if (!header.ok()) return header.status().with_context(at(log_, stop));
    const std::uint64_t size = header->size();
    if (stop + size > end) {
      return Status::corruption(at(log_, stop) + ": batch of " + std::to_string(size) +
                                " bytes runs past the end of the segment");
    }
    const bool first = stop == position;
    if (stop + size - position > max_bytes && !(first && at_least_one)) break;
    stop += size;
  }
  std::vector<std::uint8_t> bytes(stop - position);
  auto read = log_.read_at(position, bytes);
  if (!read.ok()) return read.status();
  if (*read != bytes.size()) return Status::corruption(at(log_, position) + ": short read");
  return bytes;
}

Result<std::optional<std::int64_t>> LogSegment::find_offset_for_timestamp(
    std::int64_t timestamp) const {
  if (max_timestamp_ < timestamp) return std::optional<std::int64_t>();
  const std::optional<TimestampOffset> entry = time_index_.lookup(timestamp);
  const std::int64_t from = entry ? entry->offset : base_offset_;
  auto start = find_position(from, size_);
  if (!start.ok()) return start.status();
  if (!*start) return std::optional<std::int64_t>();
  BatchScanner scanner(log_, **start, size_);
  while (true) {
    auto item = scanner.next();
    if (!item.ok()) return item.status();
    if (!*item) return std::optional<std::int64_t>();
    if ((*item)->header.max_timestamp >= timestamp) {
      return std::optional<std::int64_t>((*item)->header.base_offset);
    }
  }
}

Status LogSegment::for_each_batch(const BatchVisitor& visit) const {
  BatchScanner scanner(log_, 0, size_);
  while (true) {
    auto item = scanner.next();
    if (!item.ok()) return item.status();
    if (!*item) return Status::ok_status();
    auto more = visit((*item)->header, (*item)->bytes);
    if (!more.ok()) return more.status().with_context(at(log_, (*item)->position));
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
  if (Status status = log_.truncate(new_size); !status.ok()) return status;
  if (Status status = offset_index_.truncate_to_position(static_cast<std::uint32_t>(new_size));
      !status.ok()) {
    return status;
  }
  if (Status status = time_index_.truncate_to_offset(offset); !status.ok()) return status;
  // Recompute what the truncated tail held from the batches that remain.
  size_ = new_size;
  std::vector<std::string> ignored;
  bool needs_recovery = false;
  return check_tail(ignored, &needs_recovery);
}

Status LogSegment::flush() {
  if (Status status = log_.sync(); !status.ok()) return status;
  if (Status status = offset_index_.sync(); !status.ok()) return status;
  return time_index_.sync();
}

Status LogSegment::remove() {
  std::error_code error;
  for (const std::string_view extension : kExtensions) {
    const auto path = path_of(directory_, base_offset_, extension, suffix_);
    std::filesystem::remove(path, error);
    if (error) return Status::fatal(path.string() + ": cannot delete: " + error.message());
  }
  return Status::ok_status();
}

}  // namespace ferry::broker
