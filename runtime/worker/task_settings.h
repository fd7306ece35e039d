// What a task runner takes from the worker and connector configs besides its collaborators.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "ferry/sdk/config_def.h"
#include "runtime/worker/connector_config.h"

namespace ferry::runtime {

class ActiveTopics;

struct TaskSettings {
  std::string connector;       // the connector's name
  sdk::ConfigMap task_config;  // what the connector's task_configs() gave this task
  std::chrono::milliseconds offset_flush_interval{60000};
  std::chrono::milliseconds offset_flush_timeout{5000};
  ErrorTolerance errors_tolerance = ErrorTolerance::kNone;
  bool errors_log_enable = false;
  bool errors_log_include_messages = false;
  // Sources: how much memory records waiting for acknowledgement may hold before poll() pauses
  // (Kafka's producer blocks in send() at buffer.memory, 32 MiB). Each record counts its
  // converted key and value plus kRecordOverhead for the SourceRecord kept for commit_record and
  // its share of the producer's batch: small records are mostly overhead.
  static constexpr std::size_t kRecordOverhead = 512;
  std::size_t max_outstanding_bytes = std::size_t{8} << 20;
  // Where the task records the topics it produces to or consumes from (the worker's store);
  // null when topic.tracking.enable=false.
  ActiveTopics* active_topics = nullptr;
};

}  // namespace ferry::runtime
