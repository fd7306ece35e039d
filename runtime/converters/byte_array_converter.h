// Kafka Connect's ByteArrayConverter (org.apache.kafka.connect.converters.ByteArrayConverter):
// record bytes passed through untouched, as a key, value or header converter.
//
// Writing: the schema must be null or BYTES ("Invalid schema type for ByteArrayConverter: <type>")
// and the value bytes or null. Reading: OPTIONAL_BYTES and the bytes (null stays null).
// Configuration: converter.type only.
//
// Thread-safety: stateless after configure(); the conversions may run concurrently.
#pragma once

#include "ferry/sdk/converter.h"

namespace ferry::runtime {

class ByteArrayConverter final : public sdk::Converter, public sdk::HeaderConverter {
 public:
  static sdk::ConfigDef config_def();
  sdk::ConfigDef config() const override { return config_def(); }

  void configure(const sdk::ConfigMap& configs, bool is_key) override;
  void configure(const sdk::ConfigMap& configs) override;

  std::optional<sdk::Bytes> from_connect_data(std::string_view topic, const sdk::SchemaPtr& schema,
                                              const sdk::Value& value) override;
  sdk::SchemaAndValue to_connect_data(std::string_view topic,
                                      std::optional<sdk::ByteView> bytes) override;

  std::optional<sdk::Bytes> from_connect_header(std::string_view topic, std::string_view header_key,
                                                const sdk::SchemaPtr& schema,
                                                const sdk::Value& value) override;
  sdk::SchemaAndValue to_connect_header(std::string_view topic, std::string_view header_key,
                                        std::optional<sdk::ByteView> bytes) override;
};

}  // namespace ferry::runtime
