// Sink connectors and tasks (Kafka Connect's SinkConnector and SinkTask): the worker consumes the
// connector's topics (topics or topics.regex) in consumer group connect-<name>, converts records
// and hands them to put(); on each commit interval it calls pre_commit() (default: flush()) and
// commits the offsets pre_commit returns, so a sink that writes asynchronously tells the worker
// how far it has really written. open()/close() bracket the partitions a task owns between
// rebalances.
//
// SinkTask threading: everything runs on the task's thread except stop().
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ferry/sdk/connector.h"
#include "ferry/sdk/errant_record_reporter.h"
#include "ferry/sdk/record.h"
#include "ferry/sdk/task.h"

namespace ferry::sdk {

struct TopicPartitionId {
  std::string topic;
  std::int32_t partition = 0;
  friend auto operator<=>(const TopicPartitionId&, const TopicPartitionId&) = default;
};

// Offsets as the worker commits them: the next offset to read per partition.
using SinkOffsets = std::map<TopicPartitionId, std::int64_t>;

class SinkTaskContext {
 public:
  virtual ~SinkTaskContext() = default;
  virtual const ConfigMap& configs() const = 0;
  // Rewind or skip: the next records of partition start at offset.
  virtual void offset(const TopicPartitionId& partition, std::int64_t offset) = 0;
  // Ask to be called again after this long if put() threw a RetriableException.
  virtual void timeout(std::chrono::milliseconds backoff) = 0;
  virtual std::set<TopicPartitionId> assignment() const = 0;
  virtual void pause(const std::set<TopicPartitionId>& partitions) = 0;
  virtual void resume(const std::set<TopicPartitionId>& partitions) = 0;
  // Commit as soon as possible rather than at the next interval.
  virtual void request_commit() = 0;
  // Where to report records put() cannot write (errant_record_reporter.h); null from a worker
  // without one (Kafka's errantRecordReporter() returns null from workers before 2.6).
  virtual ErrantRecordReporter* errant_record_reporter() { return nullptr; }
};

class SinkTask : public Task {
 public:
  virtual void initialize(SinkTaskContext& context) { context_ = &context; }
  virtual void open(const std::set<TopicPartitionId>& /*partitions*/) {}
  // May throw RetriableException to have the same records delivered again after timeout().
  virtual void put(std::vector<SinkRecord> records) = 0;
  // Make everything put() so far durable.
  virtual void flush(const SinkOffsets& /*current_offsets*/) {}
  // The offsets safe to commit; Kafka's default flushes and returns them all.
  virtual SinkOffsets pre_commit(const SinkOffsets& current_offsets) {
    flush(current_offsets);
    return current_offsets;
  }
  virtual void close(const std::set<TopicPartitionId>& /*partitions*/) {}

 protected:
  SinkTaskContext& context() const { return *context_; }

 private:
  SinkTaskContext* context_ = nullptr;
};

// What PATCH or DELETE /connectors/{c}/offsets asks for, per topic partition: the new offset, or
// nullopt to reset the partition.
using SinkOffsetChanges = std::vector<std::pair<TopicPartitionId, std::optional<std::int64_t>>>;

class SinkConnector : public Connector {
 public:
  virtual std::unique_ptr<SinkTask> create_task() const = 0;

  // Kafka's SinkConnector.alterOffsets, as SourceConnector::alter_offsets: true when the
  // connector changed offsets it keeps in the outside system too; throw to refuse.
  virtual bool alter_offsets(const ConfigMap& /*connector_config*/,
                             const SinkOffsetChanges& /*offsets*/) {
    return false;
  }
};

}  // namespace ferry::sdk
