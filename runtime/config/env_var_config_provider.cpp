#include "runtime/config/env_var_config_provider.h"

#include <cstdlib>

namespace ferry::runtime {

EnvironmentLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Result<std::unique_ptr<EnvVarConfigProvider>> EnvVarConfigProvider::create(
    const std::map<std::string, std::string>& params, EnvironmentLookup environment) {
  std::optional<std::regex> allowlist;
  if (const auto pattern = params.find("allowlist.pattern"); pattern != params.end()) {
    try {
      allowlist.emplace(pattern->second, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return Status::invalid_argument("allowlist.pattern: not a valid regular expression: " +
                                      std::string(e.what()));
    }
  }
  return std::unique_ptr<EnvVarConfigProvider>(
      new EnvVarConfigProvider(std::move(environment), std::move(allowlist)));
}

// Only called for names that are set, i.e. real variable names chosen by whoever started the
// worker: std::regex recurses per character, and a name taken straight from a connector config
// (which anyone with REST access writes) could be long enough to exhaust the stack.
bool EnvVarConfigProvider::allowed(const std::string& name) const {
  return !allowlist_ || std::regex_match(name, *allowlist_);
}

Result<std::map<std::string, std::string>> EnvVarConfigProvider::get(
    const std::string& path, const std::set<std::string>& keys) const {
  if (!path.empty()) {
    // Kafka's message.
    return Status::invalid_argument(
        "Path is not supported for EnvVarConfigProvider, invalid value '" + path + "'");
  }
  std::map<std::string, std::string> found;
  for (const std::string& name : keys) {
    std::optional<std::string> value = environment_(name);
    if (value && allowed(name)) found.emplace(name, std::move(*value));
  }
  return found;
}

std::string EnvVarConfigProvider::describe_missing(const std::string& /*path*/,
                                                   const std::string& key) const {
  // Not telling "unset" from "not allowed": whoever reads the error (a REST client, say) should
  // not learn which variables outside the allowlist exist.
  if (allowlist_)
    return "environment variable '" + key + "' is not set or not allowed by allowlist.pattern";
  return "environment variable '" + key + "' is not set";
}

}  // namespace ferry::runtime
