#include "ferry/sdk/schema.h"

#include <array>
#include <string>
#include <utility>

#include "ferry/sdk/errors.h"
#include "ferry/sdk/logical_types.h"
#include "ferry/sdk/schema_builder.h"
#include "hash_mix.h"

namespace ferry::sdk {
namespace {

struct TypeNames {
  Type type;
  std::string_view upper;
  std::string_view json;
};

constexpr std::array<TypeNames, 12> kTypeNames{{
    {Type::kInt8, "INT8", "int8"},
    {Type::kInt16, "INT16", "int16"},
    {Type::kInt32, "INT32", "int32"},
    {Type::kInt64, "INT64", "int64"},
    {Type::kFloat32, "FLOAT32", "float"},
    {Type::kFloat64, "FLOAT64", "double"},
    {Type::kBoolean, "BOOLEAN", "boolean"},
    {Type::kString, "STRING", "string"},
    {Type::kBytes, "BYTES", "bytes"},
    {Type::kArray, "ARRAY", "array"},
    {Type::kMap, "MAP", "map"},
    {Type::kStruct, "STRUCT", "struct"},
}};

std::string field_suffix(std::string_view path) {
  return path.empty() ? std::string() : " for field \"" + std::string(path) + "\"";
}

std::string child_path(std::string_view path, std::string_view child) {
  if (path.empty()) return std::string(child);
  return std::string(path) + "." + std::string(child);
}

// The value kind a schema expects, in Value::kind_name() terms.
std::string_view expected_kind(const Schema& schema) {
  switch (logical::logical_type_of(schema)) {
    case logical::LogicalType::kDecimal:
      return "Decimal";
    case logical::LogicalType::kDate:
      return "Date";
    case logical::LogicalType::kTime:
      return "Time";
    case logical::LogicalType::kTimestamp:
      return "Timestamp";
    case logical::LogicalType::kNone:
      break;
  }
  return type_name(schema.type());
}

}  // namespace

std::string_view type_name(Type type) { return kTypeNames[static_cast<std::size_t>(type)].upper; }

std::string_view json_type_name(Type type) {
  return kTypeNames[static_cast<std::size_t>(type)].json;
}

std::optional<Type> type_from_json_name(std::string_view name) {
  for (const auto& entry : kTypeNames) {
    if (entry.json == name) return entry.type;
  }
  return std::nullopt;
}

bool is_primitive(Type type) {
  return type != Type::kArray && type != Type::kMap && type != Type::kStruct;
}

Field::Field(std::string name, std::size_t index, SchemaPtr schema)
    : name_(std::move(name)), index_(index), schema_(std::move(schema)) {}

bool operator==(const Field& a, const Field& b) {
  return a.name_ == b.name_ && a.index_ == b.index_ && schemas_equal(a.schema_, b.schema_);
}

Schema::Schema(Definition definition) : def_(std::move(definition)) {
  for (const auto& field : def_.fields) field_index_.emplace(field.name(), field.index());
}

const std::string* Schema::parameter(std::string_view key) const {
  for (const auto& [name, value] : def_.parameters) {
    if (name == key) return &value;
  }
  return nullptr;
}

const Field* Schema::field(std::string_view name) const {
  if (def_.type != Type::kStruct) {
    throw DataException("Cannot look up fields on non-struct type " +
                        std::string(type_name(def_.type)));
  }
  const auto it = field_index_.find(name);
  return it == field_index_.end() ? nullptr : &def_.fields[it->second];
}

const SchemaPtr& Schema::key_schema() const {
  if (def_.type != Type::kMap) {
    throw DataException("Cannot look up key schema on non-map type " +
                        std::string(type_name(def_.type)));
  }
  return def_.key_schema;
}

const SchemaPtr& Schema::value_schema() const {
  if (def_.type != Type::kMap && def_.type != Type::kArray) {
    throw DataException("Cannot look up value schema on non-array and non-map type " +
                        std::string(type_name(def_.type)));
  }
  return def_.value_schema;
}

bool Schema::is_logical() const {
  return def_.name && (*def_.name == logical::kDecimalName || *def_.name == logical::kDateName ||
                       *def_.name == logical::kTimeName || *def_.name == logical::kTimestampName);
}

bool operator==(const Schema& a, const Schema& b) {
  if (&a == &b) return true;
  return equal_ignoring_default(a, b) && a.def_.default_value == b.def_.default_value;
}

bool equal_ignoring_default(const Schema& a, const Schema& b) {
  if (&a == &b) return true;
  return a.def_.type == b.def_.type && a.def_.optional == b.def_.optional &&
         a.def_.name == b.def_.name && a.def_.version == b.def_.version &&
         a.def_.doc == b.def_.doc && a.def_.parameters == b.def_.parameters &&
         a.def_.fields == b.def_.fields && schemas_equal(a.def_.key_schema, b.def_.key_schema) &&
         schemas_equal(a.def_.value_schema, b.def_.value_schema);
}

bool schemas_equal(const SchemaPtr& a, const SchemaPtr& b) {
  if (a == b) return true;
  if (!a || !b) return false;
  return *a == *b;
}

#define FERRY_PREDEFINED_SCHEMA(function, schema_type, is_optional) \
  const SchemaPtr& Schema::function() {                             \
    static const SchemaPtr schema = [] {                            \
      Schema::Definition definition;                                \
      definition.type = Type::schema_type;                          \
      definition.optional = is_optional;                            \
      return std::make_shared<const Schema>(std::move(definition)); \
    }();                                                            \
    return schema;                                                  \
  }

FERRY_PREDEFINED_SCHEMA(int8, kInt8, false)
FERRY_PREDEFINED_SCHEMA(int16, kInt16, false)
FERRY_PREDEFINED_SCHEMA(int32, kInt32, false)
FERRY_PREDEFINED_SCHEMA(int64, kInt64, false)
FERRY_PREDEFINED_SCHEMA(float32, kFloat32, false)
FERRY_PREDEFINED_SCHEMA(float64, kFloat64, false)
FERRY_PREDEFINED_SCHEMA(boolean, kBoolean, false)
FERRY_PREDEFINED_SCHEMA(string, kString, false)
FERRY_PREDEFINED_SCHEMA(bytes, kBytes, false)
FERRY_PREDEFINED_SCHEMA(optional_int8, kInt8, true)
FERRY_PREDEFINED_SCHEMA(optional_int16, kInt16, true)
FERRY_PREDEFINED_SCHEMA(optional_int32, kInt32, true)
FERRY_PREDEFINED_SCHEMA(optional_int64, kInt64, true)
FERRY_PREDEFINED_SCHEMA(optional_float32, kFloat32, true)
FERRY_PREDEFINED_SCHEMA(optional_float64, kFloat64, true)
FERRY_PREDEFINED_SCHEMA(optional_boolean, kBoolean, true)
FERRY_PREDEFINED_SCHEMA(optional_string, kString, true)
FERRY_PREDEFINED_SCHEMA(optional_bytes, kBytes, true)

#undef FERRY_PREDEFINED_SCHEMA

std::string value_mismatch(const SchemaPtr& schema, const Value& value, std::string_view path) {
  if (!schema) return {};
  if (value.is_null()) {
    if (schema->is_optional() || schema->default_value()) return {};
    return "Invalid value: null used for required field: \"" + std::string(path) +
           "\", schema type: " + std::string(type_name(schema->type()));
  }
  std::string_view expected;
  try {
    expected = expected_kind(*schema);
  } catch (const DataException& e) {
    return std::string(e.what()) + field_suffix(path);
  }
  if (value.kind_name() != expected) {
    return "Invalid value for schema " +
           (schema->name() ? "\"" + *schema->name() + "\" with type " : std::string("type ")) +
           std::string(type_name(schema->type())) + ": got " + std::string(value.kind_name()) +
           field_suffix(path);
  }
  switch (schema->type()) {
    case Type::kArray: {
      const auto& elements = value.as<Array>();
      for (std::size_t i = 0; i < elements.size(); ++i) {
        std::string problem = value_mismatch(schema->value_schema(), elements[i],
                                             std::string(path) + "[" + std::to_string(i) + "]");
        if (!problem.empty()) return problem;
      }
      return {};
    }
    case Type::kMap: {
      for (const auto& entry : value.as<Map>()) {
        std::string problem =
            value_mismatch(schema->key_schema(), entry.key, child_path(path, "<key>"));
        if (problem.empty()) {
          problem =
              value_mismatch(schema->value_schema(), entry.value, child_path(path, "<value>"));
        }
        if (!problem.empty()) return problem;
      }
      return {};
    }
    case Type::kStruct: {
      const Struct& s = value.as<Struct>();
      if (schemas_equal(s.schema(), schema)) return {};
      // The schema's own default was built against the schema without that default, which it
      // cannot contain (schema_builder.h); the same goes for copies of it.
      const std::optional<Value>& own_default = schema->default_value();
      const bool is_own_default = own_default && (&*own_default == &value || *own_default == value);
      if (is_own_default && equal_ignoring_default(*s.schema(), *schema)) return {};
      return "Struct schemas do not match" + field_suffix(path);
    }
    case Type::kInt32:
      if (const Time* time = value.get_if<Time>()) {
        // Kafka Connect's Time accepts 0 through 86,400,000 inclusive (Time.toLogical rejects only
        // value < 0 || value > MILLIS_PER_DAY): the midnight that ends the day is a valid time.
        if (time->millis_of_day < 0 || time->millis_of_day > logical::kMillisPerDay) {
          return "Invalid Time value " + std::to_string(time->millis_of_day) +
                 ": milliseconds since midnight must be from 0 to " +
                 std::to_string(logical::kMillisPerDay) + " inclusive" + field_suffix(path);
        }
      }
      return {};
    case Type::kBytes:
      if (value.is<Decimal>()) {
        // A Decimal value must carry the schema's scale: the wire form has no scale of its own.
        const std::int32_t scale = logical::decimal_scale(*schema);
        if (value.as<Decimal>().scale() != scale) {
          return "Decimal value has scale " + std::to_string(value.as<Decimal>().scale()) +
                 " but the schema's scale is " + std::to_string(scale) + field_suffix(path);
        }
      }
      return {};
    default:
      return {};
  }
}

void validate_value(const SchemaPtr& schema, const Value& value, std::string_view path) {
  std::string problem = value_mismatch(schema, value, path);
  if (!problem.empty()) throw DataException(problem);
}

std::size_t hash_value(const Schema& schema) {
  std::size_t seed = static_cast<std::size_t>(schema.type());
  detail::hash_mix(seed, schema.is_optional());
  if (schema.name()) detail::hash_mix_std(seed, *schema.name());
  if (schema.version()) detail::hash_mix(seed, static_cast<std::size_t>(*schema.version()));
  if (schema.doc()) detail::hash_mix_std(seed, *schema.doc());
  for (const auto& [key, value] : schema.parameters()) {
    detail::hash_mix_std(seed, key);
    detail::hash_mix_std(seed, value);
  }
  if (schema.default_value()) detail::hash_mix(seed, hash_value(*schema.default_value()));
  for (const auto& field : schema.fields()) {
    detail::hash_mix_std(seed, field.name());
    if (field.schema()) detail::hash_mix(seed, hash_value(*field.schema()));
  }
  if (schema.type() == Type::kMap && schema.key_schema()) {
    detail::hash_mix(seed, hash_value(*schema.key_schema()));
  }
  if ((schema.type() == Type::kMap || schema.type() == Type::kArray) && schema.value_schema()) {
    detail::hash_mix(seed, hash_value(*schema.value_schema()));
  }
  return seed;
}

}  // namespace ferry::sdk
