// A connector config file given to `ferry standalone`, in any form Kafka's connect-standalone
// takes (3.7+): Java properties, YAML (Ferry), or JSON, either a flat object of strings or a
// POST /connectors body {"name": ..., "config": {...}, "initial_state": "RUNNING|PAUSED|STOPPED"}.
#pragma once

#include <filesystem>

#include "common/result.h"
#include "ferry/sdk/config_def.h"
#include "runtime/worker/worker_task.h"

namespace ferry::app {

struct ConnectorFile {
  sdk::ConfigMap config;
  runtime::TargetState initial_state = runtime::TargetState::kStarted;
};

// Errors name the file (and the line, or the JSON field) and the problem.
Result<ConnectorFile> load_connector_file(const std::filesystem::path& path);

}  // namespace ferry::app
