#include "rest/cors.h"

#include <algorithm>

namespace ferry::rest {
namespace {

namespace http = boost::beast::http;

// Jetty's CrossOriginFilter defaults, plus Authorization: a browser sends basic-auth credentials
// only when the preflight allowed that header.
constexpr std::string_view kAllowedHeaders =
    "X-Requested-With,Content-Type,Accept,Origin,Authorization";
constexpr std::string_view kMaxAgeSeconds = "1800";

// '*' in pattern matches any run of characters; everything else must match exactly.
bool glob_match(std::string_view pattern, std::string_view text) {
  const auto star = pattern.find('*');
  if (star == std::string_view::npos) return pattern == text;
  if (!text.starts_with(pattern.substr(0, star))) return false;
  pattern.remove_prefix(star + 1);
  text.remove_prefix(star);
  for (std::size_t skip = 0; skip <= text.size(); ++skip) {
    if (glob_match(pattern, text.substr(skip))) return true;
  }
  return false;
}

std::string join(const std::vector<std::string>& items) {
  std::string joined;
  for (const std::string& item : items) {
    if (!joined.empty()) joined += ',';
    joined += item;
  }
  return joined;
}

}  // namespace

bool CorsPolicy::origin_allowed(std::string_view origin) const {
  return std::any_of(config_.allowed_origins.begin(), config_.allowed_origins.end(),
                     [&](const std::string& allowed) { return glob_match(allowed, origin); });
}

Response CorsPolicy::handle(const Request& request, const HttpServer::Handler& next) const {
  if (!config_.enabled()) return next(request);
  const auto origin_field = request.find(http::field::origin);
  if (origin_field == request.end()) return next(request);
  const std::string origin(origin_field->value());
  if (!origin_allowed(origin)) return next(request);

  const auto requested_method = request.find(http::field::access_control_request_method);
  if (request.method() == http::verb::options && requested_method != request.end()) {
    Response response{http::status::ok, request.version()};
    response.set(http::field::allow, join(config_.allowed_methods));
    const bool method_allowed =
        std::find(config_.allowed_methods.begin(), config_.allowed_methods.end(),
                  std::string(requested_method->value())) != config_.allowed_methods.end();
    if (method_allowed) {
      response.set(http::field::access_control_allow_origin, origin);
      response.set(http::field::access_control_allow_credentials, "true");
      response.set(http::field::access_control_max_age, kMaxAgeSeconds);
      response.set(http::field::access_control_allow_methods, join(config_.allowed_methods));
      response.set(http::field::access_control_allow_headers, kAllowedHeaders);
    }
    response.set(http::field::vary, "Origin");
    response.prepare_payload();
    return response;
  }
  Response response = next(request);
  response.set(http::field::access_control_allow_origin, origin);
  response.set(http::field::access_control_allow_credentials, "true");
  response.set(http::field::vary, "Origin");
  return response;
}

}  // namespace ferry::rest
