// Connect schemas <-> the JSON schema objects of Kafka Connect's JsonConverter envelope
// (asJsonSchema / asConnectSchema).
//
// Written keys, in exactly Kafka's order:
//   "type" ("int8".."int64", "float", "double", "boolean", "string", "bytes", "array", "map",
//   "struct"); then "items" (array), "keys" and "values" (map) or "fields" (struct: each field's
//   own schema object with "field":"<name>" as its LAST key); then "optional" (always), and when
//   set "name", "version", "doc", "parameters" (insertion order) and "default" (written as a
//   payload of the schema itself).
//
// Read back with Kafka's rules: "type" is required; "optional" is true only for JSON true; "name",
// "version" and "doc" are taken only when they have the right JSON type; parameter values must be
// strings; a struct field needs a string "field"; an array needs "items"; a map "keys" and
// "values". Errors are DataExceptions with Kafka's messages.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include "ferry/sdk/schema.h"
#include "runtime/converters/json_document.h"
#include "runtime/converters/json_payload_codec.h"
#include "runtime/converters/json_writer.h"

namespace ferry::runtime {

// Writes schema's JSON object (compact). Defaults are written per options.decimal_format.
void write_schema(JsonWriter& writer, const sdk::Schema& schema, const JsonCodecOptions& options);

// The schema described by node; nullptr for JSON null.
sdk::SchemaPtr read_schema(JsonNode node, const JsonCodecOptions& options);

}  // namespace ferry::runtime
