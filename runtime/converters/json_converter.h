// Kafka Connect's JsonConverter (org.apache.kafka.connect.json.JsonConverter): Connect data to
// JSON bytes and back, for record keys, values and headers, byte for byte as Kafka Connect writes
// and reads them (docs: reference §3).
//
// Format kept:
//   schemas.enable=true   {"schema":<schema JSON or null>,"payload":<value JSON>}, compact, keys
//                         in that order (json_schema_codec.h has the schema object's key order)
//   schemas.enable=false  <value JSON>
//   null schema and null value -> null bytes (a tombstone or null key), and back.
// Value encodings (numbers as Java prints them, bytes as base64, Decimal per decimal.format, maps
// with non-string keys as [[k,v],...]) are in json_payload_codec.h.
//
// Configuration (Kafka's JsonConverterConfig keys): schemas.enable (default true),
// schemas.cache.size (1000), decimal.format BASE64|NUMERIC in any case (BASE64),
// replace.null.with.default (true), converter.type key|value|header (set by configure(map,
// is_key); configure(map) as a header converter defaults it to header). Bad values throw
// sdk::ConfigException naming the key and the value. An unconfigured converter uses the defaults.
//
// Deliberate differences from Kafka (each refuses input Kafka would silently misread):
//   - a JSON value of the wrong type for its schema (a string for INT32) and an integer outside
//     the range of INT8/INT16/INT32/INT64 are DataExceptions naming the field; Kafka coerces them
//     to 0 or truncates them;
//   - text after the JSON value is an error; Jackson ignores it;
//   - a Decimal read as a JSON number is rescaled (exactly, or it is an error) to the schema's
//     scale, so the value fits its schema; Kafka keeps the number's own scale;
//   - "NaN", "Infinity" and "-Infinity" strings read back as FLOAT32/FLOAT64, so what Ferry (and
//     Jackson) writes for non-finite numbers round-trips;
//   - schemas.cache.size must be >= 0.
//
// Caching: the schema JSON written for a schema is cached (LRU of schemas.cache.size, keyed by
// schema equality, with a fast path for the schema object used last); schemas read are cached by
// their JSON content, so a stream of records with one schema parses its schema once. Reading a
// record whose envelope begins {"schema":<the last schema's exact text>,"payload": parses only
// the payload (and checks the closing brace); anything else takes the full parse, so results and
// errors are the same either way.
//
// Thread-safety: none. An instance is used by one task thread at a time (it reuses its parser,
// buffers and caches between calls), as the worker guarantees.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/sdk/config_def.h"
#include "ferry/sdk/converter.h"
#include "ferry/sdk/schema.h"
#include "ferry/sdk/value.h"
#include "runtime/converters/converter_into.h"
#include "runtime/converters/converter_type.h"
#include "runtime/converters/json_payload_codec.h"

namespace ferry::runtime {

struct JsonConverterSettings {
  bool schemas_enable = true;
  int schemas_cache_size = 1000;
  JsonCodecOptions codec;  // decimal.format, replace.null.with.default
  ConverterType type = ConverterType::kValue;
};

class JsonConverter final : public sdk::Converter,
                            public sdk::HeaderConverter,
                            public ConvertsInto {
 public:
  static constexpr std::string_view kSchemasEnableConfig = "schemas.enable";
  static constexpr std::string_view kSchemasCacheSizeConfig = "schemas.cache.size";
  static constexpr std::string_view kDecimalFormatConfig = "decimal.format";
  static constexpr std::string_view kReplaceNullWithDefaultConfig = "replace.null.with.default";

  JsonConverter();
  ~JsonConverter() override;
  // One owner: it holds a parser and caches that are not shared.
  JsonConverter(const JsonConverter&) = delete;
  JsonConverter& operator=(const JsonConverter&) = delete;

  // The keys above, as Kafka's JsonConverterConfig defines them.
  static sdk::ConfigDef config_def();
  sdk::ConfigDef config() const override { return config_def(); }

  // Converter: converter.type becomes key or value by is_key. Clears the caches.
  void configure(const sdk::ConfigMap& configs, bool is_key) override;
  // HeaderConverter: converter.type defaults to header.
  void configure(const sdk::ConfigMap& configs) override;
  const JsonConverterSettings& settings() const;

  std::optional<sdk::Bytes> from_connect_data(std::string_view topic, const sdk::SchemaPtr& schema,
                                              const sdk::Value& value) override;
  bool from_connect_data_into(std::string_view topic, const sdk::SchemaPtr& schema,
                              const sdk::Value& value, sdk::Bytes& out) override;
  sdk::SchemaAndValue to_connect_data(std::string_view topic,
                                      std::optional<sdk::ByteView> bytes) override;

  // Headers convert exactly as data does, as in Kafka.
  std::optional<sdk::Bytes> from_connect_header(std::string_view topic, std::string_view header_key,
                                                const sdk::SchemaPtr& schema,
                                                const sdk::Value& value) override;
  sdk::SchemaAndValue to_connect_header(std::string_view topic, std::string_view header_key,
                                        std::optional<sdk::ByteView> bytes) override;

  // Kafka's asJsonSchema / asConnectSchema, through the same caches. as_json_schema(nullptr) is
  // "null"; as_connect_schema("null") is nullptr. Errors are DataExceptions.
  std::string as_json_schema(const sdk::SchemaPtr& schema);
  sdk::SchemaPtr as_connect_schema(std::string_view schema_json);

 private:
  struct State;
  void apply(const sdk::ConfigMap& configs);

  std::unique_ptr<State> state_;
};

}  // namespace ferry::runtime
