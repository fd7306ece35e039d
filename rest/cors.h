// Cross-origin resource sharing for browser UIs, as Kafka Connect's Jetty CrossOriginFilter does it
// (access.control.allow.origin / access.control.allow.methods, rest_config.h):
//   - the origin key empty: no CORS at all, every request goes to the next handler untouched;
//   - a request whose Origin is allowed ("*", an exact origin, or a pattern with '*' such as
//     https://*.example.com) gets Access-Control-Allow-Origin: <its origin>,
//     Access-Control-Allow-Credentials: true and Vary: Origin on whatever the next handler answers;
//   - a preflight (OPTIONS with Access-Control-Request-Method) from an allowed origin for an
//   allowed
//     method is answered here, 200 with Access-Control-Allow-Methods, -Allow-Headers and -Max-Age
//     (1800 s, Jetty's default), and never reaches the next handler: browsers send no credentials
//     on a preflight, so basic authentication must not see it. A preflight for a method not
//     allowed is answered 200 without CORS headers, which the browser reads as a refusal;
//   - an Origin that is not allowed gets no CORS headers (the browser then hides the answer).
//
// Thread-safety: handle() may be called from any number of threads at once.
#pragma once

#include "rest/http_server.h"
#include "rest/rest_config.h"

namespace ferry::rest {

class CorsPolicy {
 public:
  explicit CorsPolicy(CorsConfig config) : config_(std::move(config)) {}

  // next answers every request that is not a preflight this policy answers itself.
  Response handle(const Request& request, const HttpServer::Handler& next) const;

 private:
  bool origin_allowed(std::string_view origin) const;

  const CorsConfig config_;
};

}  // namespace ferry::rest
