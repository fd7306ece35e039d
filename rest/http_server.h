// The HTTP/1.1 server under the REST API (Boost.Beast on Asio). It knows nothing of Kafka
// Connect: it parses requests, hands each to one Handler and writes what it returns, with
// keep-alive. What it guarantees every client, whatever the others do:
//   - a body larger than body_limit is answered 413 (and the connection closed);
//   - a request that cannot be parsed is answered 400 and the connection closed;
//   - a client that sends or reads nothing for idle_timeout is dropped, so slow or half-open
//     clients hold a socket and a little memory, never a thread;
//   - handlers run on handler_threads threads of their own, so a slow handler (a connector
//     starting) delays only the requests waiting for a handler, never the reading and writing
//     of the others.
// Error bodies the server writes itself use error_body(), the Kafka Connect error shape.
//
// An https listener first completes a TLS handshake (with a deadline of idle_timeout), then serves
// the same HTTP; a client that fails the handshake (plain HTTP, an untrusted client certificate
// when one is required) is dropped.
//
// Lifecycle: bind() opens every listener (so a port in use fails the start, naming the address),
// start() begins accepting, stop() (or the destructor) closes the listeners and connections and
// joins every thread. Thread-safety: bind, start and stop from one thread; the Handler is called
// from the handler threads, concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http.hpp>

#include "common/result.h"
#include "rest/listener.h"

namespace boost::asio::ssl {
class context;
}

namespace ferry::rest {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

struct HttpServerOptions {
  std::size_t body_limit = 1024 * 1024;  // connector configs are a few kilobytes
  std::chrono::milliseconds idle_timeout{30000};
  int handler_threads = 4;
  // The TLS settings of every https listener (tls_context.h); required when one is https.
  std::shared_ptr<boost::asio::ssl::context> tls;
};

// Kafka Connect's error body, {"error_code":<status>,"message":"..."}, as a response with
// Content-Type application/json.
Response error_response(unsigned status, std::string_view message, unsigned version = 11,
                        bool keep_alive = true);

class HttpServer {
 public:
  using Handler = std::function<Response(const Request& request)>;

  // Binds every listener. invalid_argument naming the listener and the system's reason when one
  // cannot be bound ("Cannot listen on http://:8083 (0.0.0.0:8083): Address already in use").
  static Result<std::unique_ptr<HttpServer>> bind(const std::vector<Listener>& listeners,
                                                  HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;  // owns threads and sockets
  HttpServer& operator=(const HttpServer&) = delete;

  // "http[s]://<address>:<port>" of each bound listener, the port as bound (port 0 resolved).
  std::vector<std::string> urls() const;

  // Starts accepting; handler answers every request that parses. Once only.
  void start(Handler handler);
  // Closes the listeners and every connection, waits for running handlers. Idempotent.
  void stop();

  class Impl;  // opaque; named here so the connection class in the .cpp can refer to it

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferry::rest
