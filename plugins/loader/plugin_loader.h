// Loads the plugins on plugin.path into a PluginRegistry.
//
// Layout (docs/plugins.md): each plugin.path entry is either
//   - a plugin folder: a folder that directly holds a shared library (*.so or *.so.*), or
//   - a folder of plugin folders: every sub-folder that directly holds a shared library is a
//     plugin folder; other sub-folders and files are ignored.
// A relative entry is relative to the working directory. Folders and libraries are taken in name
// order, so which of two plugins providing the same class wins (the first) does not depend on the
// file system.
//
// Per library, in this order, each step refusing the library with a reason if it fails:
//   1. dlopen(RTLD_NOW | RTLD_LOCAL)                     "cannot load: <dlerror>"
//   2. dlsym(ferry_plugin_descriptor), defined by the library itself. A folder may hold the
//      plugin's private dependencies beside it: a library without the symbol is skipped quietly,
//      and reported ("no ferry_plugin_descriptor symbol: not a Ferry plugin") only when no
//      library of its folder has the symbol.
//   3. abi_version == sdk::kPluginAbiVersion             "ABI version 5, this worker needs 4"
//   4. build_key equal to sdk::kPluginBuildKey           "built against libstdc++-old/c++20,
//                                                         this worker uses libstdc++-cxx11/c++20"
//      (3 and 4 read only the descriptor's leading C fields, so no C++ object of a plugin built
//      against another ABI is touched.)
//   5. register_components, all or nothing               "register_components threw: <what>"
// A refused library is closed again and loading goes on with the next; a worker runs with the
// plugins that loaded. A class a plugin registers that an earlier plugin already provides is
// reported too (PluginRegistry's Conflict message), and the rest of that plugin is used.
//
// Libraries that loaded stay loaded as long as the registry (plugin_library.h has the ordering
// rule: destroy what plugins created before the registry). A library reached twice (a symlink,
// an entry listed twice) is loaded once.
//
// Thread-safety: call from one thread, before the registry is shared.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/loader/plugin_registry.h"

namespace ferry::loader {

struct LoadProblem {
  std::filesystem::path file;  // the library, or the plugin.path entry
  std::string reason;
};

struct LoadedPlugin {
  std::string name;
  std::string version;
  std::filesystem::path file;
};

struct LoadReport {
  std::vector<LoadedPlugin> loaded;
  std::vector<LoadProblem> problems;  // in the order found

  bool ok() const { return problems.empty(); }
};

LoadReport load_plugins(const std::vector<std::filesystem::path>& plugin_path,
                        PluginRegistry& registry);

// The worker's plugin.path value: paths separated by commas, each trimmed of whitespace, empty
// items dropped (Kafka's LIST type).
std::vector<std::filesystem::path> parse_plugin_path(std::string_view value);

}  // namespace ferry::loader
