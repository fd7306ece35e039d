#include "runtime/converters/simple_header_converter.h"

#include <string>

#include "runtime/converters/converter_type.h"
#include "runtime/converters/text_encoding.h"
#include "runtime/converters/values_text.h"

namespace ferry::runtime {

sdk::ConfigDef SimpleHeaderConverter::config_def() {
  return sdk::ConfigDef().define(converter_type_key());
}

void SimpleHeaderConverter::configure(const sdk::ConfigMap& configs) {
  config_def().parse(with_header_converter_type(configs));
}

std::optional<sdk::Bytes> SimpleHeaderConverter::from_connect_header(
    std::string_view /*topic*/, std::string_view /*header_key*/, const sdk::SchemaPtr& /*schema*/,
    const sdk::Value& value) {
  if (value.is_null()) return std::nullopt;
  const std::string text = value_to_text(value);
  return sdk::Bytes(text.begin(), text.end());
}

sdk::SchemaAndValue SimpleHeaderConverter::to_connect_header(std::string_view /*topic*/,
                                                             std::string_view /*header_key*/,
                                                             std::optional<sdk::ByteView> bytes) {
  if (!bytes) return {nullptr, sdk::Value()};
  if (!is_valid_utf8(*bytes)) {
    return {sdk::Schema::bytes(), sdk::Bytes(bytes->begin(), bytes->end())};
  }
  return parse_value_text(
      std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
}

}  // namespace ferry::runtime
