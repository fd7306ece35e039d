#include "runtime/converters/converter_type.h"

#include <string>

namespace ferry::runtime {

sdk::ConfigKey converter_type_key() {
  return {.name = std::string(kConverterTypeConfig),
          .type = sdk::ConfigType::kString,
          .validator = sdk::ValidString::in({"key", "value", "header"}),
          .importance = sdk::Importance::kLow,
          .documentation = "How this converter will be used."};
}

sdk::ConfigMap with_converter_type(const sdk::ConfigMap& configs, bool is_key) {
  sdk::ConfigMap result = configs;
  result[std::string(kConverterTypeConfig)] = is_key ? "key" : "value";
  return result;
}

sdk::ConfigMap with_header_converter_type(const sdk::ConfigMap& configs) {
  sdk::ConfigMap result = configs;
  result.emplace(std::string(kConverterTypeConfig), "header");
  return result;
}

ConverterType parse_converter_type(std::string_view text) {
  if (text == "key") return ConverterType::kKey;
  if (text == "value") return ConverterType::kValue;
  return ConverterType::kHeader;
}

}  // namespace ferry::runtime
