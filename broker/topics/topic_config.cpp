#include "broker/topics/topic_config.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <set>

namespace ferry::broker {
namespace {

enum class Kind { kInt, kLong, kRatio, kPolicy, kTimestampType, kIgnored };

struct Key {
  std::string_view name;
  Kind kind;
  std::int64_t min;
};

// Kafka's topic-level keys (LogConfig in Kafka), with their minimums.
constexpr Key kKeys[] = {
    {"segment.bytes", Kind::kInt, 14},
    {"segment.ms", Kind::kLong, 1},
    {"segment.index.bytes", Kind::kInt, 4},
    {"index.interval.bytes", Kind::kInt, 0},
    {"max.message.bytes", Kind::kInt, 0},
    {"retention.ms", Kind::kLong, -1},
    {"retention.bytes", Kind::kLong, std::numeric_limits<std::int64_t>::min()},
    {"cleanup.policy", Kind::kPolicy, 0},
    {"min.compaction.lag.ms", Kind::kLong, 0},
    {"delete.retention.ms", Kind::kLong, 0},
    {"min.cleanable.dirty.ratio", Kind::kRatio, 0},  // a DOUBLE in [0, 1]
    {"message.timestamp.type", Kind::kTimestampType, 0},
    {"flush.messages", Kind::kLong, 1},
    {"flush.ms", Kind::kLong, 0},
    // Accepted for compatibility, without effect on one embedded broker.
    {"compression.type", Kind::kIgnored, 0},
    {"min.insync.replicas", Kind::kIgnored, 0},
    {"unclean.leader.election.enable", Kind::kIgnored, 0},
    {"preallocate", Kind::kIgnored, 0},
    {"file.delete.delay.ms", Kind::kIgnored, 0},
    {"max.compaction.lag.ms", Kind::kIgnored, 0},
    {"segment.jitter.ms", Kind::kIgnored, 0},
    {"message.timestamp.difference.max.ms", Kind::kIgnored, 0},
    {"message.timestamp.before.max.ms", Kind::kIgnored, 0},
    {"message.timestamp.after.max.ms", Kind::kIgnored, 0},
    {"message.downconversion.enable", Kind::kIgnored, 0},
    {"leader.replication.throttled.replicas", Kind::kIgnored, 0},
    {"follower.replication.throttled.replicas", Kind::kIgnored, 0},
    {"local.retention.ms", Kind::kIgnored, 0},
    {"local.retention.bytes", Kind::kIgnored, 0},
    {"remote.storage.enable", Kind::kIgnored, 0},
};

std::string trim(std::string_view text) {
  while (!text.empty() && static_cast<unsigned char>(text.front()) <= ' ') text.remove_prefix(1);
  while (!text.empty() && static_cast<unsigned char>(text.back()) <= ' ') text.remove_suffix(1);
  return std::string(text);
}

Status invalid(std::string_view name, std::string_view value, std::string_view reason) {
  return Status::invalid_argument("Invalid value " + std::string(value) + " for configuration " +
                                  std::string(name) + ": " + std::string(reason));
}

Result<std::int64_t> parse_number(std::string_view name, std::string_view raw, Kind kind,
                                  std::int64_t min) {
  const std::string text = trim(raw);
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  const bool is_int = kind == Kind::kInt;
  if (error != std::errc() || end != text.data() + text.size() || text.empty() ||
      (is_int && (value < std::numeric_limits<std::int32_t>::min() ||
                  value > std::numeric_limits<std::int32_t>::max()))) {
    return invalid(name, raw, is_int ? "Not a number of type INT" : "Not a number of type LONG");
  }
  if (value < min) {
    return invalid(name, raw, "Value must be at least " + std::to_string(min));
  }
  return value;
}

// A DOUBLE between 0 and 1, in the words of Kafka's ConfigDef (Range.between(0, 1)).
Result<double> parse_ratio(std::string_view name, std::string_view raw) {
  const std::string text = trim(raw);
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty() ||
      std::isnan(value)) {
    return invalid(name, raw, "Not a number of type DOUBLE");
  }
  if (value < 0) return invalid(name, raw, "Value must be at least 0");
  if (value > 1) return invalid(name, raw, "Value must be no more than 1");
  return value;
}

// How Java prints a double (Double.toString) for the values a ratio takes: 0.5, 1.0.
std::string format_ratio(double value) {
  char text[32];
  const auto [end, error] = std::to_chars(text, text + sizeof text, value);
  std::string result(text, error == std::errc() ? end : text);
  if (result.find_first_of(".e") == std::string::npos) result += ".0";
  return result;
}

// Sets one topic-level key on config.
Status apply(LogConfig& config, const Key& key, std::string_view value) {
  switch (key.kind) {
    case Kind::kInt:
    case Kind::kLong: {
      auto number = parse_number(key.name, value, key.kind, key.min);
      if (!number.ok()) return number.status();
      const std::int64_t n = *number;
      if (key.name == "segment.bytes") config.segment_bytes = n;
      if (key.name == "segment.ms") config.segment_ms = n;
      if (key.name == "segment.index.bytes") config.segment_index_bytes = n;
      if (key.name == "index.interval.bytes") config.index_interval_bytes = n;
      if (key.name == "max.message.bytes") config.max_message_bytes = n;
      if (key.name == "retention.ms") config.retention_ms = n;
      if (key.name == "retention.bytes") config.retention_bytes = n;
      if (key.name == "min.compaction.lag.ms") config.min_compaction_lag_ms = n;
      if (key.name == "delete.retention.ms") config.delete_retention_ms = n;
      if (key.name == "flush.messages") config.flush_messages = n;
      if (key.name == "flush.ms") config.flush_ms = n;
      return Status::ok_status();
    }
    case Kind::kRatio: {
      auto ratio = parse_ratio(key.name, value);
      if (!ratio.ok()) return ratio.status();
      config.min_cleanable_dirty_ratio = *ratio;
      return Status::ok_status();
    }
    case Kind::kPolicy: {
      bool compact = false;
      bool remove = false;
      std::string_view rest = value;
      while (true) {
        const std::size_t comma = rest.find(',');
        const std::string item = trim(rest.substr(0, comma));
        if (item == "compact") {
          compact = true;
        } else if (item == "delete") {
          remove = true;
        } else if (!(item.empty() && comma == std::string_view::npos && !compact && !remove)) {
          return invalid(key.name, value, "String must be one of: compact, delete");
        }
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
      config.cleanup_compact = compact;
      config.cleanup_delete = remove;
      return Status::ok_status();
    }
    case Kind::kTimestampType: {
      const std::string text = trim(value);
      if (text == "CreateTime") {
        config.timestamp_type = TimestampType::kCreateTime;
      } else if (text == "LogAppendTime") {
        config.timestamp_type = TimestampType::kLogAppendTime;
      } else {
        return invalid(key.name, value, "String must be one of: CreateTime, LogAppendTime");
      }
      return Status::ok_status();
    }
    case Kind::kIgnored:
      return Status::ok_status();
  }
  return Status::ok_status();
}

const Key* find_key(std::string_view name) {
  for (const Key& key : kKeys) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

}  // namespace

Result<LogConfig> apply_topic_config(const ConfigEntries& overrides, const LogConfig& defaults) {
  LogConfig config = defaults;
  for (const auto& [name, value] : overrides) {
    const Key* key = find_key(name);
    if (key == nullptr) return Status::invalid_argument("Unknown topic config name: " + name);
    if (Status status = apply(config, *key, value); !status.ok()) return status;
  }
  return config;
}

Result<LogConfig> broker_log_defaults(const ConfigEntries& server) {
  LogConfig config;
  // Broker key -> topic key, in Kafka's precedence (the first present wins for retention and
  // roll time: ms over minutes over hours).
  struct Mapping {
    std::string_view broker;
    std::string_view topic;
    std::int64_t multiplier;
  };
  static constexpr Mapping kMappings[] = {
      {"log.segment.bytes", "segment.bytes", 1},
      {"log.index.size.max.bytes", "segment.index.bytes", 1},
      {"log.index.interval.bytes", "index.interval.bytes", 1},
      {"message.max.bytes", "max.message.bytes", 1},
      {"log.retention.bytes", "retention.bytes", 1},
      {"log.cleanup.policy", "cleanup.policy", 1},
      {"log.cleaner.min.compaction.lag.ms", "min.compaction.lag.ms", 1},
      {"log.cleaner.delete.retention.ms", "delete.retention.ms", 1},
      {"log.cleaner.min.cleanable.ratio", "min.cleanable.dirty.ratio", 1},
      {"log.message.timestamp.type", "message.timestamp.type", 1},
      {"log.flush.interval.messages", "flush.messages", 1},
      {"log.flush.interval.ms", "flush.ms", 1},
  };
  for (const Mapping& mapping : kMappings) {
    const auto it = server.find(std::string(mapping.broker));
    if (it == server.end()) continue;
    if (Status status = apply(config, *find_key(mapping.topic), it->second); !status.ok()) {
      return Status::invalid_argument(status.message() + " (from " + std::string(mapping.broker) +
                                      ")");
    }
  }
  // Durations given in hours or minutes.
  const auto duration = [&server](std::initializer_list<Mapping> choices,
                                  std::int64_t& target) -> Status {
    for (const Mapping& choice : choices) {
      const auto it = server.find(std::string(choice.broker));
      if (it == server.end()) continue;
      auto value = parse_number(choice.broker, it->second, Kind::kLong, -1);
      if (!value.ok()) return value.status();
      target = *value < 0 ? *value : *value * choice.multiplier;
      return Status::ok_status();
    }
    return Status::ok_status();
  };
  if (Status status = duration({{"log.retention.ms", "", 1},
                                {"log.retention.minutes", "", 60'000},
                                {"log.retention.hours", "", 3'600'000}},
                               config.retention_ms);
      !status.ok()) {
    return status;
  }
  if (Status status =
          duration({{"log.roll.ms", "", 1}, {"log.roll.hours", "", 3'600'000}}, config.segment_ms);
      !status.ok()) {
    return status;
  }
  return config;
}

std::vector<std::pair<std::string, std::string>> topic_config_entries(const LogConfig& config) {
  std::string policy;
  if (config.cleanup_compact) policy = "compact";
  if (config.cleanup_delete) policy += policy.empty() ? "delete" : ",delete";
  return {
      {"cleanup.policy", policy},
      {"delete.retention.ms", std::to_string(config.delete_retention_ms)},
      {"flush.messages", std::to_string(config.flush_messages)},
      {"flush.ms", std::to_string(config.flush_ms)},
      {"index.interval.bytes", std::to_string(config.index_interval_bytes)},
      {"max.message.bytes", std::to_string(config.max_message_bytes)},
      {"message.timestamp.type",
       config.timestamp_type == TimestampType::kLogAppendTime ? "LogAppendTime" : "CreateTime"},
      {"min.cleanable.dirty.ratio", format_ratio(config.min_cleanable_dirty_ratio)},
      {"min.compaction.lag.ms", std::to_string(config.min_compaction_lag_ms)},
      {"retention.bytes", std::to_string(config.retention_bytes)},
      {"retention.ms", std::to_string(config.retention_ms)},
      {"segment.bytes", std::to_string(config.segment_bytes)},
      {"segment.index.bytes", std::to_string(config.segment_index_bytes)},
      {"segment.ms", std::to_string(config.segment_ms)},
  };
}

}  // namespace ferry::broker
