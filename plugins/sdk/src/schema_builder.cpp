#include "ferry/sdk/schema_builder.h"

#include <memory>
#include <string>
#include <utility>

#include "ferry/sdk/errors.h"

namespace ferry::sdk {

SchemaBuilder::SchemaBuilder(Type type) { def_.type = type; }

SchemaBuilder SchemaBuilder::array(SchemaPtr value_schema) {
  if (!value_schema) throw DataException("Array schema requires a value schema");
  SchemaBuilder builder(Type::kArray);
  builder.def_.value_schema = std::move(value_schema);
  return builder;
}

SchemaBuilder SchemaBuilder::map(SchemaPtr key_schema, SchemaPtr value_schema) {
  if (!key_schema || !value_schema)
    throw DataException("Map schema requires key and value schemas");
  SchemaBuilder builder(Type::kMap);
  builder.def_.key_schema = std::move(key_schema);
  builder.def_.value_schema = std::move(value_schema);
  return builder;
}

void SchemaBuilder::check_unset(bool is_set, std::string_view property) const {
  if (is_set) {
    throw DataException("Invalid SchemaBuilder call: " + std::string(property) +
                        " has already been set.");
  }
}

SchemaBuilder& SchemaBuilder::optional() {
  check_unset(optional_set_, "optional");
  def_.optional = true;
  optional_set_ = true;
  return *this;
}

SchemaBuilder& SchemaBuilder::required() {
  check_unset(optional_set_, "optional");
  def_.optional = false;
  optional_set_ = true;
  return *this;
}

SchemaBuilder& SchemaBuilder::default_value(Value value) {
  check_unset(def_.default_value.has_value(), "default");
  // Check against what is built so far, as Kafka does: the default must fit the schema. A non-null
  // default is checked as the default of that schema, which lets a Struct default's schema leave
  // out the default it cannot contain (see value_mismatch).
  std::string problem;
  if (value.is_null()) {
    problem = value_mismatch(build(), value, "default");
  } else {
    Schema::Definition with_default = def_;
    with_default.default_value = value;
    const auto schema = std::make_shared<const Schema>(std::move(with_default));
    problem = value_mismatch(schema, *schema->default_value(), "default");
  }
  if (!problem.empty()) throw DataException("Invalid default value: " + problem);
  def_.default_value = std::move(value);
  return *this;
}

SchemaBuilder& SchemaBuilder::name(std::string name) {
  check_unset(def_.name.has_value(), "name");
  def_.name = std::move(name);
  return *this;
}

SchemaBuilder& SchemaBuilder::version(std::int32_t version) {
  check_unset(def_.version.has_value(), "version");
  def_.version = version;
  return *this;
}

SchemaBuilder& SchemaBuilder::doc(std::string doc) {
  check_unset(def_.doc.has_value(), "doc");
  def_.doc = std::move(doc);
  return *this;
}

SchemaBuilder& SchemaBuilder::parameter(std::string key, std::string value) {
  // A repeated key replaces the value but keeps its first position, as a LinkedHashMap does.
  if (const auto it = parameter_positions_.find(key); it != parameter_positions_.end()) {
    def_.parameters[it->second].second = std::move(value);
    return *this;
  }
  parameter_positions_.emplace(key, def_.parameters.size());
  def_.parameters.emplace_back(std::move(key), std::move(value));
  return *this;
}

SchemaBuilder& SchemaBuilder::parameters(const SchemaParameters& parameters) {
  for (const auto& [key, value] : parameters) parameter(key, value);
  return *this;
}

SchemaBuilder& SchemaBuilder::field(std::string name, SchemaPtr schema) {
  if (def_.type != Type::kStruct) {
    throw DataException("Cannot create fields on type " + std::string(type_name(def_.type)));
  }
  if (name.empty()) throw DataException("Field name cannot be empty");
  if (!schema) throw DataException("Field schema cannot be null for field \"" + name + "\"");
  if (field_names_.contains(name)) {
    throw DataException("Cannot create field because of field name duplication " + name);
  }
  const std::size_t index = def_.fields.size();
  def_.fields.emplace_back(std::move(name), index, std::move(schema));
  field_names_.insert(def_.fields.back().name());
  return *this;
}

SchemaPtr SchemaBuilder::build() const { return std::make_shared<const Schema>(def_); }

}  // namespace ferry::sdk
