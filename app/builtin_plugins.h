// The components Ferry itself provides (the converters), registered in a plugin registry before
// any plugin from plugin.path, so that they keep their class names whatever a plugin registers.
#pragma once

#include "plugins/loader/plugin_registry.h"

namespace ferry::app {

void register_builtin_plugins(loader::PluginRegistry& registry);

}  // namespace ferry::app
