// What PUT /connector-plugins/{p}/config/validate shows for a connector's transformations and
// predicates (Kafka's ConnectorConfig.enrich): a group "Transforms: <alias>" per transformation
// alias with transforms.<alias>.type, the transformation's own keys under the alias's prefix and
// transforms.<alias>.predicate / .negate; a group "Predicates: <alias>" per predicate alias with
// predicates.<alias>.type and the predicate's keys. Each comes with its keys' validation results
// (a missing or unknown class is an error on the .type key).
//
// Thread-safety: a pure function of its arguments (the registry is only read).
#pragma once

#include <vector>

#include "ferry/sdk/config_def.h"
#include "plugins/loader/plugin_registry.h"
#include "runtime/worker/connector_config.h"

namespace ferry::runtime {

struct AliasValidation {
  sdk::ConfigDef definition;
  std::vector<sdk::ConfigValue> values;
};

// Transformations first, then predicates (Kafka's order), each in the order its list names them.
std::vector<AliasValidation> validate_aliases(const loader::PluginRegistry& plugins,
                                              ConnectorType type, const sdk::ConfigMap& config);

}  // namespace ferry::runtime
