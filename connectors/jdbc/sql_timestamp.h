// A point in time as the databases print it, to the nanosecond: what timestamp columns, the
// timestamp modes' offsets and their query bounds are made of. The text forms are parsed and
// printed by column_mapping.cpp, beside the date and time parsing they share.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::connectors::jdbc {

struct SqlTimestamp {
  std::int64_t epoch_seconds = 0;
  std::int32_t nanos = 0;  // 0..999,999,999

  std::int64_t millis() const { return epoch_seconds * 1000 + nanos / 1'000'000; }
  static SqlTimestamp from_millis_and_nanos(std::int64_t millis, std::int32_t nanos);
  friend auto operator<=>(const SqlTimestamp&, const SqlTimestamp&) = default;
};

// "YYYY-MM-DD HH:MM:SS[.fraction][+HH[:MM]]" (also with 'T'); nullopt when malformed. Without an
// offset the time is read as UTC.
std::optional<SqlTimestamp> parse_timestamp(std::string_view text);
// "YYYY-MM-DD HH:MM:SS.nnnnnn" in UTC (both databases round what they cannot keep).
std::string format_timestamp(const SqlTimestamp& timestamp);

}  // namespace ferry::connectors::jdbc
