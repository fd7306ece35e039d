// Kafka Connect schemas: the type of a key, value, header or field, carried end to end with the
// data so that sinks can create tables and mappings from it.
//
// A Schema is immutable once built (see SchemaBuilder) and shared as SchemaPtr. It has a type
// (the twelve Kafka Connect types), an optional flag, and optionally a default value, a name, a
// version, documentation and string parameters (kept in insertion order, because the JSON
// converter writes them in that order). ARRAY schemas have a value schema; MAP schemas a key and a
// value schema; STRUCT schemas an ordered list of fields. A name turns a schema into a logical
// type (logical_types.h): "org.apache.kafka.connect.data.Decimal" on BYTES, and so on.
//
// Equality is structural (two separately built schemas that describe the same thing are equal)
// and the hash agrees with it: plugins each carry their own copies of common schemas, so nothing
// may rely on pointer identity.
//
// Thread-safety: immutable, so safe to share between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/sdk/value.h"

namespace ferry::sdk {

enum class Type {
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kFloat32,
  kFloat64,
  kBoolean,
  kString,
  kBytes,
  kArray,
  kMap,
  kStruct,
};

// Kafka Connect's upper-case name: "INT8", ..., "STRUCT".
std::string_view type_name(Type type);
// The lower-case name the JSON converter writes ("int8", "float", "double", ...); nullopt for
// names Kafka Connect does not know. Both directions.
std::string_view json_type_name(Type type);
std::optional<Type> type_from_json_name(std::string_view name);
bool is_primitive(Type type);

class Field {
 public:
  Field(std::string name, std::size_t index, SchemaPtr schema);

  const std::string& name() const { return name_; }
  std::size_t index() const { return index_; }
  const SchemaPtr& schema() const { return schema_; }

  friend bool operator==(const Field& a, const Field& b);

 private:
  std::string name_;
  std::size_t index_;
  SchemaPtr schema_;
};

using SchemaParameters = std::vector<std::pair<std::string, std::string>>;

class Schema {
 public:
  // Everything a schema can hold; SchemaBuilder fills it in and checks it.
  struct Definition {
    Type type = Type::kString;
    bool optional = false;
    std::optional<Value> default_value;
    std::optional<std::string> name;
    std::optional<std::int32_t> version;
    std::optional<std::string> doc;
    SchemaParameters parameters;
    std::vector<Field> fields;  // STRUCT
    SchemaPtr key_schema;       // MAP
    SchemaPtr value_schema;     // MAP and ARRAY
  };

  explicit Schema(Definition definition);

  Type type() const { return def_.type; }
  bool is_optional() const { return def_.optional; }
  const std::optional<Value>& default_value() const { return def_.default_value; }
  const std::optional<std::string>& name() const { return def_.name; }
  const std::optional<std::int32_t>& version() const { return def_.version; }
  const std::optional<std::string>& doc() const { return def_.doc; }
  const SchemaParameters& parameters() const { return def_.parameters; }
  // The value of a parameter, or nullptr.
  const std::string* parameter(std::string_view key) const;

  // STRUCT only (empty otherwise), in field order.
  const std::vector<Field>& fields() const { return def_.fields; }
  // The field with that name, or nullptr. Throws DataException if this is not a STRUCT schema.
  const Field* field(std::string_view name) const;

  // MAP only; throws DataException otherwise.
  const SchemaPtr& key_schema() const;
  // MAP and ARRAY only; throws DataException otherwise.
  const SchemaPtr& value_schema() const;

  // True if the name is one of Kafka Connect's logical types (Decimal, Date, Time, Timestamp).
  bool is_logical() const;

  friend bool operator==(const Schema& a, const Schema& b);
  friend bool equal_ignoring_default(const Schema& a, const Schema& b);

  // Predefined schemas, as Kafka Connect's Schema.INT32_SCHEMA and friends.
  static const SchemaPtr& int8();
  static const SchemaPtr& int16();
  static const SchemaPtr& int32();
  static const SchemaPtr& int64();
  static const SchemaPtr& float32();
  static const SchemaPtr& float64();
  static const SchemaPtr& boolean();
  static const SchemaPtr& string();
  static const SchemaPtr& bytes();
  static const SchemaPtr& optional_int8();
  static const SchemaPtr& optional_int16();
  static const SchemaPtr& optional_int32();
  static const SchemaPtr& optional_int64();
  static const SchemaPtr& optional_float32();
  static const SchemaPtr& optional_float64();
  static const SchemaPtr& optional_boolean();
  static const SchemaPtr& optional_string();
  static const SchemaPtr& optional_bytes();

 private:
  Definition def_;
  std::map<std::string, std::size_t, std::less<>> field_index_;
};

// Two schema pointers are equal when both are null or both point at equal schemas.
bool schemas_equal(const SchemaPtr& a, const SchemaPtr& b);

// Equality apart from the two schemas' own default values; everything nested is compared in full.
// A STRUCT schema's default is a Struct whose schema cannot be the schema that contains it (that
// would be a cycle) nor equal to it (it would have to contain itself), so this is how a Struct
// default's schema is matched against its schema.
bool equal_ignoring_default(const Schema& a, const Schema& b);

// Checks that value fits schema (type, logical type, optionality, nested elements and fields).
// Throws DataException whose message names the path of the offending field ("address.zip") and
// what is wrong, as Kafka Connect's ConnectSchema.validateValue does. A null schema accepts any
// value. A Struct fits a STRUCT schema when its schema is equal to it or, if the Struct is the
// schema's own default (or equal to it), equal_ignoring_default. A Time must lie in
// [0, 86400000] (time_values.h).
void validate_value(const SchemaPtr& schema, const Value& value, std::string_view path = "");
// The same check returning the message instead of throwing; empty when the value fits.
std::string value_mismatch(const SchemaPtr& schema, const Value& value, std::string_view path = "");

// Readable forms: Schema{INT32}, Schema{com.example.Person:STRUCT}, with fields and flags.
std::string to_string(const Schema& schema);
std::ostream& operator<<(std::ostream& out, const Schema& schema);

std::size_t hash_value(const Schema& schema);

}  // namespace ferry::sdk

template <>
struct std::hash<ferry::sdk::Schema> {
  std::size_t operator()(const ferry::sdk::Schema& schema) const {
    return ferry::sdk::hash_value(schema);
  }
};
