// Kafka Connect's short names for plugin classes (PluginUtils.simpleName, prunedName and
// computeAliases), so that the names users put in connector.class, key.converter and
// transforms.*.type resolve here exactly as they do in Kafka Connect. A class may be named by
//   1. its full class name: org.apache.kafka.connect.file.FileStreamSourceConnector;
//   2. its simple name, after the last '.' (and after the last '$', Java's nested-class mark:
//      Cast$Value is "Value"): FileStreamSourceConnector;
//   3. its pruned name: the simple name cut before the LAST occurrence of its kind's type suffix
//      when that occurrence is not at the start (type_suffix: "Connector", "Converter",
//      "HeaderConverter", "Transformation", "Predicate"): FileStreamSource, "Json" for
//      JsonConverter; otherwise the simple name itself.
// An alias that names two different classes, of whatever kinds, is dropped altogether: only the
// full names work then. That is why nested transforms (every Cast$Value, ReplaceField$Value, ...
// is "Value") are in practice named by full class name.
//
// Pure functions of their arguments; thread-safe.
#pragma once

#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "plugins/loader/component_kind.h"

namespace ferry::loader {

std::string_view simple_name(std::string_view class_name);

std::string_view pruned_name(std::string_view class_name, ComponentKind kind);

struct RegisteredClass {
  std::string_view class_name;
  ComponentKind kind;
};

// alias -> full class name, for every simple and pruned name that names exactly one class. A class
// registered under several kinds (JsonConverter is a converter and a header converter) is one
// class, so its names do not collide with each other.
std::map<std::string, std::string, std::less<>> compute_aliases(
    std::span<const RegisteredClass> classes);

}  // namespace ferry::loader
