#include "broker/server/protocol_server.h"

#include <array>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio.hpp>
#include <pthread.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "broker/protocol/codec.h"
#include "broker/server/request_handler.h"
#include "broker/storage/wire_format.h"

namespace ferry::broker {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Whether answers may still be posted to the server's executors: closed by stop() before the
// io_context goes, checked (under its mutex) by every answer that arrives from another thread.
struct Gate {
  std::mutex mutex;
  bool open = true;
};

std::string endpoint_text(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

std::string api_text(const protocol::RequestHeader& header) {
  const protocol::ApiDef* api = protocol::find_api(header.api_key);
  return (api != nullptr ? api->name : "API key " + std::to_string(header.api_key)) + " v" +
         std::to_string(header.api_version) + " (correlation id " +
         std::to_string(header.correlation_id) + ")";
}

class Session;

}  // namespace

class ProtocolServer::Impl {
 public:
  Impl(Broker& broker, ProtocolServerOptions options)
      : broker_(broker), options_(std::move(options)) {}
  ~Impl() { stop(); }

  Status bind(const KafkaListenerConfig& config);
  void run();
  void stop();
  void note(const std::string& message) const {
    if (options_.log) options_.log(message);
  }

  void add(const std::shared_ptr<Session>& session);
  void remove(const Session* session);

  asio::io_context io_;
  Broker& broker_;
  ProtocolServerOptions options_;
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
  std::vector<std::string> bound_;
  std::string advertised_host_;
  std::uint16_t advertised_port_ = 0;
  std::unique_ptr<RequestHandler> handler_;
  std::mutex sessions_mutex_;
  std::map<const Session*, std::shared_ptr<Session>> sessions_;  // guarded by sessions_mutex_
  bool stopped_ = false;
  std::vector<std::thread> threads_;

 private:
  void accept(tcp::acceptor& acceptor);
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ProtocolServer::Impl& server)
      : socket_(std::move(socket)), server_(server) {
    boost::system::error_code error;
    const auto remote = socket_.remote_endpoint(error);
    peer_ = error ? "unknown" : endpoint_text(remote);
    client_host_ = error ? "/unknown" : "/" + remote.address().to_string();
  }

  void start() {
    // For sendfile, which must not block the thread when the socket buffer is full.
    boost::system::error_code ignored;
    socket_.native_non_blocking(true, ignored);
    read_size();
  }

  // From any thread.
  void close() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->shutdown(); });
  }

 private:
  void shutdown() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    server_.remove(this);
  }

  void drop(const std::string& why) {
    server_.note("Closing connection from " + peer_ + ": " + why);
    shutdown();
  }

  void read_size() {
    asio::async_read(socket_, asio::buffer(size_bytes_),
                     [self = shared_from_this()](boost::system::error_code error, std::size_t) {
                       if (error) return self->shutdown();
                       self->read_frame();
                     });
  }

  void read_frame() {
    const auto size = load_be<std::int32_t>(size_bytes_.data());
    if (size < 0 || static_cast<std::size_t>(size) > server_.options_.max_request_bytes) {
      return drop("request of " + std::to_string(size) +
                  " bytes is larger than socket.request.max.bytes (" +
                  std::to_string(server_.options_.max_request_bytes) + ")");
    }
    frame_.resize(static_cast<std::size_t>(size));
    asio::async_read(socket_, asio::buffer(frame_),
                     [self = shared_from_this()](boost::system::error_code error, std::size_t) {
                       if (error) return self->shutdown();
                       self->dispatch();
                     });
  }

  void dispatch() {
    auto header = protocol::decode_request_header(frame_);
    if (!header.ok()) return drop(header.status().message());
    const protocol::RequestHeader& h = header->header;
    if (!header->version_supported) {
      if (header->api != nullptr &&
          h.api_key == static_cast<std::int16_t>(protocol::ApiKey::kApiVersions)) {
        return write(protocol::encode_unsupported_api_versions_response(h.correlation_id));
      }
      return drop(header->api == nullptr ? "unknown " + api_text(h)
                                         : api_text(h) + " is not supported (served: v" +
                                               std::to_string(header->api->versions.min) + "-" +
                                               std::to_string(header->api->versions.max) + ")");
    }
    auto request = protocol::decode_request(frame_);
    if (!request.ok()) return drop(api_text(h) + ": " + request.status().message());
    const protocol::ApiDef* api = request->api;
    RequestContext context{peer_, client_host_, socket_.get_executor()};
    std::weak_ptr<Session> weak = shared_from_this();
    Respond respond = [weak, gate = server_.gate_, api, version = h.api_version,
                       correlation = h.correlation_id](std::optional<protocol::Struct> body) {
      std::lock_guard lock(gate->mutex);
      if (!gate->open) return;
      auto self = weak.lock();
      if (!self) return;
      asio::post(self->socket_.get_executor(),
                 [self, api, version, correlation, body = std::move(body)] {
                   if (!body) return self->read_size();  // acks=0: nothing to answer
                   self->write(protocol::encode_response_frame(*api, version, correlation, *body));
                 });
    };
    try {
      server_.handler_->handle(std::move(*request), context, std::move(respond));
    } catch (const std::exception& e) {
      drop(api_text(h) + ": internal error: " + e.what());
    }
  }

  void write(std::vector<std::uint8_t> response) {
    protocol::EncodedFrame frame;
    frame.bytes = std::move(response);
    write(std::move(frame));
  }

  // Sends the frame without copying the records it refers to: its own bytes and the records in
  // memory up to the next records in a file go with one async_write, those records with
  // sendfile, and so on. The frame (and so what keeps the records alive, a segment's file
  // included) stays until it is sent.
  void write(protocol::EncodedFrame frame) {
    response_ = std::move(frame);
    next_splice_ = 0;
    written_ = 0;
    write_buffers();
  }

  void write_buffers() {
    const auto& splices = response_.splices;
    buffers_.clear();
    while (true) {
      const std::size_t until =
          next_splice_ < splices.size() ? splices[next_splice_].at : response_.bytes.size();
      if (until > written_) {
        buffers_.emplace_back(response_.bytes.data() + written_, until - written_);
      }
      written_ = until;
      if (next_splice_ == splices.size() || splices[next_splice_].records.data == nullptr) break;
      buffers_.emplace_back(splices[next_splice_].records.data, splices[next_splice_].records.size);
      ++next_splice_;
    }
    if (buffers_.empty()) return send_file();
    asio::async_write(socket_, buffers_,
                      [self = shared_from_this()](boost::system::error_code error, std::size_t) {
                        if (error) return self->shutdown();
                        self->send_file();
                      });
  }

  // The records of the next splice, in a file, then the rest of the frame; or, at the end of
  // the frame, the next request. The socket is non-blocking: a full socket buffer waits for the
  // socket to take more.
  void send_file() {
    if (next_splice_ == response_.splices.size()) {
      response_ = {};  // the records can go
      return read_size();
    }
    const protocol::RecordsRef& records = response_.splices[next_splice_].records;
    while (file_sent_ < records.size) {
      auto offset = static_cast<off_t>(records.position + file_sent_);
      const ssize_t sent = ::sendfile(socket_.native_handle(), records.descriptor, &offset,
                                      records.size - file_sent_);
      if (sent > 0) {
        file_sent_ += static_cast<std::size_t>(sent);
        continue;
      }
      if (sent < 0 && errno == EINTR) continue;
      if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        socket_.async_wait(tcp::socket::wait_write,
                           [self = shared_from_this()](boost::system::error_code error) {
                             if (error) return self->shutdown();
                             self->send_file();
                           });
        return;
      }
      if (sent < 0 && (errno == EPIPE || errno == ECONNRESET)) return shutdown();
      // The client has the frame's size already: closing the connection is all that is left.
      const std::string why = sent < 0 ? std::strerror(errno) : "the file ends before them";
      return drop("cannot send " + std::to_string(records.size) + " bytes of records from " +
                  records.file + " at position " + std::to_string(records.position) + ": " + why);
    }
    file_sent_ = 0;
    ++next_splice_;
    write_buffers();
  }

  tcp::socket socket_;
  ProtocolServer::Impl& server_;
  std::string peer_;
  std::string client_host_;
  std::array<std::uint8_t, 4> size_bytes_{};
  std::vector<std::uint8_t> frame_;
  protocol::EncodedFrame response_;
  std::vector<asio::const_buffer> buffers_;  // what write_buffers is writing
  std::size_t next_splice_ = 0;              // of response_, the first not yet sent
  std::size_t written_ = 0;                  // of response_.bytes, sent or being sent
  std::size_t file_sent_ = 0;                // of the records of next_splice_, when in a file
};

}  // namespace

void ProtocolServer::Impl::add(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(sessions_mutex_);
  if (!stopped_) sessions_[session.get()] = session;
}

void ProtocolServer::Impl::remove(const Session* session) {
  std::shared_ptr<Session> keep;  // destroyed after the lock is released
  std::lock_guard lock(sessions_mutex_);
  if (auto it = sessions_.find(session); it != sessions_.end()) {
    keep = std::move(it->second);
    sessions_.erase(it);
  }
}

Status ProtocolServer::Impl::bind(const KafkaListenerConfig& config) {
  for (const KafkaListener& listener : config.listeners) {
    const std::string text =
        listener.name + "://" + listener.host + ":" + std::to_string(listener.port);
    boost::system::error_code error;
    tcp::endpoint endpoint;
    if (listener.host.empty()) {
      endpoint = tcp::endpoint(tcp::v6(), listener.port);
    } else {
      tcp::resolver resolver(io_);
      auto results = resolver.resolve(listener.host, std::to_string(listener.port), error);
      if (error || results.empty()) {
        return Status::invalid_argument("Cannot listen on " + text + ": " + error.message());
      }
      endpoint = results.begin()->endpoint();
    }
    auto acceptor = std::make_unique<tcp::acceptor>(io_);
    acceptor->open(endpoint.protocol(), error);
    if (!error && listener.host.empty()) acceptor->set_option(asio::ip::v6_only(false), error);
    if (!error) acceptor->set_option(tcp::acceptor::reuse_address(true), error);
    if (!error) acceptor->bind(endpoint, error);
    if (!error) acceptor->listen(asio::socket_base::max_listen_connections, error);
    if (error) {
      return Status::invalid_argument("Cannot listen on " + text + " (" + endpoint_text(endpoint) +
                                      "): " + error.message());
    }
    bound_.push_back(endpoint_text(acceptor->local_endpoint()));
    acceptors_.push_back(std::move(acceptor));
  }
  // The advertised listener of the same name as the first bound one.
  const KafkaListener* advertised = &config.advertised.front();
  for (const KafkaListener& candidate : config.advertised) {
    if (candidate.name == config.listeners.front().name) {
      advertised = &candidate;
      break;
    }
  }
  advertised_host_ = advertised->host;
  if (advertised_host_.empty()) {
    std::array<char, HOST_NAME_MAX + 1> hostname{};
    ::gethostname(hostname.data(), hostname.size() - 1);
    advertised_host_ = hostname.data();
  }
  advertised_port_ =
      advertised->port != 0 ? advertised->port : acceptors_.front()->local_endpoint().port();
  return Status::ok_status();
}

void ProtocolServer::Impl::accept(tcp::acceptor& acceptor) {
  acceptor.async_accept(asio::make_strand(io_),
                        [this, &acceptor](boost::system::error_code error, tcp::socket socket) {
                          if (error == asio::error::operation_aborted || !acceptor.is_open())
                            return;
                          if (!error) {
                            boost::system::error_code ignored;
                            socket.set_option(tcp::no_delay(true), ignored);
                            auto session = std::make_shared<Session>(std::move(socket), *this);
                            add(session);
                            session->start();
                          } else {
                            note("Accepting a connection failed: " + error.message());
                          }
                          accept(acceptor);
                        });
}

void ProtocolServer::Impl::run() {
  RequestHandlerOptions handler_options;
  handler_options.node_id = options_.node_id;
  handler_options.cluster_id = options_.cluster_id;
  handler_options.advertised_host = advertised_host_;
  handler_options.advertised_port = advertised_port_;
  handler_options.log = options_.log;
  handler_ = std::make_unique<RequestHandler>(broker_, std::move(handler_options));
  for (auto& acceptor : acceptors_) accept(*acceptor);
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    threads_.emplace_back([this] {
      // sendfile to a connection the client closed raises SIGPIPE, which would end the process:
      // blocked here, it only leaves the call failing with EPIPE (send() has MSG_NOSIGNAL).
      sigset_t pipe;
      sigemptyset(&pipe);
      sigaddset(&pipe, SIGPIPE);
      pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
      io_.run();
    });
  }
}

void ProtocolServer::Impl::stop() {
  {
    std::lock_guard lock(gate_->mutex);
    if (!gate_->open) return;
    gate_->open = false;
  }
  asio::post(io_, [this] {
    for (auto& acceptor : acceptors_) {
      boost::system::error_code ignored;
      acceptor->close(ignored);
    }
  });
  {
    std::lock_guard lock(sessions_mutex_);
    stopped_ = true;
    for (auto& [pointer, session] : sessions_) session->close();
  }
  // Let the closes run, then stop whatever is still waiting (timers of delayed fetches).
  io_.stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  handler_.reset();  // joins the fetch waiter
  std::map<const Session*, std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(sessions_mutex_);
    sessions.swap(sessions_);
  }
  sessions.clear();  // sockets close here, while the io_context still exists
  acceptors_.clear();
}

Result<ProtocolServerOptions> protocol_server_options_from_properties(
    const std::map<std::string, std::string>& props) {
  ProtocolServerOptions options;
  const auto read = [&](const std::string& key, std::int64_t min, std::int64_t max,
                        std::int64_t& out) -> Status {
    const auto it = props.find(key);
    if (it == props.end()) return Status::ok_status();
    std::int64_t value = 0;
    const std::string& text = it->second;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
      return Status::invalid_argument("Invalid value " + text + " for configuration " + key +
                                      ": Not a number of type INT");
    }
    if (value < min || value > max) {
      return Status::invalid_argument("Invalid value " + text + " for configuration " + key +
                                      ": Value must be at least " + std::to_string(min));
    }
    out = value;
    return Status::ok_status();
  };
  std::int64_t max_bytes = static_cast<std::int64_t>(options.max_request_bytes);
  std::int64_t threads = options.threads;
  if (Status s = read("socket.request.max.bytes", 1, INT32_MAX, max_bytes); !s.ok()) return s;
  if (Status s = read("num.network.threads", 1, 256, threads); !s.ok()) return s;
  options.max_request_bytes = static_cast<std::size_t>(max_bytes);
  options.threads = static_cast<int>(threads);
  return options;
}

ProtocolServer::ProtocolServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ProtocolServer::~ProtocolServer() { stop(); }

Result<std::unique_ptr<ProtocolServer>> ProtocolServer::start(Broker& broker,
                                                              const KafkaListenerConfig& listeners,
                                                              ProtocolServerOptions options) {
  if (listeners.listeners.empty() || listeners.advertised.empty()) {
    return Status::invalid_argument("no listener to serve the Kafka protocol on");
  }
  auto impl = std::make_unique<Impl>(broker, std::move(options));
  if (Status bound = impl->bind(listeners); !bound.ok()) return bound;
  impl->run();
  return std::unique_ptr<ProtocolServer>(new ProtocolServer(std::move(impl)));
}

std::vector<std::string> ProtocolServer::bound_addresses() const { return impl_->bound_; }

std::string ProtocolServer::advertised_address() const {
  return impl_->advertised_host_ + ":" + std::to_string(impl_->advertised_port_);
}

void ProtocolServer::stop() { impl_->stop(); }

}  // namespace ferry::broker
