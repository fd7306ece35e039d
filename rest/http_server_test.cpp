// The HTTP server with a trivial handler, over real loopback sockets: keep-alive, the body limit,
// malformed requests, slow and half-open clients, and stopping with connections open.
#include "rest/http_server.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <gtest/gtest.h>

namespace ferry::rest {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }

  void start(HttpServerOptions options) {
    auto server = HttpServer::bind({*parse_listener("http://127.0.0.1:0")}, options);
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(*server);
    const std::string url = server_->urls().at(0);
    port_ = static_cast<unsigned short>(std::stoi(url.substr(url.rfind(':') + 1)));
    server_->start([this](const Request& request) {
      ++handled_;
      if (request.target() == "/slow") hold_slow_request();
      Response response{http::status::ok, request.version()};
      response.set(http::field::content_type, "text/plain");
      response.body() = std::string(request.method_string()) + " " + std::string(request.target()) +
                        " " + request.body();
      return response;
    });
  }

  tcp::socket connect() {
    tcp::socket socket(io_);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    return socket;
  }

  static Response read_response(tcp::socket& socket, beast::flat_buffer& buffer) {
    Response response;
    http::read(socket, buffer, response);
    return response;
  }

  Response exchange(const std::string& raw) {
    tcp::socket socket = connect();
    asio::write(socket, asio::buffer(raw));
    beast::flat_buffer buffer;
    return read_response(socket, buffer);
  }

  // The handler of /slow: runs until release_slow_request() (or 60 s), so a test sees other
  // requests answered while it is still running rather than racing a fixed handler time.
  void hold_slow_request() {
    std::unique_lock lock(slow_mutex_);
    slow_started_ = true;
    slow_changed_.notify_all();
    slow_changed_.wait_for(lock, 60s, [this] { return slow_released_; });
    slow_finished_ = true;
  }
  bool wait_for_slow_request_to_start() {
    std::unique_lock lock(slow_mutex_);
    return slow_changed_.wait_for(lock, 60s, [this] { return slow_started_; });
  }
  bool slow_request_finished() {
    std::scoped_lock lock(slow_mutex_);
    return slow_finished_;
  }
  void release_slow_request() {
    {
      std::scoped_lock lock(slow_mutex_);
      slow_released_ = true;
    }
    slow_changed_.notify_all();
  }

  asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  unsigned short port_ = 0;
  std::atomic<int> handled_{0};
  std::mutex slow_mutex_;
  std::condition_variable slow_changed_;
  bool slow_started_ = false;   // guarded by slow_mutex_
  bool slow_released_ = false;  // guarded by slow_mutex_
  bool slow_finished_ = false;  // guarded by slow_mutex_
};

TEST_F(HttpServerTest, ServesSeveralRequestsOnOneKeptAliveConnection) {
  tcp::socket socket = connect();
  beast::flat_buffer buffer;
  for (int i = 0; i < 3; ++i) {
    const std::string body = "n=" + std::to_string(i);
    asio::write(socket, asio::buffer("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: " +
                                     std::to_string(body.size()) + "\r\n\r\n" + body));
    Response response = read_response(socket, buffer);
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_EQ(response.body(), "POST /x " + body);
    EXPECT_TRUE(response.keep_alive());
  }
}

TEST_F(HttpServerTest, ExpectContinueGetsTheInterimAnswerBeforeTheBody) {
  tcp::socket socket = connect();
  asio::write(socket,
              asio::buffer(std::string("PUT /c HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
                                       "Content-Length: 4\r\n\r\n")));
  beast::flat_buffer buffer;
  http::response_parser<http::empty_body> interim;
  http::read_header(socket, buffer, interim);
  EXPECT_EQ(interim.get().result(), http::status::continue_);
  asio::write(socket, asio::buffer(std::string("body")));
  EXPECT_EQ(read_response(socket, buffer).body(), "PUT /c body");
}

TEST_F(HttpServerTest, ABodyOverTheLimitIs413WithTheJsonErrorBody) {
  server_.reset();
  start({.body_limit = 100});
  const std::string body(1000, 'x');
  Response response = exchange("PUT /c HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n" + body);
  EXPECT_EQ(response.result_int(), 413);
  EXPECT_EQ(response[http::field::content_type], "application/json");
  EXPECT_EQ(response.body(),
            R"({"error_code":413,"message":"Request body is larger than the limit of 100 bytes"})");
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpServerTest, AMalformedRequestIs400AndTheServerKeepsServing) {
  Response response = exchange("GARBAGE\r\n\r\n");
  EXPECT_EQ(response.result_int(), 400);
  EXPECT_EQ(response[http::field::content_type], "application/json");
  EXPECT_EQ(exchange("GET /ok HTTP/1.1\r\nHost: a\r\n\r\n").body(), "GET /ok ");
}

TEST_F(HttpServerTest, HalfOpenAndSlowClientsDoNotBlockOthers) {
  // One client sent half a header and waits; another's handler is still running (it runs until
  // the test releases it). The third is answered meanwhile: neither blocks it.
  tcp::socket half_open = connect();
  asio::write(half_open, asio::buffer(std::string("GET /half HTTP/1.1\r\nHo")));
  std::string slow_body;
  std::thread slow(
      [this, &slow_body] { slow_body = exchange("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n").body(); });
  EXPECT_TRUE(wait_for_slow_request_to_start());
  EXPECT_EQ(exchange("GET /fast HTTP/1.1\r\nHost: a\r\n\r\n").body(), "GET /fast ");
  EXPECT_FALSE(slow_request_finished()) << "the fast request waited for the slow one";
  release_slow_request();
  slow.join();
  EXPECT_EQ(slow_body, "GET /slow ");
}

TEST_F(HttpServerTest, ManyClientsAtOnceAreAllAnswered) {
  constexpr int kClients = 32;
  constexpr int kRequests = 20;
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int client = 0; client < kClients; ++client) {
    clients.emplace_back([&, client] {
      asio::io_context io;
      tcp::socket socket(io);
      socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
      beast::flat_buffer buffer;
      for (int i = 0; i < kRequests; ++i) {
        const std::string target = "/c" + std::to_string(client) + "/" + std::to_string(i);
        asio::write(socket, asio::buffer("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n"));
        Response response;
        http::read(socket, buffer, response);
        if (response.body() == "GET " + target + " ") ++answered;
      }
    });
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(answered, kClients * kRequests);
}

TEST_F(HttpServerTest, AnIdleClientIsDroppedAfterTheTimeout) {
  server_.reset();
  start({.idle_timeout = 200ms});
  tcp::socket idle = connect();
  asio::write(idle, asio::buffer(std::string("GET /x HTTP/1.1\r\n")));
  char byte = 0;
  boost::system::error_code error;
  asio::read(idle, asio::buffer(&byte, 1), error);  // returns when the server closes
  EXPECT_TRUE(error == asio::error::eof || error == asio::error::connection_reset)
      << error.message();
}

TEST_F(HttpServerTest, StopsWithConnectionsOpen) {
  tcp::socket open = connect();
  asio::write(open, asio::buffer(std::string("GET /x HTTP/1.1\r\n")));
  server_->stop();
  server_.reset();
  char byte = 0;
  boost::system::error_code error;
  asio::read(open, asio::buffer(&byte, 1), error);
  EXPECT_TRUE(error);
}

TEST_F(HttpServerTest, APortInUseIsAnErrorNamingTheListener) {
  auto second = HttpServer::bind({*parse_listener("http://127.0.0.1:" + std::to_string(port_))});
  ASSERT_FALSE(second.ok());
  const std::string& message = second.status().message();
  EXPECT_NE(message.find("Cannot listen on http://127.0.0.1:" + std::to_string(port_)),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("in use"), std::string::npos) << message;
}

TEST(ErrorResponse, IsKafkasErrorBody) {
  Response response = error_response(404, "Connector \"x\" not found");
  EXPECT_EQ(response.result_int(), 404);
  EXPECT_EQ(response[http::field::content_type], "application/json");
  EXPECT_EQ(response.body(), R"({"error_code":404,"message":"Connector \"x\" not found"})");
}

}  // namespace
}  // namespace ferry::rest
