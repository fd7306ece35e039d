#include "rest/http_server.h"

#include <algorithm>
#include <array>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>

#include "common/thread_name.h"

namespace ferry::rest {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// After an answer that closes the connection (413, 400), the rest of what the client sends is
// read and dropped for at most this long: closing a socket with unread data makes the kernel
// send RST, and the client would lose the answer.
constexpr std::chrono::seconds kLingerTime{2};

std::string url_of(const tcp::endpoint& endpoint, bool https = false) {
  const asio::ip::address address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return std::string(https ? "https://" : "http://") + host + ":" + std::to_string(endpoint.port());
}

struct BoundListener {
  std::unique_ptr<tcp::acceptor> acceptor;
  bool https = false;
};

}  // namespace

Response error_response(unsigned status, std::string_view message, unsigned version,
                        bool keep_alive) {
  boost::json::object body;
  body["error_code"] = status;
  body["message"] = message;
  Response response{static_cast<http::status>(status), version};
  response.set(http::field::content_type, "application/json");
  response.keep_alive(keep_alive);
  response.body() = boost::json::serialize(body);
  response.prepare_payload();
  return response;
}

class HttpServer::Impl {
 public:
  explicit Impl(HttpServerOptions options)
      : options_(options),
        io_(std::make_unique<asio::io_context>(1)),
        pool_(std::make_unique<asio::thread_pool>(
            static_cast<std::size_t>(std::max(1, options.handler_threads)))) {}
  ~Impl() { stop(); }

  Status bind(const Listener& listener);
  std::vector<std::string> urls() const {
    std::vector<std::string> urls;
    for (const auto& bound : acceptors_) {
      urls.push_back(url_of(bound.acceptor->local_endpoint(), bound.https));
    }
    return urls;
  }
  void start(Handler handler);
  void stop();

  // Runs handler for request on a handler thread; done(response) is then called there.
  template <typename Done>
  void handle(Request request, Done done) {
    asio::post(*pool_, [this, request = std::move(request), done = std::move(done)]() mutable {
      Response response;
      try {
        response = handler_(request);
      } catch (const std::exception& e) {
        response = error_response(500, e.what());
      } catch (...) {
        response = error_response(500, "Unknown error");
      }
      response.version(request.version());
      response.keep_alive(request.keep_alive() && response.keep_alive());
      response.prepare_payload();
      done(std::move(response));
    });
  }

  const HttpServerOptions& options() const { return options_; }

 private:
  void accept(BoundListener& listener);

  const HttpServerOptions options_;
  Handler handler_;
  std::unique_ptr<asio::io_context> io_;
  std::vector<BoundListener> acceptors_;
  std::unique_ptr<asio::thread_pool> pool_;
  std::thread io_thread_;
  bool started_ = false;
  bool stopped_ = false;
};

namespace {

// One connection: read a request, have it handled, write the answer, again while keep-alive.
// Lives on the io thread; only the request (moved out) and the answer cross to a handler thread.
// Stream is beast::tcp_stream (http) or beast::ssl_stream over it (https).
template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  Session(tcp::socket socket, HttpServer::Impl& server) requires(!kTls)
      : stream_(std::move(socket)), server_(server) {}
  Session(tcp::socket socket, asio::ssl::context& tls, HttpServer::Impl& server) requires kTls
      : stream_(std::move(socket), tls),
        server_(server) {}

  void run() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->handshake();
      } else {
        self->read();
      }
    });
  }

 private:
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void handshake() {
    lowest().expires_after(server_.options().idle_timeout);
    stream_.async_handshake(asio::ssl::stream_base::server,
                            [self = shared_from_this()](beast::error_code error) {
                              if (error) {
                                self->close();
                              } else {
                                self->read();
                              }
                            });
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(server_.options().body_limit);
    lowest().expires_after(server_.options().idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code error, std::size_t) {
                              self->on_header(error);
                            });
  }

  // curl sends "Expect: 100-continue" before a body over 1 KiB and waits a second for the
  // interim answer before sending it anyway.
  void on_header(beast::error_code error) {
    if (error) {
      on_read(error);
      return;
    }
    if (!beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
      read_body();
      return;
    }
    auto proceed = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
    http::async_write(stream_, *proceed,
                      [self = shared_from_this(), proceed](beast::error_code error, std::size_t) {
                        if (error) {
                          self->close();
                        } else {
                          self->read_body();
                        }
                      });
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code error, std::size_t) {
                       self->on_read(error);
                     });
  }

  void on_read(beast::error_code error) {
    if (error == http::error::end_of_stream || error == beast::error::timeout ||
        error == asio::error::operation_aborted || error == asio::ssl::error::stream_truncated) {
      close();
      return;
    }
    if (error == http::error::body_limit) {
      write(error_response(413,
                           "Request body is larger than the limit of " +
                               std::to_string(server_.options().body_limit) + " bytes",
                           11, false));
      return;
    }
    if (error) {
      if (error.category() == http::make_error_code(http::error::bad_target).category()) {
        write(error_response(400, "Malformed HTTP request: " + error.message(), 11, false));
      } else {
        close();  // reset by the peer, ...
      }
      return;
    }
    server_.handle(parser_->release(), [self = shared_from_this()](Response response) {
      asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->write(std::move(response));
      });
    });
  }

  void write(Response response) {
    if constexpr (kTls) {
      // Handlers build Location from the request's Host as an http:// URL; this connection is
      // https.
      const auto location = response.find(http::field::location);
      if (location != response.end() && location->value().starts_with("http://")) {
        response.set(http::field::location, "https://" + std::string(location->value().substr(7)));
      }
    }
    response_ = std::move(response);
    lowest().expires_after(server_.options().idle_timeout);
    http::async_write(stream_, *response_,
                      [self = shared_from_this()](beast::error_code error, std::size_t) {
                        self->on_write(error);
                      });
  }

  void on_write(beast::error_code error) {
    if (error) {
      close();
      return;
    }
    const bool keep_alive = response_->keep_alive();
    response_.reset();
    if (keep_alive) {
      read();
    } else {
      linger();
    }
  }

  // Ends our side, then drops what the client still sends until it closes or kLingerTime passes.
  // Over TLS: sends close_notify and waits as long for the client's.
  void linger() {
    lowest().expires_after(kLingerTime);
    if constexpr (kTls) {
      stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->close(); });
    } else {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      drain();
    }
  }
  void drain() {
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code error, std::size_t) {
                              if (error) {
                                self->close();
                              } else {
                                self->drain();
                              }
                            });
  }

  void close() {
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
  }

  Stream stream_;
  HttpServer::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<Response> response_;
  std::array<char, 4096> scratch_{};
};

}  // namespace

Status HttpServer::Impl::bind(const Listener& listener) {
  boost::system::error_code error;
  if (listener.https && !options_.tls) {
    return Status::invalid_argument("Cannot listen on " + listener.text +
                                    ": an https listener needs TLS settings (ssl.keystore.*)");
  }
  asio::ip::address address = asio::ip::address_v4::any();
  if (!listener.host.empty()) {
    address = asio::ip::make_address(listener.host, error);
    if (error) {
      tcp::resolver resolver(*io_);
      const auto results = resolver.resolve(listener.host, std::to_string(listener.port), error);
      if (error || results.empty()) {
        return Status::invalid_argument("Cannot listen on " + listener.text + ": cannot resolve " +
                                        listener.host + ": " + error.message());
      }
      address = results.begin()->endpoint().address();
    }
  }
  const tcp::endpoint endpoint(address, listener.port);
  auto acceptor = std::make_unique<tcp::acceptor>(*io_);
  const auto failed = [&](const char* step) {
    return Status::invalid_argument("Cannot listen on " + listener.text + " (" +
                                    url_of(endpoint).substr(7) + "): " + step + ": " +
                                    error.message());
  };
  if (acceptor->open(endpoint.protocol(), error)) return failed("open");
  if (acceptor->set_option(asio::socket_base::reuse_address(true), error)) return failed("open");
  if (acceptor->bind(endpoint, error)) return failed("bind");
  if (acceptor->listen(asio::socket_base::max_listen_connections, error)) return failed("listen");
  acceptors_.push_back({std::move(acceptor), listener.https});
  return Status::ok_status();
}

void HttpServer::Impl::start(Handler handler) {
  if (started_ || stopped_) return;
  started_ = true;
  handler_ = std::move(handler);
  for (auto& listener : acceptors_) accept(listener);
  io_thread_ = std::thread([this] {
    name_this_thread("rest-io");
    io_->run();
  });
}

void HttpServer::Impl::accept(BoundListener& listener) {
  tcp::acceptor& acceptor = *listener.acceptor;
  acceptor.async_accept(*io_, [this, &listener](beast::error_code error, tcp::socket socket) {
    if (error == asio::error::operation_aborted || !listener.acceptor->is_open()) return;
    if (error) {
      // Out of file descriptors, most likely: wait a little rather than spin.
      auto timer = std::make_shared<asio::steady_timer>(*io_, std::chrono::milliseconds(100));
      timer->async_wait([this, &listener, timer](beast::error_code) { accept(listener); });
      return;
    }
    if (listener.https) {
      std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(std::move(socket),
                                                                      *options_.tls, *this)
          ->run();
    } else {
      std::make_shared<Session<beast::tcp_stream>>(std::move(socket), *this)->run();
    }
    accept(listener);
  });
}

void HttpServer::Impl::stop() {
  if (stopped_) return;
  stopped_ = true;
  io_->stop();
  if (io_thread_.joinable()) io_thread_.join();
  pool_->stop();
  pool_->join();
  // Destroying the io_context destroys every pending operation and with it every session, which
  // closes its socket; the acceptors go first, as they belong to it.
  acceptors_.clear();
  pool_.reset();
  io_.reset();
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { stop(); }

Result<std::unique_ptr<HttpServer>> HttpServer::bind(const std::vector<Listener>& listeners,
                                                     HttpServerOptions options) {
  auto impl = std::make_unique<Impl>(options);
  for (const Listener& listener : listeners) {
    if (Status bound = impl->bind(listener); !bound.ok()) return bound;
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

std::vector<std::string> HttpServer::urls() const { return impl_->urls(); }
void HttpServer::start(Handler handler) { impl_->start(std::move(handler)); }
void HttpServer::stop() { impl_->stop(); }

}  // namespace ferry::rest
