// FileStreamSinkConnector: Kafka's org.apache.kafka.connect.file.FileStreamSinkConnector. Writes
// the values of the records of its topics (the worker's topics / topics.regex) to one file, one
// line each, through FileStreamSinkTask. Every task gets the same configuration, so with
// tasks.max > 1 several tasks append to the same file, as in Kafka.
//
// Keys (Kafka's):
//   file  STRING, default null  the file to append to; absent (or empty): standard output
//
// Thread-safety: as every connector, driven by one worker thread at a time.
#pragma once

#include <string>
#include <vector>

#include "ferry/sdk/sink_connector.h"

namespace ferry::connectors::file {

class FileStreamSinkConnector : public sdk::SinkConnector {
 public:
  static constexpr const char* kClassName = "org.apache.kafka.connect.file.FileStreamSinkConnector";
  static constexpr const char* kFileConfig = "file";

  static const sdk::ConfigDef& config_def();

  std::string version() const override;
  // Throws sdk::ConfigException naming every invalid key.
  void start(const sdk::ConfigMap& props) override;
  // max_tasks copies of the connector's properties.
  std::vector<sdk::ConfigMap> task_configs(int max_tasks) override;
  void stop() override {}
  sdk::ConfigDef config() const override { return config_def(); }
  std::unique_ptr<sdk::SinkTask> create_task() const override;

 private:
  sdk::ConfigMap props_;
};

}  // namespace ferry::connectors::file
