// Kafka Connect's SimpleHeaderConverter (org.apache.kafka.connect.storage.SimpleHeaderConverter),
// the worker's default header.converter: header values as the UTF-8 text of values_text.h, the
// schema inferred again when read.
//
// Writing: null is Kafka's null; anything else is value_to_text in UTF-8. Reading: null stays
// null, empty bytes are the empty STRING, other bytes parse as values_text.h says; bytes that are
// not UTF-8 come back unchanged as BYTES, as Kafka falls back to BYTES when parsing fails.
// Configuration: none (converter.type is accepted, as Kafka's ConverterConfig has it).
//
// Thread-safety: stateless; the conversions may run concurrently.
#pragma once

#include "ferry/sdk/converter.h"

namespace ferry::runtime {

class SimpleHeaderConverter final : public sdk::HeaderConverter {
 public:
  static sdk::ConfigDef config_def();
  sdk::ConfigDef config() const override { return config_def(); }

  void configure(const sdk::ConfigMap& configs) override;

  std::optional<sdk::Bytes> from_connect_header(std::string_view topic, std::string_view header_key,
                                                const sdk::SchemaPtr& schema,
                                                const sdk::Value& value) override;
  sdk::SchemaAndValue to_connect_header(std::string_view topic, std::string_view header_key,
                                        std::optional<sdk::ByteView> bytes) override;
};

}  // namespace ferry::runtime
