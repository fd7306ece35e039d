// Between SQL columns and Kafka Connect data, in both directions, for both databases.
//
// Source side: a catalog column (ColumnInfo) becomes a Connect field schema, Confluent's
// GenericDatabaseDialect mapping (connect.md 8.5) as it turns out for the types of PostgreSQL
// and MySQL/MariaDB: integers by width and signedness, numeric/decimal as Decimal with the
// column's scale (and numeric.mapping for PostgreSQL's NUMERIC), real/double, boolean,
// character types, json/jsonb/uuid/enum as STRING, bytea/binary/blob as BYTES, date, time,
// timestamp/datetime as the logical types. Nullable columns give optional fields. Values arrive
// as the text both back ends hand SOCI, in the session time zone UTC, and are parsed here.
//
// Sink side: a Connect value becomes the text parameter a statement binds, which the database
// converts to the column's type (BYTES go as hex: PostgreSQL's \x form, or MySQL's UNHEX).
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "connectors/jdbc/connection.h"
#include "connectors/jdbc/dialect.h"
#include "ferry/sdk/schema.h"
#include "ferry/sdk/value.h"

namespace ferry::connectors::jdbc {

// numeric.mapping (Confluent's NumericMapping).
enum class NumericMapping { kNone, kPrecisionOnly, kBestFit, kBestFitEagerDouble };
NumericMapping parse_numeric_mapping(std::string_view text);  // throws ConfigException

// How a column's text becomes a value.
enum class ValueKind {
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kFloat32,
  kFloat64,
  kBoolean,
  kString,
  kBytesHex,  // PostgreSQL bytea text: \x0102...
  kBytesRaw,  // MySQL: the bytes themselves
  kDecimal,
  kDecimalAsDouble,  // numeric.mapping best_fit with a scale
  kDate,
  kTime,
  kTimestamp,
};

// timestamp.granularity: how timestamp columns become values. connect_logical: Connect's
// Timestamp (milliseconds); micros_/nanos_long: INT64 since the epoch; micros_/nanos_string: that
// number as a STRING; micros_/nanos_iso_datetime_string: "YYYY-MM-DDTHH:MM:SS.ffffff[fff]" (UTC).
enum class TimestampGranularity {
  kConnectLogical,
  kMicrosLong,
  kMicrosString,
  kMicrosIsoDatetimeString,
  kNanosLong,
  kNanosString,
  kNanosIsoDatetimeString,
};
TimestampGranularity parse_timestamp_granularity(std::string_view text);  // throws ConfigException

struct ColumnMapping {
  std::string name;
  ValueKind kind = ValueKind::kString;
  sdk::SchemaPtr schema;
  std::int32_t scale = 0;                                                    // kDecimal
  TimestampGranularity granularity = TimestampGranularity::kConnectLogical;  // kTimestamp
};

// The mapping of a column, or nullopt for a type the connector does not read (arrays,
// geometry, intervals, ...): Confluent skips those columns with a warning, and so does the task.
std::optional<ColumnMapping> map_column(
    DatabaseKind kind, const ColumnInfo& column, NumericMapping numeric_mapping,
    TimestampGranularity granularity = TimestampGranularity::kConnectLogical);

// A column's text as a value of its mapping. Throws sdk::DataException naming the column and
// the text when it does not parse (a zero date, an out-of-range unsigned BIGINT, ...).
sdk::Value text_to_value(const ColumnMapping& column, std::string_view text);

// A point in time as databases print it, kept to the nanosecond for timestamp offsets.
struct SqlTimestamp {
  std::int64_t epoch_seconds = 0;
  std::int32_t nanos = 0;  // 0..999,999,999

  std::int64_t millis() const { return epoch_seconds * 1000 + nanos / 1'000'000; }
  static SqlTimestamp from_millis_and_nanos(std::int64_t millis, std::int32_t nanos);
  friend auto operator<=>(const SqlTimestamp&, const SqlTimestamp&) = default;
};
// "YYYY-MM-DD HH:MM:SS[.fraction][+HH[:MM]]" (also with 'T'); nullopt when malformed.
std::optional<SqlTimestamp> parse_timestamp(std::string_view text);
// "YYYY-MM-DD HH:MM:SS.nnnnnnnnn" in UTC (both databases round what they cannot keep).
std::string format_timestamp(const SqlTimestamp& timestamp);

// The text parameter for a value of schema, or nullopt for null. Throws sdk::DataException for
// values the database cannot take (NaN in MySQL, a MAP, ...).
std::optional<std::string> value_to_text(DatabaseKind kind, const sdk::Schema& schema,
                                         const sdk::Value& value);

}  // namespace ferry::connectors::jdbc
