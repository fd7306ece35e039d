// Builds Schemas, as Kafka Connect's SchemaBuilder does:
//
//   SchemaPtr person = SchemaBuilder::struct_()
//                          .name("com.example.Person")
//                          .field("name", Schema::string())
//                          .field("age", SchemaBuilder::int32().optional().build())
//                          .build();
//
// Each setter may be called once (a second call throws SchemaBuilderException-like DataException
// naming the property, as Kafka's does); field() only on STRUCT builders; default_value() checks
// the value against the schema built so far. build() may be called more than once.
//
// A STRUCT default is a Struct, which holds its schema; it cannot hold the very schema being
// built, since that schema contains the default. So the Struct's schema must equal the built
// schema apart from the default (equal_ignoring_default): build it against builder.build() before
// calling default_value(), or against an equal, separately built schema. validate_value() accepts
// a schema's own default, and copies of it, on the same terms.
//
// field() and parameter() find duplicates through an index, not by scanning, so a builder given
// N fields or parameters (say, by a hostile JSON schema) does O(N log N) work.
//
// Not thread-safe; a builder is a short-lived local.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "ferry/sdk/schema.h"

namespace ferry::sdk {

class SchemaBuilder {
 public:
  explicit SchemaBuilder(Type type);

  static SchemaBuilder int8() { return SchemaBuilder(Type::kInt8); }
  static SchemaBuilder int16() { return SchemaBuilder(Type::kInt16); }
  static SchemaBuilder int32() { return SchemaBuilder(Type::kInt32); }
  static SchemaBuilder int64() { return SchemaBuilder(Type::kInt64); }
  static SchemaBuilder float32() { return SchemaBuilder(Type::kFloat32); }
  static SchemaBuilder float64() { return SchemaBuilder(Type::kFloat64); }
  static SchemaBuilder boolean() { return SchemaBuilder(Type::kBoolean); }
  static SchemaBuilder string() { return SchemaBuilder(Type::kString); }
  static SchemaBuilder bytes() { return SchemaBuilder(Type::kBytes); }
  static SchemaBuilder struct_() { return SchemaBuilder(Type::kStruct); }
  // Throws DataException if a schema is null.
  static SchemaBuilder array(SchemaPtr value_schema);
  static SchemaBuilder map(SchemaPtr key_schema, SchemaPtr value_schema);

  SchemaBuilder& optional();
  SchemaBuilder& required();
  SchemaBuilder& default_value(Value value);
  SchemaBuilder& name(std::string name);
  SchemaBuilder& version(std::int32_t version);
  SchemaBuilder& doc(std::string doc);
  SchemaBuilder& parameter(std::string key, std::string value);
  SchemaBuilder& parameters(const SchemaParameters& parameters);
  // STRUCT only; a field name may appear once.
  SchemaBuilder& field(std::string name, SchemaPtr schema);

  Type type() const { return def_.type; }
  bool is_optional() const { return def_.optional; }

  SchemaPtr build() const;

 private:
  void check_unset(bool is_set, std::string_view property) const;

  Schema::Definition def_;
  bool optional_set_ = false;
  std::set<std::string, std::less<>> field_names_;
  std::map<std::string, std::size_t, std::less<>> parameter_positions_;  // index in parameters
};

}  // namespace ferry::sdk
