#include "tests/http_call.h"

#include <regex>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace ferry::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::string HttpAnswer::header(const std::string& name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

HttpAnswer http_call(unsigned short port, std::string_view method, const std::string& target,
                     const std::string& body) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  http::request<http::string_body> request{http::string_to_verb(method), target, 11};
  request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  if (!body.empty()) request.set(http::field::content_type, "application/json");
  request.body() = body;
  request.prepare_payload();
  http::write(socket, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response);
  HttpAnswer answer{static_cast<int>(response.result_int()), response.body(), {}};
  for (const auto& field : response) {
    answer.headers[std::string(field.name_string())] = std::string(field.value());
  }
  return answer;
}

std::optional<unsigned short> last_rest_port(const std::string& log) {
  static const std::regex listening(R"(REST server listening on http://127\.0\.0\.1:(\d+))");
  std::optional<unsigned short> port;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), listening);
       it != std::sregex_iterator(); ++it) {
    port = static_cast<unsigned short>(std::stoi((*it)[1]));
  }
  return port;
}

}  // namespace ferry::testing
