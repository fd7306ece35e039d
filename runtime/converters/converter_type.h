// converter.type: how a converter instance is used (Kafka's ConverterType). The worker sets it
// when it configures a converter as a key, value or header converter, so a converter that writes
// keys differently from values (none of Kafka's built-in ones does) can tell.
#pragma once

#include <string_view>

#include "ferry/sdk/config_def.h"

namespace ferry::runtime {

enum class ConverterType { kKey, kValue, kHeader };

inline constexpr std::string_view kConverterTypeConfig = "converter.type";

// The converter.type key as Kafka's converter configs define it: "key", "value" or "header".
sdk::ConfigKey converter_type_key();

// configs with converter.type forced to the role the worker gives the instance (Converter) or
// defaulted to "header" (HeaderConverter), as Kafka's configure(map, isKey) and configure(map)
// do.
sdk::ConfigMap with_converter_type(const sdk::ConfigMap& configs, bool is_key);
sdk::ConfigMap with_header_converter_type(const sdk::ConfigMap& configs);

ConverterType parse_converter_type(std::string_view text);

}  // namespace ferry::runtime
