// broker/client/producer.h over the Kafka protocol, on a librdkafka producer: librdkafka batches
// per partition (batch.size, linger.ms), compresses (compression.type) and retries, optionally
// idempotently (enable.idempotence); acks is passed through.
//
// Each send() hands its callback to librdkafka as the message's opaque; the delivery report
// takes it back, so the callback runs exactly once, on the poller thread this object owns, in
// send order per partition (librdkafka reports a partition's messages in order). A message that
// librdkafka refuses at once (unknown partition, too large) gets its callback on the caller's
// thread before send() returns. A full local queue waits as Java's send blocks (max.block.ms).
//
// Thread-safety: send, flush and close may be called from any thread; callbacks may send.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "broker/client/producer.h"
#include "broker/network/rdkafka_handles.h"

namespace ferry::broker {

class NetworkProducer final : public Producer {
 public:
  // properties: Kafka's producer keys with bootstrap.servers; a bad value is an error naming
  // the key.
  static Result<std::unique_ptr<NetworkProducer>> create(
      const std::map<std::string, std::string>& properties);
  struct Key {  // create() only: the constructor is public for make_unique
    explicit Key() = default;
  };
  NetworkProducer(Key, std::chrono::milliseconds max_block);
  ~NetworkProducer() override;
  NetworkProducer(const NetworkProducer&) = delete;  // owns a thread and a librdkafka handle
  NetworkProducer& operator=(const NetworkProducer&) = delete;

  void send(ProducerRecord record, Callback done) override;
  Status flush() override;
  void close() override;

 private:
  static void on_delivery(rd_kafka_t* handle, const rd_kafka_message_t* message, void* opaque);
  void delivered();
  void poll_loop();

  const std::chrono::milliseconds max_block_;
  rdkafka::KafkaHandle handle_;
  std::atomic<bool> closed_{false};
  std::atomic<bool> stopping_{false};
  std::mutex close_mutex_;  // one close() at a time

  std::mutex mutex_;
  std::condition_variable all_delivered_;
  std::int64_t in_flight_ = 0;  // sent, callback not yet run; guarded by mutex_

  std::thread poller_;  // last: started once the rest is built
};

}  // namespace ferry::broker
