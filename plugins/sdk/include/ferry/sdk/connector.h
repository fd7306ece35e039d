// Connectors, as Kafka Connect's org.apache.kafka.connect.connector.Connector: the object that
// takes a connector's configuration, decides how to split the work into task configurations, and
// watches the outside system for changes that need new ones.
//
// Lifecycle, driven by the worker on one thread: initialize(context) → start(props) →
// task_configs(tasks.max) (again whenever the connector asks with
// context.request_task_reconfiguration()) → stop(). validate() and config() may be called on an
// instance that was never started (REST's validate endpoint does that).
//
// Errors: throw ConnectException (errors.h) with a message a user can act on; the worker marks
// the connector FAILED with it.
#pragma once

#include <string>
#include <vector>

#include "ferry/sdk/config_def.h"
#include "ferry/sdk/errors.h"

namespace ferry::sdk {

// What a connector may ask of the worker that runs it. Thread-safe: a connector may call it from
// its own monitoring threads.
class ConnectorContext {
 public:
  virtual ~ConnectorContext() = default;
  // The task configurations changed: the worker calls task_configs() again and restarts tasks.
  virtual void request_task_reconfiguration() = 0;
  // An error the connector found outside a worker call (on its own thread): the worker fails it.
  virtual void raise_error(const std::string& message) = 0;
};

class Connector {
 public:
  virtual ~Connector() = default;

  virtual std::string version() const = 0;
  virtual void initialize(ConnectorContext& context) { context_ = &context; }
  virtual void start(const ConfigMap& props) = 0;
  // At most max_tasks configurations, one per task to run.
  virtual std::vector<ConfigMap> task_configs(int max_tasks) = 0;
  virtual void stop() = 0;

  // The connector's own keys (the worker adds name, connector.class, tasks.max, ...).
  virtual ConfigDef config() const = 0;
  // Kafka's Connector.validate: config().validate(props) unless overridden.
  virtual std::vector<ConfigValue> validate(const ConfigMap& props) const {
    return config().validate(props);
  }

 protected:
  ConnectorContext& context() const { return *context_; }

 private:
  ConnectorContext* context_ = nullptr;
};

}  // namespace ferry::sdk
