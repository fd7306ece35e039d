#include "runtime/worker/alias_validation.h"

#include <set>
#include <string>
#include <utility>

#include "ferry/sdk/record.h"

namespace ferry::runtime {
namespace {

// The aliases a list key names, trimmed, empty ones and repeats dropped (Kafka's LinkedHashSet).
std::vector<std::string> aliases_of(const sdk::ConfigMap& config, const std::string& key) {
  std::vector<std::string> aliases;
  const auto found = config.find(key);
  if (found == config.end()) return aliases;
  std::set<std::string> seen;
  const std::string& list = found->second;
  for (std::size_t start = 0; start <= list.size();) {
    std::size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string alias = list.substr(start, end - start);
    const auto first = alias.find_first_not_of(" \t");
    const auto last = alias.find_last_not_of(" \t");
    alias = first == std::string::npos ? "" : alias.substr(first, last - first + 1);
    if (!alias.empty() && seen.insert(alias).second) aliases.push_back(std::move(alias));
    start = end + 1;
  }
  return aliases;
}

// The component's ConfigDef for the class config names at type_key, or the error to report on
// that key.
template <typename Component, typename Find>
Result<sdk::ConfigDef> component_config(const sdk::ConfigMap& config, const std::string& type_key,
                                        const Find& find) {
  const auto class_name = config.find(type_key);
  if (class_name == config.end() || class_name->second.empty()) {
    return Status::invalid_argument("Missing required configuration \"" + type_key +
                                    "\" which has no default value.");
  }
  auto factory = find(class_name->second);
  if (!factory.ok()) {
    return Status::invalid_argument("Invalid value " + class_name->second + " for configuration " +
                                    type_key + ": Class " + class_name->second +
                                    " could not be found.");
  }
  try {
    const std::unique_ptr<Component> component = (*factory)();
    return component->config();
  } catch (const std::exception& e) {
    return Status::invalid_argument("Invalid value " + class_name->second + " for configuration " +
                                    type_key + ": " + e.what());
  }
}

// Adds the component's keys under prefix to the alias's group and validates their values.
void embed(AliasValidation& out, const sdk::ConfigDef& component, const std::string& prefix,
           const std::string& group, int first_order, const sdk::ConfigMap& config) {
  for (sdk::ConfigKey key : component.keys()) {
    key.name = prefix + key.name;
    key.group = group;
    key.order_in_group = first_order + (key.order_in_group < 0 ? 0 : key.order_in_group);
    out.definition.define(std::move(key));
  }
  for (sdk::ConfigValue value : component.validate(sdk::originals_with_prefix(config, prefix))) {
    value.name = prefix + value.name;
    out.values.push_back(std::move(value));
  }
}

template <typename Record>
std::vector<AliasValidation> validate_for(const loader::PluginRegistry& plugins,
                                          const sdk::ConfigMap& config) {
  std::vector<AliasValidation> result;
  const auto add_type_key = [&](AliasValidation& out, const std::string& type_key,
                                const std::string& documentation, const std::string& group,
                                const std::string& display_name, const Status& problem) {
    out.definition.define({.name = type_key,
                           .type = sdk::ConfigType::kClass,
                           .importance = sdk::Importance::kHigh,
                           .documentation = documentation,
                           .group = group,
                           .order_in_group = 0,
                           .width = sdk::Width::kLong,
                           .display_name = display_name});
    sdk::ConfigValue value;
    value.name = type_key;
    if (const auto given = config.find(type_key); given != config.end()) {
      value.parsed = given->second;
      value.value = given->second;
    } else {
      value.parsed = nullptr;
    }
    if (!problem.ok()) value.errors.push_back(problem.message());
    out.values.push_back(std::move(value));
  };

  for (const std::string& alias : aliases_of(config, "transforms")) {
    const std::string prefix = "transforms." + alias + ".";
    const std::string group = "Transforms: " + alias;
    AliasValidation out;
    auto component = component_config<sdk::Transformation<Record>>(
        config, prefix + "type",
        [&](const std::string& name) { return plugins.find_transformation<Record>(name); });
    add_type_key(out, prefix + "type", "Class for the '" + alias + "' transformation.", group,
                 "Transformation type for " + alias, component.status());
    // Kafka's predicate and negate keys of every transformation, then the transformation's own.
    sdk::ConfigDef conditions;
    conditions
        .define({.name = "predicate",
                 .type = sdk::ConfigType::kString,
                 .default_value = std::string(),
                 .importance = sdk::Importance::kMedium,
                 .documentation = "The alias of a predicate used to determine whether to apply "
                                  "this transformation.",
                 .order_in_group = 0,
                 .width = sdk::Width::kLong,
                 .display_name = "Predicate"})
        .define({.name = "negate",
                 .type = sdk::ConfigType::kBoolean,
                 .default_value = false,
                 .importance = sdk::Importance::kMedium,
                 .documentation = "Whether the configured predicate should be negated.",
                 .order_in_group = 1,
                 .width = sdk::Width::kShort,
                 .display_name = "Negate"});
    embed(out, conditions, prefix, group, 1, config);
    if (component.ok()) embed(out, *component, prefix, group, 3, config);
    result.push_back(std::move(out));
  }
  for (const std::string& alias : aliases_of(config, "predicates")) {
    const std::string prefix = "predicates." + alias + ".";
    const std::string group = "Predicates: " + alias;
    AliasValidation out;
    auto component = component_config<sdk::Predicate<Record>>(
        config, prefix + "type",
        [&](const std::string& name) { return plugins.find_predicate<Record>(name); });
    add_type_key(out, prefix + "type", "Class for the '" + alias + "' predicate.", group,
                 "Predicate type for " + alias, component.status());
    if (component.ok()) embed(out, *component, prefix, group, 1, config);
    result.push_back(std::move(out));
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
