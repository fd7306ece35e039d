// Kafka's config providers: a worker config names providers, and any config value may then refer
// to a secret held elsewhere instead of holding it, e.g.
//
//   config.providers=file,env,dir
//   config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider
//   config.providers.file.param.allowed.paths=/etc/kafka/secrets
//   config.providers.env.class=EnvVarConfigProvider
//   config.providers.env.param.allowlist.pattern=DB_.*
//   config.providers.dir.class=DirectoryConfigProvider
//
//   connection.url=jdbc:mysql://db:3306/shop?user=${env:DB_USER}&password=${dir:/run/secrets:db}
//   ssl.key.password=${file:/etc/kafka/secrets/ssl.properties:key.password}
//
// Classes are named in full or by simple name: FileConfigProvider (file_config_provider.h),
// DirectoryConfigProvider (directory_config_provider.h), EnvVarConfigProvider
// (env_var_config_provider.h). References are found as Kafka's ConfigTransformer finds them
// (config_reference.h), anywhere in a value and any number per value; replacement text is not
// scanned again.
//
// As in Kafka: a reference to a provider that is not configured stays as written (the value may
// just contain "${"), and connector configs are stored unresolved and resolved when the connector
// or task starts, so rotated secrets are read afresh.
// Unlike Kafka, which leaves such a reference in place as well, a reference whose key, file or
// variable has no value is an error: a connector would otherwise log in with the literal text
// "${file:...}" as its password. Also unlike Kafka: a provider listed in config.providers without
// a class, an unknown class, and an unknown parameter of these three classes (a mistyped
// allowed.paths would silently lift the restriction) are errors rather than ignored.
//
// Errors name the config key whose value held the reference and the provider, path and key it
// names, never the resolved value nor the rest of the value: both may be secrets.
//
// Immutable once built; resolve() may be called from any thread.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/result.h"
#include "runtime/config/config_provider.h"
#include "runtime/config/env_var_config_provider.h"

namespace ferry::runtime {

class ConfigProviders {
 public:
  // Builds the providers named by config.providers in a worker config. No config.providers key
  // (or an empty one) means no providers, and resolve() returns configs unchanged.
  // `environment` is what EnvVarConfigProvider reads.
  static Result<ConfigProviders> from_worker_config(
      const std::map<std::string, std::string>& worker,
      EnvironmentLookup environment = process_environment());

  ConfigProviders(ConfigProviders&&) = default;
  ConfigProviders& operator=(ConfigProviders&&) = default;
  ConfigProviders(const ConfigProviders&) = delete;  // providers are owned, not shared
  ConfigProviders& operator=(const ConfigProviders&) = delete;

  // `config` with every reference to a configured provider replaced by its value. Each
  // (provider, path) is read once per call, so all values taken from one file come from the same
  // version of it.
  Result<std::map<std::string, std::string>> resolve(
      const std::map<std::string, std::string>& config) const;

  bool empty() const { return providers_.empty(); }

 private:
  ConfigProviders() = default;

  std::map<std::string, std::unique_ptr<const ConfigProvider>> providers_;  // by provider name
};

}  // namespace ferry::runtime
