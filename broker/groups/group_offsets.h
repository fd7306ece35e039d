// Committed consumer-group offsets, kept durably the way Kafka keeps them: as records in the
// compacted internal topic __consumer_offsets (offset_commit_record.h), one partition per group
// (by Kafka's hash), and in memory for reads. A commit returns once its records are appended, so
// a committed offset survives kill -9 of the broker like any acknowledged record; at open the
// topic is read from its start to rebuild the in-memory table, which compaction keeps short.
//
// On a read-only LogManager (log_manager.h) the table is what __consumer_offsets holds when
// open() reads it: the topic is not created when missing (nothing is committed then), later
// commits of the broker that writes it are not seen, and commit, remove_group and remove fail
// with the manager's conflict.
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "broker/groups/offset_commit_record.h"
#include "broker/topics/log_manager.h"
#include "common/result.h"

namespace ferry::broker {

inline constexpr std::string_view kConsumerOffsetsTopic = "__consumer_offsets";

struct PartitionOffset {
  std::string topic;
  std::int32_t partition = 0;
  OffsetCommitValue value;
};

class GroupOffsets {
 public:
  // Creates __consumer_offsets (compacted, `partitions` partitions: offsets.topic.num.partitions)
  // if missing (unless logs is read-only), and loads every committed offset from it.
  static Result<std::unique_ptr<GroupOffsets>> open(LogManager& logs, std::int32_t partitions);

  // Appends the commits of one group as one batch, then makes them visible.
  Status commit(const std::string& group, const std::vector<PartitionOffset>& offsets);
  // Writes tombstones for every offset of the group and forgets them.
  Status remove_group(const std::string& group);
  Status remove(const std::string& group, const std::string& topic, std::int32_t partition);

  std::optional<OffsetCommitValue> fetch(const std::string& group, const std::string& topic,
                                         std::int32_t partition) const;
  std::vector<PartitionOffset> fetch_all(const std::string& group) const;
  std::vector<std::string> groups() const;  // groups with committed offsets, sorted

 private:
  using TopicPartitionKey = std::pair<std::string, std::int32_t>;

  GroupOffsets(LogManager& logs, std::int32_t partitions) : logs_(logs), partitions_(partitions) {}
  Status load();
  Status append(
      const std::string& group,
      const std::vector<std::pair<OffsetCommitKey, std::optional<OffsetCommitValue>>>& records);

  LogManager& logs_;
  std::int32_t partitions_;
  mutable std::mutex mutex_;
  std::map<std::string, std::map<TopicPartitionKey, OffsetCommitValue>> offsets_;
};

}  // namespace ferry::broker
