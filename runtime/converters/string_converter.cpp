#include "runtime/converters/string_converter.h"

#include <string>

#include "runtime/converters/java_text.h"

namespace ferry::runtime {

sdk::ConfigDef StringConverter::config_def() {
  return sdk::ConfigDef()
      .define(
          {.name = std::string(kEncodingConfig),
           .type = sdk::ConfigType::kString,
           .default_value = std::string("UTF-8"),
           .validator = sdk::Validator(
               [](std::string_view, const sdk::ParsedValue& value) -> std::optional<std::string> {
                 const auto* name = std::get_if<std::string>(&value);
                 if (name != nullptr && !text_encoding_named(*name)) {
                   return "Ferry supports UTF-8, ISO-8859-1 and US-ASCII";
                 }
                 return std::nullopt;
               },
               "UTF-8, ISO-8859-1 or US-ASCII"),
           .importance = sdk::Importance::kHigh,
           .documentation = "The name of the Java character set to use for encoding strings "
                            "as byte arrays.",
           .group = "Converter",
           .order_in_group = 1,
           .width = sdk::Width::kMedium,
           .display_name = "Character encoding"})
      .define(converter_type_key());
}

void StringConverter::configure(const sdk::ConfigMap& configs, bool is_key) {
  apply(with_converter_type(configs, is_key));
}

void StringConverter::configure(const sdk::ConfigMap& configs) {
  apply(with_header_converter_type(configs));
}

void StringConverter::apply(const sdk::ConfigMap& configs) {
  const sdk::ParsedConfig parsed = config_def().parse(configs);
  encoding_ = *text_encoding_named(parsed.get_string(kEncodingConfig));
  type_ = parse_converter_type(parsed.get_string(kConverterTypeConfig));
}

std::optional<sdk::Bytes> StringConverter::from_connect_data(std::string_view topic,
                                                             const sdk::SchemaPtr& schema,
                                                             const sdk::Value& value) {
  sdk::Bytes out;
  if (!from_connect_data_into(topic, schema, value, out)) return std::nullopt;
  return out;
}

bool StringConverter::from_connect_data_into(std::string_view /*topic*/,
                                             const sdk::SchemaPtr& /*schema*/,
                                             const sdk::Value& value, sdk::Bytes& out) {
  out.clear();
  if (value.is_null()) return false;
  if (const auto* bytes = value.get_if<sdk::Bytes>()) {
    out.assign(bytes->begin(), bytes->end());
  } else if (const auto* text = value.get_if<std::string>()) {
    encode_text_into(*text, encoding_, out);
  } else {
    encode_text_into(java_to_string(value), encoding_, out);
  }
  return true;
}

sdk::SchemaAndValue StringConverter::to_connect_data(std::string_view /*topic*/,
                                                     std::optional<sdk::ByteView> bytes) {
  if (!bytes) return {sdk::Schema::optional_string(), sdk::Value()};
  return {sdk::Schema::optional_string(), decode_text(*bytes, encoding_)};
}

std::optional<sdk::Bytes> StringConverter::from_connect_header(std::string_view topic,
                                                               std::string_view /*header_key*/,
                                                               const sdk::SchemaPtr& schema,
                                                               const sdk::Value& value) {
  return from_connect_data(topic, schema, value);
}

sdk::SchemaAndValue StringConverter::to_connect_header(std::string_view topic,
                                                       std::string_view /*header_key*/,
                                                       std::optional<sdk::ByteView> bytes) {
  return to_connect_data(topic, bytes);
}

}  // namespace ferry::runtime
