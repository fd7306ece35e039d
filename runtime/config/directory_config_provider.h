// Kafka's org.apache.kafka.common.config.provider.DirectoryConfigProvider:
// ${dir:<directory>:<file>} is the whole content of the regular file <file> in <directory> — the
// layout of Kubernetes and Docker secrets mounts, one file per secret. The content is taken
// byte for byte, as Kafka does: a secret written with `echo` keeps its trailing newline.
// <file> must be a plain name in the directory; "../x" or "a/b" never match.
//
// Parameters: allowed.paths (allowed_paths.h). Immutable; thread-safe.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "common/result.h"
#include "runtime/config/allowed_paths.h"
#include "runtime/config/config_provider.h"

namespace ferry::runtime {

class DirectoryConfigProvider final : public ConfigProvider {
 public:
  static constexpr std::string_view kClassName =
      "org.apache.kafka.common.config.provider.DirectoryConfigProvider";

  // `params` are the config.providers.<name>.param.* entries with that prefix removed.
  static Result<std::unique_ptr<DirectoryConfigProvider>> create(
      const std::map<std::string, std::string>& params);

  Result<std::map<std::string, std::string>> get(const std::string& path,
                                                 const std::set<std::string>& keys) const override;
  std::string describe_missing(const std::string& path, const std::string& key) const override;

 private:
  explicit DirectoryConfigProvider(AllowedPaths allowed_paths)
      : allowed_paths_(std::move(allowed_paths)) {}

  AllowedPaths allowed_paths_;
};

}  // namespace ferry::runtime
