#include "plugins/loader/plugin_loader.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>
#include <set>
#include <system_error>

#include "ferry/sdk/plugin.h"
#include "plugins/loader/plugin_library.h"

namespace ferry::loader {
namespace {

namespace fs = std::filesystem;

using DescriptorFunction = const sdk::PluginDescriptor* (*)();

// "libx.so", "libx.so.1", "libx.so.1.2".
bool is_shared_library_name(const std::string& name) {
  return name.ends_with(".so") || name.find(".so.") != std::string::npos;
}

// The shared libraries directly in folder, by name; empty if it is not a readable folder.
std::vector<fs::path> shared_libraries_in(const fs::path& folder) {
  std::vector<fs::path> libraries;
  std::error_code error;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    std::error_code type_error;
    if (it->is_regular_file(type_error) && is_shared_library_name(it->path().filename().string())) {
      libraries.push_back(it->path());
    }
  }
  std::sort(libraries.begin(), libraries.end());
  return libraries;
}

std::vector<fs::path> sub_folders_of(const fs::path& folder) {
  std::vector<fs::path> folders;
  std::error_code error;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    std::error_code type_error;
    if (it->is_directory(type_error)) folders.push_back(it->path());
  }
  std::sort(folders.begin(), folders.end());
  return folders;
}

class Loader {
 public:
  explicit Loader(PluginRegistry& registry) : registry_(registry) {}

  void load_entry(const fs::path& given) {
    // Relative entries are taken from the working directory, as Kafka does; messages and dlopen
    // get the absolute path.
    std::error_code error;
    fs::path entry = fs::absolute(given, error);
    if (error) entry = given;
    if (!fs::exists(entry, error)) {
      problem(entry, "no such file or directory");
      return;
    }
    if (!fs::is_directory(entry, error)) {
      problem(entry, "not a directory (plugin.path lists folders of plugins, or plugin folders)");
      return;
    }
    if (!shared_libraries_in(entry).empty()) {
      load_plugin_folder(entry);
      return;
    }
    for (const fs::path& folder : sub_folders_of(entry)) load_plugin_folder(folder);
  }

  LoadReport take_report() { return std::move(report_); }

 private:
  enum class Outcome { kLoaded, kRefused, kNotAPlugin };

  void load_plugin_folder(const fs::path& folder) {
    std::vector<fs::path> without_entry;
    bool any_plugin = false;
    for (const fs::path& file : shared_libraries_in(folder)) {
      // libx.so -> libx.so.1 -> libx.so.1.0 are one library: try it once.
      std::error_code error;
      const fs::path canonical = fs::canonical(file, error);
      if (!seen_.insert(error ? file : canonical).second) continue;
      switch (load_library(file)) {
        case Outcome::kLoaded:
        case Outcome::kRefused:
          any_plugin = true;
          break;
        case Outcome::kNotAPlugin:
          without_entry.push_back(file);
          break;
      }
    }
    if (any_plugin) return;  // the others were its dependencies
    for (const fs::path& file : without_entry) {
      problem(file, "no " FERRY_PLUGIN_ENTRY_SYMBOL " symbol: not a Ferry plugin");
    }
  }

  // Everything the library's code touched (its factories, the exception it threw) is gone by the
  // time `library` goes out of scope here, unless the registry took it.
  Outcome load_library(const fs::path& file) {
    Result<std::unique_ptr<PluginLibrary>> opened = PluginLibrary::open(file);
    if (!opened.ok()) {
      problem(file, opened.status().message());
      return Outcome::kRefused;
    }
    std::shared_ptr<const PluginLibrary> library = std::move(*opened);
    void* symbol = library->own_symbol(FERRY_PLUGIN_ENTRY_SYMBOL);
    if (symbol == nullptr) return Outcome::kNotAPlugin;

    const auto entry = reinterpret_cast<DescriptorFunction>(symbol);
    const sdk::PluginDescriptor* descriptor = entry();
    if (descriptor == nullptr) {
      problem(file, FERRY_PLUGIN_ENTRY_SYMBOL " returned no descriptor");
      return Outcome::kRefused;
    }
    if (descriptor->abi_version != sdk::kPluginAbiVersion) {
      problem(file, "ABI version " + std::to_string(descriptor->abi_version) +
                        ", this worker needs " + std::to_string(sdk::kPluginAbiVersion));
      return Outcome::kRefused;
    }
    if (descriptor->build_key == nullptr ||
        std::strcmp(descriptor->build_key, sdk::kPluginBuildKey) != 0) {
      problem(file, std::string("built against ") +
                        (descriptor->build_key != nullptr ? descriptor->build_key : "(no key)") +
                        ", this worker uses " + sdk::kPluginBuildKey);
      return Outcome::kRefused;
    }
    if (descriptor->register_components == nullptr) {
      problem(file, "the descriptor has no register_components function");
      return Outcome::kRefused;
    }

    PluginInfo info{
        .name = descriptor->name != nullptr && *descriptor->name != '\0'
                    ? descriptor->name
                    : file.parent_path().filename().string(),
        .version = descriptor->version != nullptr ? descriptor->version : "unknown",
        .file = file,
    };
    LoadedPlugin loaded{info.name, info.version, file};
    std::vector<Conflict> conflicts;
    try {
      conflicts =
          registry_.register_plugin(std::move(info), descriptor->register_components, library);
    } catch (const std::exception& e) {
      problem(file, std::string("register_components threw: ") + e.what());
      return Outcome::kRefused;
    } catch (...) {
      problem(file, "register_components threw an exception that is not a std::exception");
      return Outcome::kRefused;
    }
    report_.loaded.push_back(std::move(loaded));
    for (const Conflict& conflict : conflicts) problem(file, conflict.message());
    return Outcome::kLoaded;
  }

  void problem(const fs::path& file, std::string reason) {
    report_.problems.push_back({file, std::move(reason)});
  }

  PluginRegistry& registry_;
  std::set<fs::path> seen_;
  LoadReport report_;
};

}  // namespace

LoadReport load_plugins(const std::vector<std::filesystem::path>& plugin_path,
                        PluginRegistry& registry) {
  Loader loader(registry);
  for (const std::filesystem::path& entry : plugin_path) loader.load_entry(entry);
  return loader.take_report();
}

std::vector<std::filesystem::path> parse_plugin_path(std::string_view value) {
  std::vector<std::filesystem::path> paths;
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    const std::size_t first = item.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) continue;
    const std::size_t last = item.find_last_not_of(" \t\r\n");
    paths.emplace_back(item.substr(first, last - first + 1));
  }
  return paths;
}

}  // namespace ferry::loader
