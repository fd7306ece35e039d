#include "plugins/loader/plugin_library.h"

#include <cstring>

#include <dlfcn.h>
#include <link.h>

namespace ferry::loader {

Result<std::unique_ptr<PluginLibrary>> PluginLibrary::open(const std::filesystem::path& file) {
  void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* error = ::dlerror();
    return Status::not_found(std::string("cannot load: ") +
                             (error != nullptr ? error : "dlopen failed"));
  }
  return std::unique_ptr<PluginLibrary>(new PluginLibrary(handle, file));
}

PluginLibrary::~PluginLibrary() { ::dlclose(handle_); }

void* PluginLibrary::own_symbol(const char* name) const {
  void* symbol = ::dlsym(handle_, name);
  if (symbol == nullptr) return nullptr;
  // dladdr names the object that defines the address; compare it with this handle's own entry in
  // the link map (both are the loader's l_name of the object).
  Dl_info defined_in{};
  link_map* map = nullptr;
  if (::dladdr(symbol, &defined_in) == 0 || ::dlinfo(handle_, RTLD_DI_LINKMAP, &map) != 0 ||
      map == nullptr || defined_in.dli_fname == nullptr || map->l_name == nullptr) {
    return symbol;  // cannot tell: trust dlsym
  }
  return std::strcmp(defined_in.dli_fname, map->l_name) == 0 ? symbol : nullptr;
}

}  // namespace ferry::loader
