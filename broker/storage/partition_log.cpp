#include "broker/storage/partition_log.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <mutex>
#include <system_error>
#include <thread>

#include "broker/storage/file.h"
#include "broker/storage/log_cleaner.h"
#include "broker/storage/log_validator.h"
#include "broker/storage/record_batch.h"
#include "common/thread_name.h"

namespace ferry::broker {
namespace {

std::span<const std::uint8_t> as_span(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// The offset checkpoint file name ("0\n<offset>\n") in directory, or nullopt when there is none;
// one that does not parse is reported in notes (with what that means) and ignored.
std::optional<std::int64_t> read_offset_checkpoint(const std::filesystem::path& directory,
                                                   std::string_view name,
                                                   std::string_view if_unreadable,
                                                   std::vector<std::string>& notes) {
  const std::filesystem::path path = directory / name;
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return std::nullopt;
  auto file = File::open(path, File::Mode::kReadOnly);
  if (!file.ok()) {
    notes.push_back(file.status().message() + "; " + std::string(if_unreadable));
    return std::nullopt;
  }
  char text[64] = {};
  auto read = file->read_at(
      0, std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(text), sizeof text - 1));
  std::int64_t offset = -1;
  const std::string_view content(text, read.ok() ? *read : 0);
  if (content.starts_with("0\n") && content.ends_with("\n")) {
    const std::string_view number = content.substr(2, content.size() - 3);
    const auto [end, parse_error] =
        std::from_chars(number.data(), number.data() + number.size(), offset);
    if (parse_error != std::errc() || end != number.data() + number.size()) offset = -1;
  }
  if (offset < 0) {
    notes.push_back(path.string() + ": not an offset checkpoint; " + std::string(if_unreadable));
    return std::nullopt;
  }
  return offset;
}

// The recovery point; one that cannot be read means everything is recovered, which is safe.
std::optional<std::int64_t> read_recovery_point(const std::filesystem::path& directory,
                                                std::vector<std::string>& notes) {
  return read_offset_checkpoint(directory, kRecoveryPointFile, "recovering every segment", notes);
}

// The log start offset DeleteRecords set, if any.
std::optional<std::int64_t> read_log_start_offset(const std::filesystem::path& directory,
                                                  std::vector<std::string>& notes) {
  return read_offset_checkpoint(directory, kLogStartOffsetFile,
                                "the log starts at its first segment", notes);
}

// Replaces the checkpoint atomically: a temporary file, fsync, rename, directory fsync.
Status write_offset_checkpoint(const std::filesystem::path& directory, std::string_view name,
                               std::int64_t offset) {
  const std::filesystem::path path = directory / name;
  const std::filesystem::path temporary = path.string() + ".tmp";
  {
    auto file = File::open(temporary);
    if (!file.ok()) return file.status();
    const std::string content = "0\n" + std::to_string(offset) + "\n";
    if (Status status = file->truncate(0); !status.ok()) return status;
    if (Status status = file->write_at(0, as_span(content)); !status.ok()) return status;
    if (Status status = file->sync(); !status.ok()) return status;
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    return Status::fatal(temporary.string() + ": cannot rename to " + path.string() + ": " +
                         error.message());
  }
  return sync_directory(directory);
}

Status write_recovery_point(const std::filesystem::path& directory, std::int64_t offset) {
  return write_offset_checkpoint(directory, kRecoveryPointFile, offset);
}

// The LogAppendTime a batch was stamped with, or -1.
std::int64_t log_append_time_of(const RecordBatchHeader& header) {
  return header.timestamp_type() == TimestampType::kLogAppendTime ? header.max_timestamp : -1;
}

void record_producer(ProducerStateTable& producers, const RecordBatchHeader& header) {
  producers.record(header, log_append_time_of(header));
}

// Counts the segment's batches at or after from in producers.
Status replay_producers(const LogSegment& segment, std::int64_t from,
                        ProducerStateTable& producers) {
  return segment.for_each_batch(
      [&](const RecordBatchHeader& header, std::span<const std::uint8_t>) -> Result<bool> {
        if (header.base_offset >= from) record_producer(producers, header);
        return true;
      });
}

// Loads the newest producer snapshot in directory that parses into producers and returns its
// offset; one that does not is reported, removed, and the next older one tried.
std::optional<std::int64_t> load_producer_snapshot(const std::filesystem::path& directory,
                                                   ProducerStateTable& producers,
                                                   std::vector<std::string>& notes) {
  std::error_code error;
  // What a crash left of a snapshot being written (write_file_atomically's temporary file).
  const std::string temporary = std::string(kProducerSnapshotExtension) + ".tmp";
  std::vector<std::filesystem::path> leftovers;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.path().filename().string().ends_with(temporary)) leftovers.push_back(entry.path());
  }
  for (const auto& path : leftovers) std::filesystem::remove(path, error);
  std::vector<std::int64_t> offsets = ProducerStateTable::list_snapshots(directory);
  for (auto it = offsets.rbegin(); it != offsets.rend(); ++it) {
    const std::filesystem::path path = ProducerStateTable::snapshot_path(directory, *it);
    auto loaded = [&]() -> Result<ProducerStateTable> {
      auto file = File::open(path, File::Mode::kReadOnly);
      if (!file.ok()) return file.status();
      auto size = file->size();
      if (!size.ok()) return size.status();
      std::vector<std::uint8_t> bytes(*size);
      auto read = file->read_at(0, bytes);
      if (!read.ok()) return read.status();
      bytes.resize(*read);
      return ProducerStateTable::parse(bytes, *it, path);
    }();
    if (loaded.ok()) {
      producers = std::move(*loaded);
      return *it;
    }
    notes.push_back(loaded.status().message() +
                    "; removed it and rebuilding the producer state from the batches before it");
    std::filesystem::remove(path, error);
  }
  return std::nullopt;
}

// How many times a read-only open lists a directory whose listing it must take again (a
// compaction swapping segments in), kReadOnlyRetry apart, before it takes what it can open.
constexpr int kReadOnlyOpenAttempts = 50;
constexpr std::chrono::milliseconds kReadOnlyRetry{10};

}  // namespace

Status PartitionLog::removed() const {
  return Status::not_found(directory_.filename().string() + " has been deleted");
}

Status PartitionLog::refuse_write(std::string_view operation) const {
  return Status::conflict(directory_.filename().string() + ": cannot " + std::string(operation) +
                          ": the log is open read-only");
}

PartitionLog::PartitionLog(std::filesystem::path directory, LogConfig config)
    : directory_(std::move(directory)), config_(config) {}

Result<std::unique_ptr<PartitionLog>> PartitionLog::open_read_only(
    const std::filesystem::path& directory, LogConfig config, std::vector<std::string>& notes) {
  std::unique_ptr<PartitionLog> log(new PartitionLog(directory, config));
  log->read_only_ = true;
  {
    std::lock_guard sync_lock(log->sync_mutex_);
    log->recovery_point_ = read_recovery_point(directory, notes).value_or(0);
  }
  std::unique_lock lock(log->mutex_);
  bool listed = false;
  for (int attempt = 0; attempt < kReadOnlyOpenAttempts && !listed; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(kReadOnlyRetry);
    listed = log->relist(std::nullopt, false, notes);
  }
  if (!listed) {
    notes.push_back(directory.string() +
                    ": the segments kept changing while they were listed; reading what could be "
                    "opened");
    (void)log->relist(std::nullopt, true, notes);
  }
  if (log->segments_.empty()) {
    log->segments_.emplace(0, LogSegment::empty_in_memory(directory, 0));
  }
  log->cleaner_checkpoint_ = read_cleaner_checkpoint(directory, notes)
                                 .value_or(log->segments_.begin()->second->base_offset());
  log->start_offset_ = read_log_start_offset(directory, notes).value_or(0);
  log->next_relist_ = std::chrono::steady_clock::now() + kRelistInterval;
  return log;
}

bool PartitionLog::relist(std::optional<std::int64_t> reopen, bool best_effort,
                          std::vector<std::string>& notes) const {
  std::map<std::int64_t, std::filesystem::path> listed;
  bool swapping = false;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory_, error)) {
    if (entry.path().filename().string().ends_with(".swap")) swapping = true;
    if (entry.path().extension() != ".log") continue;
    if (const auto base = LogSegment::parse_file_stem(entry.path().stem().string())) {
      listed.emplace(*base, entry.path());
    }
  }
  if (error || listed.empty()) return true;
  if (swapping && !best_effort) return false;
  const std::shared_ptr<LogSegment> old_last =
      segments_.empty() ? nullptr : segments_.rbegin()->second;
  std::map<std::int64_t, std::shared_ptr<LogSegment>> fresh;
  for (auto it = listed.begin(); it != listed.end(); ++it) {
    const auto next = std::next(it);
    const auto known = segments_.find(it->first);
    if (known != segments_.end() && known->second->has_file() && it->first != reopen) {
      auto held = known->second->log_identity();
      auto current = file_identity(it->second);
      // The same file is kept. The old view's last segment took appends until the writer rolled:
      // what it holds beyond the last look is taken in first.
      bool same = held.ok() && current.ok() && *held == *current;
      if (same && known->second == old_last) same = known->second->refresh_tail().ok();
      if (same) {
        fresh.emplace(it->first, known->second);
        continue;
      }
    }
    SegmentOpenOptions options;
    options.last = next == listed.end();
    options.next_segment_base =
        options.last ? std::numeric_limits<std::int64_t>::max() : next->first;
    options.read_only = true;
    auto segment =
        LogSegment::open(directory_, it->first, config_.index_interval_bytes, options, notes);
    if (!segment.ok()) {
      if (!best_effort) return false;
      notes.push_back(segment.status().message() + "; skipped");
      continue;
    }
    fresh.emplace(it->first, std::move(*segment));
  }
  for (auto it = fresh.begin(); it != fresh.end() && std::next(it) != fresh.end(); ++it) {
    if (it->second->next_offset() > std::next(it)->first && !best_effort) return false;
  }
  if (fresh.empty()) return true;
  segments_ = std::move(fresh);
  return true;
}

Status PartitionLog::refresh() const {
  if (!read_only_) return Status::ok_status();
  std::unique_lock lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  std::optional<std::int64_t> reopen;
  bool relist_due = now >= next_relist_ || !active().has_file();
  if (active().has_file()) {
    auto grew = segments_.rbegin()->second->refresh_tail();
    if (!grew.ok()) {
      // The writer truncated the segment (its recovery, or an append that failed halfway).
      if (grew.status().kind() != Status::Kind::kCorruption) return grew.status();
      reopen = active().base_offset();
      relist_due = true;
    }
    const std::int64_t next = active().next_offset();
    std::error_code error;
    if (!relist_due && next > active().base_offset() &&
        std::filesystem::exists(LogSegment::file_path(directory_, next, ".log"), error)) {
      relist_due = true;  // the writer rolled
    }
  }
  if (relist_due) {
    // A read has no one to tell: what a listing notes, the open reported already.
    std::vector<std::string> notes;
    (void)relist(reopen, false, notes);
    start_offset_ = read_log_start_offset(directory_, notes).value_or(start_offset_);
    next_relist_ = now + kRelistInterval;
  }
  return Status::ok_status();
}

PartitionLog::~PartitionLog() {
  (void)flush();
  // flush() emptied the queue, so the thread is ending (or has ended).
  if (background_sync_.joinable()) background_sync_.join();
}

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
  std::filesystem::remove(directory / (std::string(kRecoveryPointFile) + ".tmp"), error);
  std::filesystem::remove(directory / (std::string(kLogStartOffsetFile) + ".tmp"), error);
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
  const std::int64_t recovery_point =
      read_recovery_point(directory, notes).value_or(bases.empty() ? 0 : bases.front());

  std::unique_ptr<PartitionLog> log(new PartitionLog(directory, config));
  // The producer state: the newest snapshot that loads, then every batch at or after its offset
  // (all of them without one), fed by the recovery scan where one runs and read otherwise.
  std::optional<std::int64_t> snapshot = load_producer_snapshot(directory, log->producers_, notes);
  const std::int64_t replay_from = snapshot.value_or(0);
  std::vector<UnsyncedSegment> unsynced;
  for (std::size_t i = 0; i < bases.size(); ++i) {
    const bool last = i + 1 == bases.size();
    SegmentOpenOptions options;
    options.last = last;
    options.next_segment_base = last ? std::numeric_limits<std::int64_t>::max() : bases[i + 1];
    // A segment that may hold offsets at or after the recovery point may have lost data that
    // was never fsynced: it is read in full.
    options.full_recovery = !clean_shutdown && (last || options.next_segment_base > recovery_point);
    bool replayed = false;
    options.on_recovered_batch = [&](const RecordBatchHeader& header) {
      replayed = true;
      if (header.base_offset >= replay_from) record_producer(log->producers_, header);
    };
    auto segment =
        LogSegment::open(directory, bases[i], config.index_interval_bytes, options, notes);
    if (!segment.ok()) return segment.status();
    if (!replayed && (*segment)->next_offset() > replay_from) {
      if (Status status = replay_producers(**segment, replay_from, log->producers_); !status.ok()) {
        return status;
      }
    }
    if (!log->segments_.empty() &&
        log->segments_.rbegin()->second->next_offset() > (*segment)->base_offset()) {
      return Status::corruption((*segment)->log_path().string() + ": starts at offset " +
                                std::to_string((*segment)->base_offset()) +
                                " but the segment before it ends at " +
                                std::to_string(log->segments_.rbegin()->second->next_offset() - 1));
    }
    std::shared_ptr<LogSegment> shared = std::move(*segment);
    // What a crash left unsynced (the page cache may still hold it) becomes durable in the
    // background, and the recovery point follows.
    if (options.full_recovery && !last) unsynced.push_back({shared, options.next_segment_base});
    log->segments_.emplace(bases[i], std::move(shared));
  }
  if (log->segments_.empty()) {
    auto segment = LogSegment::create(directory, 0, config.index_interval_bytes);
    if (!segment.ok()) return segment.status();
    log->segments_.emplace(0, std::move(*segment));
    if (Status status = sync_directory(directory); !status.ok()) return status;
  }
  log->cleaner_checkpoint_ = read_cleaner_checkpoint(directory, notes)
                                 .value_or(log->segments_.begin()->second->base_offset());
  log->start_offset_ = read_log_start_offset(directory, notes).value_or(0);
  if (log->start_offset_ > log->active().next_offset()) {
    // Recovery truncated the log below a start offset set before the crash.
    log->start_offset_ = log->active().next_offset();
  }
  if (snapshot && *snapshot > log->active().next_offset()) {
    // Recovery truncated the log below the snapshot: it counts batches that are gone.
    notes.push_back(ProducerStateTable::snapshot_path(directory, *snapshot).string() +
                    ": past the log end offset " + std::to_string(log->active().next_offset()) +
                    "; removed it and rebuilding the producer state from every batch");
    std::filesystem::remove(ProducerStateTable::snapshot_path(directory, *snapshot), error);
    log->producers_ = ProducerStateTable();
    for (const auto& [base, segment] : log->segments_) {
      if (Status status = replay_producers(*segment, 0, log->producers_); !status.ok()) {
        return status;
      }
    }
  }
  if (!snapshot && log->producers_.producer_count() > 0) {
    // Worth a word only where there are producers (a log written before snapshots existed, or
    // one whose snapshots were lost): every batch was read for them.
    notes.push_back(directory.string() + ": no producer snapshot (<offset>" +
                    std::string(kProducerSnapshotExtension) + ") loaded; rebuilt the state of " +
                    std::to_string(log->producers_.producer_count()) +
                    " producers from every batch");
  }
  log->producers_.remove_before(log->start_locked());
  log->snapshot_floor_ = log->start_locked();
  {
    std::lock_guard sync_lock(log->sync_mutex_);
    log->recovery_point_ = clean_shutdown ? log->active().base_offset() : recovery_point;
    // After a clean shutdown everything is durable; a checkpoint that lags (or a log older than
    // checkpoints) would make the next unclean open read more than it must.
    if (clean_shutdown && bases.size() > 1 && recovery_point < log->recovery_point_) {
      if (Status status = write_recovery_point(directory, log->recovery_point_); !status.ok()) {
        notes.push_back(status.message());
      }
    }
  }
  std::unique_lock lock(log->mutex_);
  for (UnsyncedSegment& segment : unsynced) {
    log->schedule_sync(std::move(segment.segment), segment.next_base);
  }
  lock.unlock();
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
  // The segment being closed takes no more appends: its index entries go to their files now,
  // and the background sync makes all of it durable (and moves the recovery point past it).
  if (Status status = segment.write_index_tail(); !status.ok()) return status;
  const std::int64_t base = segment.next_offset();
  auto next = LogSegment::create(directory_, base, config_.index_interval_bytes);
  if (!next.ok()) return next.status();
  std::shared_ptr<LogSegment> rolled = segments_.rbegin()->second;
  segments_.emplace(base, std::move(*next));
  // The producer state as of the new segment's base: written once the rolled segment is durable,
  // so that a recovery from it reads only the segments after it, which it reads anyway.
  schedule_sync(std::move(rolled), base,
                std::make_shared<const std::vector<std::uint8_t>>(producers_.serialize(base)));
  return Status::ok_status();
}

Result<AppendResult> PartitionLog::append(std::span<std::uint8_t> batches, std::int64_t now_ms) {
  return do_append(batches, now_ms, nullptr);
}

Result<ProducerAppend> PartitionLog::append_idempotent(std::span<std::uint8_t> batch,
                                                       std::int64_t now_ms, bool new_producer) {
  auto header = read_batch_header(batch);
  if (!header.ok())
    return header.status().with_context("the append to " + directory_.filename().string());
  if (header->producer_id < 0) {
    return Status::invalid_argument("an idempotent append to " + directory_.filename().string() +
                                    " without a producer id");
  }
  if (header->size() != batch.size()) {
    // Kafka's rule for Produce v3+: one batch per partition, so sequences are checked batch by
    // batch.
    return Status::invalid_argument("an idempotent producer's data for " +
                                    directory_.filename().string() + " must be one batch");
  }
  ProducerAppend outcome;
  auto appended = do_append(batch, now_ms, [&](const RecordBatchHeader& checked) {
    ProducerCheck check = producers_.check(checked, new_producer);
    outcome.verdict = check.verdict;
    outcome.why = std::move(check.why);
    outcome.appended = check.original;
    return check.verdict == ProducerVerdict::kAppend;
  });
  if (!appended.ok()) return appended.status();
  if (outcome.verdict == ProducerVerdict::kAppend) outcome.appended = *appended;
  return outcome;
}

Result<AppendResult> PartitionLog::do_append(
    std::span<std::uint8_t> batches, std::int64_t now_ms,
    const std::function<bool(const RecordBatchHeader&)>& check) {
  if (read_only_) return refuse_write("append");
  // Check every batch before anything is written, so a rejected call leaves no trace.
  const LogConfig config = this->config();
  std::size_t count = 0;
  for (std::size_t position = 0; position < batches.size(); ++count) {
    const auto where = [&] {
      return "batch " + std::to_string(count) + " of the append to " +
             directory_.filename().string();
    };
    auto header = read_batch_header(batches.subspan(position));
    if (!header.ok()) return header.status().with_context(where());
    if (header->size() > batches.size() - position) {
      return Status::corruption(where() + ": the batch claims " + std::to_string(header->size()) +
                                " bytes but only " + std::to_string(batches.size() - position) +
                                " were sent");
    }
    if (Status status =
            validate_batch_for_append(batches.subspan(position, header->size()), *header, config);
        !status.ok()) {
      return status.with_context(where());
    }
    position += header->size();
  }
  if (count == 0) {
    return Status::invalid_argument("an append to " + directory_.filename().string() +
                                    " holds no batch");
  }

  std::unique_lock lock(mutex_);
  if (segments_.empty()) return removed();
  AppendResult result;
  result.base_offset = active().next_offset();
  if (check && !check(*read_batch_header(batches))) return result;
  for (std::size_t position = 0; position < batches.size();) {
    // Checked above, and the bytes are the caller's: the header parses again.
    RecordBatchHeader header = *read_batch_header(batches.subspan(position));
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
    header.base_offset = base;
    producers_.record(header,
                      config_.timestamp_type == TimestampType::kLogAppendTime ? now_ms : -1);
    result.last_offset = placement.last_offset;
    result.record_count += header.records_count;
    unflushed_messages_ += header.records_count;
    if (first_unflushed_ms_ < 0) first_unflushed_ms_ = now_ms;
  }
  // Only flush.messages syncs here, as in Kafka: flush.ms is the broker's background check
  // (flush_if_due), so the append that crosses the interval does not hold its producer, and
  // every consumer waiting behind it, for the fsync of a second's worth of data.
  if (unflushed_messages_ >= config_.flush_messages) {
    auto to_sync = prepare_flush();
    if (!to_sync.ok()) return to_sync.status();
    lock.unlock();
    if (Status status = sync_all(*to_sync); !status.ok()) return status;
  }
  return result;
}

Result<ReadResult> PartitionLog::read(std::int64_t offset, std::uint64_t max_bytes) const {
  return read_batches(offset, max_bytes, false);
}

Result<ReadResult> PartitionLog::locate(std::int64_t offset, std::uint64_t max_bytes) const {
  return read_batches(offset, max_bytes, !read_only_);
}

Result<ReadResult> PartitionLog::read_batches(std::int64_t offset, std::uint64_t max_bytes,
                                              bool in_file) const {
  if (Status status = refresh(); !status.ok()) return status;
  std::shared_ptr<LogSegment> damaged;
  auto result = [&]() -> Result<ReadResult> {
    std::shared_lock lock(mutex_);
    if (segments_.empty()) return removed();
    ReadResult result;
    result.high_watermark = active().next_offset();
    result.log_start_offset = start_locked();
    if (offset == result.high_watermark) return result;
    if (offset < result.log_start_offset || offset > result.high_watermark) {
      return Status::out_of_range("offset " + std::to_string(offset) + " is outside " +
                                  directory_.filename().string() + ", which holds offsets " +
                                  std::to_string(result.log_start_offset) + " to " +
                                  std::to_string(result.high_watermark - 1));
    }
    // The segment holding the offset, or (after compaction left a gap) the first one after it.
    for (auto it = std::prev(segments_.upper_bound(offset)); it != segments_.end(); ++it) {
      const LogSegment& segment = *it->second;
      auto position = segment.find_position(offset, segment.size());
      if (segment.indexes_damaged()) damaged = it->second;
      if (!position.ok()) return position.status();
      if (!*position) continue;
      if (in_file && segment.has_file()) {
        auto range = segment.locate(**position, max_bytes, segment.size());
        if (segment.indexes_damaged()) damaged = it->second;
        if (!range.ok()) return range.status();
        result.file = std::move(*range);
        return result;
      }
      auto bytes = segment.read(**position, max_bytes, segment.size(), true);
      if (!bytes.ok()) return bytes.status();
      result.records = std::move(*bytes);
      return result;
    }
    return result;
  }();
  if (damaged) repair_indexes(damaged);
  return result;
}

void PartitionLog::repair_indexes(const std::shared_ptr<LogSegment>& segment) const {
  // A read-only log writes no index: its lookups go on verifying the damaged entries.
  if (read_only_) return;
  std::unique_lock lock(mutex_);
  const auto it = segments_.find(segment->base_offset());
  if (it == segments_.end() || it->second != segment || !segment->indexes_damaged()) return;
  // A log too damaged to rebuild from keeps its indexes, verified at every lookup.
  auto rebuilt = segment->rebuilt_copy();
  if (rebuilt.ok()) it->second = std::move(*rebuilt);
}

std::int64_t PartitionLog::log_start_offset() const {
  (void)refresh();  // on failure, the view of the last look
  std::shared_lock lock(mutex_);
  if (segments_.empty()) return -1;
  return start_locked();
}

std::int64_t PartitionLog::start_locked() const {
  return std::max(start_offset_, segments_.begin()->second->base_offset());
}

Result<std::int64_t> PartitionLog::delete_records_before(std::int64_t offset) {
  if (read_only_) return refuse_write("delete records");
  std::unique_lock lock(mutex_);
  if (segments_.empty()) return removed();
  const std::int64_t end = active().next_offset();
  if (offset == -1) offset = end;
  if (offset < 0 || offset > end) {
    return Status::out_of_range("cannot delete the records of " + directory_.filename().string() +
                                " before offset " + std::to_string(offset) + ": the log ends at " +
                                std::to_string(end));
  }
  if (offset <= start_locked()) return start_locked();
  // Durable first: a crash after the segments went but before the checkpoint would bring
  // nothing back, one before would only keep records a reader can no longer see.
  if (Status status = write_offset_checkpoint(directory_, kLogStartOffsetFile, offset);
      !status.ok()) {
    return status;
  }
  start_offset_ = offset;
  // Whole segments below the new start go; the active one stays (Kafka's rule too).
  while (segments_.size() > 1 && std::next(segments_.begin())->first <= offset) {
    if (Status status = segments_.begin()->second->remove(); !status.ok()) return status;
    segments_.erase(segments_.begin());
  }
  // Producers whose batches are all below the start are forgotten, as Kafka does.
  producers_.remove_before(start_locked());
  remove_producer_snapshots_before(start_locked());
  return start_locked();
}

std::int64_t PartitionLog::log_end_offset() const {
  (void)refresh();
  std::shared_lock lock(mutex_);
  if (segments_.empty()) return -1;
  return active().next_offset();
}

Result<std::optional<std::int64_t>> PartitionLog::offset_for_timestamp(
    std::int64_t timestamp) const {
  if (Status status = refresh(); !status.ok()) return status;
  std::shared_ptr<LogSegment> damaged;
  auto found = [&]() -> Result<std::optional<std::int64_t>> {
    std::shared_lock lock(mutex_);
    for (const auto& [base, segment] : segments_) {
      auto found = segment->find_offset_for_timestamp(timestamp);
      if (segment->indexes_damaged()) damaged = segment;
      if (!found.ok()) return found;
      // A batch that starts below DeleteRecords's start answers with the start, as Kafka does.
      if (*found) return std::optional<std::int64_t>(std::max(**found, start_locked()));
    }
    return std::optional<std::int64_t>();
  }();
  if (damaged) repair_indexes(damaged);
  return found;
}

Result<std::shared_ptr<LogSegment>> PartitionLog::prepare_flush() {
  if (segments_.empty()) return std::shared_ptr<LogSegment>();
  if (Status status = active().write_index_tail(); !status.ok()) return status;
  std::shared_ptr<LogSegment> active;
  if (unflushed_messages_ > 0) active = segments_.rbegin()->second;
  unflushed_messages_ = 0;
  first_unflushed_ms_ = -1;
  return active;
}

Status PartitionLog::sync_all(const std::shared_ptr<LogSegment>& active) {
  std::lock_guard sync_lock(sync_mutex_);
  if (!sync_error_.ok()) return sync_error_;
  if (removed_) return Status::ok_status();
  while (sync_queued(false)) {
  }
  if (!sync_error_.ok()) return sync_error_;
  if (active) {
    if (Status status = active->sync(); !status.ok()) sync_error_ = status;
  }
  return sync_error_;
}

Status PartitionLog::flush() {
  if (read_only_) return Status::ok_status();  // nothing of its own to make durable
  std::unique_lock lock(mutex_);
  auto active = prepare_flush();
  if (!active.ok()) return active.status();
  lock.unlock();
  return sync_all(*active);
}

Status PartitionLog::close() {
  if (read_only_) return Status::ok_status();
  std::unique_lock lock(mutex_);
  if (segments_.empty()) return Status::ok_status();
  auto active = prepare_flush();
  if (!active.ok()) return active.status();
  const std::int64_t end = this->active().next_offset();
  const std::vector<std::uint8_t> snapshot = producers_.serialize(end);
  lock.unlock();
  if (Status status = sync_all(*active); !status.ok()) return status;
  std::lock_guard sync_lock(sync_mutex_);
  if (removed_) return Status::ok_status();
  return write_producer_snapshot(end, snapshot);
}

Status PartitionLog::write_producer_snapshot(std::int64_t offset,
                                             const std::vector<std::uint8_t>& bytes) {
  // Retention or DeleteRecords moved the log start past it meanwhile.
  if (offset < snapshot_floor_.load()) return Status::ok_status();
  const std::string_view content(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (Status status =
          write_file_atomically(ProducerStateTable::snapshot_path(directory_, offset), content);
      !status.ok()) {
    return status;
  }
  std::vector<std::int64_t> offsets = ProducerStateTable::list_snapshots(directory_);
  std::error_code error;
  for (std::size_t i = 0; i + kProducerSnapshotsKept < offsets.size(); ++i) {
    std::filesystem::remove(ProducerStateTable::snapshot_path(directory_, offsets[i]), error);
  }
  return Status::ok_status();
}

void PartitionLog::remove_producer_snapshots_before(std::int64_t offset) {
  std::lock_guard sync_lock(sync_mutex_);
  snapshot_floor_ = offset;
  std::error_code error;
  for (const std::int64_t snapshot : ProducerStateTable::list_snapshots(directory_)) {
    if (snapshot < offset) {
      std::filesystem::remove(ProducerStateTable::snapshot_path(directory_, snapshot), error);
    }
  }
}

std::int64_t PartitionLog::max_producer_id() const {
  std::shared_lock lock(mutex_);
  return producers_.max_producer_id();
}

std::optional<std::pair<std::int16_t, std::int32_t>> PartitionLog::producer_last_sequence(
    std::int64_t producer_id) const {
  std::shared_lock lock(mutex_);
  return producers_.last_sequence(producer_id);
}

Status PartitionLog::flush_if_due(std::int64_t now_ms) {
  if (read_only_) return Status::ok_status();
  std::unique_lock lock(mutex_);
  if (segments_.empty() || first_unflushed_ms_ < 0 ||
      now_ms - first_unflushed_ms_ < config_.flush_ms) {
    return Status::ok_status();
  }
  auto active = prepare_flush();
  if (!active.ok()) return active.status();
  lock.unlock();
  return sync_all(*active);
}

std::int64_t PartitionLog::unflushed_messages() const {
  std::shared_lock lock(mutex_);
  return unflushed_messages_;
}

std::int64_t PartitionLog::recovery_point() const {
  std::lock_guard sync_lock(sync_mutex_);
  return recovery_point_;
}

void PartitionLog::schedule_sync(std::shared_ptr<LogSegment> segment, std::int64_t next_base,
                                 std::shared_ptr<const std::vector<std::uint8_t>> snapshot) {
  std::lock_guard queue_lock(sync_queue_mutex_);
  unsynced_.push_back({std::move(segment), next_base, std::move(snapshot)});
  if (background_sync_running_) return;
  // A thread that found the queue empty has cleared the flag as its last act: it is ending.
  if (background_sync_.joinable()) background_sync_.join();
  background_sync_running_ = true;
  background_sync_ = std::jthread([this] { run_background_sync(); });
}

void PartitionLog::run_background_sync() {
  name_this_thread("log-sync");
  while (true) {
    std::lock_guard sync_lock(sync_mutex_);
    if (!sync_queued(true)) return;
  }
}

bool PartitionLog::sync_queued(bool background) {
  UnsyncedSegment next;
  {
    std::lock_guard queue_lock(sync_queue_mutex_);
    if (unsynced_.empty()) {
      if (background) background_sync_running_ = false;
      return false;
    }
    next = std::move(unsynced_.front());
    unsynced_.pop_front();
  }
  // A failed fsync stops the recovery point for good (flush() reports it).
  if (removed_ || !sync_error_.ok()) return true;
  Status status = next.segment->sync();
  if (status.ok()) status = sync_directory(directory_);
  if (!status.ok()) {
    sync_error_ = status;
    return true;
  }
  advance_recovery_point(next.next_base);
  if (next.producer_snapshot) {
    // A snapshot that fails to be written only makes the next recovery read more.
    (void)write_producer_snapshot(next.next_base, *next.producer_snapshot);
  }
  return true;
}

void PartitionLog::advance_recovery_point(std::int64_t next_base) {
  if (next_base <= recovery_point_ || removed_) return;
  recovery_point_ = next_base;
  // If this write fails the file keeps an older point, which only makes the next recovery read
  // more; the next advance writes it again.
  (void)write_recovery_point(directory_, recovery_point_);
}

Result<int> PartitionLog::apply_retention(std::int64_t now_ms) {
  if (read_only_) return refuse_write("apply retention");
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
  if (deleted > 0) {
    producers_.remove_before(start_locked());
    remove_producer_snapshots_before(start_locked());
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
  (void)refresh();
  std::shared_lock lock(mutex_);
  std::uint64_t total = 0;
  for (const auto& [base, segment] : segments_) total += segment->size();
  return total;
}

std::size_t PartitionLog::segment_count() const {
  (void)refresh();
  std::shared_lock lock(mutex_);
  return segments_.size();
}

std::int64_t PartitionLog::cleaner_checkpoint() const {
  std::shared_lock lock(mutex_);
  return cleaner_checkpoint_;
}

Status PartitionLog::remove() {
  if (read_only_) return refuse_write("delete the log");
  std::unique_lock lock(mutex_);
  {
    // Waits for an fsync in progress; after this no checkpoint is written.
    std::lock_guard sync_lock(sync_mutex_);
    removed_ = true;
    std::lock_guard queue_lock(sync_queue_mutex_);
    unsynced_.clear();
  }
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
