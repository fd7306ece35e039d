// What a task runner takes from the worker and connector configs besides its collaborators.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "ferry/sdk/config_def.h"
#include "runtime/worker/connector_config.h"

namespace ferry::runtime {

struct TaskSettings {
  std::string connector;       // the connector's name
  sdk::ConfigMap task_config;  // what the connector's task_configs() gave this task
  std::chrono::milliseconds offset_flush_interval{60000};
  std::chrono::milliseconds offset_flush_timeout{5000};
  ErrorTolerance errors_tolerance = ErrorTolerance::kNone;
  bool errors_log_enable = false;
  bool errors_log_include_messages = false;
  // Sources: how many bytes of converted records may wait for acknowledgement before poll()
  // pauses (Kafka's producer blocks in send() at buffer.memory, 32 MiB).
  std::size_t max_outstanding_bytes = std::size_t{16} << 20;
};

}  // namespace ferry::runtime
