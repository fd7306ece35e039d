#include "plugins/loader/component_kind.h"

namespace ferry::loader {

std::string_view kind_name(ComponentKind kind) {
  switch (kind) {
    case ComponentKind::kSourceConnector:
      return "source connector";
    case ComponentKind::kSinkConnector:
      return "sink connector";
    case ComponentKind::kConverter:
      return "converter";
    case ComponentKind::kHeaderConverter:
      return "header converter";
    case ComponentKind::kSourceTransformation:
      return "source transformation";
    case ComponentKind::kSinkTransformation:
      return "sink transformation";
    case ComponentKind::kSourcePredicate:
      return "source predicate";
    case ComponentKind::kSinkPredicate:
      return "sink predicate";
  }
  return "component";
}

std::string_view kafka_type_name(ComponentKind kind) {
  switch (kind) {
    case ComponentKind::kSourceConnector:
      return "source";
    case ComponentKind::kSinkConnector:
      return "sink";
    case ComponentKind::kConverter:
      return "converter";
    case ComponentKind::kHeaderConverter:
      return "header_converter";
    case ComponentKind::kSourceTransformation:
    case ComponentKind::kSinkTransformation:
      return "transformation";
    case ComponentKind::kSourcePredicate:
    case ComponentKind::kSinkPredicate:
      return "predicate";
  }
  return "unknown";
}

std::string_view type_suffix(ComponentKind kind) {
  switch (kind) {
    case ComponentKind::kSourceConnector:
    case ComponentKind::kSinkConnector:
      return "Connector";
    case ComponentKind::kConverter:
      return "Converter";
    case ComponentKind::kHeaderConverter:
      return "HeaderConverter";
    case ComponentKind::kSourceTransformation:
    case ComponentKind::kSinkTransformation:
      return "Transformation";
    case ComponentKind::kSourcePredicate:
    case ComponentKind::kSinkPredicate:
      return "Predicate";
  }
  return "";
}

bool is_connector(ComponentKind kind) {
  return kind == ComponentKind::kSourceConnector || kind == ComponentKind::kSinkConnector;
}

}  // namespace ferry::loader
