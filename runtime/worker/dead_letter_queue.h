// A sink connector's dead letter queue (Kafka Connect's DeadLetterQueueReporter): with
// errors.tolerance=all and errors.deadletterqueue.topic.name set, every record a sink task
// skips - a converter or transformation failed on it, or the task reported it through the
// ErrantRecordReporter - is sent to that topic as it was consumed: its original key, value,
// headers and timestamp bytes, the partition chosen by the producer. With
// errors.deadletterqueue.context.headers.enable the __connect.errors.* headers say where it came
// from and why (reference 7.4): topic, partition, offset, connector, task, stage, the failing
// class, and the exception's class (Kafka's Java names for the SDK's exceptions), message and
// trace.
//
// Sends are asynchronous; flush() waits for them, and the sink task flushes before committing
// offsets, so a record's offset is committed only once the queue has it.
//
// Thread-safety: send and flush on the task's thread; the producer's callbacks record failures
// under a lock.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "broker/client/admin.h"
#include "broker/client/producer.h"
#include "common/result.h"
#include "runtime/worker/error_trace.h"
#include "runtime/worker/record_converters.h"

namespace ferry::runtime {

class DeadLetterQueue {
 public:
  struct Settings {
    std::string topic;
    bool context_headers = false;
    std::string connector;
    int task = 0;
  };

  // Creates the topic (one partition, as Kafka's worker does) when it does not exist yet.
  static Status create_topic(broker::Admin& admin, const std::string& topic);

  DeadLetterQueue(Settings settings, std::unique_ptr<broker::Producer> producer);
  ~DeadLetterQueue();
  DeadLetterQueue(const DeadLetterQueue&) = delete;
  DeadLetterQueue& operator=(const DeadLetterQueue&) = delete;

  const std::string& topic() const { return settings_.topic; }

  // Sends original as it was consumed. stage and class_name: where it failed (the converter's or
  // transformation's class, or the task's); error: the exception it failed with.
  void send(const broker::ConsumerRecord& original, Stage stage, std::string_view class_name,
            const ExceptionDescription& error);
  // Waits until the topic has every record sent so far. The first failure since the last flush,
  // naming the topic and the record, or ok; *failures: how many records failed since then.
  Status flush(std::uint64_t* failures);

 private:
  Settings settings_;
  std::unique_ptr<broker::Producer> producer_;
  std::mutex mutex_;
  Status first_failure_ = Status::ok_status();  // guarded by mutex_
  std::uint64_t failures_ = 0;                  // guarded by mutex_
};

}  // namespace ferry::runtime
