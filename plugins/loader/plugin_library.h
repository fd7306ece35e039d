// One shared library opened with dlopen(RTLD_NOW | RTLD_LOCAL), closed with dlclose when the
// object is destroyed.
//
// RTLD_NOW: a missing symbol fails the load here, with dlerror naming it, instead of killing the
// worker at the first call. RTLD_LOCAL: the library's symbols do not join the global namespace, so
// two plugins may carry different versions of the same helper code.
//
// Ownership and the closing rule: the registry keeps each plugin's library in a shared_ptr, and so
// does every factory the registry hands out, because a factory's code lives in the library.
// Objects a factory created (connectors, tasks, converters, transformations, predicates) cannot
// keep it loaded: their vtables and code live in the library too, so every one of them must be
// destroyed before the last owner lets go. Destroying one after dlclose jumps into unmapped memory.
//
// Thread-safety: const members may be called from any thread.
#pragma once

#include <filesystem>
#include <memory>

#include "common/result.h"

namespace ferry::loader {

class PluginLibrary {
 public:
  // not_found "cannot load: <dlerror>" when dlopen fails (not a shared library, a missing
  // dependency or symbol, wrong architecture, ...).
  static Result<std::unique_ptr<PluginLibrary>> open(const std::filesystem::path& file);

  ~PluginLibrary();
  PluginLibrary(const PluginLibrary&) = delete;             // one owner per handle:
  PluginLibrary& operator=(const PluginLibrary&) = delete;  // dlclose runs once

  const std::filesystem::path& file() const { return file_; }

  // The address of the symbol if this library itself defines it, else nullptr. dlsym on a handle
  // also searches the library's dependencies; a dependency's definition does not count, so a
  // library that merely links against a plugin is not taken for that plugin.
  void* own_symbol(const char* name) const;

 private:
  PluginLibrary(void* handle, std::filesystem::path file)
      : handle_(handle), file_(std::move(file)) {}

  void* const handle_;
  const std::filesystem::path file_;
};

}  // namespace ferry::loader
