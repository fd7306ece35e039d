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

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "broker/client/client_record.h"
#include "common/result.h"

namespace ferry::broker {

class Producer {
 public:
  using Callback = std::function<void(const Result<RecordMetadata>&)>;

  virtual ~Producer() = default;
  virtual void send(ProducerRecord record, Callback done) = 0;

  // How the records of a send_all() ended, told per run instead of per record: a producer
  // acknowledges a whole batch at once, and a callback per record cost its sender thread more
  // than the batch's append. Calls for one partition come in send order, on the thread the
  // callbacks of send() would run on; a listener must not call flush() or close().
  class Listener {
   public:
    virtual ~Listener() = default;
    // The records of tokens are at offsets base_offset, base_offset + 1, ... of topic's partition.
    virtual void acknowledged(const std::string& topic, std::int32_t partition,
                              std::int64_t base_offset, std::span<const std::uint64_t> tokens) = 0;
    // The records of tokens were not sent.
    virtual void failed(const Status& status, std::span<const std::uint64_t> tokens) = 0;
  };
  // send() for each record in order, reporting records[i] to listener under tokens[i] (a value of
  // the caller's choosing). The records are copied: the caller may reuse them once this returns.
  // A source task hands over what one poll returned in one call, which a producer may batch under
  // one lock. listener must stay valid until every record is reported (flush() waits for that).
  virtual void send_all(std::span<const ProducerRecord> records,
                        std::span<const std::uint64_t> tokens, Listener& listener) {
    for (std::size_t i = 0; i < records.size(); ++i) {
      send(records[i], [&listener, token = tokens[i]](const Result<RecordMetadata>& sent) {
        if (sent.ok()) {
          listener.acknowledged(sent->topic, sent->partition, sent->offset, {&token, 1});
        } else {
          listener.failed(sent.status(), {&token, 1});
        }
      });
    }
  }
  virtual Status flush() = 0;
  virtual void close() = 0;
};

}  // namespace ferry::broker
