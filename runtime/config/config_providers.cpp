#include "runtime/config/config_providers.h"

#include <algorithm>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/config/config_reference.h"
#include "runtime/config/directory_config_provider.h"
#include "runtime/config/file_config_provider.h"

namespace ferry::runtime {
namespace {

using Params = std::map<std::string, std::string>;
using CreatedProvider = Result<std::unique_ptr<const ConfigProvider>>;

template <typename Provider>
CreatedProvider as_config_provider(Result<std::unique_ptr<Provider>> created) {
  if (!created.ok()) return created.status();
  return std::unique_ptr<const ConfigProvider>(std::move(created).value());
}

// The provider classes Ferry knows, by Kafka class name, with the parameters each accepts.
struct ProviderClass {
  std::string_view class_name;
  std::vector<std::string_view> params;
  CreatedProvider (*create)(const Params& params, const EnvironmentLookup& environment);
};

const ProviderClass kProviderClasses[] = {
    {FileConfigProvider::kClassName,
     {"allowed.paths"},
     [](const Params& params, const EnvironmentLookup&) {
       return as_config_provider(FileConfigProvider::create(params));
     }},
    {DirectoryConfigProvider::kClassName,
     {"allowed.paths"},
     [](const Params& params, const EnvironmentLookup&) {
       return as_config_provider(DirectoryConfigProvider::create(params));
     }},
    {EnvVarConfigProvider::kClassName,
     {"allowlist.pattern"},
     [](const Params& params, const EnvironmentLookup& environment) {
       return as_config_provider(EnvVarConfigProvider::create(params, environment));
     }},
};

std::string_view simple_name(std::string_view class_name) {
  return class_name.substr(class_name.rfind('.') + 1);  // npos + 1 == 0: the whole name
}

const ProviderClass* find_class(std::string_view name) {
  for (const ProviderClass& provider_class : kProviderClasses) {
    if (name == provider_class.class_name || name == simple_name(provider_class.class_name)) {
      return &provider_class;
    }
  }
  return nullptr;
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::vector<std::string> split_names(std::string_view list) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    const std::string_view name = trim(list.substr(start, comma - start));
    if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) {
      names.emplace_back(name);
    }
    start = comma + 1;
  }
  return names;
}

// The reference as written, minus a redundant empty path: names the provider, path and key
// without quoting the rest of the value.
std::string describe(const ConfigReference& reference) {
  std::string text = "${";
  text.append(reference.provider).append(":");
  if (!reference.path.empty()) text.append(reference.path).append(":");
  text.append(reference.key).append("}");
  return text;
}

}  // namespace

Result<ConfigProviders> ConfigProviders::from_worker_config(
    const std::map<std::string, std::string>& worker, EnvironmentLookup environment) {
  ConfigProviders providers;
  const auto list = worker.find("config.providers");
  if (list == worker.end()) return providers;
  for (const std::string& name : split_names(list->second)) {
    const std::string prefix = "config.providers." + name;
    const auto class_entry = worker.find(prefix + ".class");
    if (class_entry == worker.end()) {
      return Status::invalid_argument("config.providers lists '" + name + "' but " + prefix +
                                      ".class is not set");
    }
    const ProviderClass* provider_class = find_class(trim(class_entry->second));
    if (provider_class == nullptr) {
      std::string known;
      for (const ProviderClass& c : kProviderClasses) {
        known += (known.empty() ? "" : ", ") + std::string(simple_name(c.class_name));
      }
      return Status::invalid_argument(prefix + ".class: unknown config provider class '" +
                                      class_entry->second + "' (known: " + known + ")");
    }

    const std::string param_prefix = prefix + ".param.";
    Params params;
    for (auto entry = worker.lower_bound(param_prefix);
         entry != worker.end() && entry->first.starts_with(param_prefix); ++entry) {
      std::string param = entry->first.substr(param_prefix.size());
      if (std::find(provider_class->params.begin(), provider_class->params.end(), param) ==
          provider_class->params.end()) {
        return Status::invalid_argument(entry->first + ": " +
                                        std::string(simple_name(provider_class->class_name)) +
                                        " has no parameter '" + param + "'");
      }
      params.emplace(std::move(param), entry->second);
    }

    CreatedProvider provider = provider_class->create(params, environment);
    if (!provider.ok()) return provider.status().with_context("config provider '" + name + "'");
    providers.providers_.emplace(name, std::move(provider).value());
  }
  return providers;
}

Result<std::map<std::string, std::string>> ConfigProviders::resolve(
    const std::map<std::string, std::string>& config) const {
  if (providers_.empty()) return config;

  // Two steps, as Kafka's ConfigTransformer: first gather which keys each (provider, path) is
  // asked for and ask once per path, then substitute.
  struct Lookup {
    std::set<std::string> keys;
    const std::string* first_config_key = nullptr;  // whose reference an error is reported on
    std::map<std::string, std::string> values;
  };
  std::map<std::pair<std::string, std::string>, Lookup> lookups;  // by (provider, path)
  std::vector<std::vector<ConfigReference>> references;           // per entry of `config`
  references.reserve(config.size());
  for (const auto& [config_key, value] : config) {
    references.push_back(find_config_references(value));
    for (const ConfigReference& reference : references.back()) {
      const std::string provider(reference.provider);
      if (!providers_.contains(provider)) continue;
      Lookup& lookup = lookups[{provider, std::string(reference.path)}];
      lookup.keys.emplace(reference.key);
      if (lookup.first_config_key == nullptr) lookup.first_config_key = &config_key;
    }
  }

  // Every failure is invalid_argument whatever the provider said (a missing file is not_found
  // there): the caller's reaction is to reject this config, not to report a missing resource.
  for (auto& [provider_and_path, lookup] : lookups) {
    const auto& [provider, path] = provider_and_path;
    Result<std::map<std::string, std::string>> values =
        providers_.at(provider)->get(path, lookup.keys);
    if (!values.ok()) {
      return Status::invalid_argument("config '" + *lookup.first_config_key + "': provider '" +
                                      provider + "', path '" + path +
                                      "': " + values.status().message());
    }
    lookup.values = std::move(values).value();
  }

  std::map<std::string, std::string> resolved;
  auto entry_references = references.begin();
  for (const auto& [config_key, value] : config) {
    std::string text;
    std::size_t copied = 0;  // value[0, copied) is in text
    for (const ConfigReference& reference : *entry_references++) {
      const auto provider = providers_.find(std::string(reference.provider));
      if (provider == providers_.end()) continue;  // not ours: stays as written
      const std::string path(reference.path);
      const std::string key(reference.key);
      const Lookup& lookup = lookups.at({provider->first, path});
      const auto found = lookup.values.find(key);
      if (found == lookup.values.end()) {
        return Status::invalid_argument("config '" + config_key + "': " + describe(reference) +
                                        ": " + provider->second->describe_missing(path, key));
      }
      text.append(value, copied, reference.begin - copied);
      text += found->second;
      copied = reference.end;
    }
    text.append(value, copied);
    resolved.emplace(config_key, std::move(text));
  }
  return resolved;
}

}  // namespace ferry::runtime
