// A Kafka Connect value: what keys, values and header values of records hold.
//
// Value is a tagged union of null, the primitive types, BYTES, arrays, maps, Structs and the
// logical-type values (Decimal, Date, Time, Timestamp). Value and Struct live in one header because
// they are one recursive concept: a Struct holds Values and a Value may hold a Struct.
//
// A Value carries no schema of its own; the schema travels beside it (SchemaAndValue, records,
// Struct). Equality is deep and structural; floating-point values compare by bit pattern, as
// Java's Float.equals/Double.equals do (NaN equals NaN, 0.0 differs from -0.0), so that equal
// values hash equally.
//
// Values are plain values: copyable, movable, thread-safe as any const object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ferry/sdk/decimal.h"
#include "ferry/sdk/time_values.h"

namespace ferry::sdk {

class Schema;
using SchemaPtr = std::shared_ptr<const Schema>;

// BYTES payloads and raw record bytes.
using Bytes = std::vector<std::uint8_t>;
// A view of raw bytes; with std::optional, nullopt is Kafka's null (a tombstone or a null key).
using ByteView = std::span<const std::uint8_t>;

class Value;
struct MapEntry;
using Array = std::vector<Value>;
// Maps keep insertion order; keys may be any Value (Kafka Connect maps are not limited to strings).
using Map = std::vector<MapEntry>;

// A structured value: one Value per field of its STRUCT schema, in field order. Fields not set are
// null. put() checks each value against the field's schema; validate() checks that every required
// field is set. Both throw DataException naming the field.
class Struct {
 public:
  // Throws DataException if schema is null or not a STRUCT schema.
  explicit Struct(SchemaPtr schema);

  const SchemaPtr& schema() const { return schema_; }

  // Returns *this so puts chain. Throws DataException for an unknown field or a value that does
  // not match the field's schema.
  Struct& put(std::string_view field_name, Value value);
  Struct& put(std::size_t field_index, Value value);

  // The field's value, or null. Throws DataException for an unknown field name.
  const Value& get(std::string_view field_name) const;
  const Value& get(std::size_t field_index) const;
  const std::vector<Value>& values() const { return values_; }

  // Throws DataException naming the first required field that is null and has no default.
  void validate() const;

  friend bool operator==(const Struct& a, const Struct& b);

 private:
  SchemaPtr schema_;
  std::vector<Value> values_;
};

class Value {
 public:
  // The alternatives, in a fixed order that is part of the ABI (the hash mixes the index).
  using Storage = std::variant<std::monostate, std::int8_t, std::int16_t, std::int32_t,
                               std::int64_t, float, double, bool, std::string, Bytes, Array, Map,
                               Struct, Decimal, Date, Time, Timestamp>;

  Value() = default;  // null
  Value(std::nullptr_t);
  Value(std::int8_t v);
  Value(std::int16_t v);
  Value(std::int32_t v);
  Value(std::int64_t v);
  Value(float v);
  Value(double v);
  Value(bool v);
  Value(std::string v);
  Value(std::string_view v);
  Value(const char* v);
  Value(Bytes v);
  Value(Array v);
  Value(Map v);
  Value(Struct v);
  Value(Decimal v);
  Value(Date v);
  Value(Time v);
  Value(Timestamp v);

  bool is_null() const { return std::holds_alternative<std::monostate>(storage_); }
  template <typename T>
  bool is() const {
    return std::holds_alternative<T>(storage_);
  }
  // The held T; throws DataException naming both types if the Value holds something else.
  template <typename T>
  const T& as() const;
  template <typename T>
  T& as();
  template <typename T>
  const T* get_if() const {
    return std::get_if<T>(&storage_);
  }

  const Storage& storage() const { return storage_; }
  Storage& storage() { return storage_; }

  // Kafka-style name of what is held ("INT32", "STRING", "STRUCT", "Decimal", "null", ...), for
  // error messages.
  std::string_view kind_name() const;

  friend bool operator==(const Value& a, const Value& b);

 private:
  [[noreturn]] void throw_wrong_kind(std::string_view wanted) const;

  Storage storage_;
};

struct MapEntry {
  Value key;
  Value value;
  friend bool operator==(const MapEntry&, const MapEntry&) = default;
};

// Defined here, not in the class: the variant needs MapEntry complete.
inline Value::Value(std::nullptr_t) {}
inline Value::Value(std::int8_t v) : storage_(v) {}
inline Value::Value(std::int16_t v) : storage_(v) {}
inline Value::Value(std::int32_t v) : storage_(v) {}
inline Value::Value(std::int64_t v) : storage_(v) {}
inline Value::Value(float v) : storage_(v) {}
inline Value::Value(double v) : storage_(v) {}
inline Value::Value(bool v) : storage_(v) {}
inline Value::Value(std::string v) : storage_(std::move(v)) {}
inline Value::Value(std::string_view v) : storage_(std::string(v)) {}
inline Value::Value(const char* v) : storage_(std::string(v)) {}
inline Value::Value(Bytes v) : storage_(std::move(v)) {}
inline Value::Value(Array v) : storage_(std::move(v)) {}
inline Value::Value(Map v) : storage_(std::move(v)) {}
inline Value::Value(Struct v) : storage_(std::move(v)) {}
inline Value::Value(Decimal v) : storage_(std::move(v)) {}
inline Value::Value(Date v) : storage_(v) {}
inline Value::Value(Time v) : storage_(v) {}
inline Value::Value(Timestamp v) : storage_(v) {}

// A schema and a value that goes with it; either may be null (schemaless data, tombstones).
struct SchemaAndValue {
  SchemaPtr schema;
  Value value;
};
bool operator==(const SchemaAndValue& a, const SchemaAndValue& b);

// Readable one-line forms, for logs and test failures:
//   Struct{id=1,name="Alice",tags=["a","b"]}, 0x0102 for bytes, 12.34 for decimals,
//   2024-01-15 / 10:30:00.000 / 2024-01-15T10:30:00.000Z for the time types.
std::string to_string(const Value& value);
std::string to_string(const Struct& value);
std::ostream& operator<<(std::ostream& out, const Value& value);
std::ostream& operator<<(std::ostream& out, const Struct& value);

std::size_t hash_value(const Value& value);
std::size_t hash_value(const Struct& value);

namespace detail {
template <typename T>
constexpr std::string_view kind_name_of();
}  // namespace detail

template <typename T>
const T& Value::as() const {
  if (const T* held = std::get_if<T>(&storage_)) return *held;
  throw_wrong_kind(detail::kind_name_of<T>());
}

template <typename T>
T& Value::as() {
  if (T* held = std::get_if<T>(&storage_)) return *held;
  throw_wrong_kind(detail::kind_name_of<T>());
}

namespace detail {
template <typename T>
constexpr std::string_view kind_name_of() {
  if constexpr (std::is_same_v<T, std::int8_t>)
    return "INT8";
  else if constexpr (std::is_same_v<T, std::int16_t>)
    return "INT16";
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return "INT32";
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return "INT64";
  else if constexpr (std::is_same_v<T, float>)
    return "FLOAT32";
  else if constexpr (std::is_same_v<T, double>)
    return "FLOAT64";
  else if constexpr (std::is_same_v<T, bool>)
    return "BOOLEAN";
  else if constexpr (std::is_same_v<T, std::string>)
    return "STRING";
  else if constexpr (std::is_same_v<T, Bytes>)
    return "BYTES";
  else if constexpr (std::is_same_v<T, Array>)
    return "ARRAY";
  else if constexpr (std::is_same_v<T, Map>)
    return "MAP";
  else if constexpr (std::is_same_v<T, Struct>)
    return "STRUCT";
  else if constexpr (std::is_same_v<T, Decimal>)
    return "Decimal";
  else if constexpr (std::is_same_v<T, Date>)
    return "Date";
  else if constexpr (std::is_same_v<T, Time>)
    return "Time";
  else if constexpr (std::is_same_v<T, Timestamp>)
    return "Timestamp";
  else
    return "null";
}
}  // namespace detail

}  // namespace ferry::sdk

template <>
struct std::hash<ferry::sdk::Value> {
  std::size_t operator()(const ferry::sdk::Value& value) const {
    return ferry::sdk::hash_value(value);
  }
};
template <>
struct std::hash<ferry::sdk::Struct> {
  std::size_t operator()(const ferry::sdk::Struct& value) const {
    return ferry::sdk::hash_value(value);
  }
};
