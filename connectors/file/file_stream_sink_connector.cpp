#include "connectors/file/file_stream_sink_connector.h"

#include <algorithm>

#include "connectors/file/file_stream_sink_task.h"
#include "connectors/file/version.h"

namespace ferry::connectors::file {

const sdk::ConfigDef& FileStreamSinkConnector::config_def() {
  static const sdk::ConfigDef def = sdk::ConfigDef().define(
      {.name = kFileConfig,
       .type = sdk::ConfigType::kString,
       .default_value = nullptr,
       .importance = sdk::Importance::kHigh,
       .documentation =
           "Destination filename. If not specified, the standard output will be used"});
  return def;
}

std::string FileStreamSinkConnector::version() const { return kVersion; }

void FileStreamSinkConnector::start(const sdk::ConfigMap& props) {
  config_def().parse(props);
  props_ = props;
}

std::vector<sdk::ConfigMap> FileStreamSinkConnector::task_configs(int max_tasks) {
  return std::vector<sdk::ConfigMap>(static_cast<std::size_t>(std::max(max_tasks, 0)), props_);
}

std::unique_ptr<sdk::SinkTask> FileStreamSinkConnector::create_task() const {
  return std::make_unique<FileStreamSinkTask>();
}

}  // namespace ferry::connectors::file
