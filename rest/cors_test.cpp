#include "rest/cors.h"

#include <gtest/gtest.h>

namespace ferry::rest {
namespace {

namespace http = boost::beast::http;

Response next(const Request& request) {
  Response response{http::status::ok, request.version()};
  response.body() = "next";
  return response;
}

Request request(http::verb method, const std::string& origin,
                const std::string& requested_method = "") {
  Request request{method, "/connectors", 11};
  if (!origin.empty()) request.set(http::field::origin, origin);
  if (!requested_method.empty()) {
    request.set(http::field::access_control_request_method, requested_method);
  }
  return request;
}

CorsPolicy policy(std::vector<std::string> origins, std::vector<std::string> methods = {}) {
  if (methods.empty()) methods = {"GET", "POST", "HEAD"};
  return CorsPolicy(CorsConfig{std::move(origins), std::move(methods)});
}

TEST(Cors, NoOriginConfiguredMeansNoCorsHeaders) {
  const CorsPolicy cors = policy({});
  Response response = cors.handle(request(http::verb::get, "https://ui.example"), next);
  EXPECT_EQ(response.body(), "next");
  EXPECT_EQ(response.count(http::field::access_control_allow_origin), 0u);
  // A preflight goes to the handler too (which answers 405 for OPTIONS).
  EXPECT_EQ(cors.handle(request(http::verb::options, "https://ui.example", "GET"), next).body(),
            "next");
}

TEST(Cors, AllowedOriginIsEchoedOnAnswers) {
  const CorsPolicy cors = policy({"*"});
  Response response = cors.handle(request(http::verb::get, "https://ui.example"), next);
  EXPECT_EQ(response.body(), "next");
  EXPECT_EQ(response[http::field::access_control_allow_origin], "https://ui.example");
  EXPECT_EQ(response[http::field::access_control_allow_credentials], "true");
  EXPECT_EQ(response[http::field::vary], "Origin");
  // Requests without Origin (curl, scripts) are untouched.
  EXPECT_EQ(cors.handle(request(http::verb::get, ""), next)
                .count(http::field::access_control_allow_origin),
            0u);
}

TEST(Cors, OriginListAndPatterns) {
  const CorsPolicy cors = policy({"https://ui.example", "https://*.corp.example"});
  EXPECT_EQ(cors.handle(request(http::verb::get, "https://a.corp.example"),
                        next)[http::field::access_control_allow_origin],
            "https://a.corp.example");
  EXPECT_EQ(cors.handle(request(http::verb::get, "https://evil.example"), next)
                .count(http::field::access_control_allow_origin),
            0u);
}

TEST(Cors, PreflightIsAnsweredWithTheAllowedMethods) {
  const CorsPolicy cors = policy({"https://ui.example"}, {"GET", "PUT", "DELETE"});
  Response response = cors.handle(request(http::verb::options, "https://ui.example", "PUT"), next);
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_NE(response.body(), "next");
  EXPECT_EQ(response[http::field::access_control_allow_origin], "https://ui.example");
  EXPECT_EQ(response[http::field::access_control_allow_methods], "GET,PUT,DELETE");
  EXPECT_EQ(response[http::field::access_control_max_age], "1800");
  EXPECT_NE(response[http::field::access_control_allow_headers].find("Content-Type"),
            std::string::npos);

  Response refused = cors.handle(request(http::verb::options, "https://ui.example", "POST"), next);
  EXPECT_EQ(refused.count(http::field::access_control_allow_origin), 0u);
  EXPECT_EQ(refused.count(http::field::access_control_allow_methods), 0u);
}

}  // namespace
}  // namespace ferry::rest
