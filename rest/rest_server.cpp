#include "rest/rest_server.h"

#include "rest/tls_context.h"

namespace ferry::rest {

Result<std::unique_ptr<RestServer>> RestServer::bind(const sdk::ConfigMap& worker_props,
                                                     std::string_view kafka_opts,
                                                     HttpServerOptions options) {
  auto config = parse_rest_config(worker_props, kafka_opts);
  if (!config.ok()) return config.status();
  std::vector<std::string> notes;
  if (config->tls) {
    auto context = make_tls_context(*config->tls);
    if (!context.ok()) return context.status();
    options.tls = std::move(*context);
  }
  std::unique_ptr<BasicAuthenticator> auth;
  if (config->jaas_file) {
    auto loaded = BasicAuthenticator::from_jaas_file(*config->jaas_file);
    if (!loaded.ok()) return loaded.status();
    auth = std::move(*loaded);
    notes.push_back("Basic authentication: " + std::to_string(auth->user_count()) +
                    " user(s), JAAS file " + config->jaas_file->string() + " from " +
                    config->jaas_file_source);
  }
  if (config->cors.enabled()) {
    std::string origins;
    for (const std::string& origin : config->cors.allowed_origins) {
      origins += (origins.empty() ? "" : ",") + origin;
    }
    notes.push_back("CORS: origins " + origins);
  }
  auto server = HttpServer::bind(config->listeners, options);
  if (!server.ok()) return server.status();
  return std::unique_ptr<RestServer>(
      new RestServer(std::move(*config), std::move(auth), std::move(*server), std::move(notes)));
}

RestServer::RestServer(RestConfig config, std::unique_ptr<BasicAuthenticator> auth,
                       std::unique_ptr<HttpServer> server, std::vector<std::string> notes)
    : cors_(std::move(config.cors)),
      auth_(std::move(auth)),
      server_(std::move(server)),
      notes_(std::move(notes)) {
  if (config.tls) warnings_ = std::move(config.tls->warnings);
}

void RestServer::start(const ConnectApi& api) {
  const HttpServer::Handler resources = [&api](const Request& request) {
    return api.handle(request);
  };
  const HttpServer::Handler authenticated =
      auth_ ? HttpServer::Handler([this, resources](const Request& request) {
        return auth_->handle(request, resources);
      })
            : resources;
  server_->start([this, authenticated](const Request& request) {
    return cors_.handle(request, authenticated);
  });
}

}  // namespace ferry::rest
