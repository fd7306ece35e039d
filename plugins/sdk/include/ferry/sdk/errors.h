// The exceptions plugin code and the runtime use across the SDK boundary.
//
// Kafka Connect authors expect to throw, and the class names the reaction, as in Kafka Connect:
//   ConnectException    the task cannot go on: the runtime marks it FAILED with the message
//   DataException       this record is bad (schema mismatch, unparsable bytes): handled per
//                       errors.tolerance, the task may go on with the next record
//   RetriableException  a transient failure: the runtime backs off and calls again
// The runtime catches them at the task boundary; none crosses the plugin's extern "C" entry point.
#pragma once

#include <stdexcept>
#include <string>

namespace ferry::sdk {

class ConnectException : public std::runtime_error {
 public:
  explicit ConnectException(const std::string& message) : std::runtime_error(message) {}
};

class DataException : public ConnectException {
 public:
  explicit DataException(const std::string& message) : ConnectException(message) {}
};

class RetriableException : public ConnectException {
 public:
  explicit RetriableException(const std::string& message) : ConnectException(message) {}
};

}  // namespace ferry::sdk
