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
// Thread-safety: every member may be called from any thread.
#pragma once

#include <atomic>
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

struct LogManagerOptions {
  std::filesystem::path data_directory;
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
  static Result<std::unique_ptr<LogManager>> open(LogManagerOptions options);
  // Stops the background thread, flushes every partition and marks the shutdown clean.
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

  // The number of appends so far; wait_for_append returns when it passes seen or at deadline.
  std::uint64_t append_count() const;
  void wait_for_append(std::uint64_t seen, std::chrono::steady_clock::time_point deadline) const;

  // One round of the background work (fsync by flush.ms, retention, compaction); the thread
  // calls it, and tests may call it with their own clock. A compaction runs in this round, so
  // the next round's fsyncs wait for it; appends and reads do not.
  void run_maintenance();

  std::int64_t now_ms() const { return options_.now_ms(); }
  const LogManagerOptions& options() const { return options_; }

 private:
  struct Topic {
    TopicDescription description;
    std::vector<std::shared_ptr<PartitionLog>> partitions;
  };

  explicit LogManager(LogManagerOptions options);
  Status load(bool clean_shutdown);
  Status write_metadata(const TopicDescription& topic) const;
  Result<Topic> open_topic(TopicDescription description, bool clean_shutdown);
  Status create_topic_locked(const std::string& name, std::int32_t partitions,
                             const ConfigEntries& overrides);
  void note(const std::string& message) const;
  void maintenance_loop(std::stop_token stop);

  LogManagerOptions options_;
  int lock_fd_ = -1;
  mutable std::shared_mutex mutex_;
  std::map<std::string, Topic> topics_;

  mutable std::mutex append_mutex_;
  mutable std::condition_variable append_cv_;
  std::atomic<std::uint64_t> appends_{0};

  bool loaded_ = false;
  std::mutex maintenance_run_mutex_;  // one round of maintenance at a time
  std::mutex maintenance_mutex_;
  std::condition_variable_any maintenance_cv_;
  std::int64_t last_retention_check_ms_ = 0;
  std::int64_t last_cleaner_run_ms_ = 0;  // guarded by maintenance_run_mutex_
  std::jthread maintenance_;
};

}  // namespace ferry::broker
