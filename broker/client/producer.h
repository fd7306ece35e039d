// What the runtime sends records through: Kafka's Producer contract, implemented in process over
// the embedded broker (broker/embedded) and, later, over the Kafka protocol.
//
//   - send() is asynchronous: records are batched per partition and the callback runs exactly
//     once, after the broker acknowledged the record (its offset is known) or with the error;
//     callbacks for one partition run in send order.
//   - partition choice when the record names none: Kafka's murmur2 of the key; for a null key a
//     sticky partition that changes when its batch is sent (Kafka's default since 2.4).
//   - flush() returns once every record sent before it is acknowledged or failed.
//   - close() flushes and stops; sends after close fail.
//
// Thread-safety: send, flush and close may be called from any thread.
#pragma once

#include <functional>
#include <span>
#include <utility>

#include "broker/client/client_record.h"
#include "common/result.h"

namespace ferry::broker {

class Producer {
 public:
  using Callback = std::function<void(const Result<RecordMetadata>&)>;

  virtual ~Producer() = default;
  virtual void send(ProducerRecord record, Callback done) = 0;

  struct Send {
    ProducerRecord record;
    Callback done;
  };
  // send() for each in order, moving from them: a source task hands over what one poll
  // returned in one call, which a producer may batch under one lock.
  virtual void send_all(std::span<Send> sends) {
    for (Send& send : sends) this->send(std::move(send.record), std::move(send.done));
  }
  virtual Status flush() = 0;
  virtual void close() = 0;
};

}  // namespace ferry::broker
