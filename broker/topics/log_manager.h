// The embedded broker's topics on disk: one data directory holding a directory per partition
// (<topic>-<partition>, Kafka's layout) and the topics' metadata, created, deleted, altered,
// listed and described, and opened again at start with recovery. It owns every PartitionLog,
// the background thread that fsyncs (flush.ms), applies retention and compacts (log_cleaner.h),
// and the append notifications a long-polling fetch waits on.
//
// Files in the data directory:
//   <topic>-<partition>/            the partition's segments (partition_log.h)
//   .topics/<topic>.properties      partitions, topic id and config overrides, written
//                                   atomically (temp file, rename, directory fsync)
//   .clean_shutdown                 present only after a clean close: without it the last
//                                   segment of every partition is fully recovered at open
//   .lock                           flock'ed while a broker has the directory open
// A deleted topic's metadata goes first and its directories are renamed <dir>-delete before they
// are removed, so a crash halfway leaves either the whole topic or leftovers that the next open
// clears.
//
// Read-only (LogAccess::kReadOnly, or kReadOnlyWhenLocked finding .lock held): a view of a data
// directory that another process, a running broker or worker, goes on writing; what the tools
// use beside it. It takes no lock (a shared flock could neither be had while the broker holds
// its exclusive one, nor be held without refusing a broker that starts meanwhile) and writes
// nothing in the directory: no recovery, no clean-shutdown marker, no background thread (fsync,
// retention, compaction), no topic auto-creation (options().auto_create_topics reads false).
// Its partitions are read-only PartitionLogs, which follow the writer's appends, rolls, retention
// and compaction (partition_log.h). Topics follow too: list_topics() reads .topics/ again, and
// describe_topic() and a partition() lookup that misses read the topic's metadata file again.
// Calls that would write are conflict, naming the directory. No append happens in this process,
// so wait_for_append() waits until its deadline, at most kReadOnlyPollInterval, and then counts
// one append, so that a waiting fetch looks at the files again: a consumer of a read-only
// manager polls them.
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "broker/storage/partition_log.h"
#include "broker/topics/topic_config.h"
#include "common/result.h"

namespace ferry::broker {

struct TopicDescription {
  std::string name;
  std::string topic_id;  // 16 random bytes, URL-safe base64 without padding, as Kafka prints it
  std::int32_t partitions = 0;
  ConfigEntries overrides;  // what was set for this topic
  LogConfig config;         // overrides over the broker's defaults
  bool internal = false;
};

// How LogManager::open treats a data directory and its .lock.
enum class LogAccess {
  // A broker's: takes .lock (conflict if another open holds it), recovers, and writes.
  kReadWrite,
  // A reader's: takes no lock and writes nothing in the directory (see the header comment).
  kReadOnly,
  // kReadWrite if .lock is free, else kReadOnly: the tools, which work on a directory whether
  // or not a broker runs on it.
  kReadOnlyWhenLocked,
};

struct LogManagerOptions {
  std::filesystem::path data_directory;
  LogAccess access = LogAccess::kReadWrite;
  LogConfig defaults;                                 // broker_log_defaults(server.properties)
  std::int32_t default_partitions = 1;                // num.partitions
  bool auto_create_topics = true;                     // auto.create.topics.enable
  std::int64_t retention_check_interval_ms = 300000;  // log.retention.check.interval.ms
  std::int64_t flush_check_interval_ms = 200;
  // How often compacted partitions are checked against min.cleanable.dirty.ratio and compacted
  // (Kafka's log.cleaner.backoff.ms); the first check comes with the first round of maintenance.
  std::int64_t cleaner_interval_ms = 15000;
  // Where recovery notes and maintenance errors go (the broker logs them); may be empty.
  std::function<void(const std::string&)> log;
  // The clock, in ms since the epoch; tests replace it.
  std::function<std::int64_t()> now_ms;
};

class LogManager {
 public:
  // conflict only when another open (of this process or another) holds .lock and access is
  // kReadWrite; not_found for a read-only open of a directory that does not exist.
  static Result<std::unique_ptr<LogManager>> open(LogManagerOptions options);
  // Stops the background thread, closes every partition (flush and producer snapshot,
  // PartitionLog::close) and marks the shutdown clean (a read-only manager just closes its
  // files).
  ~LogManager();
  LogManager(const LogManager&) = delete;
  LogManager& operator=(const LogManager&) = delete;

  // invalid_argument for a bad name, partition count or config; conflict if the topic (or one
  // whose name collides with it) exists.
  Status create_topic(const std::string& name, std::int32_t partitions,
                      const ConfigEntries& overrides = {});
  Status delete_topic(const std::string& name);
  // Replaces the topic's overrides (Kafka's incremental alter is built on this by the caller).
  Status alter_topic_config(const std::string& name, const ConfigEntries& overrides);
  // Only ever more partitions, as Kafka.
  Status add_partitions(const std::string& name, std::int32_t partitions);

  std::vector<std::string> list_topics() const;  // sorted
  Result<TopicDescription> describe_topic(const std::string& name) const;

  // The partition's log; not_found for an unknown topic or partition.
  Result<std::shared_ptr<PartitionLog>> partition(const std::string& topic,
                                                  std::int32_t partition) const;

  // Appends to a partition, creating the topic first if auto-creation is on, then wakes fetches
  // waiting for data.
  Result<AppendResult> append(const std::string& topic, std::int32_t partition,
                              std::span<std::uint8_t> batches);
  // The same for an idempotent producer's batch, checked against the partition's producer
  // state (PartitionLog::append_idempotent); fetches are woken only when it was appended.
  Result<ProducerAppend> append_idempotent(const std::string& topic, std::int32_t partition,
                                           std::span<std::uint8_t> batch, bool new_producer);
  // The largest producer id with state in any partition (rebuilt from the logs at open), or -1:
  // InitProducerId hands out ids above it.
  std::int64_t max_producer_id() const;

  // How long a read-only manager's wait_for_append waits at most (see the header comment).
  static constexpr std::chrono::milliseconds kReadOnlyPollInterval{20};

  // The number of appends so far; wait_for_append returns when it passes seen or at deadline.
  std::uint64_t append_count() const;
  void wait_for_append(std::uint64_t seen, std::chrono::steady_clock::time_point deadline) const;

  // One round of the background work (fsync by flush.ms, retention, compaction); the thread
  // calls it, and tests may call it with their own clock. A compaction runs in this round, so
  // the next round's fsyncs wait for it; appends and reads do not.
  void run_maintenance();

  std::int64_t now_ms() const { return options_.now_ms(); }
  const LogManagerOptions& options() const { return options_; }
  // Whether the directory is open read-only (see the header comment).
  bool read_only() const { return read_only_; }

 private:
  struct Topic {
    TopicDescription description;
    std::vector<std::shared_ptr<PartitionLog>> partitions;
  };

  explicit LogManager(LogManagerOptions options);
  static Result<std::unique_ptr<LogManager>> open_read_only(std::unique_ptr<LogManager> manager);
  Status load(bool clean_shutdown);
  Status write_metadata(const TopicDescription& topic) const;
  Result<Topic> open_topic(TopicDescription description, bool clean_shutdown) const;
  Status create_topic_locked(const std::string& name, std::int32_t partitions,
                             const ConfigEntries& overrides);
  Result<std::shared_ptr<PartitionLog>> partition_locked(const std::string& topic,
                                                         std::int32_t partition) const;
  // The partition an append goes to, its topic created first if auto-creation is on.
  Result<std::shared_ptr<PartitionLog>> partition_for_append(const std::string& topic,
                                                             std::int32_t partition);
  // Wakes the fetches waiting for an append.
  void notify_append();
  // Read-only, under mutex_ held exclusively: takes in the writer's changes to one topic's
  // metadata (created, altered, more partitions, deleted), or to every topic's.
  void refresh_topic_locked(const std::string& name) const;
  void refresh_topics_locked() const;
  // What a read-only manager answers to a call that would write.
  Status refuse_write(const std::string& operation) const;
  void note(const std::string& message) const;
  void maintenance_loop(std::stop_token stop);

  LogManagerOptions options_;
  int lock_fd_ = -1;
  bool read_only_ = false;         // set by open, before the manager is shared
  bool locked_elsewhere_ = false;  // read-only because another open holds .lock
  mutable std::shared_mutex mutex_;
  // Guarded by mutex_. Mutable: a read-only manager takes in the writer's topics from const calls.
  mutable std::map<std::string, Topic> topics_;

  mutable std::mutex append_mutex_;
  mutable std::condition_variable append_cv_;
  mutable std::atomic<std::uint64_t> appends_{0};  // read-only: bumped by wait_for_append

  bool loaded_ = false;
  std::mutex maintenance_run_mutex_;  // one round of maintenance at a time
  std::mutex maintenance_mutex_;
  std::condition_variable_any maintenance_cv_;
  std::int64_t last_retention_check_ms_ = 0;
  std::int64_t last_cleaner_run_ms_ = 0;  // guarded by maintenance_run_mutex_
  std::jthread maintenance_;
};

}  // namespace ferry::broker
