// Kafka's org.apache.kafka.common.config.provider.FileConfigProvider: ${file:<path>:<key>} is the
// value of <key> in the Java .properties file at <path>, read with parse_properties (so with the
// same escapes and continuations Kafka's Properties.load applies). The file is read on every
// get(), so a rotated secret is picked up the next time a connector starts.
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

class FileConfigProvider final : public ConfigProvider {
 public:
  static constexpr std::string_view kClassName =
      "org.apache.kafka.common.config.provider.FileConfigProvider";

  // `params` are the config.providers.<name>.param.* entries with that prefix removed.
  static Result<std::unique_ptr<FileConfigProvider>> create(
      const std::map<std::string, std::string>& params);

  Result<std::map<std::string, std::string>> get(const std::string& path,
                                                 const std::set<std::string>& keys) const override;
  std::string describe_missing(const std::string& path, const std::string& key) const override;

 private:
  explicit FileConfigProvider(AllowedPaths allowed_paths)
      : allowed_paths_(std::move(allowed_paths)) {}

  AllowedPaths allowed_paths_;
};

}  // namespace ferry::runtime
