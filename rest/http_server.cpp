#include "rest/http_server.h"

#include <algorithm>
#include <array>
#include <optional>
#include <thread>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/json.hpp>

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

std::string url_of(const tcp::endpoint& endpoint) {
  const asio::ip::address address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return "http://" + host + ":" + std::to_string(endpoint.port());
}

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
    for (const auto& acceptor : acceptors_) urls.push_back(url_of(acceptor->local_endpoint()));
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
  void accept(tcp::acceptor& acceptor);

  const HttpServerOptions options_;
  Handler handler_;
  std::unique_ptr<asio::io_context> io_;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
  std::unique_ptr<asio::thread_pool> pool_;
  std::thread io_thread_;
  bool started_ = false;
  bool stopped_ = false;
};

namespace {

// One connection: read a request, have it handled, write the answer, again while keep-alive.
// Lives on the io thread; only the request (moved out) and the answer cross to a handler thread.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl& server)
      : stream_(std::move(socket)), server_(server) {}

  void run() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(server_.options().body_limit);
    stream_.expires_after(server_.options().idle_timeout);
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
        error == asio::error::operation_aborted) {
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
    response_ = std::move(response);
    stream_.expires_after(server_.options().idle_timeout);
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
  void linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLingerTime);
    drain();
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
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  HttpServer::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<Response> response_;
  std::array<char, 4096> scratch_{};
};

}  // namespace

Status HttpServer::Impl::bind(const Listener& listener) {
  boost::system::error_code error;
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
  acceptors_.push_back(std::move(acceptor));
  return Status::ok_status();
}

void HttpServer::Impl::start(Handler handler) {
  if (started_ || stopped_) return;
  started_ = true;
  handler_ = std::move(handler);
  for (auto& acceptor : acceptors_) accept(*acceptor);
  io_thread_ = std::thread([this] { io_->run(); });
}

void HttpServer::Impl::accept(tcp::acceptor& acceptor) {
  acceptor.async_accept(*io_, [this, &acceptor](beast::error_code error, tcp::socket socket) {
    if (error == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (error) {
      // Out of file descriptors, most likely: wait a little rather than spin.
      auto timer = std::make_shared<asio::steady_timer>(*io_, std::chrono::milliseconds(100));
      timer->async_wait([this, &acceptor, timer](beast::error_code) { accept(acceptor); });
      return;
    }
    std::make_shared<Session>(std::move(socket), *this)->run();
    accept(acceptor);
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
