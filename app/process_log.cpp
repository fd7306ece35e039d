#include "app/process_log.h"

#include <cstdlib>
#include <memory>

#include <spdlog/sinks/stdout_sinks.h>

namespace ferry::app {

runtime::Logger make_process_log() {
  auto logger =
      std::make_shared<spdlog::logger>("ferry", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("[%Y-%m-%d %H:%M:%S,%e] %l %v");
  logger->set_level(spdlog::level::info);
  if (const char* level = std::getenv("FERRY_LOG_LEVEL"); level && *level) {
    logger->set_level(spdlog::level::from_str(level));
  }
  logger->flush_on(spdlog::level::trace);
  return logger;
}

}  // namespace ferry::app
