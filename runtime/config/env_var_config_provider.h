// Kafka's org.apache.kafka.common.config.provider.EnvVarConfigProvider (KIP-887, Kafka 3.5):
// ${env:NAME} (or ${env::NAME}) is the value of environment variable NAME. A path is an error,
// as in Kafka.
//
// Parameter allowlist.pattern: a regular expression the whole variable name must match (Kafka
// matches with Java's regex; this uses std::regex's ECMAScript grammar, which agrees on the
// patterns one writes for names: "DB_.*", "KAFKA_[A-Z_]+|SSL_.*"). Without it, every variable may
// be read, as in Kafka.
//
// The environment is read through an injected lookup, so tests need not change the real one.
// Immutable; thread-safe if the lookup is (process_environment() is, while nothing calls setenv).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <string_view>

#include "common/result.h"
#include "runtime/config/config_provider.h"

namespace ferry::runtime {

// The value of an environment variable, or nullopt if it is not set.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Reads the process environment (getenv).
EnvironmentLookup process_environment();

class EnvVarConfigProvider final : public ConfigProvider {
 public:
  static constexpr std::string_view kClassName =
      "org.apache.kafka.common.config.provider.EnvVarConfigProvider";

  // `params` are the config.providers.<name>.param.* entries with that prefix removed.
  static Result<std::unique_ptr<EnvVarConfigProvider>> create(
      const std::map<std::string, std::string>& params, EnvironmentLookup environment);

  Result<std::map<std::string, std::string>> get(const std::string& path,
                                                 const std::set<std::string>& keys) const override;
  std::string describe_missing(const std::string& path, const std::string& key) const override;

 private:
  EnvVarConfigProvider(EnvironmentLookup environment, std::optional<std::regex> allowlist)
      : environment_(std::move(environment)), allowlist_(std::move(allowlist)) {}

  bool allowed(const std::string& name) const;

  EnvironmentLookup environment_;
  std::optional<std::regex> allowlist_;  // nullopt: every name
};

}  // namespace ferry::runtime
