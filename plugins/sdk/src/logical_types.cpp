#include "ferry/sdk/logical_types.h"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <string>

#include "ferry/sdk/errors.h"
#include "ferry/sdk/time_values.h"

namespace ferry::sdk {
namespace {

struct Civil {
  int year;
  unsigned month;
  unsigned day;
};

Civil civil_from_days(std::int64_t days) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
  return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day())};
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

std::string format_date(const Civil& c) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", c.year, c.month, c.day);
  return buffer;
}

std::string format_time(std::int64_t millis_of_day) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%02lld:%02lld:%02lld.%03lld",
                static_cast<long long>(millis_of_day / 3'600'000),
                static_cast<long long>(millis_of_day / 60'000 % 60),
                static_cast<long long>(millis_of_day / 1000 % 60),
                static_cast<long long>(millis_of_day % 1000));
  return buffer;
}

}  // namespace

Date Date::from_civil(int year, unsigned month, unsigned day) {
  const std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::month{month},
                                        std::chrono::day{day}};
  if (!ymd.ok()) {
    throw DataException("Invalid date " + std::to_string(year) + "-" + std::to_string(month) + "-" +
                        std::to_string(day));
  }
  return Date{static_cast<std::int32_t>(std::chrono::sys_days{ymd}.time_since_epoch().count())};
}

std::string Date::to_string() const { return format_date(civil_from_days(days_since_epoch)); }

Time Time::from_hms(unsigned hour, unsigned minute, unsigned second, unsigned millis) {
  if (hour > 23 || minute > 59 || second > 59 || millis > 999) {
    throw DataException("Invalid time of day " + std::to_string(hour) + ":" +
                        std::to_string(minute) + ":" + std::to_string(second) + "." +
                        std::to_string(millis));
  }
  return Time{static_cast<std::int32_t>(((hour * 60 + minute) * 60 + second) * 1000 + millis)};
}

std::string Time::to_string() const { return format_time(millis_of_day); }

std::string Timestamp::to_string() const {
  const std::int64_t days = floor_div(millis_since_epoch, logical::kMillisPerDay);
  const std::int64_t millis_of_day = millis_since_epoch - days * logical::kMillisPerDay;
  return format_date(civil_from_days(days)) + "T" + format_time(millis_of_day) + "Z";
}

namespace logical {

SchemaBuilder decimal(std::int32_t scale) {
  SchemaBuilder builder = SchemaBuilder::bytes();
  builder.name(std::string(kDecimalName))
      .version(1)
      .parameter(std::string(kDecimalScaleParameter), std::to_string(scale));
  return builder;
}

SchemaBuilder date() {
  SchemaBuilder builder = SchemaBuilder::int32();
  builder.name(std::string(kDateName)).version(1);
  return builder;
}

SchemaBuilder time() {
  SchemaBuilder builder = SchemaBuilder::int32();
  builder.name(std::string(kTimeName)).version(1);
  return builder;
}

SchemaBuilder timestamp() {
  SchemaBuilder builder = SchemaBuilder::int64();
  builder.name(std::string(kTimestampName)).version(1);
  return builder;
}

LogicalType logical_type_of(const Schema& schema) {
  if (!schema.name()) return LogicalType::kNone;
  const std::string& name = *schema.name();
  auto expect = [&](Type base, LogicalType logical) {
    if (schema.type() != base) {
      throw DataException("Logical type " + name + " requires schema type " +
                          std::string(type_name(base)) + ", not " +
                          std::string(type_name(schema.type())));
    }
    return logical;
  };
  if (name == kDecimalName) return expect(Type::kBytes, LogicalType::kDecimal);
  if (name == kDateName) return expect(Type::kInt32, LogicalType::kDate);
  if (name == kTimeName) return expect(Type::kInt32, LogicalType::kTime);
  if (name == kTimestampName) return expect(Type::kInt64, LogicalType::kTimestamp);
  return LogicalType::kNone;
}

std::int32_t decimal_scale(const Schema& schema) {
  const std::string* scale = schema.parameter(kDecimalScaleParameter);
  if (scale == nullptr) throw DataException("Invalid Decimal schema: scale parameter not found.");
  std::int32_t value = 0;
  const auto [end, error] = std::from_chars(scale->data(), scale->data() + scale->size(), value);
  if (error != std::errc() || end != scale->data() + scale->size()) {
    throw DataException("Invalid Decimal schema: scale parameter \"" + *scale +
                        "\" is not an integer.");
  }
  return value;
}

}  // namespace logical
}  // namespace ferry::sdk
