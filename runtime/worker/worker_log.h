// The logger the worker's components write to: a spdlog logger built by the composition root
// (named, so that REST's /admin/loggers can change levels at run time), passed down by value.
#pragma once

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace ferry::runtime {

using Logger = std::shared_ptr<spdlog::logger>;

// A logger that drops everything, for tests and tools that want no output.
Logger null_logger(const std::string& name = "ferry");

}  // namespace ferry::runtime
