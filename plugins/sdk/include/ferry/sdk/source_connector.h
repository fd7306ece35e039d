// Source connectors and tasks (Kafka Connect's SourceConnector and SourceTask): records come from
// the outside system through poll(); each carries a source partition and offset (maps of the
// connector's choosing, e.g. {"filename": ...} and {"position": 1234}) that the worker stores
// once the broker acknowledged the record, and hands back through the context's offset reader
// after a restart so the task resumes where it left off.
//
// SourceTask threading: start, poll, commit and commit_record run on the task's thread; stop() is
// called from another thread.
#pragma once

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "ferry/sdk/connector.h"
#include "ferry/sdk/record.h"
#include "ferry/sdk/task.h"

namespace ferry::sdk {

// Offsets the worker stored for this connector's source partitions.
class OffsetStorageReader {
 public:
  virtual ~OffsetStorageReader() = default;
  // The last committed offset of a source partition, or nullopt.
  virtual std::optional<SourceMap> offset(const SourceMap& partition) const = 0;
};

class SourceTaskContext {
 public:
  virtual ~SourceTaskContext() = default;
  virtual const ConfigMap& configs() const = 0;
  virtual const OffsetStorageReader& offset_storage_reader() const = 0;
};

// Where the worker put a record (Kafka's RecordMetadata) for commit_record.
struct RecordPosition {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = -1;
};

class SourceTask : public Task {
 public:
  virtual void initialize(SourceTaskContext& context) { context_ = &context; }
  // Records ready now; an empty result means none yet (the worker calls again). May block for a
  // short while (say up to a second) waiting for data, and must return soon after stop().
  virtual std::vector<SourceRecord> poll() = 0;
  // All records returned so far were acknowledged and their offsets stored.
  virtual void commit() {}
  // One record was acknowledged by the broker.
  virtual void commit_record(const SourceRecord& /*record*/, const RecordPosition& /*position*/) {}

 protected:
  SourceTaskContext& context() const { return *context_; }

 private:
  SourceTaskContext* context_ = nullptr;
};

// What PATCH or DELETE /connectors/{c}/offsets asks for, per source partition: the new offset,
// or nullopt to reset the partition.
using SourceOffsetChanges = std::vector<std::pair<SourceMap, std::optional<SourceMap>>>;

class SourceConnector : public Connector {
 public:
  virtual std::unique_ptr<SourceTask> create_task() const = 0;

  // Kafka's SourceConnector.alterOffsets: called on a fresh instance (not started) while the
  // connector is stopped, before the worker changes the offsets it stores. A connector that also
  // keeps offsets in the outside system changes them there and returns true; throwing refuses the
  // change (the request fails with the message, nothing is changed). The default returns false:
  // only the worker's offsets change, and REST says so.
  virtual bool alter_offsets(const ConfigMap& /*connector_config*/,
                             const SourceOffsetChanges& /*offsets*/) {
    return false;
  }
};

}  // namespace ferry::sdk
