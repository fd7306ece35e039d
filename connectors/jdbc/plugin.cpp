// The JDBC connectors' plugin entry point: registers Confluent's two JDBC connectors under their
// class names (the loader adds the aliases JdbcSourceConnector, JdbcSource, JdbcSinkConnector and
// JdbcSink). Built as <build>/plugins/jdbc/, like any user's plugin, against the SDK and SOCI.
#include "ferry/sdk/plugin.h"

#include <memory>

#include "connectors/jdbc/jdbc_sink_connector.h"
#include "connectors/jdbc/jdbc_source_connector.h"
#include "connectors/jdbc/version.h"

namespace {

void register_jdbc_connectors(ferry::sdk::PluginRegistrar& registrar) {
  using ferry::connectors::jdbc::JdbcSinkConnector;
  using ferry::connectors::jdbc::JdbcSourceConnector;
  registrar.source_connector(JdbcSourceConnector::kClassName,
                             [] { return std::make_unique<JdbcSourceConnector>(); });
  registrar.sink_connector(JdbcSinkConnector::kClassName,
                           [] { return std::make_unique<JdbcSinkConnector>(); });
}

}  // namespace

FERRY_PLUGIN("jdbc", FERRY_JDBC_CONNECTORS_VERSION, register_jdbc_connectors)
