#include "connectors/jdbc/db_time_zone.h"

#include <chrono>
#include <stdexcept>

#include <date/tz.h>

#include "ferry/sdk/config_def.h"

namespace ferry::connectors::jdbc {
namespace {

bool is_utc_name(std::string_view name) {
  return name == "UTC" || name == "Etc/UTC" || name == "Z" || name == "Zulu" ||
         name == "Etc/Zulu" || name == "UCT" || name == "Etc/UCT" || name == "Universal" ||
         name == "Etc/Universal";
}

}  // namespace

DbTimeZone DbTimeZone::named(std::string_view name) {
  if (is_utc_name(name)) return DbTimeZone();
  try {
    return DbTimeZone(date::locate_zone(name));
  } catch (const std::exception&) {
    // The date library's message names only the zone; say which key and where zones come from.
    throw sdk::ConfigException("Invalid value " + std::string(name) +
                               " for configuration db.timezone: not a time zone of the "
                               "system's time zone database (an IANA name such as UTC, "
                               "Europe/Paris or America/New_York)");
  }
}

std::string DbTimeZone::name() const { return zone_ ? std::string(zone_->name()) : "UTC"; }

long DbTimeZone::offset_seconds_at(const SqlTimestamp& instant) const {
  if (!zone_) return 0;
  return static_cast<long>(
      zone_->get_info(date::sys_seconds(std::chrono::seconds(instant.epoch_seconds)))
          .offset.count());
}

SqlTimestamp DbTimeZone::to_wall_clock(const SqlTimestamp& instant) const {
  return {instant.epoch_seconds + offset_seconds_at(instant), instant.nanos};
}

SqlTimestamp DbTimeZone::to_instant(const SqlTimestamp& wall_clock) const {
  if (!zone_) return wall_clock;
  const date::local_info info =
      zone_->get_info(date::local_seconds(std::chrono::seconds(wall_clock.epoch_seconds)));
  // Unique: its offset. Skipped (a gap): the offset before it, so 02:30 on a spring-forward
  // night reads as 03:30 of the new offset. Repeated: the first, i.e. the earlier instant.
  return {wall_clock.epoch_seconds - info.first.offset.count(), wall_clock.nanos};
}

}  // namespace ferry::connectors::jdbc
