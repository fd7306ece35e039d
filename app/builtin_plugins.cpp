#include "app/builtin_plugins.h"

#include <string>

#include "app/build_info.h"
#include "runtime/converters/converter_catalog.h"

namespace ferry::app {

void register_builtin_plugins(loader::PluginRegistry& registry) {
  const runtime::ConverterCatalog catalog =
      runtime::ConverterCatalog::with_builtins(std::string(kVersion));
  const auto register_components = [&catalog](sdk::PluginRegistrar& registrar) {
    for (const runtime::ConverterPlugin& plugin : catalog.plugins()) {
      if (plugin.new_converter) registrar.converter(plugin.class_name, plugin.new_converter);
      if (plugin.new_header_converter) {
        registrar.header_converter(plugin.class_name, plugin.new_header_converter);
      }
    }
  };
  (void)registry.register_plugin({.name = "ferry", .version = std::string(kVersion)},
                                 register_components);
}

}  // namespace ferry::app
