#include "rest/logger_levels.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <utility>

namespace ferry::rest {
namespace {

std::string log4j_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "TRACE";
    case spdlog::level::debug:
      return "DEBUG";
    case spdlog::level::info:
      return "INFO";
    case spdlog::level::warn:
      return "WARN";
    case spdlog::level::err:
      return "ERROR";
    case spdlog::level::critical:
      return "FATAL";
    default:
      return "OFF";
  }
}

std::optional<spdlog::level::level_enum> from_log4j(std::string_view text) {
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (upper == "TRACE") return spdlog::level::trace;
  if (upper == "DEBUG") return spdlog::level::debug;
  if (upper == "INFO") return spdlog::level::info;
  if (upper == "WARN") return spdlog::level::warn;
  if (upper == "ERROR") return spdlog::level::err;
  if (upper == "FATAL") return spdlog::level::critical;
  if (upper == "OFF") return spdlog::level::off;
  return std::nullopt;
}

Status unknown_logger(std::string_view name) {
  return Status::not_found("Logger " + std::string(name) + " not found.");
}

}  // namespace

std::vector<std::pair<std::string, LoggerLevel>> LoggerLevels::all() const {
  return {{std::string(kRoot), *get(kRoot)}};
}

Result<LoggerLevel> LoggerLevels::get(std::string_view name) const {
  if (name != kRoot) return unknown_logger(name);
  std::scoped_lock lock(mutex_);
  return LoggerLevel{log4j_name(root_->level()), last_modified_};
}

Result<std::vector<std::string>> LoggerLevels::set(std::string_view name, std::string_view level) {
  const auto parsed = from_log4j(level);
  if (!parsed) return Status::not_found("invalid log level '" + std::string(level) + "'.");
  if (name != kRoot) return unknown_logger(name);
  std::scoped_lock lock(mutex_);
  root_->set_level(*parsed);
  last_modified_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return std::vector<std::string>{std::string(kRoot)};
}

}  // namespace ferry::rest
