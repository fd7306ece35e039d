// One blocking connection to a Kafka broker, on the same table-driven codec the broker serves
// (broker/protocol): what the group membership client sends JoinGroup, SyncGroup and Heartbeat
// over, since librdkafka exposes no group membership for a custom protocol type.
//
// open() connects and sends ApiVersions first; from then on each API is spoken at the highest
// version that both the broker advertises and broker/protocol's table defines. A broker that
// does not speak our ApiVersions version answers UNSUPPORTED_VERSION with its own range
// (KIP-511), and we ask again at a version both speak. call() sends one request and waits for its
// response (one request in flight: the membership protocol never pipelines). Any I/O or decoding
// error breaks the connection, and every later call fails at once: the caller opens a new one.
//
// Errors name the broker address and the API ("127.0.0.1:9092: JoinGroup v5: ... timed out").
//
// Thread-safety: one thread calls at a time; shutdown() may be called from any thread to make a
// waiting call fail promptly.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "broker/membership/tcp_socket.h"
#include "broker/protocol/error_code.h"
#include "broker/protocol/message.h"
#include "broker/protocol/message_schema.h"
#include "common/result.h"

namespace ferry::broker::membership {

struct ConnectionOptions {
  std::string client_id = "ferry";
  std::chrono::milliseconds connect_timeout{10000};  // Kafka's socket.connection.setup.timeout.ms
  std::chrono::milliseconds request_timeout{40000};  // Connect's request.timeout.ms
};

class KafkaConnection {
 public:
  // Connects to "host:port" and negotiates versions; retriable naming the address if the broker
  // is unreachable or does not answer ApiVersions in time.
  static Result<std::unique_ptr<KafkaConnection>> open(const std::string& address,
                                                       const ConnectionOptions& options);

  KafkaConnection(const KafkaConnection&) = delete;  // owns a socket and a correlation sequence
  KafkaConnection& operator=(const KafkaConnection&) = delete;

  // The version requests of this API go out at; nullopt if the broker and we share none.
  std::optional<std::int16_t> version(protocol::ApiKey api) const;
  // An empty request body of api at its negotiated version's definition, to fill in.
  protocol::Struct request(protocol::ApiKey api) const;

  // Sends body and returns the response body. timeout bounds the whole exchange (the request
  // timeout if not given: JoinGroup, which waits for the rebalance, passes a longer one).
  // out_of_range if the broker does not serve the API at a version we speak; retriable on I/O
  // errors and timeouts; invalid_argument on a response that does not decode.
  Result<protocol::Struct> call(protocol::ApiKey api, const protocol::Struct& body,
                                std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  // Makes a call in progress on another thread fail promptly, and the connection broken.
  void shutdown() { socket_.shutdown(); }

  const std::string& address() const { return socket_.address(); }

 private:
  static constexpr std::size_t kApiKeys = 128;  // above every key Kafka defines today

  KafkaConnection(TcpSocket socket, ConnectionOptions options)
      : socket_(std::move(socket)), options_(std::move(options)) {}
  Status negotiate_versions();
  // One request and its response frame, at an explicit version (ApiVersions' negotiation).
  Result<std::vector<std::uint8_t>> exchange(const protocol::ApiDef& api, std::int16_t version,
                                             const protocol::Struct& body, Deadline deadline);

  TcpSocket socket_;
  ConnectionOptions options_;
  std::int32_t next_correlation_id_ = 0;
  bool broken_ = false;
  std::array<std::int16_t, kApiKeys> versions_{};  // protocol::kNoVersion: not shared
};

}  // namespace ferry::broker::membership
