// The kinds of component a plugin registers (sdk::PluginRegistrar has one method per kind), and
// the words Kafka Connect uses for them.
//
// A transformation or predicate class is registered once per record kind (source records before
// the converters, sink records after them), so it is two components of one class; Kafka, which
// has one Java class for both, lists it once as "transformation" or "predicate".
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace ferry::loader {

enum class ComponentKind {
  kSourceConnector,
  kSinkConnector,
  kConverter,
  kHeaderConverter,
  kSourceTransformation,
  kSinkTransformation,
  kSourcePredicate,
  kSinkPredicate,
};

inline constexpr std::array<ComponentKind, 8> kAllComponentKinds = {
    ComponentKind::kSourceConnector,
    ComponentKind::kSinkConnector,
    ComponentKind::kConverter,
    ComponentKind::kHeaderConverter,
    ComponentKind::kSourceTransformation,
    ComponentKind::kSinkTransformation,
    ComponentKind::kSourcePredicate,
    ComponentKind::kSinkPredicate,
};

// For messages: "source connector", "header converter", "sink transformation", ...
std::string_view kind_name(ComponentKind kind);

// Kafka's PluginType as REST's GET /connector-plugins shows it: "source", "sink", "converter",
// "header_converter", "transformation", "predicate".
std::string_view kafka_type_name(ComponentKind kind);

// The Kafka interface whose simple name PluginUtils.prunedName cuts from a class name:
// "Connector" for both connector kinds (Kafka prunes connectors by "Connector", not by
// "SourceConnector"), then "Converter", "HeaderConverter", "Transformation", "Predicate".
std::string_view type_suffix(ComponentKind kind);

bool is_connector(ComponentKind kind);

}  // namespace ferry::loader
