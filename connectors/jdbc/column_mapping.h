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
#include "connectors/jdbc/db_time_zone.h"
#include "connectors/jdbc/dialect.h"
#include "connectors/jdbc/sql_timestamp.h"
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
// number as a STRING; micros_/nanos_iso_datetime_string: "YYYY-MM-DDTHH:MM:SS.ffffff[fff]" (the
// time of day in db.timezone, as Confluent's connector prints it).
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
  // kTimestamp: db.timezone, in which the ISO string granularities print the time, and
  // wall_clock: whether the column holds a date and time of day in that zone (PostgreSQL's
  // timestamp, MySQL's DATETIME) rather than an instant, which crosses the connection in UTC.
  DbTimeZone zone;
  bool wall_clock = false;

  // The zone the column's text is a wall-clock time of.
  DbTimeZone text_zone() const { return wall_clock ? zone : DbTimeZone(); }
};

// Whether a column of this type holds a date and time of day rather than an instant
// (PostgreSQL's timestamp without time zone, MySQL's DATETIME): db.timezone applies to it.
bool is_wall_clock_timestamp(DatabaseKind kind, std::string_view type);

// The mapping of a column, or nullopt for a type the connector does not read (arrays,
// geometry, intervals, ...): Confluent skips those columns with a warning, and so does the task.
std::optional<ColumnMapping> map_column(
    DatabaseKind kind, const ColumnInfo& column, NumericMapping numeric_mapping,
    TimestampGranularity granularity = TimestampGranularity::kConnectLogical,
    const DbTimeZone& zone = {});

// A column's text as a value of its mapping. Throws sdk::DataException naming the column and
// the text when it does not parse (a zero date, an out-of-range unsigned BIGINT, ...).
sdk::Value text_to_value(const ColumnMapping& column, std::string_view text);

// The text parameter for a value of schema, or nullopt for null. Throws sdk::DataException for
// values the database cannot take (NaN in MySQL, a MAP, ...). A Timestamp is written as the
// date and time of day in zone; for PostgreSQL, with the zone's offset appended, which a
// timestamptz column takes into account and a timestamp column ignores.
std::optional<std::string> value_to_text(DatabaseKind kind, const sdk::Schema& schema,
                                         const sdk::Value& value, const DbTimeZone& zone = {});

}  // namespace ferry::connectors::jdbc
