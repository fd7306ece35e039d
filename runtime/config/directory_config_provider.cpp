#include "runtime/config/directory_config_provider.h"

#include <filesystem>
#include <system_error>

#include "runtime/config/text_file.h"

namespace ferry::runtime {
namespace {

// Kafka lists the directory and matches names, so only a name of an entry in it can match.
bool is_plain_file_name(const std::string& key) {
  return !key.empty() && key != "." && key != ".." && key.find('/') == std::string::npos &&
         key.find('\0') == std::string::npos;
}

}  // namespace

Result<std::unique_ptr<DirectoryConfigProvider>> DirectoryConfigProvider::create(
    const std::map<std::string, std::string>& params) {
  const auto allowed = params.find("allowed.paths");
  Result<AllowedPaths> allowed_paths =
      AllowedPaths::parse(allowed == params.end() ? std::string_view() : allowed->second);
  if (!allowed_paths.ok()) return allowed_paths.status();
  return std::unique_ptr<DirectoryConfigProvider>(
      new DirectoryConfigProvider(std::move(allowed_paths).value()));
}

Result<std::map<std::string, std::string>> DirectoryConfigProvider::get(
    const std::string& path, const std::set<std::string>& keys) const {
  if (path.empty()) {
    return Status::invalid_argument(
        "a directory path is required: ${<provider>:<directory>:<file>}");
  }
  Result<std::filesystem::path> directory = allowed_paths_.check(path);
  if (!directory.ok()) return directory.status();
  std::error_code error;
  const auto type = std::filesystem::status(*directory, error).type();
  if (type == std::filesystem::file_type::not_found) {
    return Status::not_found(path + ": no such directory");
  }
  if (type != std::filesystem::file_type::directory) {
    return Status::invalid_argument(path + ": not a directory");
  }
  std::map<std::string, std::string> found;
  for (const std::string& key : keys) {
    if (!is_plain_file_name(key)) continue;
    const std::filesystem::path file = *directory / key;
    if (!std::filesystem::is_regular_file(file, error)) continue;  // follows symlinks, as Kafka
    // The directory was allowed; this catches a symlink in it that leads out.
    if (Status s = allowed_paths_.check(file.string()).status(); !s.ok()) return s;
    Result<std::string> content = read_text_file(file);
    if (!content.ok()) return content.status();
    found.emplace(key, std::move(content).value());
  }
  return found;
}

std::string DirectoryConfigProvider::describe_missing(const std::string& path,
                                                      const std::string& key) const {
  if (!is_plain_file_name(key)) return "'" + key + "' is not a file name";
  return "no file '" + key + "' in directory " + path;
}

}  // namespace ferry::runtime
