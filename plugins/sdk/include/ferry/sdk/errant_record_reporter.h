// Kafka Connect's ErrantRecordReporter (KIP-610): how a sink task hands the worker a record it
// could not write instead of failing. The worker decides what happens, by the connector's error
// handling keys:
//   - errors.tolerance=none (the default): report() throws ConnectException, which the task lets
//     through from put() to fail, as it would have failed without reporting;
//   - errors.tolerance=all: the record is counted, logged when errors.log.enable, and sent as it
//     was consumed (its original key, value and headers) to the dead letter queue topic when
//     errors.deadletterqueue.topic.name is set; the task goes on with the next record. The
//     worker commits the record's offset only once the dead letter queue has it.
//
// Thread-safety: call from the task's thread (inside put(), flush() or pre_commit()).
#pragma once

#include <exception>

#include "ferry/sdk/record.h"

namespace ferry::sdk {

class ErrantRecordReporter {
 public:
  virtual ~ErrantRecordReporter() = default;
  // record: as put() received it. error: why it could not be written (its message and type go
  // into the log and the dead letter queue's __connect.errors.* headers).
  virtual void report(const SinkRecord& record, const std::exception& error) = 0;
};

}  // namespace ferry::sdk
