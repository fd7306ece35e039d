// Kafka Connect's StringConverter (org.apache.kafka.connect.storage.StringConverter), as a value,
// key and header converter.
//
// Writing: the value's Java toString() (java_text.h) in converter.encoding, ignoring the schema;
// null is Kafka's null. Reading: an OPTIONAL_STRING schema and the decoded text; null bytes are
// a null value. Bytes that do not decode become U+FFFD, as Java's decoder makes them, so reading
// never fails.
//
// Configuration: converter.encoding (default UTF-8; Ferry knows UTF-8, ISO-8859-1 and US-ASCII
// by their Java names and aliases, and any other name is a ConfigException naming it, where Kafka
// would accept every charset the JVM has), converter.type.
//
// Thread-safety: configure() before use; the conversions are const and may run concurrently.
#pragma once

#include "ferry/sdk/converter.h"
#include "runtime/converters/converter_into.h"
#include "runtime/converters/converter_type.h"
#include "runtime/converters/text_encoding.h"

namespace ferry::runtime {

class StringConverter final : public sdk::Converter,
                              public sdk::HeaderConverter,
                              public ConvertsInto {
 public:
  static constexpr std::string_view kEncodingConfig = "converter.encoding";

  static sdk::ConfigDef config_def();
  sdk::ConfigDef config() const override { return config_def(); }

  void configure(const sdk::ConfigMap& configs, bool is_key) override;
  void configure(const sdk::ConfigMap& configs) override;

  std::optional<sdk::Bytes> from_connect_data(std::string_view topic, const sdk::SchemaPtr& schema,
                                              const sdk::Value& value) override;
  bool from_connect_data_into(std::string_view topic, const sdk::SchemaPtr& schema,
                              const sdk::Value& value, sdk::Bytes& out) override;
  sdk::SchemaAndValue to_connect_data(std::string_view topic,
                                      std::optional<sdk::ByteView> bytes) override;

  std::optional<sdk::Bytes> from_connect_header(std::string_view topic, std::string_view header_key,
                                                const sdk::SchemaPtr& schema,
                                                const sdk::Value& value) override;
  sdk::SchemaAndValue to_connect_header(std::string_view topic, std::string_view header_key,
                                        std::optional<sdk::ByteView> bytes) override;

  TextEncoding encoding() const { return encoding_; }
  ConverterType type() const { return type_; }

 private:
  void apply(const sdk::ConfigMap& configs);

  TextEncoding encoding_ = TextEncoding::kUtf8;
  ConverterType type_ = ConverterType::kValue;
};

}  // namespace ferry::runtime
