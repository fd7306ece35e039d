#include "broker/storage/log_cleaner.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <system_error>
#include <unordered_map>

#include "broker/storage/file.h"
#include "broker/storage/log_segment.h"
#include "broker/storage/record_batch.h"

namespace ferry::broker {
namespace {

namespace fs = std::filesystem;

// As the partition log's validation: decompressed records beyond this many times
// max.message.bytes (and 64 MiB at least) are refused as a decompression bomb.
constexpr std::uint64_t kMaxInflation = 64;
constexpr std::uint64_t kMinDecompressedLimit = 64ull << 20;

// What one key costs in the map besides its bytes: the hash node (std::string, offset, next
// pointer, cached hash), its bucket pointer and the allocator's headers, rounded up.
constexpr std::size_t kMapEntryOverhead = 80;

constexpr const char* kCleanedSuffix = ".cleaned";
constexpr const char* kSwapSuffix = ".swap";

std::string_view as_text(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::int64_t saturating_minus(std::int64_t now, std::int64_t duration) {
  std::int64_t result = 0;
  if (__builtin_sub_overflow(now, duration, &result))
    return std::numeric_limits<std::int64_t>::min();
  return result;
}

// Transparent hashing, so that a key read from a batch is looked up without copying it.
struct KeyHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
};

// Key -> the latest offset seen for it, within a memory budget (Kafka's SkimpyOffsetMap, but
// with whole keys: no two keys can be taken for one).
class OffsetMap {
 public:
  explicit OffsetMap(std::size_t budget_bytes) : budget_bytes_(budget_bytes) {}

  // false, leaving the map as it was, when a new key would pass the budget.
  bool put(std::string_view key, std::int64_t offset) {
    if (const auto it = offsets_.find(key); it != offsets_.end()) {
      it->second = std::max(it->second, offset);
      return true;
    }
    const std::size_t cost = kMapEntryOverhead + key.size();
    if (bytes_ + cost > budget_bytes_) return false;
    offsets_.emplace(std::string(key), offset);
    bytes_ += cost;
    return true;
  }

  std::optional<std::int64_t> get(std::string_view key) const {
    const auto it = offsets_.find(key);
    if (it == offsets_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::size_t budget_bytes_;
  std::size_t bytes_ = 0;
  std::unordered_map<std::string, std::int64_t, KeyHash, std::equal_to<>> offsets_;
};

using Segments = std::vector<std::shared_ptr<LogSegment>>;

Status stopped(CleanerStep step) {
  static constexpr const char* kNames[] = {"the .cleaned files were written",
                                           "the swap was committed", "the old segments went",
                                           "the indexes were renamed", "the segments were swapped"};
  return Status::retriable(std::string("compaction stopped after ") +
                           kNames[static_cast<int>(step)] + " (test crash point)");
}

Status rename_file(const fs::path& from, const fs::path& to) {
  std::error_code error;
  fs::rename(from, to, error);
  if (error) {
    return Status::fatal(from.string() + ": cannot rename to " + to.filename().string() + ": " +
                         error.message());
  }
  return Status::ok_status();
}

void remove_quietly(const fs::path& path) {
  std::error_code ignored;
  fs::remove(path, ignored);
}

// Renames X<extension><from> to X<extension><to> for the segment's three files, the .log last.
Status rename_segment_files(const fs::path& directory, std::int64_t base, std::string_view from,
                            std::string_view to) {
  for (const std::string_view extension : LogSegment::kExtensions) {
    const fs::path path = LogSegment::file_path(directory, base, extension);
    if (Status status =
            rename_file(path.string() + std::string(from), path.string() + std::string(to));
        !status.ok()) {
      return status;
    }
  }
  return Status::ok_status();
}

void remove_segment_files(const fs::path& directory, std::int64_t base, std::string_view suffix) {
  for (const std::string_view extension : LogSegment::kExtensions) {
    remove_quietly(LogSegment::file_path(directory, base, extension).string() +
                   std::string(suffix));
  }
}

// Whole segments from the start of cleanable, each group as large as segment.bytes,
// segment.index.bytes and the 32-bit offsets of the indexes allow (Kafka's groupSegmentsBySize).
std::vector<Segments> group_by_size(const Segments& cleanable, const LogConfig& config) {
  std::vector<Segments> groups;
  for (std::size_t i = 0; i < cleanable.size();) {
    Segments group{cleanable[i]};
    std::uint64_t bytes = cleanable[i]->size();
    std::uint64_t index_entries = cleanable[i]->offset_index_entries();
    for (++i; i < cleanable.size(); ++i) {
      const LogSegment& next = *cleanable[i];
      bytes += next.size();
      index_entries += next.offset_index_entries();
      // The same bound on offsets as rolling uses (PartitionLog::roll_if_needed).
      const bool offsets_fit = next.next_offset() - group.front()->base_offset() <=
                               std::numeric_limits<std::int32_t>::max() / 2;
      if (bytes > static_cast<std::uint64_t>(config.segment_bytes) ||
          static_cast<std::int64_t>((index_entries + 1) * OffsetIndex::kEntrySize) >
              config.segment_index_bytes ||
          !offsets_fit) {
        break;
      }
      group.push_back(cleanable[i]);
    }
    groups.push_back(std::move(group));
  }
  return groups;
}

}  // namespace

// The work of one clean() on one log.
class LogCleaner::Compaction {
 public:
  Compaction(PartitionLog& log, const LogCleanerOptions& options, std::int64_t now_ms)
      : log_(log), options_(options), now_ms_(now_ms), map_(options.dedupe_buffer_bytes) {}

  Result<CleanerStats> run(const Segments& segments, std::int64_t active_base,
                           std::int64_t checkpoint, const LogConfig& config);

 private:
  Status build_map(const Segments& segments);
  Result<bool> rewrite(const Segments& group);
  Result<bool> swap_in(const Segments& group);
  Status write_checkpoint();
  Status keep_batch(LogSegment& cleaned, const RecordBatchHeader& header,
                    std::span<const std::uint8_t> batch, bool* changed);
  bool crash_after(CleanerStep step) const {
    return options_.crash_after && options_.crash_after(step);
  }

  PartitionLog& log_;
  const LogCleanerOptions& options_;
  const std::int64_t now_ms_;
  LogConfig config_;
  OffsetMap map_;
  CleanerStats stats_;
  std::uint64_t max_decompressed_ = kMinDecompressedLimit;
  std::int64_t delete_horizon_ms_ = 0;
};

Result<CleanerStats> LogCleaner::Compaction::run(const Segments& segments, std::int64_t active_base,
                                                 std::int64_t checkpoint, const LogConfig& config) {
  config_ = config;
  max_decompressed_ = std::max(
      kMinDecompressedLimit, static_cast<std::uint64_t>(config.max_message_bytes) * kMaxInflation);
  delete_horizon_ms_ = saturating_minus(now_ms_, config.delete_retention_ms);
  const std::int64_t log_start = segments.empty() ? active_base : segments.front()->base_offset();
  stats_.first_dirty_offset = std::clamp(checkpoint, log_start, active_base);
  stats_.first_uncleanable_offset = active_base;
  stats_.end_offset = stats_.first_dirty_offset;
  if (Status status = build_map(segments); !status.ok()) return status;
  // Dirty records none of which could be mapped (too young, or too many keys in the first
  // batch): rewriting the clean part now would only be done again when they can.
  if (stats_.end_offset == stats_.first_dirty_offset && stats_.first_dirty_offset < active_base) {
    return stats_;
  }

  // With nothing dirty at all the map is empty, and the pass only drops expired tombstones.
  Segments cleanable;
  for (const auto& segment : segments) {
    if (segment->base_offset() < stats_.end_offset) cleanable.push_back(segment);
  }
  // In offset order, so that a tombstone is never gone while a record it deletes, which has a
  // lower offset, is still there: that holds within a group (swapped in at once) and across
  // groups (the lower one first).
  for (const Segments& group : group_by_size(cleanable, config_)) {
    auto rewritten = rewrite(group);
    if (!rewritten.ok()) return rewritten.status();
    if (!*rewritten) continue;  // nothing in it changed: left as it is
    if (crash_after(CleanerStep::kCleanedWritten)) return stopped(CleanerStep::kCleanedWritten);
    auto swapped = swap_in(group);
    if (!swapped.ok()) return swapped.status();
    if (!*swapped) {
      stats_.aborted = true;
      return stats_;
    }
    if (crash_after(CleanerStep::kSwapped)) return stopped(CleanerStep::kSwapped);
  }

  if (stats_.end_offset == checkpoint) return stats_;
  if (Status status = write_checkpoint(); !status.ok()) return status;
  return stats_;
}

// Replaces the cleaner-offset-checkpoint with end_offset atomically: a temporary file, fsync,
// rename, directory fsync. The file is created and renamed under the log's lock, so that a
// deletion of the log (which holds it exclusively while it empties the directory) never meets
// a file appearing.
Status LogCleaner::Compaction::write_checkpoint() {
  const fs::path& directory = log_.directory();
  const fs::path path = directory / kCleanerCheckpointFile;
  const fs::path temporary = path.string() + ".tmp";
  auto file = [&]() -> Result<File> {
    std::shared_lock lock(log_.mutex_);
    if (log_.segments_.empty()) return log_.removed();
    return File::open(temporary);
  }();
  if (!file.ok()) return file.status();
  const std::string content = "0\n" + std::to_string(stats_.end_offset) + "\n";
  if (Status status = file->truncate(0); !status.ok()) return status;
  if (Status status = file->write_at(0, as_bytes(content)); !status.ok()) return status;
  if (Status status = file->sync(); !status.ok()) return status;
  {
    std::unique_lock lock(log_.mutex_);
    if (log_.segments_.empty()) return log_.removed();
    if (Status status = rename_file(temporary, path); !status.ok()) return status;
    log_.cleaner_checkpoint_ = stats_.end_offset;
  }
  return sync_directory(directory);
}

// Maps the dirty records, [first dirty offset, first uncleanable offset), key -> latest offset,
// and sets end_offset to one past the last batch mapped.
Status LogCleaner::Compaction::build_map(const Segments& segments) {
  const std::int64_t first_dirty = stats_.first_dirty_offset;
  const std::int64_t lag_horizon = saturating_minus(now_ms_, config_.min_compaction_lag_ms);
  bool done = false;
  for (const auto& segment : segments) {
    if (done) break;
    if (segment->next_offset() <= first_dirty) continue;
    Status status = segment->for_each_batch(
        [&](const RecordBatchHeader& header, std::span<const std::uint8_t> batch) -> Result<bool> {
          if (header.last_offset() < first_dirty) return true;
          if (config_.min_compaction_lag_ms > 0 && header.max_timestamp > lag_horizon) {
            stats_.first_uncleanable_offset = header.base_offset;
            done = true;
            return false;
          }
          if (!header.is_control()) {
            auto decoded = decode_batch(batch, max_decompressed_);
            if (!decoded.ok()) return decoded.status();
            for (const RecordView& record : decoded->records()) {
              if (!record.key || record.offset < first_dirty) continue;
              if (!map_.put(as_text(*record.key), record.offset)) {
                // Records of this batch already put may stay: they are later than anything the
                // map removes, and the batch itself is past end_offset, so none of it goes.
                stats_.dedupe_buffer_full = true;
                done = true;
                return false;
              }
            }
          }
          stats_.end_offset = header.last_offset() + 1;
          return true;
        });
    if (!status.ok()) return status;
  }
  return Status::ok_status();
}

// Copies the batch into the cleaned segment, or the part of it compaction keeps.
Status LogCleaner::Compaction::keep_batch(LogSegment& cleaned, const RecordBatchHeader& header,
                                          std::span<const std::uint8_t> batch, bool* changed) {
  const auto copy = [&]() {
    stats_.bytes_written += batch.size();
    return cleaned.append(batch, {header.base_offset, header.last_offset(), header.max_timestamp});
  };
  if (header.is_control()) return copy();
  auto decoded = decode_batch(batch, max_decompressed_);
  if (!decoded.ok()) return decoded.status();
  const std::span<const RecordView> records = decoded->records();
  std::vector<const RecordView*> kept;
  kept.reserve(records.size());
  for (const RecordView& record : records) {
    bool keep = true;
    if (record.key && record.offset < stats_.end_offset) {
      const std::optional<std::int64_t> latest = map_.get(as_text(*record.key));
      if (latest && *latest > record.offset) {
        keep = false;
      } else if (!record.value && header.max_timestamp < delete_horizon_ms_) {
        keep = false;
        ++stats_.tombstones_removed;
      }
    }
    if (keep) kept.push_back(&record);
  }
  stats_.records_read += static_cast<std::int64_t>(records.size());
  stats_.records_kept += static_cast<std::int64_t>(kept.size());
  if (kept.size() == records.size()) return copy();
  *changed = true;
  if (kept.empty()) return Status::ok_status();

  RecordBatchBuilder builder({.base_offset = header.base_offset,
                              .compression = header.compression(),
                              .timestamp_type = header.timestamp_type(),
                              .producer_id = header.producer_id,
                              .producer_epoch = header.producer_epoch,
                              .base_sequence = header.base_sequence,
                              .partition_leader_epoch = header.partition_leader_epoch,
                              .transactional = header.is_transactional(),
                              .control = header.is_control()});
  for (const RecordView* record : kept) {
    if (Status status = builder.append_at(record->offset, record->timestamp, record->key,
                                          record->value, record->headers);
        !status.ok()) {
      return status;
    }
  }
  if (Status status = builder.set_last_offset(header.last_offset()); !status.ok()) return status;
  auto rebuilt = builder.build();
  if (!rebuilt.ok()) return rebuilt.status();
  auto rebuilt_header = read_batch_header(*rebuilt);
  if (!rebuilt_header.ok()) return rebuilt_header.status();
  stats_.bytes_written += rebuilt->size();
  return cleaned.append(*rebuilt,
                        {header.base_offset, header.last_offset(), rebuilt_header->max_timestamp});
}

// Writes the group's retained batches as <base>.*.cleaned and syncs them; false (and no files)
// when nothing would change: one segment that keeps every record.
Result<bool> LogCleaner::Compaction::rewrite(const Segments& group) {
  const fs::path& directory = log_.directory();
  const std::int64_t base = group.front()->base_offset();
  auto cleaned = [&]() -> Result<std::unique_ptr<LogSegment>> {
    // Created under the lock, so that a deletion of the log (which holds it exclusively while
    // it empties the directory) never meets a file appearing.
    std::shared_lock lock(log_.mutex_);
    if (log_.segments_.empty()) return log_.removed();
    return LogSegment::create(directory, base, config_.index_interval_bytes, kCleanedSuffix);
  }();
  if (!cleaned.ok()) return cleaned.status();
  bool changed = group.size() > 1;
  for (const auto& segment : group) {
    ++stats_.segments_read;
    stats_.bytes_read += segment->size();
    Status status = segment->for_each_batch(
        [&](const RecordBatchHeader& header, std::span<const std::uint8_t> batch) -> Result<bool> {
          if (Status kept = keep_batch(**cleaned, header, batch, &changed); !kept.ok()) {
            return kept;
          }
          return true;
        });
    if (!status.ok()) {
      (void)(*cleaned)->remove();
      return status;
    }
  }
  if (!changed) {
    if (Status status = (*cleaned)->remove(); !status.ok()) return status;
    return false;
  }
  if (Status status = (*cleaned)->flush(); !status.ok()) {
    (void)(*cleaned)->remove();
    return status;
  }
  ++stats_.segments_written;
  return true;
}

// Replaces the group by its cleaned segment, as the header comment's swap says. false when the
// group is no longer whole in the log (retention or a deletion came first): the cleaned files
// are dropped and nothing changes.
Result<bool> LogCleaner::Compaction::swap_in(const Segments& group) {
  const fs::path& directory = log_.directory();
  const std::int64_t base = group.front()->base_offset();
  std::unique_lock lock(log_.mutex_);
  const bool whole =
      !log_.segments_.empty() && std::all_of(group.begin(), group.end(), [&](const auto& segment) {
        const auto it = log_.segments_.find(segment->base_offset());
        return it != log_.segments_.end() && it->second == segment;
      });
  if (!whole) {
    remove_segment_files(directory, base, kCleanedSuffix);
    return false;
  }

  if (Status status = rename_segment_files(directory, base, kCleanedSuffix, kSwapSuffix);
      !status.ok()) {
    // Not committed unless the .log was renamed, and it goes last.
    remove_segment_files(directory, base, kCleanedSuffix);
    remove_segment_files(directory, base, kSwapSuffix);
    return status;
  }
  // From here on a failure leaves the old segments in the map (their descriptors still read the
  // old data) and the directory for the next open to finish.
  if (Status status = sync_directory(directory); !status.ok()) return status;
  if (crash_after(CleanerStep::kSwapCommitted)) return stopped(CleanerStep::kSwapCommitted);

  for (std::size_t i = 1; i < group.size(); ++i) {
    if (Status status = group[i]->remove(); !status.ok()) return status;
  }
  if (crash_after(CleanerStep::kOldDeleted)) return stopped(CleanerStep::kOldDeleted);
  for (const std::string_view extension : LogSegment::kExtensions) {
    const fs::path path = LogSegment::file_path(directory, base, extension);
    if (extension == ".log" && crash_after(CleanerStep::kIndexesRenamed)) {
      return stopped(CleanerStep::kIndexesRenamed);
    }
    if (Status status = rename_file(path.string() + kSwapSuffix, path); !status.ok()) {
      return status;
    }
  }
  auto segment =
      LogSegment::open(directory, base, config_.index_interval_bytes, false, stats_.notes);
  if (!segment.ok()) {
    return segment.status().with_context("reopening the compacted segment (restart to recover)");
  }
  for (const auto& old : group) log_.segments_.erase(old->base_offset());
  log_.segments_.emplace(base, std::move(*segment));
  lock.unlock();
  if (Status status = sync_directory(directory); !status.ok()) return status;
  return true;
}

LogCleaner::LogCleaner(LogCleanerOptions options) : options_(std::move(options)) {}

double LogCleaner::dirty_ratio(const PartitionLog& log) {
  std::shared_lock lock(log.mutex_);
  std::uint64_t clean = 0;
  std::uint64_t dirty = 0;
  for (auto it = log.segments_.begin();
       it != log.segments_.end() && std::next(it) != log.segments_.end(); ++it) {
    (it->second->next_offset() <= log.cleaner_checkpoint_ ? clean : dirty) += it->second->size();
  }
  if (clean + dirty == 0) return 0;
  return static_cast<double>(dirty) / static_cast<double>(clean + dirty);
}

Result<CleanerStats> LogCleaner::clean(PartitionLog& log, std::int64_t now_ms) const {
  if (log.read_only()) return log.refuse_write("compact");
  std::lock_guard one_at_a_time(log.cleaner_mutex_);
  Segments segments;
  std::int64_t active_base = 0;
  std::int64_t checkpoint = 0;
  LogConfig config;
  {
    std::shared_lock lock(log.mutex_);
    if (log.segments_.empty()) return log.removed();
    for (auto it = log.segments_.begin(); std::next(it) != log.segments_.end(); ++it) {
      segments.push_back(it->second);
    }
    active_base = log.active().base_offset();
    checkpoint = log.cleaner_checkpoint_;
    config = log.config_;
  }
  Compaction compaction(log, options_, now_ms);
  auto stats = compaction.run(segments, active_base, checkpoint, config);
  if (!stats.ok()) return stats.status().with_context(log.directory().filename().string());
  return stats;
}

Status recover_interrupted_cleaning(const fs::path& directory, std::vector<std::string>& notes) {
  std::vector<std::int64_t> bases;                             // of <base>.log
  std::vector<std::int64_t> swaps;                             // of <base>.log.swap
  std::vector<std::pair<std::int64_t, fs::path>> index_swaps;  // <base>.{index,timeindex}.swap
  bool changed = false;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(directory, error)) {
    const fs::path& path = entry.path();
    const std::string name = path.filename().string();
    if (name.ends_with(kCleanedSuffix) || name == std::string(kCleanerCheckpointFile) + ".tmp") {
      notes.push_back(path.string() + ": left by an interrupted compaction; deleted");
      remove_quietly(path);
      changed = true;
      continue;
    }
    const std::string stem = name.substr(0, name.find('.'));
    const std::optional<std::int64_t> base = LogSegment::parse_file_stem(stem);
    if (!base) continue;
    const std::string_view extension = std::string_view(name).substr(stem.size());
    if (extension == ".log") bases.push_back(*base);
    if (extension == ".log.swap") swaps.push_back(*base);
    if (extension == ".index.swap" || extension == ".timeindex.swap") {
      index_swaps.emplace_back(*base, path);
    }
  }
  if (error) {
    return Status::fatal(directory.string() + ": cannot list the directory: " + error.message());
  }
  std::sort(swaps.begin(), swaps.end());
  for (const std::int64_t base : swaps) {
    const fs::path swap = LogSegment::file_path(directory, base, ".log").string() + kSwapSuffix;
    auto end = LogSegment::scan_next_offset(swap, base);
    if (!end.ok()) return end.status().with_context("completing an interrupted compaction");
    for (const std::int64_t replaced : bases) {
      if (replaced <= base || replaced >= *end) continue;
      remove_segment_files(directory, replaced, "");
    }
    for (const std::string_view extension : LogSegment::kExtensions) {
      const fs::path path = LogSegment::file_path(directory, base, extension);
      if (!fs::exists(path.string() + kSwapSuffix)) continue;
      if (Status status = rename_file(path.string() + kSwapSuffix, path); !status.ok()) {
        return status;
      }
    }
    notes.push_back(swap.string() + ": completed an interrupted compaction (offsets " +
                    std::to_string(base) + " to " + std::to_string(*end - 1) + ")");
    changed = true;
  }
  for (const auto& [base, path] : index_swaps) {
    if (std::binary_search(swaps.begin(), swaps.end(), base)) continue;  // renamed above
    notes.push_back(path.string() + ": left by an interrupted compaction; deleted");
    remove_quietly(path);
    changed = true;
  }
  return changed ? sync_directory(directory) : Status::ok_status();
}

std::optional<std::int64_t> read_cleaner_checkpoint(const fs::path& directory,
                                                    std::vector<std::string>& notes) {
  const fs::path path = directory / kCleanerCheckpointFile;
  auto file = File::open(path, File::Mode::kReadOnly);
  if (!file.ok()) return std::nullopt;
  char buffer[64] = {};
  auto read = file->read_at(0, std::span(reinterpret_cast<std::uint8_t*>(buffer), sizeof buffer));
  const std::string_view text(buffer, read.ok() ? *read : 0);
  std::int64_t offset = -1;
  if (text.starts_with("0\n") && text.ends_with("\n")) {
    const std::string_view number = text.substr(2, text.size() - 3);
    const auto [end, parse_error] =
        std::from_chars(number.data(), number.data() + number.size(), offset);
    if (parse_error != std::errc() || end != number.data() + number.size()) offset = -1;
  }
  if (offset < 0) {
    notes.push_back(path.string() +
                    ": not a cleaner checkpoint; ignored (the next compaction "
                    "reads the whole log)");
    return std::nullopt;
  }
  return offset;
}

}  // namespace ferry::broker
