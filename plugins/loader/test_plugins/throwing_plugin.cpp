// register_components throws after registering a class: the loader reports the exception and the
// registry keeps nothing of the plugin.
#include <stdexcept>

#include "ferry/sdk/plugin.h"

FERRY_PLUGIN("test-throwing", "0.1.0", [](ferry::sdk::PluginRegistrar& registrar) {
  registrar.converter("com.example.test.HalfRegisteredConverter",
                      [] { return std::unique_ptr<ferry::sdk::Converter>(); });
  throw std::runtime_error("database driver libfoo.so.3 not found");
})
