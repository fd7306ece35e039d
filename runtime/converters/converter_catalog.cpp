#include "runtime/converters/converter_catalog.h"

#include <algorithm>
#include <map>
#include <set>

#include "runtime/converters/byte_array_converter.h"
#include "runtime/converters/json_converter.h"
#include "runtime/converters/number_converters.h"
#include "runtime/converters/simple_header_converter.h"
#include "runtime/converters/string_converter.h"

namespace ferry::runtime {
namespace {

// A class that is both kinds of converter gets both factories.
template <typename T>
ConverterPlugin both_kinds(std::string class_name, const std::string& version) {
  return {.class_name = std::move(class_name),
          .version = version,
          .new_converter = [] { return std::make_unique<T>(); },
          .new_header_converter = [] { return std::make_unique<T>(); }};
}

std::string_view simple_name(std::string_view class_name) {
  const std::size_t dot = class_name.rfind('.');
  return dot == std::string_view::npos ? class_name : class_name.substr(dot + 1);
}

// Kafka's prunePluginName: everything before the last occurrence of the suffix, if that is not
// empty ("JsonConverter" -> "Json", "SimpleHeaderConverter" as a header converter -> "Simple").
void add_pruned(std::set<std::string>& aliases, std::string_view simple, std::string_view suffix) {
  const std::size_t position = simple.rfind(suffix);
  if (position != std::string_view::npos && position > 0) {
    aliases.emplace(simple.substr(0, position));
  }
}

std::set<std::string> computed_aliases(const ConverterPlugin& plugin) {
  const std::string_view simple = simple_name(plugin.class_name);
  std::set<std::string> aliases{std::string(simple)};
  if (plugin.new_converter) add_pruned(aliases, simple, "Converter");
  if (plugin.new_header_converter) add_pruned(aliases, simple, "HeaderConverter");
  aliases.erase(plugin.class_name);
  return aliases;
}

}  // namespace

ConverterCatalog ConverterCatalog::with_builtins(std::string version) {
  ConverterCatalog catalog;
  const auto add = [&catalog](ConverterPlugin plugin) { (void)catalog.add(std::move(plugin)); };
  add(both_kinds<JsonConverter>("org.apache.kafka.connect.json.JsonConverter", version));
  add(both_kinds<StringConverter>("org.apache.kafka.connect.storage.StringConverter", version));
  add(both_kinds<ByteArrayConverter>("org.apache.kafka.connect.converters.ByteArrayConverter",
                                     version));
  add(both_kinds<BooleanConverter>("org.apache.kafka.connect.converters.BooleanConverter",
                                   version));
  add(both_kinds<DoubleConverter>("org.apache.kafka.connect.converters.DoubleConverter", version));
  add(both_kinds<FloatConverter>("org.apache.kafka.connect.converters.FloatConverter", version));
  add(both_kinds<IntegerConverter>("org.apache.kafka.connect.converters.IntegerConverter",
                                   version));
  add(both_kinds<LongConverter>("org.apache.kafka.connect.converters.LongConverter", version));
  add(both_kinds<ShortConverter>("org.apache.kafka.connect.converters.ShortConverter", version));
  add({.class_name = "org.apache.kafka.connect.storage.SimpleHeaderConverter",
       .version = version,
       .new_header_converter = [] { return std::make_unique<SimpleHeaderConverter>(); }});
  return catalog;
}

Status ConverterCatalog::add(ConverterPlugin plugin) {
  if (by_class_.contains(plugin.class_name)) {
    return Status::conflict("converter class " + plugin.class_name + " is already registered");
  }
  by_class_.emplace(plugin.class_name, plugins_.size());
  plugins_.push_back(std::move(plugin));
  rebuild_aliases();
  return Status::ok_status();
}

void ConverterCatalog::rebuild_aliases() {
  std::map<std::string, std::set<std::size_t>> owners;
  for (std::size_t i = 0; i < plugins_.size(); ++i) {
    for (const std::string& alias : computed_aliases(plugins_[i])) owners[alias].insert(i);
  }
  by_alias_.clear();
  for (const auto& [alias, indexes] : owners) {
    // Shared aliases are dropped, and a class name always wins over another class's alias.
    if (indexes.size() == 1 && !by_class_.contains(alias))
      by_alias_.emplace(alias, *indexes.begin());
  }
}

const ConverterPlugin* ConverterCatalog::find(std::string_view name) const {
  const std::string key(name);
  if (const auto it = by_class_.find(key); it != by_class_.end()) return &plugins_[it->second];
  if (const auto it = by_alias_.find(key); it != by_alias_.end()) return &plugins_[it->second];
  return nullptr;
}

std::string ConverterCatalog::available(bool header) const {
  std::string names;
  for (const ConverterPlugin& plugin : plugins_) {
    if (header ? !plugin.new_header_converter : !plugin.new_converter) continue;
    if (!names.empty()) names += ", ";
    names += plugin.class_name;
  }
  return names;
}

Result<std::unique_ptr<sdk::Converter>> ConverterCatalog::new_converter(
    std::string_view name) const {
  const ConverterPlugin* plugin = find(name);
  if (plugin == nullptr) {
    return Status::not_found("Class " + std::string(name) +
                             " could not be found. Available converters: " + available(false));
  }
  if (!plugin->new_converter) {
    return Status::invalid_argument(plugin->class_name + " is a HeaderConverter, not a Converter");
  }
  return plugin->new_converter();
}

Result<std::unique_ptr<sdk::HeaderConverter>> ConverterCatalog::new_header_converter(
    std::string_view name) const {
  const ConverterPlugin* plugin = find(name);
  if (plugin == nullptr) {
    return Status::not_found(
        "Class " + std::string(name) +
        " could not be found. Available header converters: " + available(true));
  }
  if (!plugin->new_header_converter) {
    return Status::invalid_argument(plugin->class_name + " is a Converter, not a HeaderConverter");
  }
  return plugin->new_header_converter();
}

std::vector<std::string> ConverterCatalog::aliases_of(const ConverterPlugin& plugin) const {
  std::vector<std::string> aliases;
  const auto it = by_class_.find(plugin.class_name);
  if (it == by_class_.end()) return aliases;
  for (const auto& [alias, index] : by_alias_) {
    if (index == it->second) aliases.push_back(alias);
  }
  std::sort(aliases.begin(), aliases.end());
  return aliases;
}

}  // namespace ferry::runtime
