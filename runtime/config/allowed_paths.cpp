#include "runtime/config/allowed_paths.h"

#include <algorithm>
#include <system_error>

namespace ferry::runtime {
namespace {

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// lexically_normal keeps a trailing separator ("/a/b/" has an empty last component), which
// would stop "/a/b/" from containing "/a/b/c".
std::filesystem::path normalise(const std::filesystem::path& path) {
  std::filesystem::path normal = path.lexically_normal();
  if (!normal.has_filename() && normal.has_relative_path()) normal = normal.parent_path();
  return normal;
}

// Component-wise, as java.nio.file.Path.startsWith.
bool is_within(const std::filesystem::path& path, const std::filesystem::path& directory) {
  auto path_part = path.begin();
  for (const auto& directory_part : directory) {
    if (path_part == path.end() || *path_part != directory_part) return false;
    ++path_part;
  }
  return true;
}

}  // namespace

Result<AllowedPaths> AllowedPaths::parse(std::string_view config_value) {
  AllowedPaths allowed;
  allowed.config_value_ = std::string(config_value);
  std::size_t start = 0;
  while (start <= config_value.size()) {
    std::size_t comma = config_value.find(',', start);
    if (comma == std::string_view::npos) comma = config_value.size();
    const std::string_view entry = trim(config_value.substr(start, comma - start));
    start = comma + 1;
    if (entry.empty()) continue;
    const std::filesystem::path lexical = normalise(std::filesystem::path(entry));
    std::error_code error;
    if (!lexical.is_absolute() || !std::filesystem::exists(lexical, error)) {
      // Kafka's message.
      return Status::invalid_argument("allowed.paths: path " + lexical.string() +
                                      " is not valid. The path should be absolute and exist");
    }
    std::filesystem::path resolved = std::filesystem::canonical(lexical, error);
    if (error) {
      return Status::invalid_argument("allowed.paths: cannot resolve " + lexical.string() + ": " +
                                      error.message());
    }
    allowed.directories_.push_back({lexical, std::move(resolved)});
  }
  return allowed;
}

Result<std::filesystem::path> AllowedPaths::check(const std::string& untrusted) const {
  const std::filesystem::path requested(untrusted);
  if (directories_.empty()) return requested;
  const std::filesystem::path lexical = normalise(requested);
  const auto inside_lexically = [&](const Directory& d) { return is_within(lexical, d.lexical); };
  if (lexical.is_absolute() &&
      std::any_of(directories_.begin(), directories_.end(), inside_lexically)) {
    // weakly_canonical resolves the part that exists; a file that does not exist yet still gets
    // its directory checked, and the read that follows reports it missing.
    std::error_code error;
    const std::filesystem::path resolved = std::filesystem::weakly_canonical(lexical, error);
    const auto inside_resolved = [&](const Directory& d) {
      return is_within(resolved, d.resolved);
    };
    if (!error && std::any_of(directories_.begin(), directories_.end(), inside_resolved)) {
      return lexical;
    }
  }
  return Status::invalid_argument("path " + untrusted + " is outside allowed.paths (" +
                                  config_value_ + ")");
}

}  // namespace ferry::runtime
