// The plugin's entry point: the one symbol the library exports. FERRY_PLUGIN defines
// ferry_plugin_descriptor(), which hands the worker this plugin's name and version, the SDK's ABI
// version and build key (checked before anything else is called), and the function below, which
// registers each component under its class name. The worker adds the short names: Uppercase for
// com.example.Uppercase; CounterSourceConnector and CounterSource for
// com.example.CounterSourceConnector.
//
// Factories must be safe to call from any thread, at any time while the plugin is loaded:
// keep them stateless, as these lambdas are.
#include "ferry/sdk/plugin.h"

#include <memory>

#include "counter_source.h"
#include "uppercase.h"

FERRY_PLUGIN("uppercase", UPPERCASE_PLUGIN_VERSION, [](ferry::sdk::PluginRegistrar& registrar) {
  registrar.transformation<example::Uppercase>("com.example.Uppercase");
  registrar.source_connector("com.example.CounterSourceConnector",
                             [] { return std::make_unique<example::CounterSourceConnector>(); });
})
