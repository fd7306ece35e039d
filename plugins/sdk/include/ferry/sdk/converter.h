// Converters turn Connect data (schema + value) into the bytes stored in a topic and back, as Kafka
// Connect's Converter and HeaderConverter do. The worker makes one key converter, one value
// converter and one header converter per task, configured from key.converter.* and friends.
//
// Errors: a value that does not fit its schema, or bytes that do not parse, throw DataException
// with a message that says which field and why. Converters must survive hostile bytes.
//
// Thread-safety: a converter instance is used by one task thread at a time.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/sdk/config_def.h"
#include "ferry/sdk/schema.h"
#include "ferry/sdk/value.h"

namespace ferry::sdk {

class Converter {
 public:
  virtual ~Converter() = default;

  // configs are the converter's own keys (the "key.converter." prefix already stripped);
  // is_key says whether it converts record keys or values.
  virtual void configure(const ConfigMap& configs, bool is_key) = 0;

  // The keys configure() understands, for validation and GET /connector-plugins/{p}/config.
  virtual ConfigDef config() const { return ConfigDef(); }

  // nullopt is Kafka's null (a null key, or a tombstone value).
  virtual std::optional<Bytes> from_connect_data(std::string_view topic, const SchemaPtr& schema,
                                                 const Value& value) = 0;

  // bytes == nullopt is Kafka's null.
  virtual SchemaAndValue to_connect_data(std::string_view topic, std::optional<ByteView> bytes) = 0;
};

class HeaderConverter {
 public:
  virtual ~HeaderConverter() = default;

  virtual void configure(const ConfigMap& configs) = 0;

  virtual ConfigDef config() const { return ConfigDef(); }

  virtual std::optional<Bytes> from_connect_header(std::string_view topic,
                                                   std::string_view header_key,
                                                   const SchemaPtr& schema, const Value& value) = 0;

  virtual SchemaAndValue to_connect_header(std::string_view topic, std::string_view header_key,
                                           std::optional<ByteView> bytes) = 0;
};

}  // namespace ferry::sdk
