#include "app/plugins_command.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "app/builtin_plugins.h"
#include "plugins/loader/plugin_loader.h"
#include "plugins/loader/plugin_registry.h"
#include "runtime/config/config_file.h"

namespace ferry::app {
namespace {

constexpr std::string_view kUsage =
    "usage: ferry plugins [--plugin-path PATH[,PATH...]] [WORKER_CONFIG]\n"
    "  --plugin-path PATHS  folders of plugins, or plugin folders, separated by commas\n"
    "  WORKER_CONFIG        a worker config file whose plugin.path to use\n";

// printf's "%-<width>s": text, padded with spaces to width.
std::string padded(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

void print_row(std::ostream& out, std::string type, std::string class_name, std::string version,
               const std::string& aliases) {
  out << padded(std::move(type), 17) << ' ' << padded(std::move(class_name), 60) << ' '
      << padded(std::move(version), 9) << ' ' << aliases << '\n';
}

}  // namespace

int run_plugins_command(std::span<const std::string_view> args, std::ostream& out,
                        std::ostream& err) {
  std::vector<std::filesystem::path> option_path;
  std::optional<std::string> worker_config;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out << kUsage;
      return 0;
    }
    std::optional<std::string_view> paths;
    if (arg == "--plugin-path") {
      if (i + 1 == args.size()) {
        err << "ferry plugins: option --plugin-path requires an argument\n" << kUsage;
        return 2;
      }
      paths = args[++i];
    } else if (arg.starts_with("--plugin-path=")) {
      paths = arg.substr(std::string_view("--plugin-path=").size());
    } else if (arg.starts_with("-")) {
      err << "ferry plugins: " << arg << " is not a recognized option\n" << kUsage;
      return 2;
    } else if (worker_config) {
      err << "ferry plugins: one worker config at most, got " << *worker_config << " and " << arg
          << '\n'
          << kUsage;
      return 2;
    } else {
      worker_config = std::string(arg);
    }
    if (paths) {
      for (std::filesystem::path& path : loader::parse_plugin_path(*paths)) {
        option_path.push_back(std::move(path));
      }
    }
  }

  std::vector<std::filesystem::path> plugin_path;
  if (worker_config) {
    Result<runtime::PropertiesFile> config = runtime::load_config_file(*worker_config);
    if (!config.ok()) {
      err << "ferry plugins: " << config.status().message() << '\n';
      return 1;
    }
    if (const auto it = config->values.find("plugin.path"); it != config->values.end()) {
      plugin_path = loader::parse_plugin_path(it->second);
    }
  }
  plugin_path.insert(plugin_path.end(), option_path.begin(), option_path.end());

  // The registry outlives nothing it created: this command only lists.
  loader::PluginRegistry registry;
  register_builtin_plugins(registry);
  const loader::LoadReport report = loader::load_plugins(plugin_path, registry);
  for (const loader::LoadProblem& problem : report.problems) {
    err << "ferry plugins: " << problem.file.string() << ": " << problem.reason << '\n';
  }

  print_row(out, "TYPE", "CLASS", "VERSION", "ALIASES");
  for (const loader::PluginListing& row : registry.list()) {
    std::string aliases;
    for (const std::string& alias : row.aliases) {
      if (!aliases.empty()) aliases += ", ";
      aliases += alias;
    }
    print_row(out, row.type, row.class_name, row.version, aliases);
  }
  return 0;
}

}  // namespace ferry::app
