// The converters a worker can instantiate by name: Kafka's built-in ones under Kafka's class
// names, and (once the plugin loader registers them) those of plugins. key.converter,
// value.converter and header.converter take a fully qualified class name or an alias, resolved as
// Kafka Connect resolves them (PluginUtils.computeAliases):
//   - the simple class name ("JsonConverter");
//   - the simple name cut before the last occurrence of the type's name: "Converter" for a
//     converter ("Json"), "HeaderConverter" for a header converter ("SimpleHeaderConverter" gives
//     "Simple", as in Kafka);
//   - an alias that two classes share is no alias at all, and only the full name works.
//
// Thread-safety: built by one thread (add), then read-only; the const members may be called
// concurrently.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "ferry/sdk/converter.h"

namespace ferry::runtime {

struct ConverterPlugin {
  std::string class_name;  // fully qualified, as Kafka names it
  std::string version;
  // Each empty when the class is not that kind of converter.
  std::function<std::unique_ptr<sdk::Converter>()> new_converter;
  std::function<std::unique_ptr<sdk::HeaderConverter>()> new_header_converter;
};

class ConverterCatalog {
 public:
  // Kafka's built-in converters (JSON, String, ByteArray, the number converters, the simple
  // header converter), reporting version.
  static ConverterCatalog with_builtins(std::string version);

  // Conflict if the class name is taken.
  Status add(ConverterPlugin plugin);

  // The plugin a class name or alias names, or nullptr.
  const ConverterPlugin* find(std::string_view name) const;

  // A new, unconfigured instance. not_found names the class and the converters there are;
  // invalid_argument says when the class is not that kind of converter.
  Result<std::unique_ptr<sdk::Converter>> new_converter(std::string_view name) const;
  Result<std::unique_ptr<sdk::HeaderConverter>> new_header_converter(std::string_view name) const;

  // The aliases that resolve to the plugin, sorted.
  std::vector<std::string> aliases_of(const ConverterPlugin& plugin) const;

  // In the order added.
  const std::vector<ConverterPlugin>& plugins() const { return plugins_; }

 private:
  void rebuild_aliases();
  std::string available(bool header) const;

  std::vector<ConverterPlugin> plugins_;
  std::unordered_map<std::string, std::size_t> by_class_;
  std::unordered_map<std::string, std::size_t> by_alias_;
};

}  // namespace ferry::runtime
