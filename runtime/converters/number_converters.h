// Kafka Connect's fixed-width converters (org.apache.kafka.connect.converters.IntegerConverter,
// LongConverter, ShortConverter, FloatConverter, DoubleConverter, BooleanConverter): one number
// per record as Kafka's Integer/Long/Short/Float/Double/BooleanSerializer writes it — big-endian
// two's complement or IEEE 754 bits, a boolean as one byte 0 or 1 — for keys, values and headers.
//
// Writing takes a value of exactly that type (an INT32 for IntegerConverter, ...) or null, whatever
// the schema says (Kafka ignores it too, except BooleanConverter, which rejects a non-BOOLEAN
// schema); anything else is a DataException ("Failed to serialize to integer (was STRING)").
// Reading gives the optional schema of the type and the number; bytes of the wrong length (or a
// boolean byte other than 0 or 1) are a DataException naming the length or the byte.
// Configuration: converter.type only.
//
// Thread-safety: stateless after configure(); the conversions may run concurrently.
#pragma once

#include <cstdint>

#include "ferry/sdk/converter.h"

namespace ferry::runtime {

template <typename T>
class NumberConverter final : public sdk::Converter, public sdk::HeaderConverter {
 public:
  static sdk::ConfigDef config_def();
  sdk::ConfigDef config() const override { return config_def(); }

  void configure(const sdk::ConfigMap& configs, bool is_key) override;
  void configure(const sdk::ConfigMap& configs) override;

  std::optional<sdk::Bytes> from_connect_data(std::string_view topic, const sdk::SchemaPtr& schema,
                                              const sdk::Value& value) override;
  sdk::SchemaAndValue to_connect_data(std::string_view topic,
                                      std::optional<sdk::ByteView> bytes) override;

  std::optional<sdk::Bytes> from_connect_header(std::string_view topic,
                                                std::string_view /*header_key*/,
                                                const sdk::SchemaPtr& schema,
                                                const sdk::Value& value) override {
    return from_connect_data(topic, schema, value);
  }
  sdk::SchemaAndValue to_connect_header(std::string_view topic, std::string_view /*header_key*/,
                                        std::optional<sdk::ByteView> bytes) override {
    return to_connect_data(topic, bytes);
  }
};

using ShortConverter = NumberConverter<std::int16_t>;
using IntegerConverter = NumberConverter<std::int32_t>;
using LongConverter = NumberConverter<std::int64_t>;
using FloatConverter = NumberConverter<float>;
using DoubleConverter = NumberConverter<double>;
using BooleanConverter = NumberConverter<bool>;

extern template class NumberConverter<std::int16_t>;
extern template class NumberConverter<std::int32_t>;
extern template class NumberConverter<std::int64_t>;
extern template class NumberConverter<float>;
extern template class NumberConverter<double>;
extern template class NumberConverter<bool>;

}  // namespace ferry::runtime
