#include "runtime/worker/error_trace.h"

#include <cstdlib>
#include <memory>
#include <typeinfo>

#include <cxxabi.h>

#include "ferry/sdk/config_def.h"
#include "ferry/sdk/errors.h"

namespace ferry::runtime {
namespace {

std::string type_name(const std::type_info& type) {
  int status = 0;
  const std::unique_ptr<char, decltype(&std::free)> demangled(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), &std::free);
  return status == 0 && demangled ? std::string(demangled.get()) : std::string(type.name());
}

}  // namespace

std::string exception_trace(const std::exception_ptr& error, std::string_view where) {
  std::string first;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    first = type_name(typeid(e)) + ": " + e.what();
  } catch (...) {
    first = "unknown exception";
  }
  if (where.empty()) return first;
  return first + "\n\tat " + std::string(where);
}

std::string current_exception_trace(std::string_view where) {
  return exception_trace(std::current_exception(), where);
}

}  // namespace ferry::runtime
