// What the runtime reads records through: Kafka's Consumer contract, implemented in process over
// the embedded broker (broker/embedded) and, later, over the Kafka protocol.
//
//   - subscribe() joins the consumer group group.id and gets partitions from the group's
//     assignor; assign() takes partitions by hand (no group membership; commits still go to
//     group.id if set). Rebalances happen inside poll(), where the listener is called: revoked
//     partitions first (commit their offsets there), then assigned ones.
//   - poll() returns records from the current positions of the assigned, unpaused partitions,
//     waiting up to the timeout for some to arrive; positions advance past what it returns.
//   - positions start at the committed offset, else per auto.offset.reset (earliest, latest,
//     none); a position outside the log is reset the same way.
//   - commit_sync() stores offsets (the next offset to read) for the group.
//
// Thread-safety: like Kafka's, a consumer is used by one thread, except wakeup(), which any
// thread may call to make a blocked poll() return early.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "broker/client/client_record.h"
#include "broker/client/topic_partition.h"
#include "common/result.h"

namespace ferry::broker {

struct RebalanceListener {
  std::function<void(const std::set<TopicPartition>&)> on_partitions_revoked;
  std::function<void(const std::set<TopicPartition>&)> on_partitions_assigned;
};

class Consumer {
 public:
  virtual ~Consumer() = default;

  virtual Status subscribe(const std::vector<std::string>& topics,
                           RebalanceListener listener = {}) = 0;
  // Topics whose whole name matches the pattern (a Java regex; std::regex's ECMAScript grammar
  // agrees on what topic patterns use), now and as they are created. The pattern is text, not a
  // compiled regex, so the network client can hand it to the broker-side client library; one
  // that does not compile is invalid_argument.
  virtual Status subscribe_pattern(const std::string& pattern, RebalanceListener listener = {}) = 0;
  virtual Status assign(const std::set<TopicPartition>& partitions) = 0;
  virtual std::set<TopicPartition> assignment() const = 0;

  virtual Result<std::vector<ConsumerRecord>> poll(std::chrono::milliseconds timeout) = 0;
  virtual void wakeup() = 0;

  // offsets: the next offset to read per partition (a consumer commits position, not last read).
  virtual Status commit_sync(const std::map<TopicPartition, std::int64_t>& offsets) = 0;
  // The current positions of every assigned partition.
  virtual Status commit_sync() = 0;
  virtual Result<std::optional<std::int64_t>> committed(const TopicPartition& partition) = 0;

  virtual Status seek(const TopicPartition& partition, std::int64_t offset) = 0;
  virtual Status seek_to_beginning(const std::set<TopicPartition>& partitions) = 0;
  virtual Status seek_to_end(const std::set<TopicPartition>& partitions) = 0;
  virtual Result<std::int64_t> position(const TopicPartition& partition) = 0;
  // Kafka's endOffsets: the offset the next record appended to each partition will get (the
  // sink task's lag is this minus its position). Partitions need not be assigned.
  virtual Result<std::map<TopicPartition, std::int64_t>> end_offsets(
      const std::set<TopicPartition>& partitions) = 0;

  virtual void pause(const std::set<TopicPartition>& partitions) = 0;
  virtual void resume(const std::set<TopicPartition>& partitions) = 0;
  virtual std::set<TopicPartition> paused() const = 0;

  // Commits (when auto-committing), leaves the group and stops.
  virtual Status close() = 0;
};

}  // namespace ferry::broker
