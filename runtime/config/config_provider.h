// The seam between the config-reference resolver (config_providers.h) and where secrets live.
// It is Kafka's org.apache.kafka.common.config.provider.ConfigProvider, reduced to the call the
// resolver makes: get(path, keys). Subscriptions and TTL-based reloads are not supported.
//
// Implementations are immutable once created, so any thread may call them.
#pragma once

#include <map>
#include <set>
#include <string>

#include "common/result.h"

namespace ferry::runtime {

class ConfigProvider {
 public:
  virtual ~ConfigProvider() = default;

  // The values of those `keys` that exist under `path`; a key with no value is left out, and
  // the caller decides what that means. An error means `path` itself is unusable (missing file,
  // not allowed, malformed). Neither errors nor anything else here may carry a value.
  virtual Result<std::map<std::string, std::string>> get(
      const std::string& path, const std::set<std::string>& keys) const = 0;

  // Why get(path, {key}) found no value, for the caller's error message, e.g.
  // "environment variable 'DB_PASSWORD' is not set".
  virtual std::string describe_missing(const std::string& path, const std::string& key) const = 0;
};

}  // namespace ferry::runtime
