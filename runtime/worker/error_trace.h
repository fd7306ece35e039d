// Failure traces for FAILED connectors and tasks, as REST's status "trace" and the log show them:
// the exception's type and message, then where the worker was, one "\tat ..." line each (Kafka
// shows a Java stack trace there).
#pragma once

#include <exception>
#include <string>
#include <string_view>

namespace ferry::runtime {

// "<type>: <message>\n\tat <where>" for the exception being handled (call inside catch).
std::string current_exception_trace(std::string_view where);
std::string exception_trace(const std::exception_ptr& error, std::string_view where);

}  // namespace ferry::runtime
