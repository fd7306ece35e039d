// The Kafka protocol served over TCP (Boost.Asio): listeners accept connections, each connection
// reads size-prefixed request frames, and a RequestHandler answers them with the broker.
//
// Per connection, as a Kafka broker: one request at a time, in order (the next frame is read
// once the previous one is answered; a client pipelines by sending ahead, which waits in the
// socket). Frames larger than socket.request.max.bytes, shorter than a request header, or that
// do not decode close the connection with a log line naming the client address, the API key and
// version; so does a request for an API key or version this broker does not serve (what Kafka
// does), except ApiVersions, which is answered with UNSUPPORTED_VERSION and the versions it
// does serve (KIP-511), so the client can retry.
//
// Lifecycle: start() binds every listener (an address in use fails it, naming the address) and
// starts the threads; stop() (or the destructor) closes the listeners and every connection and
// joins the threads. Answers that arrive after stop() (a group rebalance completing) are
// dropped. The Broker must outlive the server.
//
// Thread-safety: start and stop from one thread; everything else runs on the server's threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "broker/server/broker.h"
#include "broker/server/kafka_listener.h"
#include "common/result.h"

namespace ferry::broker {

struct ProtocolServerOptions {
  std::size_t max_request_bytes = 104857600;  // socket.request.max.bytes
  int threads = 3;                            // num.network.threads
  std::int32_t node_id = 0;
  std::string cluster_id = "ferry-embedded";
  // Connections closed for bad input, refused requests; may be empty.
  std::function<void(const std::string&)> log;
};

// The options from server.properties keys (socket.request.max.bytes, num.network.threads).
Result<ProtocolServerOptions> protocol_server_options_from_properties(
    const std::map<std::string, std::string>& props);

class ProtocolServer {
 public:
  static Result<std::unique_ptr<ProtocolServer>> start(Broker& broker,
                                                       const KafkaListenerConfig& listeners,
                                                       ProtocolServerOptions options);
  ~ProtocolServer();
  ProtocolServer(const ProtocolServer&) = delete;  // owns threads and sockets
  ProtocolServer& operator=(const ProtocolServer&) = delete;

  // "host:port" of each listener as bound (port 0 resolved).
  std::vector<std::string> bound_addresses() const;
  // "host:port" clients are told to connect to (Metadata, FindCoordinator).
  std::string advertised_address() const;

  // Idempotent.
  void stop();

  class Impl;

 private:
  explicit ProtocolServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferry::broker
