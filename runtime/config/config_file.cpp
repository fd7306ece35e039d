#include "runtime/config/config_file.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "runtime/config/yaml_config_file.h"

namespace ferry::runtime {
namespace {

bool is_yaml(const std::filesystem::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension == ".yaml" || extension == ".yml";
}

}  // namespace

Result<PropertiesFile> load_config_file(const std::filesystem::path& path) {
  return is_yaml(path) ? load_yaml_config_file(path) : load_properties_file(path);
}

}  // namespace ferry::runtime
