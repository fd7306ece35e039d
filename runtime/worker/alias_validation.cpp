#include "runtime/worker/alias_validation.h"

#include <set>
#include <string>
#include <utility>

#include "ferry/sdk/record.h"

namespace ferry::runtime {
namespace {

// The aliases a list key names, in order, repeats dropped (Kafka's LinkedHashSet), split as the
// SDK splits every LIST value.
std::vector<std::string> aliases_of(const sdk::ConfigMap& config, const std::string& key) {
  const sdk::ParsedConfig parsed =
      sdk::ConfigDef()
          .define({.name = key, .type = sdk::ConfigType::kList, .default_value = std::string()})
          .parse(config);
  std::vector<std::string> aliases;
  std::set<std::string> seen;
  for (const std::string& alias : parsed.get_list(key)) {
    if (!alias.empty() && seen.insert(alias).second) aliases.push_back(alias);
  }
  return aliases;
}

// One alias's group, all of it validated: the .type key, a transformation's predicate and negate
// keys, then the component's own keys embedded under the alias's prefix (ConfigDef::embed, as
// Kafka's ConnectorConfig.enrich does). A class that is given but cannot be found or created is
// an error on the .type key.
template <typename Component, typename Find>
AliasValidation validate_alias(const sdk::ConfigMap& config, const std::string& kind,
                               const std::string& alias, const std::string& kind_title,
                               const Find& find) {
  const std::string prefix =
      (kind == "transformation" ? "transforms." : "predicates.") + alias + ".";
  const std::string group = (kind == "transformation" ? "Transforms: " : "Predicates: ") + alias;
  const std::string type_key = prefix + "type";
  AliasValidation out;
  out.definition.define({.name = type_key,
                         .type = sdk::ConfigType::kClass,
                         .importance = sdk::Importance::kHigh,
                         .documentation = "Class for the '" + alias + "' " + kind + ".",
                         .group = group,
                         .order_in_group = 0,
                         .width = sdk::Width::kLong,
                         .display_name = kind_title + " type for " + alias});
  int order = 1;
  if (kind == "transformation") {
    // Kafka's predicate and negate keys of every transformation, before its own keys.
    out.definition
        .define({.name = prefix + "predicate",
                 .type = sdk::ConfigType::kString,
                 .default_value = std::string(),
                 .importance = sdk::Importance::kMedium,
                 .documentation =
                     "The alias of a predicate used to determine whether to apply this "
                     "transformation.",
                 .group = group,
                 .order_in_group = order++,
                 .width = sdk::Width::kLong,
                 .display_name = "Predicate"})
        .define({.name = prefix + "negate",
                 .type = sdk::ConfigType::kBoolean,
                 .default_value = false,
                 .importance = sdk::Importance::kMedium,
                 .documentation = "Whether the configured predicate should be negated.",
                 .group = group,
                 .order_in_group = order++,
                 .width = sdk::Width::kShort,
                 .display_name = "Negate"});
  }
  std::string problem;
  if (const auto class_name = config.find(type_key);
      class_name != config.end() && !class_name->second.empty()) {
    problem = "Invalid value " + class_name->second + " for configuration " + type_key + ": ";
    if (auto factory = find(class_name->second); !factory.ok()) {
      problem += "Class " + class_name->second + " could not be found.";
    } else {
      try {
        out.definition.embed(prefix, group, order, (*factory)()->config());
        problem.clear();
      } catch (const std::exception& e) {
        problem += e.what();
      }
    }
  }
  out.values = out.definition.validate(config);
  if (!problem.empty()) out.values.front().errors.push_back(problem);  // the .type key's
  return out;
}

template <typename Record>
std::vector<AliasValidation> validate_for(const loader::PluginRegistry& plugins,
                                          const sdk::ConfigMap& config) {
  std::vector<AliasValidation> result;
  for (const std::string& alias : aliases_of(config, "transforms")) {
    result.push_back(validate_alias<sdk::Transformation<Record>>(
        config, "transformation", alias, "Transformation",
        [&](const std::string& name) { return plugins.find_transformation<Record>(name); }));
  }
  for (const std::string& alias : aliases_of(config, "predicates")) {
    result.push_back(validate_alias<sdk::Predicate<Record>>(
        config, "predicate", alias, "Predicate",
        [&](const std::string& name) { return plugins.find_predicate<Record>(name); }));
  }
  return result;
}

}  // namespace

std::vector<AliasValidation> validate_aliases(const loader::PluginRegistry& plugins,
                                              ConnectorType type, const sdk::ConfigMap& config) {
  if (type == ConnectorType::kSource) return validate_for<sdk::SourceRecord>(plugins, config);
  return validate_for<sdk::SinkRecord>(plugins, config);
}

}  // namespace ferry::runtime
