// The values of Kafka Connect's Date, Time and Timestamp logical types.
//
// Each wraps the integer Kafka Connect puts on the wire (see logical_types.h for the schemas), so
// that a value says which logical type it is and a Struct can check it against its schema:
//   Date       days since 1970-01-01 (int32)
//   Time       milliseconds since midnight, 0 <= millis <= 86,400,000 (int32)
//   Timestamp  milliseconds since 1970-01-01T00:00:00Z (int64)
// All are UTC; there are no time zones in Kafka Connect's logical types. A Time of 86,400,000, the
// midnight that ends the day, is valid because Kafka Connect accepts it (Time.toLogical rejects
// only values below 0 or above MILLIS_PER_DAY); it prints as "24:00:00.000". validate_value
// (schema.h) rejects Times outside that range.
#pragma once

#include <cstdint>
#include <string>

namespace ferry::sdk {

struct Date {
  std::int32_t days_since_epoch = 0;

  static Date from_civil(int year, unsigned month, unsigned day);
  // ISO-8601 "2024-01-15".
  std::string to_string() const;
  friend auto operator<=>(const Date&, const Date&) = default;
};

struct Time {
  std::int32_t millis_of_day = 0;

  static Time from_hms(unsigned hour, unsigned minute, unsigned second, unsigned millis = 0);
  // "10:30:00.000".
  std::string to_string() const;
  friend auto operator<=>(const Time&, const Time&) = default;
};

struct Timestamp {
  std::int64_t millis_since_epoch = 0;

  // ISO-8601 UTC "2024-01-15T10:30:00.000Z".
  std::string to_string() const;
  friend auto operator<=>(const Timestamp&, const Timestamp&) = default;
};

}  // namespace ferry::sdk
