// Answers Kafka protocol requests with the embedded broker: each served API becomes calls on the
// Broker's LogManager, GroupCoordinator and GroupOffsets, its results the response body. It owns
// no sockets (protocol_server.h reads and writes frames) and may answer later than it is called:
// JoinGroup and SyncGroup wait for the group, a Fetch short of min.bytes waits up to max.wait.ms
// for appends (a thread of this object watches the log's appends; the connection's executor runs
// the deadline).
//
// Per API (versions: broker/protocol/message_definitions.cpp):
//   ApiVersions      every API and version served
//   Metadata         this broker as the only node and every partition's leader; a topic asked
//                    for that does not exist is created when auto.create.topics.enable and the
//                    request allow it (num.partitions partitions)
//   Produce          acks 0 (no response), 1 and -1 (the same: one copy); the client's batches
//                    are appended as they are after the log's checks (CRC, sizes, records)
//   Fetch            stored batches as they are; waits for min.bytes up to max.wait.ms
//   ListOffsets      earliest (-2), latest (-1) or the first offset at a timestamp
//   FindCoordinator  this broker, for groups
//   groups, offsets  the GroupCoordinator, errors as it returns them
//   CreateTopics     replication factor 1 or -1 only (INVALID_REPLICATION_FACTOR otherwise,
//                    with the number of brokers: 1)
//   DescribeConfigs  a topic's configs (the keys that take effect, and every override)
//   AlterConfigs,    a topic's overrides replaced / edited (SET, DELETE), validated first;
//   IncrementalAlterConfigs  broker resources refused
//   CreatePartitions more partitions for a topic, one replica each
//   InitProducerId   a new producer id, epoch 0, for non-transactional producers; their
//                    batches' sequence numbers are checked (storage/producer_state.h)
//
// Thread-safety: handle() may be called from any thread, concurrently; respond is called once
// per request, from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "broker/protocol/codec.h"
#include "broker/protocol/error_code.h"
#include "broker/server/broker.h"

namespace ferry::broker {

struct RequestContext {
  std::string connection;                 // "127.0.0.1:54321", for log lines
  std::string client_host;                // "/127.0.0.1": how Kafka reports a group member's host
  boost::asio::any_io_executor executor;  // the connection's, for deadlines
};

// The response body, or nullopt for none (Produce with acks=0).
using Respond = std::function<void(std::optional<protocol::Struct>)>;

struct RequestHandlerOptions {
  std::int32_t node_id = 0;
  std::string advertised_host;
  std::uint16_t advertised_port = 9092;
  std::string cluster_id = "ferry-embedded";
  // Where problems worth a line go (a request the log refused, with client and partition).
  std::function<void(const std::string&)> log;
};

// What a Status from the log means on the wire.
protocol::ErrorCode error_code_for(const Status& status);

class RequestHandler {
 public:
  RequestHandler(Broker& broker, RequestHandlerOptions options);
  // Joins the fetch waiter; fetches still waiting are dropped unanswered (their connections are
  // closing).
  ~RequestHandler();
  RequestHandler(const RequestHandler&) = delete;
  RequestHandler& operator=(const RequestHandler&) = delete;

  void handle(protocol::Request request, const RequestContext& context, Respond respond);

  struct DelayedFetch;  // a fetch waiting for min.bytes (fetch_handler.cpp)

 private:
  using Struct = protocol::Struct;

  Struct api_versions(const protocol::Request& request);
  Struct metadata(const protocol::Request& request);
  Struct find_coordinator(const protocol::Request& request);
  Struct init_producer_id(const protocol::Request& request);
  Struct create_topics(const protocol::Request& request);
  Struct delete_topics(const protocol::Request& request);
  Struct describe_configs(const protocol::Request& request);
  Struct alter_configs(const protocol::Request& request, bool incremental);
  Struct create_partitions(const protocol::Request& request);
  std::optional<Struct> produce(protocol::Request& request, const RequestContext& context);
  void fetch(protocol::Request request, const RequestContext& context, Respond respond);
  Struct list_offsets(const protocol::Request& request);
  void join_group(const protocol::Request& request, const RequestContext& context, Respond respond);
  void sync_group(const protocol::Request& request, Respond respond);
  Struct heartbeat(const protocol::Request& request);
  Struct leave_group(const protocol::Request& request);
  Struct offset_commit(const protocol::Request& request);
  Struct offset_fetch(const protocol::Request& request);
  Struct describe_groups(const protocol::Request& request);
  Struct list_groups(const protocol::Request& request);
  Struct delete_groups(const protocol::Request& request);
  Struct offset_delete(const protocol::Request& request);
  Struct delete_records(const protocol::Request& request);

  // Reads what a fetch asks for; returns the response and the bytes of records in it.
  std::pair<Struct, std::size_t> read_fetch(const protocol::Request& request) const;
  void watch_appends(std::stop_token stop);
  void note(const std::string& message) const;

  Broker& broker_;
  RequestHandlerOptions options_;
  std::atomic<std::int64_t> next_producer_id_;
  // Ids from here up were handed out by this process: their first batch is sequence 0.
  const std::int64_t first_local_producer_id_;

  std::mutex delayed_mutex_;
  std::vector<std::shared_ptr<DelayedFetch>> delayed_;  // guarded by delayed_mutex_
  std::condition_variable_any delayed_added_;           // with delayed_mutex_
  std::jthread fetch_waiter_;  // last: joined before the members it uses go
};

}  // namespace ferry::broker
