#include "connectors/file/file_stream_source_connector.h"

#include "connectors/file/file_stream_source_task.h"
#include "connectors/file/version.h"

namespace ferry::connectors::file {

const sdk::ConfigDef& FileStreamSourceConnector::config_def() {
  static const sdk::ConfigDef def =
      sdk::ConfigDef()
          .define({.name = kFileConfig,
                   .type = sdk::ConfigType::kString,
                   .default_value = nullptr,
                   .importance = sdk::Importance::kHigh,
                   .documentation =
                       "Source filename. If not specified, the standard input will be used"})
          .define({.name = kTopicConfig,
                   .type = sdk::ConfigType::kString,
                   .validator = sdk::NonEmptyString(),
                   .importance = sdk::Importance::kHigh,
                   .documentation = "The topic to publish data to"})
          // Kafka has no validator here (0 or less behaves as 1); Ferry rejects such values.
          .define({.name = kBatchSizeConfig,
                   .type = sdk::ConfigType::kInt,
                   .default_value = kDefaultBatchSize,
                   .validator = sdk::Range::at_least(1),
                   .importance = sdk::Importance::kLow,
                   .documentation = "The maximum number of records the source task can read from "
                                    "the file each time it is polled"});
  return def;
}

std::string FileStreamSourceConnector::version() const { return kVersion; }

void FileStreamSourceConnector::start(const sdk::ConfigMap& props) {
  config_def().parse(props);  // fail now, naming every bad key, rather than in the task
  props_ = props;
}

std::vector<sdk::ConfigMap> FileStreamSourceConnector::task_configs(int /*max_tasks*/) {
  return {props_};  // only one input stream makes sense
}

std::unique_ptr<sdk::SourceTask> FileStreamSourceConnector::create_task() const {
  return std::make_unique<FileStreamSourceTask>();
}

}  // namespace ferry::connectors::file
