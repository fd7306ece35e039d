#include "runtime/converters/byte_array_converter.h"

#include <string>

#include "ferry/sdk/errors.h"
#include "runtime/converters/converter_type.h"

namespace ferry::runtime {

sdk::ConfigDef ByteArrayConverter::config_def() {
  return sdk::ConfigDef().define(converter_type_key());
}

void ByteArrayConverter::configure(const sdk::ConfigMap& configs, bool is_key) {
  config_def().parse(with_converter_type(configs, is_key));
}

void ByteArrayConverter::configure(const sdk::ConfigMap& configs) {
  config_def().parse(with_header_converter_type(configs));
}

std::optional<sdk::Bytes> ByteArrayConverter::from_connect_data(std::string_view /*topic*/,
                                                                const sdk::SchemaPtr& schema,
                                                                const sdk::Value& value) {
  if (schema && schema->type() != sdk::Type::kBytes) {
    throw sdk::DataException("Invalid schema type for ByteArrayConverter: " +
                             std::string(sdk::type_name(schema->type())));
  }
  if (value.is_null()) return std::nullopt;
  if (const auto* bytes = value.get_if<sdk::Bytes>()) return *bytes;
  throw sdk::DataException("ByteArrayConverter is not compatible with objects of type " +
                           std::string(value.kind_name()));
}

sdk::SchemaAndValue ByteArrayConverter::to_connect_data(std::string_view /*topic*/,
                                                        std::optional<sdk::ByteView> bytes) {
  if (!bytes) return {sdk::Schema::optional_bytes(), sdk::Value()};
  return {sdk::Schema::optional_bytes(), sdk::Bytes(bytes->begin(), bytes->end())};
}

std::optional<sdk::Bytes> ByteArrayConverter::from_connect_header(std::string_view topic,
                                                                  std::string_view /*header_key*/,
                                                                  const sdk::SchemaPtr& schema,
                                                                  const sdk::Value& value) {
  return from_connect_data(topic, schema, value);
}

sdk::SchemaAndValue ByteArrayConverter::to_connect_header(std::string_view topic,
                                                          std::string_view /*header_key*/,
                                                          std::optional<sdk::ByteView> bytes) {
  return to_connect_data(topic, bytes);
}

}  // namespace ferry::runtime
