// The REST API as a worker runs it: the listeners of the worker config (http and https, with the
// TLS settings of rest_config.h), and in front of ConnectApi the filters Kafka Connect puts there:
// CORS first (so a preflight never needs credentials, and a 401 carries the CORS headers a browser
// needs to read it), then basic authentication when rest.extension.classes asks for it.
//
// Lifecycle: bind() reads every setting and file and binds every listener, so a bad key store, JAAS
// file or a port in use stops the start with a message; start() serves; stop() (or the
// destructor) closes. Thread-safety: as HttpServer.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "ferry/sdk/config_def.h"
#include "rest/basic_auth.h"
#include "rest/connect_api.h"
#include "rest/cors.h"
#include "rest/http_server.h"
#include "rest/rest_config.h"

namespace ferry::rest {

class RestServer {
 public:
  // worker_props: the worker config's keys; kafka_opts: the KAFKA_OPTS environment variable.
  // Errors are invalid_argument naming the key or file.
  static Result<std::unique_ptr<RestServer>> bind(const sdk::ConfigMap& worker_props,
                                                  std::string_view kafka_opts,
                                                  HttpServerOptions options = {});
  RestServer(const RestServer&) = delete;
  RestServer& operator=(const RestServer&) = delete;

  std::vector<std::string> urls() const { return server_->urls(); }
  // What is on besides plain HTTP, one line each, for the log (never a secret):
  // "Basic authentication: 2 users (JAAS file /etc/... from KAFKA_OPTS ...)", "CORS: ...".
  const std::vector<std::string>& notes() const { return notes_; }
  // Settings given but not used, one line each, for the log as warnings.
  const std::vector<std::string>& warnings() const { return warnings_; }

  // api must outlive the server (or its stop()).
  void start(const ConnectApi& api);
  void stop() { server_->stop(); }

 private:
  RestServer(RestConfig config, std::unique_ptr<BasicAuthenticator> auth,
             std::unique_ptr<HttpServer> server, std::vector<std::string> notes);

  const CorsPolicy cors_;
  const std::unique_ptr<BasicAuthenticator> auth_;  // null: no authentication
  std::unique_ptr<HttpServer> server_;
  std::vector<std::string> notes_;
  std::vector<std::string> warnings_;
};

}  // namespace ferry::rest
