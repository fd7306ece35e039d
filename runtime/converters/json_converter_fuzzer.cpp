// libFuzzer target: arbitrary bytes into JsonConverter::to_connect_data, with schemas enabled and
// disabled. A DataException is the expected answer to bad input; anything else escaping, a crash,
// a leak or a sanitizer report is a bug. Whatever parses is written back and read again, and must
// come back equal (the converter's output is always readable by itself).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "ferry/sdk/errors.h"
#include "runtime/converters/json_converter.h"

namespace {

// Without a schema a non-finite double is written as the string "NaN"/"Infinity" (as Jackson does)
// and so reads back as a string; such values cannot be compared after a round trip.
bool has_non_finite(const ferry::sdk::Value& value) {
  if (const auto* d = value.get_if<double>()) return !std::isfinite(*d);
  if (const auto* f = value.get_if<float>()) return !std::isfinite(*f);
  if (const auto* array = value.get_if<ferry::sdk::Array>()) {
    for (const auto& element : *array) {
      if (has_non_finite(element)) return true;
    }
  }
  if (const auto* map = value.get_if<ferry::sdk::Map>()) {
    for (const auto& entry : *map) {
      if (has_non_finite(entry.key) || has_non_finite(entry.value)) return true;
    }
  }
  if (const auto* record = value.get_if<ferry::sdk::Struct>()) {
    for (const auto& field : record->values()) {
      if (has_non_finite(field)) return true;
    }
  }
  return false;
}

void round_trip(ferry::runtime::JsonConverter& converter, const std::uint8_t* data,
                std::size_t size) {
  ferry::sdk::SchemaAndValue parsed;
  try {
    parsed = converter.to_connect_data("fuzz", ferry::sdk::ByteView(data, size));
  } catch (const ferry::sdk::DataException&) {
    return;
  }
  std::optional<ferry::sdk::Bytes> written;
  try {
    written = converter.from_connect_data("fuzz", parsed.schema, parsed.value);
  } catch (const ferry::sdk::DataException&) {
    // A schema read from JSON may have a default that cannot be written back (a Decimal default
    // given as a number with another scale is rescaled, so this should not happen, but writing
    // may legitimately refuse e.g. a Time default out of range): not a crash, not a bug here.
    return;
  }
  if (!written) {
    if (parsed.schema || !parsed.value.is_null()) std::abort();
    return;
  }
  const ferry::sdk::SchemaAndValue again =
      converter.to_connect_data("fuzz", ferry::sdk::ByteView(*written));
  if (!parsed.schema && has_non_finite(parsed.value)) return;
  if (!(again == parsed)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto with_schemas = [] {
    auto converter = std::make_unique<ferry::runtime::JsonConverter>();
    converter->configure({{"schemas.cache.size", "8"}}, false);
    return converter;
  }();
  static auto without_schemas = [] {
    auto converter = std::make_unique<ferry::runtime::JsonConverter>();
    converter->configure({{"schemas.enable", "false"}, {"decimal.format", "NUMERIC"}}, true);
    return converter;
  }();
  round_trip(*with_schemas, data, size);
  round_trip(*without_schemas, data, size);
  return 0;
}
