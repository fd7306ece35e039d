#include "connectors/jdbc/column_mapping.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "ferry/sdk/config_def.h"
#include "ferry/sdk/decimal.h"
#include "ferry/sdk/errors.h"
#include "ferry/sdk/logical_types.h"
#include "ferry/sdk/schema_builder.h"

namespace ferry::connectors::jdbc {
namespace {

constexpr std::string_view kDecimalPrecisionParameter = "connect.decimal.precision";

[[noreturn]] void bad_text(const ColumnMapping& column, std::string_view text,
                           std::string_view expected) {
  throw sdk::DataException("Column '" + column.name + "': cannot read '" +
                           std::string(text.substr(0, 64)) + "' as " + std::string(expected));
}

template <typename T>
std::optional<T> parse_integer(std::string_view text) {
  T value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> parse_double(std::string_view text) {
  if (text == "NaN") return std::nan("");
  if (text == "Infinity") return HUGE_VAL;
  if (text == "-Infinity") return -HUGE_VAL;
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  // Out of range: strtod's answer (infinity or zero with the sign), as before.
  if (error == std::errc::result_out_of_range && end == text.data() + text.size())
    return std::strtod(std::string(text).c_str(), nullptr);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Plain decimal text as the databases write it ("-123.45": digits, at most one point with digits
// on both sides) with at most 18 digits at scale and no more than scale after the point: its
// unscaled value at scale, which Decimal::from_unscaled takes without parsing the text again.
// nullopt for anything else (more digits, an exponent, NaN), which Decimal::parse reads.
std::optional<std::int64_t> unscaled_at_scale(std::string_view text, std::int32_t scale) {
  std::size_t pos = !text.empty() && text[0] == '-' ? 1 : 0;
  std::int64_t value = 0;
  int digits = 0;
  int fraction = -1;  // digits after the point; -1: no point
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (c == '.' && fraction < 0 && digits > 0) {
      fraction = 0;
      continue;
    }
    if (c < '0' || c > '9' || ++digits > 18) return std::nullopt;
    value = value * 10 + (c - '0');
    if (fraction >= 0) ++fraction;
  }
  if (digits == 0 || fraction == 0 || fraction > scale || digits - fraction + scale > 18)
    return std::nullopt;
  for (int i = std::max(fraction, 0); i < scale; ++i) value *= 10;
  return text[0] == '-' ? -value : value;
}

// Digits at text[pos, pos+count) as a number; advances pos.
std::optional<int> digits(std::string_view text, std::size_t& pos, std::size_t count) {
  if (pos + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += count;
  return value;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

// "YYYY-MM-DD" at pos: days since the epoch.
std::optional<std::int32_t> parse_date_at(std::string_view text, std::size_t& pos) {
  const auto year = digits(text, pos, 4);
  if (!year || !expect(text, pos, '-')) return std::nullopt;
  const auto month = digits(text, pos, 2);
  if (!month || !expect(text, pos, '-')) return std::nullopt;
  const auto day = digits(text, pos, 2);
  if (!day || *month < 1 || *month > 12 || *day < 1 || *day > 31 || *year < 1) return std::nullopt;
  return sdk::Date::from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day))
      .days_since_epoch;
}

// "HH:MM:SS[.fraction]" at pos: nanoseconds since midnight.
std::optional<std::int64_t> parse_time_at(std::string_view text, std::size_t& pos) {
  const auto hour = digits(text, pos, 2);
  if (!hour || !expect(text, pos, ':')) return std::nullopt;
  const auto minute = digits(text, pos, 2);
  if (!minute || !expect(text, pos, ':')) return std::nullopt;
  const auto second = digits(text, pos, 2);
  if (!second || *hour > 24 || *minute > 59 || *second > 60) return std::nullopt;
  std::int64_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::int64_t scale = 100'000'000;
    const std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      nanos += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  return ((*hour * 60 + *minute) * 60 + *second) * 1'000'000'000LL + nanos;
}

// Howard Hinnant's civil_from_days.
void civil_from_days(std::int64_t days, int& year, unsigned& month, unsigned& day) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  day = doy - (153 * mp + 2) / 5 + 1;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = static_cast<int>(y + (month <= 2));
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// width decimal digits of value at out (zero-padded; value < 10^width).
char* put_digits(char* out, unsigned value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

// "YYYY-MM-DD" at out (years 0-9999); the end of what was written. The sink formats every
// timestamp and date it writes, so this is per value, without snprintf.
char* put_date(char* out, std::int64_t days) {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  civil_from_days(days, year, month, day);
  if (year < 0 || year > 9999) {
    char buffer[32];
    const int length = std::snprintf(buffer, sizeof buffer, "%04d", year);
    out = std::copy(buffer, buffer + length, out);
  } else {
    out = put_digits(out, static_cast<unsigned>(year), 4);
  }
  *out++ = '-';
  out = put_digits(out, month, 2);
  *out++ = '-';
  return put_digits(out, day, 2);
}

std::string format_date(std::int64_t days) {
  char buffer[32];
  return std::string(buffer, put_date(buffer, days));
}

std::string format_time_millis(std::int64_t millis) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%02d:%02d:%02d.%03d", static_cast<int>(millis / 3'600'000),
                static_cast<int>(millis / 60'000 % 60), static_cast<int>(millis / 1000 % 60),
                static_cast<int>(millis % 1000));
  return buffer;
}

// "+HH:MM", or "+HH:MM:SS" for the local mean times of old dates.
std::string format_utc_offset(long seconds) {
  const long magnitude = seconds < 0 ? -seconds : seconds;
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "%c%02ld:%02ld", seconds < 0 ? '-' : '+', magnitude / 3600,
                magnitude / 60 % 60);
  std::string text = buffer;
  if (magnitude % 60 != 0) {
    std::snprintf(buffer, sizeof buffer, ":%02ld", magnitude % 60);
    text += buffer;
  }
  return text;
}

std::string hex(const sdk::Bytes& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  text.reserve(bytes.size() * 2);
  for (std::uint8_t byte : bytes) {
    text += kDigits[byte >> 4];
    text += kDigits[byte & 0x0f];
  }
  return text;
}

template <typename T>
std::string shortest(T value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

sdk::SchemaPtr primitive(sdk::SchemaBuilder builder, bool optional) {
  if (optional) builder.optional();
  return builder.build();
}

}  // namespace

NumericMapping parse_numeric_mapping(std::string_view text) {
  if (text.empty() || text == "none") return NumericMapping::kNone;
  if (text == "precision_only") return NumericMapping::kPrecisionOnly;
  if (text == "best_fit") return NumericMapping::kBestFit;
  if (text == "best_fit_eager_double") return NumericMapping::kBestFitEagerDouble;
  throw sdk::ConfigException("Invalid value " + std::string(text) +
                             " for configuration numeric.mapping: must be one of none, "
                             "precision_only, best_fit, best_fit_eager_double");
}

TimestampGranularity parse_timestamp_granularity(std::string_view text) {
  static constexpr std::pair<std::string_view, TimestampGranularity> kNames[] = {
      {"connect_logical", TimestampGranularity::kConnectLogical},
      {"micros_long", TimestampGranularity::kMicrosLong},
      {"micros_string", TimestampGranularity::kMicrosString},
      {"micros_iso_datetime_string", TimestampGranularity::kMicrosIsoDatetimeString},
      {"nanos_long", TimestampGranularity::kNanosLong},
      {"nanos_string", TimestampGranularity::kNanosString},
      {"nanos_iso_datetime_string", TimestampGranularity::kNanosIsoDatetimeString},
  };
  for (const auto& [name, granularity] : kNames) {
    if (text == name) return granularity;
  }
  throw sdk::ConfigException("Invalid value " + std::string(text) +
                             " for configuration timestamp.granularity: must be one of "
                             "connect_logical, micros_long, micros_string, "
                             "micros_iso_datetime_string, nanos_long, nanos_string, "
                             "nanos_iso_datetime_string");
}

bool is_wall_clock_timestamp(DatabaseKind kind, std::string_view type) {
  return kind == DatabaseKind::kPostgres
             ? type == "timestamp without time zone" || type == "timestamp"
             : type == "datetime";
}

std::optional<ColumnMapping> map_column(DatabaseKind kind, const ColumnInfo& column,
                                        NumericMapping numeric_mapping,
                                        TimestampGranularity granularity, const DbTimeZone& zone) {
  ColumnMapping mapping;
  mapping.name = column.name;
  mapping.granularity = granularity;
  mapping.zone = zone;
  mapping.wall_clock = is_wall_clock_timestamp(kind, column.type);
  const bool optional = column.nullable;
  const std::string& type = column.type;
  const bool is_unsigned = column.column_type.find("unsigned") != std::string::npos;
  auto set = [&](ValueKind value_kind, sdk::SchemaBuilder builder) {
    mapping.kind = value_kind;
    mapping.schema = primitive(std::move(builder), optional);
    return mapping;
  };
  auto integer_by_precision = [&](int precision) {
    if (precision > 9) return set(ValueKind::kInt64, sdk::SchemaBuilder::int64());
    if (precision > 4) return set(ValueKind::kInt32, sdk::SchemaBuilder::int32());
    if (precision > 2) return set(ValueKind::kInt16, sdk::SchemaBuilder::int16());
    return set(ValueKind::kInt8, sdk::SchemaBuilder::int8());
  };

  if (type == "boolean" || type == "bool")
    return set(ValueKind::kBoolean, sdk::SchemaBuilder::boolean());
  if (type == "tinyint") {
    return is_unsigned ? set(ValueKind::kInt16, sdk::SchemaBuilder::int16())
                       : set(ValueKind::kInt8, sdk::SchemaBuilder::int8());
  }
  if (type == "smallint") {
    return is_unsigned ? set(ValueKind::kInt32, sdk::SchemaBuilder::int32())
                       : set(ValueKind::kInt16, sdk::SchemaBuilder::int16());
  }
  if (type == "integer" || type == "int" || type == "mediumint") {
    return is_unsigned ? set(ValueKind::kInt64, sdk::SchemaBuilder::int64())
                       : set(ValueKind::kInt32, sdk::SchemaBuilder::int32());
  }
  if (type == "bigint") return set(ValueKind::kInt64, sdk::SchemaBuilder::int64());
  if (type == "year") return set(ValueKind::kInt32, sdk::SchemaBuilder::int32());
  if (type == "real" || (type == "float" && kind == DatabaseKind::kMysql))
    return set(ValueKind::kFloat32, sdk::SchemaBuilder::float32());
  if (type == "double precision" || type == "double")
    return set(ValueKind::kFloat64, sdk::SchemaBuilder::float64());
  if (type == "numeric" || type == "decimal") {
    int precision = column.precision;
    int scale = column.scale;
    if (kind == DatabaseKind::kPostgres && precision == 0) scale = 127;  // unconstrained numeric
    // numeric.mapping applies to NUMERIC columns; MySQL reports both as DECIMAL.
    if (kind == DatabaseKind::kPostgres && type == "numeric" && precision > 0) {
      if (numeric_mapping == NumericMapping::kPrecisionOnly && scale == 0 && precision <= 18)
        return integer_by_precision(precision);
      if (numeric_mapping == NumericMapping::kBestFit ||
          numeric_mapping == NumericMapping::kBestFitEagerDouble) {
        if (precision <= 18 && scale <= 0 && scale >= -84) return integer_by_precision(precision);
        if (scale > 0 &&
            (precision <= 18 || numeric_mapping == NumericMapping::kBestFitEagerDouble))
          return set(ValueKind::kDecimalAsDouble, sdk::SchemaBuilder::float64());
      }
    }
    mapping.scale = scale;
    auto builder = sdk::logical::decimal(scale);
    builder.parameter(std::string(kDecimalPrecisionParameter), std::to_string(precision));
    return set(ValueKind::kDecimal, std::move(builder));
  }
  if (type == "character varying" || type == "varchar" || type == "character" || type == "char" ||
      type == "text" || type == "tinytext" || type == "mediumtext" || type == "longtext" ||
      type == "json" || type == "jsonb" || type == "uuid" || type == "enum" || type == "set" ||
      type == "xml" || type == "citext" || type == "name" || type == "user-defined" ||
      type == "inet" || type == "cidr" || type == "macaddr" || type == "time with time zone" ||
      type == "interval" || type == "money")
    return set(ValueKind::kString, sdk::SchemaBuilder::string());
  if (type == "bytea") return set(ValueKind::kBytesHex, sdk::SchemaBuilder::bytes());
  if (type == "binary" || type == "varbinary" || type == "blob" || type == "tinyblob" ||
      type == "mediumblob" || type == "longblob")
    return set(ValueKind::kBytesRaw, sdk::SchemaBuilder::bytes());
  if (type == "date") return set(ValueKind::kDate, sdk::logical::date());
  if (type == "time" || type == "time without time zone")
    return set(ValueKind::kTime, sdk::logical::time());
  if (type == "timestamp" || type == "datetime" || type == "timestamp without time zone" ||
      type == "timestamp with time zone") {
    switch (granularity) {
      case TimestampGranularity::kConnectLogical:
        return set(ValueKind::kTimestamp, sdk::logical::timestamp());
      case TimestampGranularity::kMicrosLong:
      case TimestampGranularity::kNanosLong:
        return set(ValueKind::kTimestamp, sdk::SchemaBuilder::int64());
      default:
        return set(ValueKind::kTimestamp, sdk::SchemaBuilder::string());
    }
  }
  return std::nullopt;
}

namespace {

// A timestamp as timestamp.granularity asks.
sdk::Value timestamp_value(const SqlTimestamp& timestamp, const ColumnMapping& column) {
  const TimestampGranularity granularity = column.granularity;
  const bool micros = granularity == TimestampGranularity::kMicrosLong ||
                      granularity == TimestampGranularity::kMicrosString ||
                      granularity == TimestampGranularity::kMicrosIsoDatetimeString;
  const std::int64_t count = micros ? timestamp.epoch_seconds * 1'000'000 + timestamp.nanos / 1000
                                    : timestamp.epoch_seconds * 1'000'000'000 + timestamp.nanos;
  switch (granularity) {
    case TimestampGranularity::kConnectLogical:
      return sdk::Timestamp{timestamp.millis()};
    case TimestampGranularity::kMicrosLong:
    case TimestampGranularity::kNanosLong:
      return count;
    case TimestampGranularity::kMicrosString:
    case TimestampGranularity::kNanosString:
      return std::to_string(count);
    case TimestampGranularity::kMicrosIsoDatetimeString:
    case TimestampGranularity::kNanosIsoDatetimeString: {
      // format_timestamp's date and time of day in db.timezone, then every digit of the fraction.
      std::string text =
          format_timestamp(column.zone.to_wall_clock({timestamp.epoch_seconds, 0})).substr(0, 19);
      text[10] = 'T';
      std::string fraction = std::to_string(micros ? timestamp.nanos / 1000 : timestamp.nanos);
      fraction.insert(0, (micros ? 6 : 9) - fraction.size(), '0');
      return text + "." + fraction;
    }
  }
  return sdk::Timestamp{timestamp.millis()};
}

}  // namespace

sdk::Value text_to_value(const ColumnMapping& column, std::string_view text) {
  switch (column.kind) {
    case ValueKind::kInt8:
      if (auto v = parse_integer<std::int8_t>(text)) return *v;
      bad_text(column, text, "INT8");
    case ValueKind::kInt16:
      if (auto v = parse_integer<std::int16_t>(text)) return *v;
      bad_text(column, text, "INT16");
    case ValueKind::kInt32:
      if (auto v = parse_integer<std::int32_t>(text)) return *v;
      bad_text(column, text, "INT32");
    case ValueKind::kInt64:
      if (auto v = parse_integer<std::int64_t>(text)) return *v;
      bad_text(column, text, "INT64 (an unsigned BIGINT above 2^63-1 does not fit)");
    case ValueKind::kFloat32:
      if (auto v = parse_double(text)) return static_cast<float>(*v);
      bad_text(column, text, "FLOAT32");
    case ValueKind::kFloat64:
    case ValueKind::kDecimalAsDouble:
      if (auto v = parse_double(text)) return *v;
      bad_text(column, text, "FLOAT64");
    case ValueKind::kBoolean:
      if (text == "t" || text == "true" || text == "1") return true;
      if (text == "f" || text == "false" || text == "0") return false;
      bad_text(column, text, "BOOLEAN");
    case ValueKind::kString:
      return std::string(text);
    case ValueKind::kBytesRaw:
      return sdk::Bytes(text.begin(), text.end());
    case ValueKind::kBytesHex: {
      if (!text.starts_with("\\x") || text.size() % 2 != 0) bad_text(column, text, "bytea hex");
      sdk::Bytes bytes;
      bytes.reserve(text.size() / 2 - 1);
      for (std::size_t i = 2; i < text.size(); i += 2) {
        unsigned value = 0;
        const auto [end, error] = std::from_chars(text.data() + i, text.data() + i + 2, value, 16);
        if (error != std::errc() || end != text.data() + i + 2) bad_text(column, text, "bytea hex");
        bytes.push_back(static_cast<std::uint8_t>(value));
      }
      return bytes;
    }
    case ValueKind::kDecimal:
      if (const auto unscaled = unscaled_at_scale(text, column.scale))
        return sdk::Decimal::from_unscaled(*unscaled, column.scale);
      try {
        return sdk::Decimal::parse(text).with_scale(column.scale);
      } catch (const sdk::DataException& error) {
        bad_text(column, text,
                 "a Decimal of scale " + std::to_string(column.scale) + " (" + error.what() + ")");
      }
    case ValueKind::kDate: {
      std::size_t pos = 0;
      const auto days = parse_date_at(text, pos);
      if (!days || pos != text.size()) bad_text(column, text, "a date");
      return sdk::Date{*days};
    }
    case ValueKind::kTime: {
      std::size_t pos = 0;
      const auto nanos = parse_time_at(text, pos);
      if (!nanos || pos != text.size() || *nanos > sdk::logical::kMillisPerDay * 1'000'000)
        bad_text(column, text, "a time of day");
      return sdk::Time{static_cast<std::int32_t>(*nanos / 1'000'000)};
    }
    case ValueKind::kTimestamp: {
      const auto timestamp = parse_timestamp(text);
      if (!timestamp) bad_text(column, text, "a timestamp");
      return timestamp_value(column.text_zone().to_instant(*timestamp), column);
    }
  }
  bad_text(column, text, "a known type");
}

SqlTimestamp SqlTimestamp::from_millis_and_nanos(std::int64_t millis, std::int32_t nanos) {
  return {floor_div(millis, 1000), nanos};
}

std::optional<SqlTimestamp> parse_timestamp(std::string_view text) {
  std::size_t pos = 0;
  const auto days = parse_date_at(text, pos);
  if (!days) return std::nullopt;
  if (pos >= text.size() || (text[pos] != ' ' && text[pos] != 'T')) return std::nullopt;
  ++pos;
  const auto nanos = parse_time_at(text, pos);
  if (!nanos) return std::nullopt;
  std::int64_t offset_seconds = 0;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    const auto hours = digits(text, pos, 2);
    if (!hours) return std::nullopt;
    int minutes = 0;
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      const auto m = digits(text, pos, 2);
      if (!m) return std::nullopt;
      minutes = *m;
    }
    offset_seconds = sign * (*hours * 3600 + minutes * 60);
  } else if (pos < text.size() && text[pos] == 'Z') {
    ++pos;
  }
  if (pos != text.size()) return std::nullopt;
  SqlTimestamp timestamp;
  timestamp.epoch_seconds =
      static_cast<std::int64_t>(*days) * 86'400 + *nanos / 1'000'000'000 - offset_seconds;
  timestamp.nanos = static_cast<std::int32_t>(*nanos % 1'000'000'000);
  return timestamp;
}

std::string format_timestamp(const SqlTimestamp& timestamp) {
  const std::int64_t days = floor_div(timestamp.epoch_seconds, 86'400);
  const auto seconds = static_cast<unsigned>(timestamp.epoch_seconds - days * 86'400);
  char buffer[48];
  char* out = put_date(buffer, days);
  *out++ = ' ';
  out = put_digits(out, seconds / 3600, 2);
  *out++ = ':';
  out = put_digits(out, seconds / 60 % 60, 2);
  *out++ = ':';
  out = put_digits(out, seconds % 60, 2);
  *out++ = '.';
  out = put_digits(out, static_cast<unsigned>(timestamp.nanos / 1000), 6);
  return std::string(buffer, out);
}

std::optional<std::string> value_to_text(DatabaseKind kind, const sdk::Schema& schema,
                                         const sdk::Value& value, const DbTimeZone& zone) {
  if (value.is_null()) return std::nullopt;
  const bool postgres = kind == DatabaseKind::kPostgres;
  if (const auto* decimal = value.get_if<sdk::Decimal>()) return decimal->to_plain_string();
  if (const auto* date = value.get_if<sdk::Date>()) return format_date(date->days_since_epoch);
  if (const auto* time = value.get_if<sdk::Time>()) return format_time_millis(time->millis_of_day);
  if (const auto* timestamp = value.get_if<sdk::Timestamp>()) {
    const std::int64_t millis = timestamp->millis_since_epoch;
    const std::int64_t seconds = floor_div(millis, 1000);
    const SqlTimestamp instant{seconds,
                               static_cast<std::int32_t>((millis - seconds * 1000) * 1'000'000)};
    const long offset = zone.offset_seconds_at(instant);  // one zone lookup per value
    std::string text = format_timestamp({instant.epoch_seconds + offset, instant.nanos});
    text.resize(text.size() - 3);  // milliseconds are all a Timestamp holds
    if (postgres && !zone.is_utc()) text += format_utc_offset(offset);
    return text;
  }
  return std::visit(
      [&](const auto& held) -> std::optional<std::string> {
        using T = std::decay_t<decltype(held)>;
        if constexpr (std::is_same_v<T, std::int8_t> || std::is_same_v<T, std::int16_t> ||
                      std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::int64_t>) {
          return std::to_string(held);
        } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
          if (std::isfinite(held)) return shortest(held);
          if (!postgres) {
            throw sdk::DataException("MySQL cannot store the non-finite number " +
                                     sdk::to_string(value));
          }
          if (std::isnan(held)) return std::string("NaN");
          return std::string(held > 0 ? "Infinity" : "-Infinity");
        } else if constexpr (std::is_same_v<T, bool>) {
          return postgres ? std::string(held ? "true" : "false") : std::string(held ? "1" : "0");
        } else if constexpr (std::is_same_v<T, std::string>) {
          return held;
        } else if constexpr (std::is_same_v<T, sdk::Bytes>) {
          return postgres ? "\\x" + hex(held) : hex(held);
        } else {
          throw sdk::DataException("A " + std::string(value.kind_name()) + " value (schema " +
                                   sdk::to_string(schema) +
                                   ") has no SQL column type in this connector");
        }
      },
      value.storage());
}

}  // namespace ferry::connectors::jdbc
