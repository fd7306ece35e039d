// The log of one topic partition: its directory of segments (<topic>-<partition>/ holding
// <base offset>.log, .index and .timeindex files, as Kafka lays them out), the offsets producers
// append at and consumers read from, segment rolling, retention and the fsync policy.
//
// Appends take the producer's RecordBatch v2 bytes, check them (log_validator.h: CRC, size,
// that every record is well-formed and its offset delta is its position in the batch; keys on
// compacted topics), assign offsets in place (and the LogAppendTime when the topic asks for it)
// and write them unchanged, so a read returns the very bytes a Kafka client expects. An append
// that returns has reached the file (it survives kill -9); fsync follows flush.messages and
// flush.ms (log_config.h).
//
// Reads return whole batches from the one segment holding the offset: at most max_bytes, but
// always at least one batch, and starting with the batch that holds the offset (so the first
// records may be below it; Kafka consumers skip them). Reading at the log end offset returns no
// bytes; before the log start offset or past the end is out_of_range. A batch whose header is
// damaged, or which claims to run past the end of its segment, is never skipped: the read that
// reaches it fails with corruption naming the file and position. locate finds the batches read
// would return in their segment file instead, for a fetch to send with sendfile; it does not read
// every header on the way (the offset index says where whole batches end), so a damaged header
// inside a located range reaches the consumer as it is, whose CRC check reports it.
//
// Reads do not check CRCs, as Kafka's broker does not on fetch: that would cost a pass over
// every byte served, and the consumer checks them anyway (Kafka's check.crcs; Ferry's consumer
// always decodes, and decode_batch fails on a CRC mismatch naming the batch's offset). What the
// log does check is the part of the log a crash can leave damaged, at open: batches appended
// since the last fsync are all read and CRC-checked (below). Damage that appears later inside
// durable segments (the disk's own bit rot) reaches the consumer as such an error, not silently.
//
// Compaction (log_cleaner.h) rewrites segments that are no longer active into new ones without
// the records it removes, keeping every retained record's offset; batches and segments may then
// have gaps, so a read from a removed offset returns the batch holding the next record there is.
//
// Durability and recovery. The segment a roll closes is fsynced in the background by a thread
// the log owns (started when a segment rolls, gone when there is nothing left to sync), not by
// the append that rolled it. The recovery point, the base offset of the oldest segment not yet
// known to be durable, lives in the file recovery-point-offset-checkpoint ("0\n<offset>\n",
// written atomically: temporary file, fsync, rename, directory fsync) and moves up after each
// such fsync. Opening recovers the directory: a compaction the process died in is rolled back or
// completed (log_cleaner.h), and then after an unclean shutdown every segment that may hold
// offsets at or after the recovery point (always the last one) is read in full: every batch
// CRC-checked and held to the offset rules of log_segment.h, the segment truncated at the first
// that fails. Every other segment has its indexes checked and its tail read. A missing
// checkpoint (a log written before it existed) counts as the log start: all of it is read once.
// What happened is returned as notes for the broker to log.
//
// Indexes: a lookup that finds an index entry contradicted by the log falls back to scanning
// (log_segment.h) and the segment's indexes are rebuilt from the log right after that read.
//
// Read-only logs (open_read_only) are a reader's view of a directory that a broker, usually in
// another process, goes on writing: what the tools use beside a running worker. Such a log
// creates, renames, truncates and writes nothing: no completion of an interrupted compaction, no
// truncation of a torn tail (the valid prefix is the end of the log, log_segment.h), no index
// rebuilt on disk, no checkpoint, no fsync; append, apply_retention and remove are conflict.
// Every call that looks at the log's extent (read, the two offsets, offset_for_timestamp, the
// sizes) first takes in what the writer did since the last look: the batches appended to the
// last segment (whole and CRC-checked, so never a torn batch) and, when the writer has rolled (a
// segment named after the last segment's next offset exists) or kRelistInterval has passed, the
// directory's list of segments: those deleted by retention are dropped, those replaced by
// compaction (another file under the name) opened again, new ones opened. A segment already open
// stays readable after the writer deletes it (its descriptor keeps the file), so a read racing a
// deletion returns the old bytes, or after the next listing out_of_range; never a crash. A listing
// taken while a compaction swaps segments in (a .swap file is present), or naming a segment gone
// before it could be opened, is discarded and the view kept until the next look.
//
// Thread-safety: every member may be called from any thread. Appends, retention and the moment
// a compaction swaps its segments in are serialised; reads run concurrently with each other and
// wait for an append in progress. fsyncs (flush, flush_if_due, flush.messages, the background
// sync of rolled segments) run without the log's lock, one at a time. A compaction reads and
// writes its segments without the log's lock, so appends and reads go on meanwhile.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "broker/storage/log_config.h"
#include "broker/storage/log_segment.h"
#include "broker/storage/producer_state.h"
#include "common/result.h"

namespace ferry::broker {

inline constexpr std::string_view kRecoveryPointFile = "recovery-point-offset-checkpoint";
// Where DeleteRecords's log start offset is kept ("0\n<offset>\n", written atomically).
inline constexpr std::string_view kLogStartOffsetFile = "log-start-offset-checkpoint";

// What append_idempotent did with an idempotent producer's batch (producer_state.h).
struct ProducerAppend {
  ProducerVerdict verdict = ProducerVerdict::kAppend;
  std::string why;        // for a refused batch
  AppendResult appended;  // kAppend: the new batch; kDuplicate: the original one
};

struct ReadResult {
  SegmentBytes records;             // whole RecordBatch v2 batches (read)
  std::optional<FileRange> file;    // locate: where those batches are instead, if any
  std::int64_t high_watermark = 0;  // the log end offset: a single copy is all there is
  std::int64_t log_start_offset = 0;
};

class PartitionLog {
 public:
  static Result<std::unique_ptr<PartitionLog>> open(const std::filesystem::path& directory,
                                                    LogConfig config, bool clean_shutdown,
                                                    std::vector<std::string>& notes);

  // A read-only view of the log in directory (see the header comment); a directory that does not
  // exist (yet) is an empty log.
  static Result<std::unique_ptr<PartitionLog>> open_read_only(
      const std::filesystem::path& directory, LogConfig config, std::vector<std::string>& notes);

  // How often a read-only log lists its directory again when the writer has not rolled: how
  // soon it sees segments that retention deleted or compaction replaced.
  static constexpr std::chrono::milliseconds kRelistInterval{500};
  // Producer snapshots kept: the newest, and one to fall back on should it not load.
  static constexpr std::size_t kProducerSnapshotsKept = 2;

  ~PartitionLog();
  PartitionLog(const PartitionLog&) = delete;
  PartitionLog& operator=(const PartitionLog&) = delete;

  const std::filesystem::path& directory() const { return directory_; }
  bool read_only() const { return read_only_; }

  // Appends one or more batches, rewriting their base offsets (and LogAppendTime) in place.
  // invalid_argument / corruption / too_large name the batch and what is wrong; nothing of a
  // rejected call is written.
  // Every batch with a producer id is counted in the partition's producer state
  // (producer_state.h) without being checked: what the log holds is the state.
  Result<AppendResult> append(std::span<std::uint8_t> batches, std::int64_t now_ms);
  // An idempotent producer's batch (one batch, producer id >= 0): checked against the producer
  // state and appended only when it is new and in order, the check and the append one step
  // under the log's lock. A retry of one of the producer's cached batches is kDuplicate with the
  // original offsets; a refused batch is its verdict and why. new_producer: the producer id was
  // handed out since the broker started, so a batch without state must be sequence 0.
  // invalid_argument for more than one batch or none with a producer id; otherwise the errors of
  // append.
  Result<ProducerAppend> append_idempotent(std::span<std::uint8_t> batch, std::int64_t now_ms,
                                           bool new_producer);

  Result<ReadResult> read(std::int64_t offset, std::uint64_t max_bytes) const;
  // The same batches, located in their segment's file rather than read (ReadResult::file, set
  // when there are any), for a fetch to send them from the file (LogSegment::locate). A
  // read-only log reads them instead: its writer may truncate the files under it.
  Result<ReadResult> locate(std::int64_t offset, std::uint64_t max_bytes) const;

  std::int64_t log_start_offset() const;
  std::int64_t log_end_offset() const;

  // Kafka's DeleteRecords: the log start offset moves up to offset (-1: the log end offset),
  // durably (kLogStartOffsetFile), so reads below it are out_of_range, and the segments wholly
  // below it are deleted (never the active one). An offset at or below the start changes
  // nothing; past the log end is out_of_range. Returns the log start offset (Kafka's low
  // watermark).
  Result<std::int64_t> delete_records_before(std::int64_t offset);
  // The offset of the first batch whose timestamp is >= timestamp, or nullopt (Kafka's
  // ListOffsets by timestamp answers -1 then).
  Result<std::optional<std::int64_t>> offset_for_timestamp(std::int64_t timestamp) const;

  // fsync what flush.ms says is due; called by the broker's background thread (appends sync
  // only for flush.messages).
  Status flush_if_due(std::int64_t now_ms);
  // Records appended since the last fsync of the active segment.
  std::int64_t unflushed_messages() const;
  // fsyncs everything appended so far, the segments rolled but not yet synced included. An
  // fsync that failed once fails every later flush: after a failed fsync the kernel may have
  // dropped the data, and a retry that succeeds would wrongly vouch for it.
  Status flush();

  // flush(), then a producer-state snapshot at the log end offset, so that the next open reads
  // no batch to rebuild it (see the header comment). Appends may follow: the next open replays
  // them after the snapshot. What the broker calls at shutdown.
  Status close();

  // The recovery point (see the header comment).
  std::int64_t recovery_point() const;

  // The largest producer id with state in this partition, or -1.
  std::int64_t max_producer_id() const;
  // A producer's epoch and last sequence here, if it has state.
  std::optional<std::pair<std::int16_t, std::int32_t>> producer_last_sequence(
      std::int64_t producer_id) const;

  // Deletes the oldest segments that retention.ms or retention.bytes say are expired (never the
  // active segment); returns how many went.
  Result<int> apply_retention(std::int64_t now_ms);

  void set_config(const LogConfig& config);
  LogConfig config() const;

  std::uint64_t size_in_bytes() const;
  std::size_t segment_count() const;

  // The offset below which compaction has deduplicated the log (the cleaner-offset-checkpoint);
  // the log start offset before the first compaction.
  std::int64_t cleaner_checkpoint() const;

  // Deletes every file and the directory; afterwards reads and appends are not_found and the
  // offsets -1.
  Status remove();

 private:
  // Compaction reads the segment map and swaps segments in under mutex_ (log_cleaner.cpp).
  friend class LogCleaner;

  // A rolled segment waiting for its fsync, and where the segment after it starts.
  // With it, the producer state as of next_base (the snapshot written once the segment is
  // durable), if the segment rolled in this process.
  struct UnsyncedSegment {
    std::shared_ptr<LogSegment> segment;
    std::int64_t next_base = 0;
    std::shared_ptr<const std::vector<std::uint8_t>> producer_snapshot;
  };

  PartitionLog(std::filesystem::path directory, LogConfig config);

  Status roll_if_needed(std::uint64_t incoming_bytes, std::int64_t now_ms);  // under mutex_
  // append and append_idempotent: check validates the first batch's producer (under mutex_,
  // held exclusively) and may stop the append by setting its verdict.
  Result<AppendResult> do_append(std::span<std::uint8_t> batches, std::int64_t now_ms,
                                 const std::function<bool(const RecordBatchHeader&)>& check);
  // Writes the snapshot file for offset (atomically, fsynced) and deletes all but the newest
  // kProducerSnapshotsKept. Under sync_mutex_.
  Status write_producer_snapshot(std::int64_t offset, const std::vector<std::uint8_t>& bytes);
  // Deletes the snapshot files below offset (retention, DeleteRecords). Under mutex_.
  void remove_producer_snapshots_before(std::int64_t offset);
  Status removed() const;
  LogSegment& active() { return *segments_.rbegin()->second; }
  const LogSegment& active() const { return *segments_.rbegin()->second; }

  // Takes the flush.ms/flush.messages bookkeeping and writes the active segment's buffered
  // index entries; returns the active segment to fsync (null if nothing was appended). Under
  // mutex_, held exclusively.
  Result<std::shared_ptr<LogSegment>> prepare_flush();
  // fsyncs the rolled segments waiting for it, then active (if any). Without mutex_.
  Status sync_all(const std::shared_ptr<LogSegment>& active);
  // Hands a rolled segment to the background sync, starting its thread if none runs. Under
  // mutex_, held exclusively.
  void schedule_sync(std::shared_ptr<LogSegment> segment, std::int64_t next_base,
                     std::shared_ptr<const std::vector<std::uint8_t>> snapshot = nullptr);
  // The background thread: syncs queued segments until there are none.
  void run_background_sync();
  // Takes the oldest queued segment and syncs it (and the directory, which holds the newer
  // segment's name); false if the queue was empty. Under sync_mutex_.
  bool sync_queued(bool background);
  // Moves the recovery point to next_base and writes the checkpoint. Under sync_mutex_.
  void advance_recovery_point(std::int64_t next_base);
  // read and locate: the batches read, or in_file located.
  Result<ReadResult> read_batches(std::int64_t offset, std::uint64_t max_bytes, bool in_file) const;
  // Replaces segment by a copy with rebuilt indexes, if it is still in the log (takes mutex_).
  void repair_indexes(const std::shared_ptr<LogSegment>& segment) const;
  // The first readable offset: DeleteRecords's start, or the first segment's base when later
  // (retention deleted segments). Under mutex_, segments_ not empty.
  std::int64_t start_locked() const;
  // What a read-only log answers to a call that would write.
  Status refuse_write(std::string_view operation) const;
  // Read-only: takes in what the writer did since the last look (see the header comment); a
  // no-op otherwise. Takes mutex_ exclusively.
  Status refresh() const;
  // Read-only, under mutex_ held exclusively: replaces segments_ by the directory's segments,
  // keeping those still the same file (reopening the one at base reopen in any case). false,
  // with the view unchanged, when the listing must be taken again (a compaction is swapping
  // segments in, a listed segment could not be opened, or two segments overlap); best_effort
  // instead skips what it cannot open and ignores .swap files. A missing directory or one
  // without segments changes nothing.
  bool relist(std::optional<std::int64_t> reopen, bool best_effort,
              std::vector<std::string>& notes) const;

  std::filesystem::path directory_;
  bool read_only_ = false;  // set by open_read_only before the log is shared
  mutable std::shared_mutex mutex_;
  // Read-only: when refresh() next lists the directory. Guarded by mutex_.
  mutable std::chrono::steady_clock::time_point next_relist_;
  LogConfig config_;  // guarded by mutex_
  // Shared so that a compaction can go on reading a segment that retention deletes meanwhile,
  // and the background sync can fsync one that was rolled. Mutable: a const read that finds a
  // damaged index has the segment replaced by a repaired copy (repair_indexes).
  mutable std::map<std::int64_t, std::shared_ptr<LogSegment>> segments_;  // guarded by mutex_
  std::int64_t unflushed_messages_ = 0;                                   // guarded by mutex_
  std::int64_t first_unflushed_ms_ = -1;                                  // guarded by mutex_
  std::int64_t cleaner_checkpoint_ = 0;                                   // guarded by mutex_
  ProducerStateTable producers_;                                          // guarded by mutex_
  // No producer snapshot is written below it: the log start when retention or DeleteRecords
  // last moved it.
  std::atomic<std::int64_t> snapshot_floor_{0};
  // DeleteRecords's log start offset; read-only logs re-read it at each listing.
  mutable std::int64_t start_offset_ = 0;  // guarded by mutex_
  // Held for a whole compaction, so that one runs at a time; never taken under mutex_.
  std::mutex cleaner_mutex_;

  // Held while fsyncing, so that syncs run one at a time and in order. Lock order: mutex_, then
  // sync_mutex_, then sync_queue_mutex_; the background thread never takes mutex_.
  mutable std::mutex sync_mutex_;
  std::int64_t recovery_point_ = 0;  // guarded by sync_mutex_
  Status sync_error_;                // guarded by sync_mutex_; the first fsync that failed
  // Guarded by sync_mutex_, which remove() holds while it sets this: no checkpoint is written
  // into a directory that is being deleted.
  bool removed_ = false;
  std::mutex sync_queue_mutex_;
  std::deque<UnsyncedSegment> unsynced_;  // guarded by sync_queue_mutex_, oldest first
  bool background_sync_running_ = false;  // guarded by sync_queue_mutex_
  // Last member, so that it is joined (by the destructor) before anything it uses goes.
  std::jthread background_sync_;  // assigned under sync_queue_mutex_
};

}  // namespace ferry::broker
