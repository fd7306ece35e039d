// Loads after test-good (folders load in name order) and provides one of its classes again: the
// registry keeps test-good's and reports this one as a conflict, and uses the rest of the plugin.
#include "ferry/sdk/plugin.h"

namespace {

using ferry::sdk::ConfigDef;
using ferry::sdk::ConfigMap;

class ShadowSinkConnector : public ferry::sdk::SinkConnector {
 public:
  std::string version() const override { return "9.9.9"; }
  void start(const ConfigMap& /*props*/) override {}
  std::vector<ConfigMap> task_configs(int /*max_tasks*/) override { return {}; }
  void stop() override {}
  ConfigDef config() const override { return ConfigDef(); }
  std::unique_ptr<ferry::sdk::SinkTask> create_task() const override { return nullptr; }
};

}  // namespace

FERRY_PLUGIN("test-shadow", "9.9.9", [](ferry::sdk::PluginRegistrar& registrar) {
  registrar.sink_connector("com.example.test.CollectSinkConnector",
                           [] { return std::make_unique<ShadowSinkConnector>(); });
  registrar.sink_connector("com.example.test.ShadowSinkConnector",
                           [] { return std::make_unique<ShadowSinkConnector>(); });
})
