#include "ferry/sdk/value.h"

#include <bit>
#include <cmath>
#include <string>
#include <utility>

#include "ferry/sdk/errors.h"
#include "ferry/sdk/schema.h"
#include "hash_mix.h"

namespace ferry::sdk {
namespace {

// Java's Float.equals/Double.equals: compare bit patterns, with every NaN treated as one NaN.
template <typename Bits, typename F>
Bits canonical_bits(F value) {
  if (std::isnan(value)) return std::bit_cast<Bits>(std::numeric_limits<F>::quiet_NaN());
  return std::bit_cast<Bits>(value);
}

struct ValueEquals {
  template <typename A, typename B>
  bool operator()(const A&, const B&) const {
    return false;
  }
  template <typename A>
  bool operator()(const A& a, const A& b) const {
    if constexpr (std::is_same_v<A, float>) {
      return canonical_bits<std::uint32_t>(a) == canonical_bits<std::uint32_t>(b);
    } else if constexpr (std::is_same_v<A, double>) {
      return canonical_bits<std::uint64_t>(a) == canonical_bits<std::uint64_t>(b);
    } else {
      return a == b;
    }
  }
};

}  // namespace

Struct::Struct(SchemaPtr schema) : schema_(std::move(schema)) {
  if (!schema_ || schema_->type() != Type::kStruct) {
    throw DataException("Not a struct schema: " + (schema_ ? to_string(*schema_) : "null"));
  }
  values_.resize(schema_->fields().size());
}

Struct& Struct::put(std::string_view field_name, Value value) {
  const Field* field = schema_->field(field_name);
  if (field == nullptr) throw DataException(std::string(field_name) + " is not a valid field name");
  return put(field->index(), std::move(value));
}

Struct& Struct::put(std::size_t field_index, Value value) {
  const Field& field = schema_->fields().at(field_index);
  validate_value(field.schema(), value, field.name());
  values_[field_index] = std::move(value);
  return *this;
}

const Value& Struct::get(std::string_view field_name) const {
  const Field* field = schema_->field(field_name);
  if (field == nullptr) throw DataException(std::string(field_name) + " is not a valid field name");
  return values_[field->index()];
}

const Value& Struct::get(std::size_t field_index) const { return values_.at(field_index); }

void Struct::validate() const {
  for (const Field& field : schema_->fields()) {
    validate_value(field.schema(), values_[field.index()], field.name());
  }
}

bool operator==(const Struct& a, const Struct& b) {
  return schemas_equal(a.schema_, b.schema_) && a.values_ == b.values_;
}

bool operator==(const Value& a, const Value& b) {
  return std::visit(ValueEquals{}, a.storage_, b.storage_);
}

bool operator==(const SchemaAndValue& a, const SchemaAndValue& b) {
  return schemas_equal(a.schema, b.schema) && a.value == b.value;
}

std::string_view Value::kind_name() const {
  return std::visit(
      [](const auto& held) -> std::string_view {
        return detail::kind_name_of<std::decay_t<decltype(held)>>();
      },
      storage_);
}

void Value::throw_wrong_kind(std::string_view wanted) const {
  throw DataException("Expected a value of type " + std::string(wanted) + " but found " +
                      std::string(kind_name()));
}

std::size_t hash_value(const Struct& value) {
  std::size_t seed = value.schema() ? hash_value(*value.schema()) : 0;
  for (const auto& field_value : value.values()) detail::hash_mix(seed, hash_value(field_value));
  return seed;
}

std::size_t hash_value(const Value& value) {
  std::size_t seed = value.storage().index();
  std::visit(
      [&seed](const auto& held) {
        using T = std::decay_t<decltype(held)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
        } else if constexpr (std::is_same_v<T, float>) {
          detail::hash_mix(seed, canonical_bits<std::uint32_t>(held));
        } else if constexpr (std::is_same_v<T, double>) {
          detail::hash_mix(seed, canonical_bits<std::uint64_t>(held));
        } else if constexpr (std::is_integral_v<T>) {
          detail::hash_mix(seed, static_cast<std::size_t>(held));
        } else if constexpr (std::is_same_v<T, std::string>) {
          detail::hash_mix_std(seed, held);
        } else if constexpr (std::is_same_v<T, Bytes>) {
          detail::hash_mix_std(
              seed, std::string_view(reinterpret_cast<const char*>(held.data()), held.size()));
        } else if constexpr (std::is_same_v<T, Array>) {
          for (const auto& element : held) detail::hash_mix(seed, hash_value(element));
        } else if constexpr (std::is_same_v<T, Map>) {
          for (const auto& entry : held) {
            detail::hash_mix(seed, hash_value(entry.key));
            detail::hash_mix(seed, hash_value(entry.value));
          }
        } else if constexpr (std::is_same_v<T, Struct>) {
          detail::hash_mix(seed, hash_value(held));
        } else if constexpr (std::is_same_v<T, Decimal>) {
          detail::hash_mix(seed, static_cast<std::size_t>(held.scale()));
          for (auto byte : held.unscaled_bytes()) detail::hash_mix(seed, byte);
        } else if constexpr (std::is_same_v<T, Date>) {
          detail::hash_mix(seed, static_cast<std::size_t>(held.days_since_epoch));
        } else if constexpr (std::is_same_v<T, Time>) {
          detail::hash_mix(seed, static_cast<std::size_t>(held.millis_of_day));
        } else if constexpr (std::is_same_v<T, Timestamp>) {
          detail::hash_mix(seed, static_cast<std::size_t>(held.millis_since_epoch));
        }
      },
      value.storage());
  return seed;
}

}  // namespace ferry::sdk
