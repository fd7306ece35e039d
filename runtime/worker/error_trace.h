// Failure traces for FAILED connectors and tasks, as REST's status "trace" and the log show them:
// the exception's type and message, then where the worker was, one "\tat ..." line each (Kafka
// shows a Java stack trace there).
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>

namespace ferry::runtime {

// "<type>: <message>\n\tat <where>" for the exception being handled (call inside catch).
std::string current_exception_trace(std::string_view where);
std::string exception_trace(const std::exception_ptr& error, std::string_view where);

// The C++ name of a type ("ferry::sdk::DataException").
std::string demangled_type_name(const std::type_info& type);

// What the dead letter queue's __connect.errors.exception.* headers say of an exception.
struct ExceptionDescription {
  // Kafka Connect's class name where it has one (the SDK's DataException is
  // "org.apache.kafka.connect.errors.DataException", ...), else the C++ type: users' tools match
  // on it.
  std::string class_name;
  std::string message;  // what()
  std::string trace;    // as exception_trace() without a where
};
ExceptionDescription describe_exception(const std::exception& error);
ExceptionDescription describe_exception(const std::exception_ptr& error);

}  // namespace ferry::runtime
