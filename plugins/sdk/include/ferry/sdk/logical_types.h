// Kafka Connect's logical types: named schemas over a primitive type, with the names and wire
// encodings of org.apache.kafka.connect.data.{Decimal,Date,Time,Timestamp}, so records exchanged
// with Kafka Connect keep their meaning.
//
//   Decimal    BYTES  + parameter "scale"; unscaled two's complement, big-endian (decimal.h)
//   Date       INT32  days since the epoch
//   Time       INT32  milliseconds since midnight
//   Timestamp  INT64  milliseconds since the epoch
// All four have version 1. The values are the types of decimal.h and time_values.h.
#pragma once

#include <cstdint>
#include <string_view>

#include "ferry/sdk/schema_builder.h"

namespace ferry::sdk::logical {

inline constexpr std::string_view kDecimalName = "org.apache.kafka.connect.data.Decimal";
inline constexpr std::string_view kDecimalScaleParameter = "scale";
inline constexpr std::string_view kDateName = "org.apache.kafka.connect.data.Date";
inline constexpr std::string_view kTimeName = "org.apache.kafka.connect.data.Time";
inline constexpr std::string_view kTimestampName = "org.apache.kafka.connect.data.Timestamp";

inline constexpr std::int64_t kMillisPerDay = 86'400'000;

// Builders, so callers can add optional(), doc(), more parameters and so on.
SchemaBuilder decimal(std::int32_t scale);
SchemaBuilder date();
SchemaBuilder time();
SchemaBuilder timestamp();

enum class LogicalType { kNone, kDecimal, kDate, kTime, kTimestamp };

// Which logical type a schema is, judged by its name and checked against its base type: a schema
// named Date over STRING is a DataException, not silently "none".
LogicalType logical_type_of(const Schema& schema);

// The scale parameter of a Decimal schema. Throws DataException if it is missing or not an integer
// ("Invalid Decimal schema: scale parameter not found.").
std::int32_t decimal_scale(const Schema& schema);

}  // namespace ferry::sdk::logical
