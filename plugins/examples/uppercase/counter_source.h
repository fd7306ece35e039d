// com.example.CounterSourceConnector: a source connector that counts. Its one task writes "1", "2",
// "3", ... to a topic, one record per poll.interval.ms, and uses source offsets to go on from
// where it stopped after a restart:
//   source partition {"counter": <topic>}   which counter (a connector may read many sources)
//   source offset    {"position": <n>}      how far it got
// The worker stores the offset of each record once the broker has acknowledged it, and hands the
// last stored one back through the task's OffsetStorageReader.
//
//   name=numbers
//   connector.class=CounterSource
//   topic=numbers
//   poll.interval.ms=1000
//
// Threading (source_connector.h): the worker calls the connector from one thread. A task's
// start() and poll() run on the task's thread; stop() comes from another thread and must make a
// waiting poll() return soon, which is what the condition variable is for.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ferry/sdk/source_connector.h"

namespace example {

// The keys both the connector and its task understand.
ferry::sdk::ConfigDef counter_config();

class CounterSourceTask : public ferry::sdk::SourceTask {
 public:
  std::string version() const override;
  void start(const ferry::sdk::ConfigMap& props) override;
  std::vector<ferry::sdk::SourceRecord> poll() override;
  void stop() override;

 private:
  std::string topic_;
  std::chrono::milliseconds interval_{0};
  std::int64_t last_ = 0;  // the last number written
  bool first_poll_ = true;

  std::mutex mutex_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;  // guarded by mutex_
};

class CounterSourceConnector : public ferry::sdk::SourceConnector {
 public:
  std::string version() const override;
  ferry::sdk::ConfigDef config() const override { return counter_config(); }
  void start(const ferry::sdk::ConfigMap& props) override;
  // One counter cannot be split: one task, whatever tasks.max says.
  std::vector<ferry::sdk::ConfigMap> task_configs(int max_tasks) override;
  void stop() override {}
  std::unique_ptr<ferry::sdk::SourceTask> create_task() const override;

 private:
  ferry::sdk::ConfigMap props_;
};

}  // namespace example
