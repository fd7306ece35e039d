#include "broker/storage/partition_log.h"

#include <algorithm>
#include <limits>
#include <mutex>
#include <system_error>

#include "broker/storage/file.h"
#include "broker/storage/log_cleaner.h"
#include "broker/storage/record_batch.h"

namespace ferry::broker {
namespace {

// Decompressed records beyond this are refused as a decompression bomb: a batch may hold at most
// this many times max.message.bytes once inflated (and 64 MiB at least).
constexpr std::uint64_t kMaxInflation = 64;
constexpr std::uint64_t kMinDecompressedLimit = 64ull << 20;

// The checks Kafka's LogValidator makes before a batch is accepted.
Status validate_batch(std::span<const std::uint8_t> batch, const RecordBatchHeader& header,
                      const LogConfig& config) {
  if (header.size() > static_cast<std::uint64_t>(config.max_message_bytes)) {
    return Status::too_large("the batch is " + std::to_string(header.size()) +
                             " bytes, larger than max.message.bytes (" +
                             std::to_string(config.max_message_bytes) + ")");
  }
  if (Status status = verify_batch(batch); !status.ok()) return status;
  if (header.records_count <= 0 || header.last_offset_delta != header.records_count - 1) {
    return Status::invalid_argument("the batch claims " + std::to_string(header.records_count) +
                                    " records with last offset delta " +
                                    std::to_string(header.last_offset_delta) +
                                    "; a producer's batch numbers its records 0..count-1");
  }
  const std::uint64_t limit = std::max(
      kMinDecompressedLimit, static_cast<std::uint64_t>(config.max_message_bytes) * kMaxInflation);
  auto decoded = decode_batch(batch, limit);
  if (!decoded.ok()) return decoded.status();
  for (std::size_t i = 0; i < decoded->records().size(); ++i) {
    const RecordView& record = decoded->records()[i];
    if (record.offset != header.base_offset + static_cast<std::int64_t>(i)) {
      return Status::invalid_argument("record " + std::to_string(i) + " has offset delta " +
                                      std::to_string(record.offset - header.base_offset) +
                                      "; a producer's batch numbers its records 0..count-1");
    }
    if (config.cleanup_compact && !record.key) {
      return Status::invalid_argument("record " + std::to_string(i) +
                                      " has no key; a compacted topic needs a key on every "
                                      "record");
    }
  }
  return Status::ok_status();
}

}  // namespace

Status PartitionLog::removed() const {
  return Status::not_found(directory_.filename().string() + " has been deleted");
}

PartitionLog::PartitionLog(std::filesystem::path directory, LogConfig config)
    : directory_(std::move(directory)), config_(config) {}

PartitionLog::~PartitionLog() { (void)flush(); }

Result<std::unique_ptr<PartitionLog>> PartitionLog::open(const std::filesystem::path& directory,
                                                         LogConfig config, bool clean_shutdown,
                                                         std::vector<std::string>& notes) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    return Status::fatal(directory.string() + ": cannot create the directory: " + error.message());
  }
  // Before the segments are listed: an interrupted compaction may have files to finish or drop.
  if (Status status = recover_interrupted_cleaning(directory, notes); !status.ok()) return status;
  std::vector<std::int64_t> bases;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.path().extension() != ".log") continue;
    if (const auto base = LogSegment::parse_file_stem(entry.path().stem().string())) {
      bases.push_back(*base);
    } else {
      notes.push_back(entry.path().string() + ": not a segment name; ignored");
    }
  }
  if (error) {
    return Status::fatal(directory.string() + ": cannot list the directory: " + error.message());
  }
  std::sort(bases.begin(), bases.end());

  std::unique_ptr<PartitionLog> log(new PartitionLog(directory, config));
  for (std::size_t i = 0; i < bases.size(); ++i) {
    const bool last = i + 1 == bases.size();
    auto segment = LogSegment::open(directory, bases[i], config.index_interval_bytes,
                                    last && !clean_shutdown, notes);
    if (!segment.ok()) return segment.status();
    if (!log->segments_.empty() &&
        log->segments_.rbegin()->second->next_offset() > (*segment)->base_offset()) {
      return Status::corruption((*segment)->log_path().string() + ": starts at offset " +
                                std::to_string((*segment)->base_offset()) +
                                " but the segment before it ends at " +
                                std::to_string(log->segments_.rbegin()->second->next_offset() - 1));
    }
    log->segments_.emplace(bases[i], std::move(*segment));
  }
  if (log->segments_.empty()) {
    auto segment = LogSegment::create(directory, 0, config.index_interval_bytes);
    if (!segment.ok()) return segment.status();
    log->segments_.emplace(0, std::move(*segment));
    if (Status status = sync_directory(directory); !status.ok()) return status;
  }
  log->cleaner_checkpoint_ = read_cleaner_checkpoint(directory, notes)
                                 .value_or(log->segments_.begin()->second->base_offset());
  return log;
}

Status PartitionLog::roll_if_needed(std::uint64_t incoming_bytes, std::int64_t now_ms) {
  LogSegment& segment = active();
  if (segment.empty()) return Status::ok_status();
  const bool full =
      segment.size() + incoming_bytes > static_cast<std::uint64_t>(config_.segment_bytes);
  const bool old = segment.first_batch_timestamp() >= 0 &&
                   now_ms - segment.first_batch_timestamp() > config_.segment_ms;
  const bool index_full =
      static_cast<std::int64_t>((segment.offset_index_entries() + 1) * OffsetIndex::kEntrySize) >
      config_.segment_index_bytes;
  // Offsets in the indexes are 32-bit deltas from the segment's base.
  const bool offsets_exhausted =
      segment.next_offset() - segment.base_offset() > std::numeric_limits<std::int32_t>::max() / 2;
  if (!full && !old && !index_full && !offsets_exhausted) return Status::ok_status();
  // The segment being closed is synced now, so recovery only ever needs to read the last one.
  if (Status status = segment.flush(); !status.ok()) return status;
  const std::int64_t base = segment.next_offset();
  auto next = LogSegment::create(directory_, base, config_.index_interval_bytes);
  if (!next.ok()) return next.status();
  segments_.emplace(base, std::move(*next));
  return sync_directory(directory_);
}

Result<AppendResult> PartitionLog::append(std::span<std::uint8_t> batches, std::int64_t now_ms) {
  // Check every batch before anything is written, so a rejected call leaves no trace.
  std::vector<RecordBatchHeader> headers;
  for (std::size_t position = 0; position < batches.size();) {
    const auto where = "batch " + std::to_string(headers.size()) + " of the append to " +
                       directory_.filename().string();
    auto header = read_batch_header(batches.subspan(position));
    if (!header.ok()) return header.status().with_context(where);
    if (header->size() > batches.size() - position) {
      return Status::corruption(where + ": the batch claims " + std::to_string(header->size()) +
                                " bytes but only " + std::to_string(batches.size() - position) +
                                " were sent");
    }
    LogConfig config = this->config();
    if (Status status = validate_batch(batches.subspan(position, header->size()), *header, config);
        !status.ok()) {
      return status.with_context(where);
    }
    headers.push_back(*header);
    position += header->size();
  }
  if (headers.empty()) {
    return Status::invalid_argument("an append to " + directory_.filename().string() +
                                    " holds no batch");
  }

  std::unique_lock lock(mutex_);
  if (segments_.empty()) return removed();
  AppendResult result;
  result.base_offset = active().next_offset();
  std::size_t position = 0;
  for (const RecordBatchHeader& header : headers) {
    const std::span<std::uint8_t> batch = batches.subspan(position, header.size());
    position += header.size();
    const std::int64_t base = active().next_offset();
    set_base_offset(batch, base);
    std::int64_t max_timestamp = header.max_timestamp;
    if (config_.timestamp_type == TimestampType::kLogAppendTime) {
      set_log_append_time(batch, now_ms);
      max_timestamp = now_ms;
      result.log_append_time = now_ms;
    }
    if (Status status = roll_if_needed(batch.size(), now_ms); !status.ok()) return status;
    const BatchPlacement placement{base, base + header.last_offset_delta, max_timestamp};
    if (Status status = active().append(batch, placement); !status.ok()) return status;
    result.last_offset = placement.last_offset;
    result.record_count += header.records_count;
    unflushed_messages_ += header.records_count;
    if (first_unflushed_ms_ < 0) first_unflushed_ms_ = now_ms;
  }
  if (unflushed_messages_ >= config_.flush_messages ||
      (first_unflushed_ms_ >= 0 && now_ms - first_unflushed_ms_ >= config_.flush_ms)) {
    if (Status status = flush_locked(); !status.ok()) return status;
  }
  return result;
}

Result<ReadResult> PartitionLog::read(std::int64_t offset, std::uint64_t max_bytes) const {
  std::shared_lock lock(mutex_);
  if (segments_.empty()) return removed();
  ReadResult result;
  result.high_watermark = active().next_offset();
  result.log_start_offset = segments_.begin()->second->base_offset();
  if (offset == result.high_watermark) return result;
  if (offset < result.log_start_offset || offset > result.high_watermark) {
    return Status::out_of_range("offset " + std::to_string(offset) + " is outside " +
                                directory_.filename().string() + ", which holds offsets " +
                                std::to_string(result.log_start_offset) + " to " +
                                std::to_string(result.high_watermark - 1));
  }
  // The segment holding the offset, or (after compaction left a gap) the first one after it.
  auto it = std::prev(segments_.upper_bound(offset));
  for (; it != segments_.end(); ++it) {
    const LogSegment& segment = *it->second;
    auto position = segment.find_position(offset, segment.size());
    if (!position.ok()) return position.status();
    if (!*position) continue;
    auto bytes = segment.read(**position, max_bytes, segment.size(), true);
    if (!bytes.ok()) return bytes.status();
    result.records = std::move(*bytes);
    return result;
  }
  return result;
}

std::int64_t PartitionLog::log_start_offset() const {
  std::shared_lock lock(mutex_);
  if (segments_.empty()) return -1;
  return segments_.begin()->second->base_offset();
}

std::int64_t PartitionLog::log_end_offset() const {
  std::shared_lock lock(mutex_);
  if (segments_.empty()) return -1;
  return active().next_offset();
}

Result<std::optional<std::int64_t>> PartitionLog::offset_for_timestamp(
    std::int64_t timestamp) const {
  std::shared_lock lock(mutex_);
  for (const auto& [base, segment] : segments_) {
    auto found = segment->find_offset_for_timestamp(timestamp);
    if (!found.ok() || *found) return found;
  }
  return std::optional<std::int64_t>();
}

Status PartitionLog::flush_locked() {
  if (unflushed_messages_ == 0 || segments_.empty()) return Status::ok_status();
  if (Status status = active().flush(); !status.ok()) return status;
  unflushed_messages_ = 0;
  first_unflushed_ms_ = -1;
  return Status::ok_status();
}

Status PartitionLog::flush() {
  std::unique_lock lock(mutex_);
  return flush_locked();
}

Status PartitionLog::flush_if_due(std::int64_t now_ms) {
  std::unique_lock lock(mutex_);
  if (segments_.empty() || first_unflushed_ms_ < 0 ||
      now_ms - first_unflushed_ms_ < config_.flush_ms) {
    return Status::ok_status();
  }
  return flush_locked();
}

Result<int> PartitionLog::apply_retention(std::int64_t now_ms) {
  std::unique_lock lock(mutex_);
  if (!config_.cleanup_delete || segments_.empty()) return 0;
  std::uint64_t total = 0;
  for (const auto& [base, segment] : segments_) total += segment->size();
  int deleted = 0;
  while (segments_.size() > 1) {
    LogSegment& oldest = *segments_.begin()->second;
    // Compaction can leave a segment empty. It has no timestamp of its own, and holding back
    // retention of everything after it would be wrong: it goes when the next segment with
    // records would go, so the log start offset never passes a record retention keeps.
    const LogSegment* dated = &oldest;
    for (auto it = segments_.begin(); dated->empty() && std::next(it) != segments_.end();) {
      dated = (++it)->second.get();
    }
    const bool expired_by_time = config_.retention_ms >= 0 && dated->max_timestamp() >= 0 &&
                                 now_ms - dated->max_timestamp() > config_.retention_ms;
    const bool expired_by_size =
        config_.retention_bytes >= 0 &&
        total - oldest.size() >= static_cast<std::uint64_t>(config_.retention_bytes);
    if (!expired_by_time && !expired_by_size) break;
    total -= oldest.size();
    if (Status status = oldest.remove(); !status.ok()) return status;
    segments_.erase(segments_.begin());
    ++deleted;
  }
  return deleted;
}

void PartitionLog::set_config(const LogConfig& config) {
  std::unique_lock lock(mutex_);
  config_ = config;
}

LogConfig PartitionLog::config() const {
  std::shared_lock lock(mutex_);
  return config_;
}

std::uint64_t PartitionLog::size_in_bytes() const {
  std::shared_lock lock(mutex_);
  std::uint64_t total = 0;
  for (const auto& [base, segment] : segments_) total += segment->size();
  return total;
}

std::size_t PartitionLog::segment_count() const {
  std::shared_lock lock(mutex_);
  return segments_.size();
}

std::int64_t PartitionLog::cleaner_checkpoint() const {
  std::shared_lock lock(mutex_);
  return cleaner_checkpoint_;
}

Status PartitionLog::remove() {
  std::unique_lock lock(mutex_);
  for (auto& [base, segment] : segments_) {
    if (Status status = segment->remove(); !status.ok()) return status;
  }
  segments_.clear();
  std::error_code error;
  std::filesystem::remove_all(directory_, error);
  if (error) return Status::fatal(directory_.string() + ": cannot delete: " + error.message());
  return Status::ok_status();
}

}  // namespace ferry::broker
