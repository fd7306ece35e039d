#include "runtime/converters/number_converters.h"

#include <bit>
#include <string>

#include "ferry/sdk/errors.h"
#include "runtime/converters/converter_type.h"

namespace ferry::runtime {
namespace {

// Kafka's names for the types in its messages, and the schema read values carry.
template <typename T>
struct NumberTraits;
template <>
struct NumberTraits<std::int16_t> {
  static constexpr std::string_view kName = "short";
  static const sdk::SchemaPtr& schema() { return sdk::Schema::optional_int16(); }
};
template <>
struct NumberTraits<std::int32_t> {
  static constexpr std::string_view kName = "integer";
  static const sdk::SchemaPtr& schema() { return sdk::Schema::optional_int32(); }
};
template <>
struct NumberTraits<std::int64_t> {
  static constexpr std::string_view kName = "long";
  static const sdk::SchemaPtr& schema() { return sdk::Schema::optional_int64(); }
};
template <>
struct NumberTraits<float> {
  static constexpr std::string_view kName = "float";
  static const sdk::SchemaPtr& schema() { return sdk::Schema::optional_float32(); }
};
template <>
struct NumberTraits<double> {
  static constexpr std::string_view kName = "double";
  static const sdk::SchemaPtr& schema() { return sdk::Schema::optional_float64(); }
};
template <>
struct NumberTraits<bool> {
  static constexpr std::string_view kName = "boolean";
  static const sdk::SchemaPtr& schema() { return sdk::Schema::optional_boolean(); }
};

// The integer with the same bits, for the big-endian byte order Kafka's serializers write.
template <typename T>
auto bits_of(T value) {
  if constexpr (std::is_same_v<T, float>) {
    return std::bit_cast<std::uint32_t>(value);
  } else if constexpr (std::is_same_v<T, double>) {
    return std::bit_cast<std::uint64_t>(value);
  } else {
    return static_cast<std::make_unsigned_t<T>>(value);
  }
}

template <typename T>
T from_bits(std::uint64_t bits) {
  if constexpr (std::is_same_v<T, float>) {
    return std::bit_cast<float>(static_cast<std::uint32_t>(bits));
  } else if constexpr (std::is_same_v<T, double>) {
    return std::bit_cast<double>(bits);
  } else {
    return static_cast<T>(static_cast<std::make_unsigned_t<T>>(bits));
  }
}

}  // namespace

template <typename T>
sdk::ConfigDef NumberConverter<T>::config_def() {
  return sdk::ConfigDef().define(converter_type_key());
}

template <typename T>
void NumberConverter<T>::configure(const sdk::ConfigMap& configs, bool is_key) {
  config_def().parse(with_converter_type(configs, is_key));
}

template <typename T>
void NumberConverter<T>::configure(const sdk::ConfigMap& configs) {
  config_def().parse(with_header_converter_type(configs));
}

template <typename T>
std::optional<sdk::Bytes> NumberConverter<T>::from_connect_data(std::string_view /*topic*/,
                                                                const sdk::SchemaPtr& schema,
                                                                const sdk::Value& value) {
  if constexpr (std::is_same_v<T, bool>) {
    if (schema && schema->type() != sdk::Type::kBoolean) {
      throw sdk::DataException("Invalid schema type for BooleanConverter: " +
                               std::string(sdk::type_name(schema->type())));
    }
  }
  if (value.is_null()) return std::nullopt;
  const T* number = value.get_if<T>();
  if (number == nullptr) {
    throw sdk::DataException("Failed to serialize to " + std::string(NumberTraits<T>::kName) +
                             " (was " + std::string(value.kind_name()) + ")");
  }
  if constexpr (std::is_same_v<T, bool>) {
    return sdk::Bytes{static_cast<std::uint8_t>(*number ? 1 : 0)};
  } else {
    const auto bits = bits_of(*number);
    sdk::Bytes out(sizeof(T));
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      out[i] = static_cast<std::uint8_t>(bits >> (8 * (sizeof(T) - 1 - i)));
    }
    return out;
  }
}

template <typename T>
sdk::SchemaAndValue NumberConverter<T>::to_connect_data(std::string_view /*topic*/,
                                                        std::optional<sdk::ByteView> bytes) {
  if (!bytes) return {NumberTraits<T>::schema(), sdk::Value()};
  const std::size_t width = std::is_same_v<T, bool> ? 1 : sizeof(T);
  if (bytes->size() != width) {
    throw sdk::DataException("Failed to deserialize " + std::string(NumberTraits<T>::kName) +
                             ": expected " + std::to_string(width) + " bytes, got " +
                             std::to_string(bytes->size()));
  }
  if constexpr (std::is_same_v<T, bool>) {
    const std::uint8_t byte = (*bytes)[0];
    if (byte > 1) {
      throw sdk::DataException("Failed to deserialize boolean: unexpected byte " +
                               std::to_string(byte) + ", expected 0 or 1");
    }
    return {NumberTraits<T>::schema(), byte == 1};
  } else {
    std::uint64_t bits = 0;
    for (const std::uint8_t byte : *bytes) bits = (bits << 8) | byte;
    return {NumberTraits<T>::schema(), from_bits<T>(bits)};
  }
}

template class NumberConverter<std::int16_t>;
template class NumberConverter<std::int32_t>;
template class NumberConverter<std::int64_t>;
template class NumberConverter<float>;
template class NumberConverter<double>;
template class NumberConverter<bool>;

}  // namespace ferry::runtime
