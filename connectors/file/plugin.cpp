// The file connectors' plugin entry point: registers Kafka's two file connectors under their Kafka
// class names (the loader adds the aliases FileStreamSource, FileStreamSourceConnector,
// FileStreamSink and FileStreamSinkConnector). Built as <build>/plugins/file/, like any user's
// plugin, against the SDK alone.
#include "ferry/sdk/plugin.h"

#include <memory>

#include "connectors/file/file_stream_sink_connector.h"
#include "connectors/file/file_stream_source_connector.h"
#include "connectors/file/version.h"

namespace {

void register_file_connectors(ferry::sdk::PluginRegistrar& registrar) {
  using ferry::connectors::file::FileStreamSinkConnector;
  using ferry::connectors::file::FileStreamSourceConnector;
  registrar.source_connector(FileStreamSourceConnector::kClassName,
                             [] { return std::make_unique<FileStreamSourceConnector>(); });
  registrar.sink_connector(FileStreamSinkConnector::kClassName,
                           [] { return std::make_unique<FileStreamSinkConnector>(); });
}

}  // namespace

FERRY_PLUGIN("file", FERRY_FILE_CONNECTORS_VERSION, register_file_connectors)
