#include "broker/client/client_config.h"

#include <charconv>

namespace ferry::broker {
namespace {

using Properties = std::map<std::string, std::string>;

std::string trim(std::string_view text) {
  while (!text.empty() && static_cast<unsigned char>(text.front()) <= ' ') text.remove_prefix(1);
  while (!text.empty() && static_cast<unsigned char>(text.back()) <= ' ') text.remove_suffix(1);
  return std::string(text);
}

Status invalid(const std::string& key, const std::string& value, std::string_view reason) {
  return Status::invalid_argument("Invalid value " + value + " for configuration " + key + ": " +
                                  std::string(reason));
}

template <typename T>
Status read_number(const Properties& properties, const std::string& key, T& out, T min) {
  const auto it = properties.find(key);
  if (it == properties.end()) return Status::ok_status();
  const std::string text = trim(it->second);
  T value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    return invalid(key, it->second,
                   sizeof(T) == 4 ? "Not a number of type INT" : "Not a number of type LONG");
  }
  if (value < min) return invalid(key, it->second, "Value must be at least " + std::to_string(min));
  out = value;
  return Status::ok_status();
}

Status read_bool(const Properties& properties, const std::string& key, bool& out) {
  const auto it = properties.find(key);
  if (it == properties.end()) return Status::ok_status();
  std::string text = trim(it->second);
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (text != "true" && text != "false") {
    return invalid(key, it->second, "Expected value to be either true or false");
  }
  out = text == "true";
  return Status::ok_status();
}

Status first_error(std::initializer_list<Status> statuses) {
  for (const Status& status : statuses) {
    if (!status.ok()) return status;
  }
  return Status::ok_status();
}

}  // namespace

Result<ProducerConfig> producer_config_from_properties(const Properties& properties) {
  ProducerConfig config;
  if (const auto it = properties.find("client.id"); it != properties.end()) {
    config.client_id = it->second;
  }
  if (const auto it = properties.find("compression.type"); it != properties.end()) {
    const std::string codec = trim(it->second);
    if (codec != "none" && codec != "gzip" && codec != "snappy" && codec != "lz4" &&
        codec != "zstd") {
      return invalid("compression.type", it->second,
                     "String must be one of: none, gzip, snappy, lz4, zstd");
    }
    config.compression_type = codec;
  }
  if (const auto it = properties.find("acks"); it != properties.end()) {
    const std::string acks = trim(it->second);
    if (acks != "all" && acks != "-1" && acks != "0" && acks != "1") {
      return invalid("acks", it->second, "String must be one of: all, -1, 0, 1");
    }
    config.acks = acks;
  }
  if (Status status = first_error({
          read_number(properties, "batch.size", config.batch_size, 0),
          read_number<std::int64_t>(properties, "linger.ms", config.linger_ms, 0),
          read_number(properties, "max.request.size", config.max_request_size, 0),
      });
      !status.ok()) {
    return status;
  }
  return config;
}

Result<ConsumerConfig> consumer_config_from_properties(const Properties& properties) {
  ConsumerConfig config;
  if (const auto it = properties.find("client.id"); it != properties.end()) {
    config.client_id = it->second;
  }
  if (const auto it = properties.find("group.id"); it != properties.end()) {
    config.group_id = it->second;
  }
  if (const auto it = properties.find("auto.offset.reset"); it != properties.end()) {
    const std::string reset = trim(it->second);
    if (reset == "earliest") {
      config.auto_offset_reset = OffsetReset::kEarliest;
    } else if (reset == "latest") {
      config.auto_offset_reset = OffsetReset::kLatest;
    } else if (reset == "none") {
      config.auto_offset_reset = OffsetReset::kNone;
    } else {
      return invalid("auto.offset.reset", it->second,
                     "String must be one of: latest, earliest, none");
    }
  }
  if (const auto it = properties.find("partition.assignment.strategy"); it != properties.end()) {
    config.assignment_strategies.clear();
    std::string_view rest = it->second;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      std::string item = trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (item.empty()) continue;
      const std::size_t dot = item.rfind('.');
      const std::string simple = dot == std::string::npos ? item : item.substr(dot + 1);
      if (simple == "RangeAssignor" || simple == "range") {
        config.assignment_strategies.push_back("range");
      } else if (simple == "RoundRobinAssignor" || simple == "roundrobin") {
        config.assignment_strategies.push_back("roundrobin");
      } else if (simple == "StickyAssignor" || simple == "sticky") {
        config.assignment_strategies.push_back("sticky");
      } else if (simple == "CooperativeStickyAssignor" || simple == "cooperative-sticky") {
        // Kafka 3.x lists it after RangeAssignor by default; the eager protocols cover groups
        // that also offer one of them.
        continue;
      } else {
        return invalid("partition.assignment.strategy", it->second,
                       "Ferry's consumers support range, roundrobin and sticky (" + item + ")");
      }
    }
    if (config.assignment_strategies.empty()) {
      return invalid("partition.assignment.strategy", it->second,
                     "no supported strategy (range, roundrobin, sticky); cooperative rebalancing "
                     "is not supported");
    }
  }
  if (Status status = first_error({
          read_bool(properties, "enable.auto.commit", config.enable_auto_commit),
          read_number<std::int64_t>(properties, "auto.commit.interval.ms",
                                    config.auto_commit_interval_ms, 0),
          read_number(properties, "max.poll.records", config.max_poll_records, 1),
          read_number(properties, "fetch.max.bytes", config.fetch_max_bytes, 0),
          read_number(properties, "max.partition.fetch.bytes", config.max_partition_fetch_bytes, 0),
          read_number(properties, "session.timeout.ms", config.session_timeout_ms, 0),
          read_number(properties, "heartbeat.interval.ms", config.heartbeat_interval_ms, 1),
          read_number(properties, "max.poll.interval.ms", config.max_poll_interval_ms, 1),
      });
      !status.ok()) {
    return status;
  }
  return config;
}

}  // namespace ferry::broker
