#include "connectors/jdbc/column_mapping.h"

#include <gtest/gtest.h>

#include "ferry/sdk/config_def.h"
#include "ferry/sdk/errors.h"
#include "ferry/sdk/logical_types.h"

namespace ferry::connectors::jdbc {
namespace {

ColumnMapping mapped(DatabaseKind kind, std::string type, std::string column_type = "",
                     bool nullable = false, int precision = 0, int scale = 0,
                     NumericMapping numeric = NumericMapping::kNone) {
  ColumnInfo column{.name = "c",
                    .type = std::move(type),
                    .column_type = std::move(column_type),
                    .nullable = nullable,
                    .precision = precision,
                    .scale = scale};
  auto mapping = map_column(kind, column, numeric);
  EXPECT_TRUE(mapping.has_value()) << column.type;
  return mapping.value_or(ColumnMapping{});
}

TEST(ColumnMapping, IntegersByWidthAndSignedness) {
  EXPECT_EQ(mapped(DatabaseKind::kMysql, "tinyint", "tinyint(4)").schema->type(), sdk::Type::kInt8);
  EXPECT_EQ(mapped(DatabaseKind::kMysql, "tinyint", "tinyint(3) unsigned").schema->type(),
            sdk::Type::kInt16);
  EXPECT_EQ(mapped(DatabaseKind::kMysql, "int", "int(10) unsigned").schema->type(),
            sdk::Type::kInt64);
  EXPECT_EQ(mapped(DatabaseKind::kPostgres, "integer").schema->type(), sdk::Type::kInt32);
  EXPECT_EQ(mapped(DatabaseKind::kPostgres, "bigint").schema->type(), sdk::Type::kInt64);
}

TEST(ColumnMapping, NullableColumnsAreOptionalFields) {
  EXPECT_TRUE(mapped(DatabaseKind::kPostgres, "text", "", true).schema->is_optional());
  EXPECT_FALSE(mapped(DatabaseKind::kPostgres, "text", "", false).schema->is_optional());
}

TEST(ColumnMapping, DecimalKeepsScaleAndPrecision) {
  const auto column = mapped(DatabaseKind::kPostgres, "numeric", "numeric", false, 10, 2);
  EXPECT_EQ(sdk::logical::decimal_scale(*column.schema), 2);
  EXPECT_EQ(*column.schema->parameter("connect.decimal.precision"), "10");
  EXPECT_EQ(text_to_value(column, "12.5"), sdk::Value(sdk::Decimal::parse("12.50")));
}

// Short plain text takes a quicker way than Decimal::parse: the same value, or the same error.
TEST(ColumnMapping, DecimalTextReadsAsDecimalParseWouldAtTheColumnsScale) {
  for (const int scale : {0, 2, 5, 127}) {
    const auto column = mapped(DatabaseKind::kPostgres, "numeric", "numeric", false,
                               scale == 127 ? 0 : 18, scale == 127 ? 0 : scale);
    for (const std::string text : {"0",
                                   "-0",
                                   "0.00",
                                   "-0.00",
                                   "7",
                                   "12.3",
                                   "12.30",
                                   "-12.34",
                                   "0.001",
                                   "1.23456",
                                   "999999999999999999",
                                   "-999999999999999999",
                                   "9999999999999999.99",
                                   "1000000000000000000",
                                   "0000000000000000001",
                                   "1.",
                                   ".5",
                                   "-",
                                   "",
                                   "+1",
                                   "1e3",
                                   "1.5E+2",
                                   "NaN",
                                   "1.2.3",
                                   "--1"}) {
      std::optional<sdk::Value> expected;
      try {
        expected = sdk::Decimal::parse(text).with_scale(column.scale);
      } catch (const sdk::DataException&) {
      }
      if (expected) {
        EXPECT_EQ(text_to_value(column, text), *expected) << text << " at scale " << column.scale;
      } else {
        EXPECT_THROW(text_to_value(column, text), sdk::DataException)
            << text << " at scale " << column.scale;
      }
    }
  }
}

TEST(ColumnMapping, NumericMappingBestFit) {
  EXPECT_EQ(mapped(DatabaseKind::kPostgres, "numeric", "", false, 5, 0, NumericMapping::kBestFit)
                .schema->type(),
            sdk::Type::kInt32);
  EXPECT_EQ(mapped(DatabaseKind::kPostgres, "numeric", "", false, 10, 2, NumericMapping::kBestFit)
                .schema->type(),
            sdk::Type::kFloat64);
}

TEST(ColumnMapping, TemporalTextInUtc) {
  const auto timestamp = mapped(DatabaseKind::kPostgres, "timestamp with time zone");
  EXPECT_EQ(text_to_value(timestamp, "2024-01-15 10:30:00.123456+00"),
            sdk::Value(sdk::Timestamp{1705314600123}));
  EXPECT_EQ(text_to_value(timestamp, "2024-01-15 12:30:00+02"),
            sdk::Value(sdk::Timestamp{1705314600000}));
  EXPECT_EQ(text_to_value(mapped(DatabaseKind::kMysql, "date"), "1969-12-31"),
            sdk::Value(sdk::Date{-1}));
  EXPECT_EQ(text_to_value(mapped(DatabaseKind::kMysql, "time"), "10:30:00.5"),
            sdk::Value(sdk::Time{37800500}));
  EXPECT_THROW(text_to_value(mapped(DatabaseKind::kMysql, "date"), "0000-00-00"),
               sdk::DataException);
}

TEST(ColumnMapping, TimestampsRoundTripThroughText) {
  const SqlTimestamp timestamp{-86'401, 5'000};
  EXPECT_EQ(format_timestamp(timestamp), "1969-12-30 23:59:59.000005");
  EXPECT_EQ(parse_timestamp(format_timestamp(timestamp)), timestamp);
  EXPECT_EQ(format_timestamp({253'402'300'799, 999'999'000}), "9999-12-31 23:59:59.999999");
  EXPECT_EQ(format_timestamp({253'402'300'800, 0}), "10000-01-01 00:00:00.000000");
  EXPECT_EQ(format_timestamp({-62'167'219'200, 0}), "0000-01-01 00:00:00.000000");
}

TEST(ColumnMapping, BytesFromPostgresHexAndToText) {
  const auto bytea = mapped(DatabaseKind::kPostgres, "bytea");
  EXPECT_EQ(text_to_value(bytea, "\\x00ff10"), sdk::Value(sdk::Bytes{0x00, 0xff, 0x10}));
  EXPECT_EQ(value_to_text(DatabaseKind::kPostgres, *sdk::Schema::bytes(),
                          sdk::Value(sdk::Bytes{0x00, 0xff})),
            "\\x00ff");
  EXPECT_EQ(value_to_text(DatabaseKind::kMysql, *sdk::Schema::bytes(),
                          sdk::Value(sdk::Bytes{0x00, 0xff})),
            "00ff");
}

TEST(ColumnMapping, ValuesToText) {
  EXPECT_EQ(value_to_text(DatabaseKind::kMysql, *sdk::Schema::boolean(), sdk::Value(true)), "1");
  EXPECT_EQ(value_to_text(DatabaseKind::kPostgres, *sdk::Schema::boolean(), sdk::Value(true)),
            "true");
  EXPECT_EQ(value_to_text(DatabaseKind::kPostgres, *sdk::logical::timestamp().build(),
                          sdk::Value(sdk::Timestamp{1705314600123})),
            "2024-01-15 10:30:00.123");
  EXPECT_EQ(value_to_text(DatabaseKind::kPostgres, *sdk::Schema::optional_string(), sdk::Value()),
            std::nullopt);
  EXPECT_THROW(value_to_text(DatabaseKind::kMysql, *sdk::Schema::float64(),
                             sdk::Value(std::numeric_limits<double>::infinity())),
               sdk::DataException);
}

TEST(ColumnMapping, UnsupportedTypesAreSkipped) {
  EXPECT_FALSE(map_column(DatabaseKind::kPostgres, ColumnInfo{.name = "a", .type = "array"},
                          NumericMapping::kNone));
}

TEST(ColumnMapping, TimestampGranularityChoosesTheRepresentation) {
  const ColumnInfo column{.name = "at", .type = "timestamp without time zone", .nullable = false};
  const std::string text = "2024-02-29 23:59:59.123456";
  const auto value_as = [&](const std::string& granularity) {
    const auto mapping = map_column(DatabaseKind::kPostgres, column, NumericMapping::kNone,
                                    parse_timestamp_granularity(granularity));
    return std::make_pair(mapping->schema, text_to_value(*mapping, text));
  };
  const auto [logical_schema, logical] = value_as("connect_logical");
  EXPECT_EQ(logical_schema->name(), sdk::logical::kTimestampName);
  EXPECT_EQ(logical.as<sdk::Timestamp>().millis_since_epoch, 1709251199123);
  const auto [long_schema, nanos] = value_as("nanos_long");
  EXPECT_EQ(long_schema->type(), sdk::Type::kInt64);
  EXPECT_EQ(nanos.as<std::int64_t>(), 1709251199123456000);
  EXPECT_EQ(value_as("micros_long").second.as<std::int64_t>(), 1709251199123456);
  EXPECT_EQ(value_as("micros_string").second.as<std::string>(), "1709251199123456");
  EXPECT_EQ(value_as("nanos_iso_datetime_string").second.as<std::string>(),
            "2024-02-29T23:59:59.123456000");
  EXPECT_EQ(value_as("micros_iso_datetime_string").second.as<std::string>(),
            "2024-02-29T23:59:59.123456");
  EXPECT_THROW(parse_timestamp_granularity("millis"), sdk::ConfigException);
}

// db.timezone: a column without a time zone holds the zone's wall-clock time; one with a time
// zone (or MySQL's TIMESTAMP, which the session hands over in UTC) holds the instant.
TEST(ColumnMapping, DbTimeZoneReadsWallClockColumnsInTheZone) {
  const DbTimeZone paris = DbTimeZone::named("Europe/Paris");
  const auto with_zone = [&](DatabaseKind kind, const std::string& type) {
    return map_column(kind, ColumnInfo{.name = "at", .type = type}, NumericMapping::kNone,
                      TimestampGranularity::kConnectLogical, paris)
        .value();
  };
  // 2024-07-01 12:00 in Paris (CEST, +02:00) is 10:00 UTC: 1719828000.
  EXPECT_EQ(text_to_value(with_zone(DatabaseKind::kPostgres, "timestamp without time zone"),
                          "2024-07-01 12:00:00.250"),
            sdk::Value(sdk::Timestamp{1719828000250}));
  EXPECT_EQ(text_to_value(with_zone(DatabaseKind::kMysql, "datetime"), "2024-01-15 11:30:00"),
            sdk::Value(sdk::Timestamp{1705314600000}));  // CET, +01:00
  EXPECT_EQ(text_to_value(with_zone(DatabaseKind::kPostgres, "timestamp with time zone"),
                          "2024-07-01 10:00:00+00"),
            sdk::Value(sdk::Timestamp{1719828000000}));
  EXPECT_EQ(text_to_value(with_zone(DatabaseKind::kMysql, "timestamp"), "2024-07-01 10:00:00"),
            sdk::Value(sdk::Timestamp{1719828000000}));
}

TEST(ColumnMapping, DbTimeZoneGapsAndRepeatsReadAsJavaDoes) {
  const DbTimeZone paris = DbTimeZone::named("Europe/Paris");
  const auto instant = [&](const std::string& text) {
    return paris.to_instant(parse_timestamp(text).value()).epoch_seconds;
  };
  // 2024-03-31 02:30 does not exist in Paris: read with the offset before the gap (+01:00).
  EXPECT_EQ(instant("2024-03-31 02:30:00"), instant("2024-03-31 01:30:00") + 3600);
  EXPECT_EQ(format_timestamp(paris.to_wall_clock({instant("2024-03-31 02:30:00"), 0})),
            "2024-03-31 03:30:00.000000");
  // 2024-10-27 02:30 happens twice: the earlier one, still +02:00 (00:30 UTC).
  EXPECT_EQ(instant("2024-10-27 02:30:00"), parse_timestamp("2024-10-27 00:30:00")->epoch_seconds);
  // Round trip through the zone everywhere else, with the nanoseconds kept.
  const SqlTimestamp winter = *parse_timestamp("2023-12-31 23:59:59.123456789");
  EXPECT_EQ(paris.to_wall_clock(paris.to_instant(winter)), winter);
  EXPECT_EQ(paris.offset_seconds_at(paris.to_instant(winter)), 3600);
}

TEST(ColumnMapping, DbTimeZoneNamesAreChecked) {
  EXPECT_TRUE(DbTimeZone::named("UTC").is_utc());
  EXPECT_TRUE(DbTimeZone::named("Etc/UTC").is_utc());
  EXPECT_EQ(DbTimeZone::named("America/New_York").name(), "America/New_York");
  for (const char* bad : {"Mars/Olympus", "../../etc/passwd", "", "+25:00"}) {
    try {
      DbTimeZone::named(bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const sdk::ConfigException& error) {
      EXPECT_NE(std::string(error.what()).find("configuration db.timezone"), std::string::npos)
          << error.what();
      EXPECT_NE(std::string(error.what()).find(std::string("Invalid value ") + bad),
                std::string::npos)
          << error.what();
    }
  }
}

TEST(ColumnMapping, DbTimeZoneWritesTheZonesWallClock) {
  const DbTimeZone tokyo = DbTimeZone::named("Asia/Tokyo");
  const auto timestamp = *sdk::logical::timestamp().build();
  const sdk::Value value(sdk::Timestamp{1705314600123});  // 2024-01-15 10:30:00.123 UTC
  // PostgreSQL: the offset goes along, which a timestamptz column honours and a timestamp
  // column ignores.
  EXPECT_EQ(value_to_text(DatabaseKind::kPostgres, timestamp, value, tokyo),
            "2024-01-15 19:30:00.123+09:00");
  EXPECT_EQ(value_to_text(DatabaseKind::kMysql, timestamp, value, tokyo),
            "2024-01-15 19:30:00.123");
  EXPECT_EQ(value_to_text(DatabaseKind::kMysql, timestamp, value), "2024-01-15 10:30:00.123");
  // West of UTC, and an offset with seconds (Paris's local mean time before 1911).
  EXPECT_EQ(value_to_text(DatabaseKind::kPostgres, timestamp, value,
                          DbTimeZone::named("America/New_York")),
            "2024-01-15 05:30:00.123-05:00");
  EXPECT_EQ(value_to_text(DatabaseKind::kPostgres, timestamp,
                          sdk::Value(sdk::Timestamp{-2'500'000'000'000}),
                          DbTimeZone::named("Europe/Paris")),
            "1890-10-11 19:42:41.000+00:09:21");
}

TEST(ColumnMapping, IsoGranularitiesPrintTheZonesTime) {
  const auto mapping =
      map_column(DatabaseKind::kPostgres,
                 ColumnInfo{.name = "at", .type = "timestamp with time zone"},
                 NumericMapping::kNone, TimestampGranularity::kMicrosIsoDatetimeString,
                 DbTimeZone::named("Asia/Tokyo"))
          .value();
  EXPECT_EQ(text_to_value(mapping, "2024-01-15 10:30:00.5+00").as<std::string>(),
            "2024-01-15T19:30:00.500000");
}

}  // namespace
}  // namespace ferry::connectors::jdbc
