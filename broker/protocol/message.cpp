#include "broker/protocol/message.h"

#include <utility>

namespace ferry::broker::protocol {

Struct::Struct(const StructDef& def) : def_(&def), values_(def.fields.size()) {
  for (std::size_t i = 0; i < def.fields.size(); ++i) {
    values_[i].integer = def.fields[i].default_integer;
    values_[i].null = def.fields[i].default_null;
  }
}

Value& Struct::get_for_write(std::string_view name) {
  Value& value = values_[def_->index_of(name)];
  value.set = true;
  value.null = false;
  return value;
}

Struct& Struct::set_integer(std::string_view name, std::int64_t value) {
  get_for_write(name).integer = value;
  return *this;
}

Struct& Struct::set_null(std::string_view name) {
  Value& value = get_for_write(name);
  value.null = true;
  value.text.clear();
  value.bytes.clear();
  value.integers.clear();
  value.strings.clear();
  value.structs.clear();
  return *this;
}

std::optional<std::string> Struct::nullable_string(std::string_view name) const {
  const Value& value = get(name);
  if (value.null) return std::nullopt;
  return value.text;
}

Struct& Struct::set_string(std::string_view name, std::string value) {
  get_for_write(name).text = std::move(value);
  return *this;
}

Struct& Struct::set_nullable_string(std::string_view name, std::optional<std::string> value) {
  if (!value) return set_null(name);
  return set_string(name, std::move(*value));
}

std::vector<std::uint8_t>& Struct::mutable_bytes(std::string_view name) {
  Value& value = get_for_write(name);
  value.external.reset();
  return value.bytes;
}

Struct& Struct::set_bytes(std::string_view name, std::vector<std::uint8_t> value) {
  Value& field = get_for_write(name);
  field.bytes = std::move(value);
  field.external.reset();
  return *this;
}

Struct& Struct::set_records(std::string_view name, RecordsRef records) {
  Value& value = get_for_write(name);
  value.bytes.clear();
  value.external = std::move(records);
  return *this;
}

Struct& Struct::set_integers(std::string_view name, std::vector<std::int64_t> value) {
  get_for_write(name).integers = std::move(value);
  return *this;
}

Struct& Struct::set_strings(std::string_view name, std::vector<std::string> value) {
  get_for_write(name).strings = std::move(value);
  return *this;
}

Struct& Struct::add(std::string_view name) {
  const std::size_t index = def_->index_of(name);
  Value& value = get_for_write(name);
  value.structs.emplace_back(*def_->fields[index].fields);
  return value.structs.back();
}

Struct& Struct::child(std::string_view name) {
  const std::size_t index = def_->index_of(name);
  Value& value = get_for_write(name);
  if (value.structs.empty()) value.structs.emplace_back(*def_->fields[index].fields);
  return value.structs.front();
}

}  // namespace ferry::broker::protocol
