#include "runtime/worker/worker_log.h"

#include <spdlog/sinks/null_sink.h>

namespace ferry::runtime {

Logger null_logger(const std::string& name) {
  return std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::null_sink_mt>());
}

}  // namespace ferry::runtime
