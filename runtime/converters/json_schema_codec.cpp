#include "runtime/converters/json_schema_codec.h"

#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "ferry/sdk/errors.h"

namespace ferry::runtime {
namespace {

using sdk::DataException;

// Everything but the closing brace, so a struct field can append its "field" key last.
void write_schema_open(JsonWriter& writer, const sdk::Schema& schema,
                       const JsonCodecOptions& options, std::size_t depth);

void write_schema_at(JsonWriter& writer, const sdk::Schema& schema, const JsonCodecOptions& options,
                     std::size_t depth) {
  write_schema_open(writer, schema, options, depth);
  writer.raw('}');
}

void write_schema_open(JsonWriter& writer, const sdk::Schema& schema,
                       const JsonCodecOptions& options, std::size_t depth) {
  if (depth > kMaxJsonNesting) {
    throw DataException("Schema is nested more than " + std::to_string(kMaxJsonNesting) +
                        " levels deep");
  }
  writer.raw("{\"type\":\"");
  writer.raw(sdk::json_type_name(schema.type()));
  writer.raw('"');
  switch (schema.type()) {
    case sdk::Type::kArray:
      writer.raw(",\"items\":");
      write_schema_at(writer, *schema.value_schema(), options, depth + 1);
      break;
    case sdk::Type::kMap:
      writer.raw(",\"keys\":");
      write_schema_at(writer, *schema.key_schema(), options, depth + 1);
      writer.raw(",\"values\":");
      write_schema_at(writer, *schema.value_schema(), options, depth + 1);
      break;
    case sdk::Type::kStruct: {
      writer.raw(",\"fields\":[");
      bool first = true;
      for (const auto& field : schema.fields()) {
        if (!first) writer.raw(',');
        first = false;
        write_schema_open(writer, *field.schema(), options, depth + 1);
        writer.raw(",\"field\":");
        writer.string(field.name());
        writer.raw('}');
      }
      writer.raw(']');
      break;
    }
    default:
      break;
  }
  writer.raw(schema.is_optional() ? ",\"optional\":true" : ",\"optional\":false");
  if (schema.name()) {
    writer.raw(",\"name\":");
    writer.string(*schema.name());
  }
  if (schema.version()) {
    writer.raw(",\"version\":");
    writer.integer(*schema.version());
  }
  if (schema.doc()) {
    writer.raw(",\"doc\":");
    writer.string(*schema.doc());
  }
  if (!schema.parameters().empty()) {
    writer.raw(",\"parameters\":{");
    bool first = true;
    for (const auto& [key, value] : schema.parameters()) {
      if (!first) writer.raw(',');
      first = false;
      writer.string(key);
      writer.raw(':');
      writer.string(value);
    }
    writer.raw('}');
  }
  if (schema.default_value()) {
    writer.raw(",\"default\":");
    write_default(writer, schema, options);
  }
}

// Builds the Schema::Definition directly rather than through SchemaBuilder: the builder checks
// field names and parameter keys for duplicates with a linear scan each, which a hostile schema
// with a hundred thousand fields would turn into billions of comparisons. The checks are the
// builder's, done here with an index.
sdk::SchemaPtr read_schema_object(JsonNode node, const JsonCodecOptions& options) {
  if (node.is_null()) return nullptr;
  JsonNode type = node.kind() == JsonKind::kObject ? node.member("type") : JsonNode(nullptr, 0);
  if (!type.valid() || type.kind() != JsonKind::kString) {
    throw DataException("Schema must contain 'type' field");
  }
  const std::optional<sdk::Type> schema_type = sdk::type_from_json_name(type.text());
  if (!schema_type) throw DataException("Unknown schema type: " + std::string(type.text()));

  sdk::Schema::Definition definition;
  definition.type = *schema_type;
  switch (*schema_type) {
    case sdk::Type::kArray: {
      JsonNode items = node.member("items");
      if (!items.valid() || items.is_null()) {
        throw DataException("Array schema did not specify the element type");
      }
      definition.value_schema = read_schema_object(items, options);
      break;
    }
    case sdk::Type::kMap: {
      JsonNode keys = node.member("keys");
      if (!keys.valid()) throw DataException("Map schema did not specify the key type");
      JsonNode values = node.member("values");
      if (!values.valid()) throw DataException("Map schema did not specify the value type");
      definition.key_schema = read_schema_object(keys, options);
      definition.value_schema = read_schema_object(values, options);
      if (!definition.key_schema || !definition.value_schema) {
        throw DataException("Map schema requires key and value schemas");
      }
      break;
    }
    case sdk::Type::kStruct: {
      JsonNode fields = node.member("fields");
      if (!fields.valid() || fields.kind() != JsonKind::kArray) {
        throw DataException("Struct schema's \"fields\" argument is not an array.");
      }
      std::unordered_set<std::string_view> names;
      definition.fields.reserve(fields.count());
      JsonNode field = fields.first_child();
      for (std::uint32_t i = 0; i < fields.count(); ++i, field = field.next()) {
        JsonNode name =
            field.kind() == JsonKind::kObject ? field.member("field") : JsonNode(nullptr, 0);
        if (!name.valid() || name.kind() != JsonKind::kString) {
          throw DataException("Struct schema's field name not specified properly");
        }
        if (name.text().empty()) throw DataException("Field name cannot be empty");
        if (!names.insert(name.text()).second) {
          throw DataException("Cannot create field because of field name duplication " +
                              std::string(name.text()));
        }
        sdk::SchemaPtr field_schema = read_schema_object(field, options);
        definition.fields.emplace_back(std::string(name.text()), definition.fields.size(),
                                       std::move(field_schema));
      }
      break;
    }
    default:
      break;
  }

  JsonNode optional = node.member("optional");
  definition.optional =
      optional.valid() && optional.kind() == JsonKind::kBoolean && optional.boolean();
  JsonNode name = node.member("name");
  if (name.valid() && name.kind() == JsonKind::kString) definition.name = std::string(name.text());
  JsonNode version = node.member("version");
  if (version.valid() && version.kind() == JsonKind::kInteger) {
    if (!version.fits_int64() || version.integer() < std::numeric_limits<std::int32_t>::min() ||
        version.integer() > std::numeric_limits<std::int32_t>::max()) {
      throw DataException("Schema version " + std::string(version.text().substr(0, 64)) +
                          " is out of range");
    }
    definition.version = static_cast<std::int32_t>(version.integer());
  }
  JsonNode doc = node.member("doc");
  if (doc.valid() && doc.kind() == JsonKind::kString) definition.doc = std::string(doc.text());
  JsonNode parameters = node.member("parameters");
  if (parameters.valid() && parameters.kind() == JsonKind::kObject) {
    // A repeated key keeps its first position and takes the last value, as Jackson's ObjectNode.
    std::unordered_map<std::string_view, std::size_t> positions;
    JsonNode key = parameters.first_child();
    for (std::uint32_t i = 0; i < parameters.count(); ++i) {
      JsonNode value = key.next();
      if (value.kind() != JsonKind::kString) {
        throw DataException("Schema parameters must have string values.");
      }
      const auto [at, inserted] = positions.emplace(key.text(), definition.parameters.size());
      if (inserted) {
        definition.parameters.emplace_back(std::string(key.text()), std::string(value.text()));
      } else {
        definition.parameters[at->second].second = std::string(value.text());
      }
      key = value.next();
    }
  }
  auto schema = std::make_shared<const sdk::Schema>(definition);
  JsonNode default_node = node.member("default");
  if (!default_node.valid()) return schema;
  // The default is read against the schema without it, as Kafka reads it with the builder.
  sdk::Value default_value = read_payload(default_node, schema, options);
  if (default_value.is_null()) return schema;
  const std::string problem = sdk::value_mismatch(schema, default_value, "default");
  if (!problem.empty()) throw DataException("Invalid default value: " + problem);
  definition.default_value = std::move(default_value);
  return std::make_shared<const sdk::Schema>(std::move(definition));
}

}  // namespace

void write_schema(JsonWriter& writer, const sdk::Schema& schema, const JsonCodecOptions& options) {
  write_schema_at(writer, schema, options, 0);
}

sdk::SchemaPtr read_schema(JsonNode node, const JsonCodecOptions& options) {
  return read_schema_object(node, options);
}

}  // namespace ferry::runtime
