#include "plugins/loader/plugin_aliases.h"

#include <set>

namespace ferry::loader {

std::string_view simple_name(std::string_view class_name) {
  const std::size_t separator = class_name.find_last_of(".$");
  return separator == std::string_view::npos ? class_name : class_name.substr(separator + 1);
}

std::string_view pruned_name(std::string_view class_name, ComponentKind kind) {
  const std::string_view simple = simple_name(class_name);
  // Kafka: int pos = simple.lastIndexOf(suffix); if (pos > 0) return simple.substring(0, pos);
  const std::size_t position = simple.rfind(type_suffix(kind));
  if (position != std::string_view::npos && position > 0) return simple.substr(0, position);
  return simple;
}

std::map<std::string, std::string, std::less<>> compute_aliases(
    std::span<const RegisteredClass> classes) {
  std::map<std::string, std::set<std::string_view>, std::less<>> owners;
  for (const RegisteredClass& registered : classes) {
    owners[std::string(simple_name(registered.class_name))].insert(registered.class_name);
    owners[std::string(pruned_name(registered.class_name, registered.kind))].insert(
        registered.class_name);
  }
  std::map<std::string, std::string, std::less<>> aliases;
  for (auto& [alias, class_names] : owners) {
    if (class_names.size() == 1) aliases.emplace(alias, *class_names.begin());
  }
  return aliases;
}

}  // namespace ferry::loader
