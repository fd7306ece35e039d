#include "runtime/config/file_config_provider.h"

#include "runtime/config/properties_file.h"

namespace ferry::runtime {

Result<std::unique_ptr<FileConfigProvider>> FileConfigProvider::create(
    const std::map<std::string, std::string>& params) {
  const auto allowed = params.find("allowed.paths");
  Result<AllowedPaths> allowed_paths =
      AllowedPaths::parse(allowed == params.end() ? std::string_view() : allowed->second);
  if (!allowed_paths.ok()) return allowed_paths.status();
  return std::unique_ptr<FileConfigProvider>(
      new FileConfigProvider(std::move(allowed_paths).value()));
}

Result<std::map<std::string, std::string>> FileConfigProvider::get(
    const std::string& path, const std::set<std::string>& keys) const {
  // Kafka returns no values for an empty path, which leaves the reference in place; that is
  // never what was meant.
  if (path.empty()) {
    return Status::invalid_argument("a file path is required: ${<provider>:<file>:<key>}");
  }
  Result<std::filesystem::path> file = allowed_paths_.check(path);
  if (!file.ok()) return file.status();
  Result<PropertiesFile> properties = load_properties_file(*file);
  if (!properties.ok()) return properties.status();
  std::map<std::string, std::string> found;
  for (const std::string& key : keys) {
    if (auto value = properties->values.find(key); value != properties->values.end()) {
      found.emplace(key, value->second);
    }
  }
  return found;
}

std::string FileConfigProvider::describe_missing(const std::string& path,
                                                 const std::string& key) const {
  return "no key '" + key + "' in " + path;
}

}  // namespace ferry::runtime
