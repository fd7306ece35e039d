// FileStreamSourceConnector: Kafka's org.apache.kafka.connect.file.FileStreamSourceConnector.
// Streams the lines of one file (or of standard input) into one topic, through exactly one task
// (FileStreamSourceTask), whatever tasks.max says: there is one input to read.
//
// Keys (Kafka's names, defaults and docs):
//   file        STRING, default null   the file to read; absent or empty: standard input
//   topic       STRING, required       the topic to write to; must not be empty
//   batch.size  INT, default 2000      most records one poll() returns; Ferry requires >= 1
//
// Thread-safety: as every connector, driven by one worker thread at a time.
#pragma once

#include <string>
#include <vector>

#include "ferry/sdk/source_connector.h"

namespace ferry::connectors::file {

class FileStreamSourceConnector : public sdk::SourceConnector {
 public:
  static constexpr const char* kClassName =
      "org.apache.kafka.connect.file.FileStreamSourceConnector";
  static constexpr const char* kFileConfig = "file";
  static constexpr const char* kTopicConfig = "topic";
  static constexpr const char* kBatchSizeConfig = "batch.size";
  static constexpr int kDefaultBatchSize = 2000;  // Kafka's DEFAULT_TASK_BATCH_SIZE

  // The table of keys, shared with the task that parses the same properties.
  static const sdk::ConfigDef& config_def();

  std::string version() const override;
  // Throws sdk::ConfigException naming every invalid key.
  void start(const sdk::ConfigMap& props) override;
  // One configuration (the connector's own properties), whatever max_tasks is.
  std::vector<sdk::ConfigMap> task_configs(int max_tasks) override;
  void stop() override {}
  sdk::ConfigDef config() const override { return config_def(); }
  std::unique_ptr<sdk::SourceTask> create_task() const override;

 private:
  sdk::ConfigMap props_;
};

}  // namespace ferry::connectors::file
