#include "broker/storage/segment_index.h"

#include <algorithm>
#include <limits>
#include <string>

namespace ferry::broker {
namespace {

void put_be(std::uint8_t* out, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    out[i] = static_cast<std::uint8_t>(value);
    value >>= 8;
  }
}

std::uint64_t get_be(const std::uint8_t* in, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | in[i];
  return value;
}

// The whole file; read_only ignores a partial last entry (one a writer is writing right now).
Result<std::vector<std::uint8_t>> read_whole(const File& file, std::size_t entry_size,
                                             bool read_only) {
  auto size = file.size();
  if (!size.ok()) return size.status();
  if (read_only) *size -= *size % entry_size;
  if (*size % entry_size != 0) {
    return Status::corruption(file.path().string() + ": size " + std::to_string(*size) +
                              " is not a multiple of the entry size " + std::to_string(entry_size));
  }
  std::vector<std::uint8_t> bytes(*size);
  auto read = file.read_at(0, bytes);
  if (!read.ok()) return read.status();
  if (*read != bytes.size()) return Status::corruption(file.path().string() + ": short read");
  return bytes;
}

bool fits_relative(std::int64_t offset, std::int64_t base) {
  return offset >= base && offset - base <= std::numeric_limits<std::int32_t>::max();
}

}  // namespace

// ---- OffsetIndex -------------------------------------------------------------------------------

Result<OffsetIndex> OffsetIndex::open(const std::filesystem::path& path, std::int64_t base_offset,
                                      std::uint64_t segment_size, bool read_only) {
  auto file = File::open(path, read_only ? File::Mode::kReadOnly : File::Mode::kReadWrite);
  if (!file.ok()) return file.status();
  OffsetIndex index(std::move(*file), base_offset);
  index.abandoned_ = read_only;
  auto bytes = read_whole(index.file_, kEntrySize, read_only);
  if (!bytes.ok()) return bytes.status();
  index.entries_.reserve(bytes->size() / kEntrySize);
  for (std::size_t at = 0; at < bytes->size(); at += kEntrySize) {
    const auto relative = static_cast<std::int32_t>(get_be(bytes->data() + at, 4));
    const auto position = static_cast<std::uint32_t>(get_be(bytes->data() + at + 4, 4));
    const OffsetPosition entry{base_offset + relative, position};
    const bool increasing =
        index.entries_.empty() || (entry.offset > index.entries_.back().offset &&
                                   entry.position > index.entries_.back().position);
    if (relative < 0 || !increasing || position >= segment_size) {
      return Status::corruption(path.string() + ": entry " + std::to_string(at / kEntrySize) +
                                " (offset " + std::to_string(entry.offset) + ", position " +
                                std::to_string(position) +
                                ") is out of order or past the end of the segment");
    }
    index.entries_.push_back(entry);
  }
  index.persisted_ = index.entries_.size();
  return index;
}

Result<OffsetIndex> OffsetIndex::create(const std::filesystem::path& path,
                                        std::int64_t base_offset) {
  auto file = File::open(path);
  if (!file.ok()) return file.status();
  if (Status status = file->truncate(0); !status.ok()) return status;
  return OffsetIndex(std::move(*file), base_offset);
}

OffsetIndex OffsetIndex::in_memory(std::int64_t base_offset) {
  OffsetIndex index(File(), base_offset);
  index.abandoned_ = true;
  return index;
}

Status OffsetIndex::append(std::int64_t offset, std::uint32_t position) {
  if (!fits_relative(offset, base_) ||
      (!entries_.empty() &&
       (offset <= entries_.back().offset || position <= entries_.back().position))) {
    return Status::invalid_argument(file_.path().string() + ": index entry for offset " +
                                    std::to_string(offset) + " is not after the last one");
  }
  entries_.push_back({offset, position});
  // The batch this entry is for is in the log already: a failed write must not fail its append.
  // The entries stay pending, and the next write_pending() (roll, flush, close) reports it.
  if ((entries_.size() - persisted_) * kEntrySize >= kIndexWriteChunkBytes) (void)write_pending();
  return Status::ok_status();
}

Status OffsetIndex::write_pending() {
  if (abandoned_ || persisted_ == entries_.size()) return Status::ok_status();
  std::vector<std::uint8_t> bytes((entries_.size() - persisted_) * kEntrySize);
  std::uint8_t* out = bytes.data();
  for (std::size_t i = persisted_; i < entries_.size(); ++i, out += kEntrySize) {
    put_be(out, static_cast<std::uint64_t>(entries_[i].offset - base_), 4);
    put_be(out + 4, entries_[i].position, 4);
  }
  if (Status status = file_.write_at(persisted_ * kEntrySize, bytes); !status.ok()) return status;
  persisted_ = entries_.size();
  return Status::ok_status();
}

std::optional<std::size_t> OffsetIndex::lookup_slot(std::int64_t offset) const {
  const auto after = std::upper_bound(
      entries_.begin(), entries_.end(), offset,
      [](std::int64_t target, const OffsetPosition& entry) { return target < entry.offset; });
  if (after == entries_.begin()) return std::nullopt;
  return static_cast<std::size_t>(std::prev(after) - entries_.begin());
}

std::size_t OffsetIndex::first_slot_from(std::uint64_t position) const {
  return static_cast<std::size_t>(
      std::lower_bound(entries_.begin(), entries_.end(), position,
                       [](const OffsetPosition& entry, std::uint64_t target) {
                         return entry.position < target;
                       }) -
      entries_.begin());
}

OffsetPosition OffsetIndex::lookup(std::int64_t offset) const {
  const std::optional<std::size_t> slot = lookup_slot(offset);
  if (!slot) return {base_, 0};
  return entries_[*slot];
}

Status OffsetIndex::truncate_to_position(std::uint32_t position) {
  const auto first_dropped = std::lower_bound(
      entries_.begin(), entries_.end(), position,
      [](const OffsetPosition& entry, std::uint32_t target) { return entry.position < target; });
  entries_.erase(first_dropped, entries_.end());
  persisted_ = std::min(persisted_, entries_.size());
  if (abandoned_) return Status::ok_status();
  return file_.truncate(persisted_ * kEntrySize);
}

std::optional<OffsetPosition> OffsetIndex::last() const {
  if (entries_.empty()) return std::nullopt;
  return entries_.back();
}

// ---- TimeIndex ---------------------------------------------------------------------------------

Result<TimeIndex> TimeIndex::open(const std::filesystem::path& path, std::int64_t base_offset,
                                  std::int64_t next_offset, bool read_only) {
  auto file = File::open(path, read_only ? File::Mode::kReadOnly : File::Mode::kReadWrite);
  if (!file.ok()) return file.status();
  TimeIndex index(std::move(*file), base_offset);
  index.abandoned_ = read_only;
  auto bytes = read_whole(index.file_, kEntrySize, read_only);
  if (!bytes.ok()) return bytes.status();
  for (std::size_t at = 0; at < bytes->size(); at += kEntrySize) {
    const auto timestamp = static_cast<std::int64_t>(get_be(bytes->data() + at, 8));
    const auto relative = static_cast<std::int32_t>(get_be(bytes->data() + at + 8, 4));
    const TimestampOffset entry{timestamp, base_offset + relative};
    const bool increasing =
        index.entries_.empty() || (entry.timestamp > index.entries_.back().timestamp &&
                                   entry.offset >= index.entries_.back().offset);
    if (relative < 0 || !increasing || entry.offset >= next_offset) {
      return Status::corruption(path.string() + ": entry " + std::to_string(at / kEntrySize) +
                                " (timestamp " + std::to_string(timestamp) + ", offset " +
                                std::to_string(entry.offset) +
                                ") is out of order or past the end of the segment");
    }
    index.entries_.push_back(entry);
  }
  index.persisted_ = index.entries_.size();
  return index;
}

Result<TimeIndex> TimeIndex::create(const std::filesystem::path& path, std::int64_t base_offset) {
  auto file = File::open(path);
  if (!file.ok()) return file.status();
  if (Status status = file->truncate(0); !status.ok()) return status;
  return TimeIndex(std::move(*file), base_offset);
}

TimeIndex TimeIndex::in_memory(std::int64_t base_offset) {
  TimeIndex index(File(), base_offset);
  index.abandoned_ = true;
  return index;
}

Status TimeIndex::maybe_append(std::int64_t timestamp, std::int64_t offset) {
  if (!entries_.empty() && timestamp <= entries_.back().timestamp) return Status::ok_status();
  if (!fits_relative(offset, base_) || (!entries_.empty() && offset < entries_.back().offset)) {
    return Status::invalid_argument(file_.path().string() + ": offset " + std::to_string(offset) +
                                    " does not belong to this segment or goes back");
  }
  entries_.push_back({timestamp, offset});
  // As in OffsetIndex::append: a failed write leaves the entries pending.
  if ((entries_.size() - persisted_) * kEntrySize >= kIndexWriteChunkBytes) (void)write_pending();
  return Status::ok_status();
}

Status TimeIndex::write_pending() {
  if (abandoned_ || persisted_ == entries_.size()) return Status::ok_status();
  std::vector<std::uint8_t> bytes((entries_.size() - persisted_) * kEntrySize);
  std::uint8_t* out = bytes.data();
  for (std::size_t i = persisted_; i < entries_.size(); ++i, out += kEntrySize) {
    put_be(out, static_cast<std::uint64_t>(entries_[i].timestamp), 8);
    put_be(out + 8, static_cast<std::uint64_t>(entries_[i].offset - base_), 4);
  }
  if (Status status = file_.write_at(persisted_ * kEntrySize, bytes); !status.ok()) return status;
  persisted_ = entries_.size();
  return Status::ok_status();
}

std::optional<std::size_t> TimeIndex::lookup_slot(std::int64_t timestamp) const {
  const auto first_not_below = std::lower_bound(
      entries_.begin(), entries_.end(), timestamp,
      [](const TimestampOffset& entry, std::int64_t target) { return entry.timestamp < target; });
  if (first_not_below == entries_.begin()) return std::nullopt;
  return static_cast<std::size_t>(std::prev(first_not_below) - entries_.begin());
}

std::optional<TimestampOffset> TimeIndex::lookup(std::int64_t timestamp) const {
  const std::optional<std::size_t> slot = lookup_slot(timestamp);
  if (!slot) return std::nullopt;
  return entries_[*slot];
}

Status TimeIndex::truncate_to_offset(std::int64_t offset) {
  const auto first_dropped = std::lower_bound(
      entries_.begin(), entries_.end(), offset,
      [](const TimestampOffset& entry, std::int64_t target) { return entry.offset < target; });
  entries_.erase(first_dropped, entries_.end());
  persisted_ = std::min(persisted_, entries_.size());
  if (abandoned_) return Status::ok_status();
  return file_.truncate(persisted_ * kEntrySize);
}

std::optional<TimestampOffset> TimeIndex::last() const {
  if (entries_.empty()) return std::nullopt;
  return entries_.back();
}

}  // namespace ferry::broker
