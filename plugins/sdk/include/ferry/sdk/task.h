// Tasks, as Kafka Connect's org.apache.kafka.connect.connector.Task: the unit of work a connector
// splits itself into. Each runs on its own worker thread; start() gets one of the connector's
// task_configs(), stop() is called from another thread to make a blocked poll()/put() return
// soon (keep it thread-safe: set a flag, close a file).
#pragma once

#include <string>

#include "ferry/sdk/config_def.h"

namespace ferry::sdk {

class Task {
 public:
  virtual ~Task() = default;
  virtual std::string version() const = 0;
  virtual void start(const ConfigMap& props) = 0;
  virtual void stop() = 0;
};

}  // namespace ferry::sdk
