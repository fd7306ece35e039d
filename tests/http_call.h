// A plain HTTP/1.1 client for tests that drive a worker's REST API as curl would: one request on a
// fresh loopback connection, the whole answer back.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::testing {

struct HttpAnswer {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;

  std::string header(const std::string& name) const;
};

// Sends method (GET, POST, PUT, PATCH, DELETE) target to 127.0.0.1:port, with body as JSON when
// it is not empty. Throws boost::system::system_error when the port does not answer (a worker
// that is not up yet, or was killed).
HttpAnswer http_call(unsigned short port, std::string_view method, const std::string& target,
                     const std::string& body = "");

// The port of the last "REST server listening on http://127.0.0.1:<port>" line of a worker log: a
// restarted worker logging to the same file names its new port last.
std::optional<unsigned short> last_rest_port(const std::string& log);

}  // namespace ferry::testing
