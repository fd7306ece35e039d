// db.timezone: the time zone in which a database's wall-clock columns hold their times.
//
// PostgreSQL's `timestamp` (without time zone) and MySQL's DATETIME store a date and a time of
// day, not an instant. Confluent's connectors read and write them through a calendar in
// db.timezone, and so does Ferry: the source turns such a column's text into the instant it
// names in the zone, the sink writes an instant as the zone's date and time of day, and the
// timestamp modes' bounds are compared in the zone. Columns that hold instants (PostgreSQL's
// timestamptz, MySQL's TIMESTAMP) cross the connection in UTC whatever db.timezone says.
//
// Zones come from the system's time zone database (Debian's tzdata, read through Howard
// Hinnant's date library): IANA names as Java knows them (UTC, Europe/Paris, America/New_York).
// A wall-clock time that the zone skips (a spring-forward gap) is read with the offset before
// the gap, and one it repeats (autumn) as the earlier instant, as java.util.Calendar does.
//
// A value type, cheap to copy; thread-safe (the zones are immutable once loaded).
#pragma once

#include <string>
#include <string_view>

#include "connectors/jdbc/sql_timestamp.h"

namespace date {
class time_zone;
}  // namespace date

namespace ferry::connectors::jdbc {

class DbTimeZone {
 public:
  // UTC: every conversion is the identity.
  DbTimeZone() = default;
  // The zone of that IANA name (UTC and its aliases are UTC). Throws sdk::ConfigException naming
  // db.timezone and the value when the system's database does not know it.
  static DbTimeZone named(std::string_view name);

  bool is_utc() const { return zone_ == nullptr; }
  std::string name() const;

  // The instant a wall-clock time of this zone names (the wall-clock time as parse_timestamp
  // read it, i.e. as if it were UTC).
  SqlTimestamp to_instant(const SqlTimestamp& wall_clock) const;
  // The wall-clock time of this zone at an instant (as if it were UTC, for format_timestamp).
  SqlTimestamp to_wall_clock(const SqlTimestamp& instant) const;
  // The zone's offset from UTC at an instant, in seconds (east positive).
  long offset_seconds_at(const SqlTimestamp& instant) const;

 private:
  explicit DbTimeZone(const date::time_zone* zone) : zone_(zone) {}

  const date::time_zone* zone_ = nullptr;  // nullptr: UTC
};

}  // namespace ferry::connectors::jdbc
