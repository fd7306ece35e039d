// Kafka Connect's /admin/loggers (KIP-495) over Ferry's logging. Ferry has one logger for now,
// Kafka's "root": the spdlog logger every component writes to, whose level this changes at run
// time. Levels are log4j's names (OFF, FATAL, ERROR, WARN, INFO, DEBUG, TRACE; FATAL is spdlog's
// critical), and last_modified is when a PUT last set it (null until then), as Kafka shows it.
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "runtime/worker/worker_log.h"

namespace ferry::rest {

struct LoggerLevel {
  std::string level;                          // "INFO"
  std::optional<std::int64_t> last_modified;  // ms since the epoch
};

class LoggerLevels {
 public:
  static constexpr std::string_view kRoot = "root";

  explicit LoggerLevels(runtime::Logger root) : root_(std::move(root)) {}

  // Every logger with its level: root only, for now.
  std::vector<std::pair<std::string, LoggerLevel>> all() const;
  // not_found "Logger <name> not found." for any other name.
  Result<LoggerLevel> get(std::string_view name) const;
  // The names of the loggers changed (["root"]). not_found "invalid log level '<level>'." (Kafka
  // answers 404 for it) and "Logger <name> not found.".
  Result<std::vector<std::string>> set(std::string_view name, std::string_view level);

 private:
  const runtime::Logger root_;
  mutable std::mutex mutex_;
  std::optional<std::int64_t> last_modified_;  // guarded by mutex_
};

}  // namespace ferry::rest
