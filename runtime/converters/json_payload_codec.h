// Connect values <-> JSON payloads, the value half of Kafka Connect's JsonConverter
// (convertToJson / convertToConnect). Schemas are json_schema_codec.h; the envelope and the
// configuration are json_converter.h.
//
// Writing (Connect -> JSON), per schema type:
//   INT8..INT64 integer; FLOAT32/FLOAT64 Java toString, NaN/Infinity as strings; BOOLEAN; STRING;
//   BYTES base64; ARRAY array; MAP with STRING keys an object, other keys [[k,v],...]; STRUCT an
//   object in field order. Decimal: base64 of the unscaled bytes (BASE64) or a number written as
//   BigDecimal.toString (NUMERIC); Date days, Time millis of day, Timestamp epoch millis.
//   A null value is the schema's default when replace_null_with_default is set and there is one,
//   else null if the schema is optional, else a DataException. Without a schema the kind of the
//   value decides (a map is an object if all its keys are strings); logical values and structs
//   need a schema, as in Kafka.
//
// Reading (JSON -> Connect) is the inverse, with Kafka's leniencies (a Decimal is a number or a
// base64 string whatever the format; Timestamp any integer) but stricter about types: Kafka
// silently coerces a JSON value of the wrong type (a string read as INT32 becomes 0) and truncates
// integers that do not fit (300 read as INT8 becomes 44); Ferry refuses both with a DataException
// naming the field. Without a schema: integer -> INT64, other number -> FLOAT64, string, boolean,
// array, object -> map with string keys.
//
// Every error is a DataException whose message names the field path ("address.zip", "tags[2]").
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <cstddef>

#include "ferry/sdk/schema.h"
#include "ferry/sdk/value.h"
#include "runtime/converters/json_document.h"
#include "runtime/converters/json_writer.h"

namespace ferry::runtime {

enum class DecimalFormat { kBase64, kNumeric };

struct JsonCodecOptions {
  DecimalFormat decimal_format = DecimalFormat::kBase64;
  bool replace_null_with_default = true;
};

// Values nested deeper than this are refused when writing, matching what reading accepts.
inline constexpr std::size_t kMaxJsonNesting = JsonDocument::kMaxDepth;

// Writes value (which must fit schema; a null schema means schemaless) as JSON.
void write_payload(JsonWriter& writer, const sdk::Schema* schema, const sdk::Value& value,
                   const JsonCodecOptions& options);

// Writes schema's default value (which must be set) as JSON, for the schema's "default" key.
void write_default(JsonWriter& writer, const sdk::Schema& schema, const JsonCodecOptions& options);

// Reads node as a value of schema (null: infer from the JSON). An invalid node (a missing member)
// reads as JSON null.
sdk::Value read_payload(JsonNode node, const sdk::SchemaPtr& schema,
                        const JsonCodecOptions& options);

}  // namespace ferry::runtime
