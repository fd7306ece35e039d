// Kafka Connect's REST resources (RootResource, ConnectorsResource, ConnectorPluginsResource) on
// top of a runtime::Herder: routing, request parsing, the JSON shapes with Kafka's field order
// and its status codes (reference: connect.md §1). handle() is the HttpServer's handler.
//
// Served now:
//   GET  /                                       ServerInfo
//   GET  /health                                 healthy (served only once started)
//   GET  /connectors[?expand=status|info]        names, or {name: {status, info}}
//   POST /connectors                             201 + Location, ConnectorInfo
//   GET  /connectors/{c}                         ConnectorInfo
//   GET|PUT /connectors/{c}/config               flat map; PUT 201 (created) or 200
//   PATCH /connectors/{c}/config                 set keys, null removes one; 200
//   GET  /connectors/{c}/status                  ConnectorStateInfo
//   PUT  /connectors/{c}/pause|resume            202;  /stop 204
//   POST /connectors/{c}/restart                 204, or 202 + the status showing RESTARTING
//   DELETE /connectors/{c}                       204
//   GET  /connectors/{c}/tasks                   [{id, config}]
//   GET  /connectors/{c}/tasks-config            {"<c>-<t>": config} (deprecated in Kafka)
//   GET  /connectors/{c}/tasks/{t}/status        TaskState
//   GET  /connectors/{c}/topics                  {"<c>":{"topics":[...]}}; 403 when tracking is off
//   PUT  /connectors/{c}/topics/reset            202; 403 when tracking or its reset is off
//   GET  /metrics                                Prometheus text (prometheus_metrics.h)
//   POST /connectors/{c}/tasks/{t}/restart       204
//   GET  /connector-plugins[?connectorsOnly=false]
//   GET  /connector-plugins/{p}/config           [ConfigKeyInfo]
//   GET  /admin/loggers, GET|PUT /admin/loggers/{l}  levels (logger_levels.h)
//   PUT  /connector-plugins/{p}/config/validate  ConfigInfos (problems in the body, not 400)
// Errors are {"error_code":<status>,"message":...}: 400 bad JSON or config, 404 unknown path,
// connector or task, 405 wrong method, 409 existing name. PASSWORD values of the connector's
// ConfigDef are "[hidden]" in every answer; a PUT or PATCH that sends "[hidden]" back for such a
// key keeps the stored value, so GET-edit-PUT scripts keep working.
//
// Thread-safety: handle() may be called from any number of threads at once (the Herder's calls
// are).
#pragma once

#include <string>
#include <utility>

#include "rest/http_server.h"
#include "rest/logger_levels.h"
#include "runtime/worker/herder.h"

namespace ferry::rest {

// GET / (Kafka's ServerInfo).
struct ServerInfo {
  std::string version;
  std::string commit;
  std::string kafka_cluster_id;
};

class ConnectApi {
 public:
  // herder (and loggers, when given) must outlive this object; without loggers, /admin/loggers
  // is not served.
  ConnectApi(runtime::Herder& herder, ServerInfo info, LoggerLevels* loggers = nullptr)
      : herder_(herder), info_(std::move(info)), loggers_(loggers) {}

  Response handle(const Request& request) const;

 private:
  runtime::Herder& herder_;
  const ServerInfo info_;
  LoggerLevels* const loggers_;
};

}  // namespace ferry::rest
