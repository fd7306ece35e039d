#include "runtime/worker/error_trace.h"

#include <cstdlib>
#include <memory>
#include <typeinfo>

#include <cxxabi.h>

#include "ferry/sdk/config_def.h"
#include "ferry/sdk/errors.h"

namespace ferry::runtime {
std::string demangled_type_name(const std::type_info& type) {
  int status = 0;
  const std::unique_ptr<char, decltype(&std::free)> demangled(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), &std::free);
  return status == 0 && demangled ? std::string(demangled.get()) : std::string(type.name());
}

std::string exception_trace(const std::exception_ptr& error, std::string_view where) {
  std::string first;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    first = demangled_type_name(typeid(e)) + ": " + e.what();
  } catch (...) {
    first = "unknown exception";
  }
  if (where.empty()) return first;
  return first + "\n\tat " + std::string(where);
}

ExceptionDescription describe_exception(const std::exception& error) {
  ExceptionDescription description;
  if (dynamic_cast<const sdk::RetriableException*>(&error) != nullptr) {
    description.class_name = "org.apache.kafka.connect.errors.RetriableException";
  } else if (dynamic_cast<const sdk::DataException*>(&error) != nullptr) {
    description.class_name = "org.apache.kafka.connect.errors.DataException";
  } else if (dynamic_cast<const sdk::ConnectException*>(&error) != nullptr) {
    description.class_name = "org.apache.kafka.connect.errors.ConnectException";
  } else if (dynamic_cast<const sdk::ConfigException*>(&error) != nullptr) {
    description.class_name = "org.apache.kafka.common.config.ConfigException";
  } else {
    description.class_name = demangled_type_name(typeid(error));
  }
  description.message = error.what();
  description.trace = demangled_type_name(typeid(error)) + ": " + description.message;
  return description;
}

ExceptionDescription describe_exception(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return describe_exception(e);
  } catch (...) {
    return {"unknown exception", "unknown exception", "unknown exception"};
  }
}

std::string current_exception_trace(std::string_view where) {
  return exception_trace(std::current_exception(), where);
}

}  // namespace ferry::runtime
