#include "broker/network/network_config.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <set>
#include <string_view>

#include "broker/client/client_config.h"

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

// Kafka keys whose librdkafka key has another name (same meaning and unit).
constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kRenamed = {{
    {"max.request.size", "message.max.bytes"},
    {"metadata.max.age.ms", "topic.metadata.refresh.interval.ms"},
    {"fetch.max.wait.ms", "fetch.wait.max.ms"},
    {"delivery.timeout.ms", "message.timeout.ms"},
}};

// Kafka keys that only Ferry's side reads (the consumer's batch size is applied by poll()).
constexpr std::array<std::string_view, 1> kFerryOnly = {"max.poll.records"};

// The assignors the embedded client's parser kept (range, roundrobin, sticky; it drops
// CooperativeStickyAssignor, which Kafka 3.x lists after RangeAssignor by default) onto
// librdkafka's. librdkafka has no eager "sticky", and a group cannot mix eager and cooperative
// assignors there, so the eager ones are kept, as the embedded consumer does.
Result<std::string> assignment_strategy(const std::string& value,
                                        const std::vector<std::string>& parsed) {
  std::string joined;
  for (const std::string& name : parsed) {
    if (name != "sticky") joined += (joined.empty() ? "" : ",") + name;
  }
  if (joined.empty()) {
    return invalid("partition.assignment.strategy", value,
                   "librdkafka has no eager sticky assignor; use range, roundrobin or "
                   "cooperative-sticky");
  }
  return joined;
}

// Java's buffer.memory is bytes; librdkafka's queue.buffering.max.kbytes is KiB.
Result<std::string> buffer_kbytes(const std::string& value) {
  const std::string text = trim(value);
  long long bytes = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), bytes);
  if (error != std::errc() || end != text.data() + text.size() || bytes <= 0) {
    return invalid("buffer.memory", value, "Not a positive number of type LONG");
  }
  return std::to_string(std::max(1LL, bytes / 1024));
}

}  // namespace

Result<std::vector<LibrdkafkaSetting>> librdkafka_settings(const Properties& properties,
                                                           ClientRole role) {
  // Checked with the embedded client's parser first, for the same wording either way.
  std::vector<std::string> assignors;
  if (role == ClientRole::kProducer) {
    if (auto checked = producer_config_from_properties(properties); !checked.ok()) {
      return checked.status();
    }
  } else if (role == ClientRole::kConsumer) {
    auto checked = consumer_config_from_properties(properties);
    if (!checked.ok()) return checked.status();
    assignors = std::move(checked->assignment_strategies);
  }

  std::vector<LibrdkafkaSetting> settings;
  const auto add = [&](std::string kafka_key, std::string key, std::string value) {
    settings.push_back({std::move(kafka_key), std::move(key), std::move(value)});
  };
  // An idle connection the broker closes is routine, not a warning on stderr.
  add("", "log.connection.close", "false");
  if (role == ClientRole::kProducer) {
    // Java's partitioner: murmur2 of the key, a sticky random partition for a null key.
    add("", "partitioner", "murmur2_random");
    add("", "message.timeout.ms", "120000");  // Java's delivery.timeout.ms
  } else if (role == ClientRole::kConsumer) {
    // Java's consumer defaults where librdkafka's differ.
    add("", "allow.auto.create.topics", "true");
    add("", "partition.assignment.strategy", "range");
    add("", "enable.partition.eof", "false");
  }

  for (const auto& [key, raw] : properties) {
    if (std::ranges::find(kFerryOnly, key) != kFerryOnly.end()) continue;
    if (key == "partition.assignment.strategy") {
      if (role != ClientRole::kConsumer) continue;
      auto mapped = assignment_strategy(raw, assignors);
      if (!mapped.ok()) return mapped.status();
      add(key, key, std::move(*mapped));
      continue;
    }
    if (key == "auto.offset.reset") {
      const std::string value = trim(raw);
      add(key, key, value == "none" ? "error" : value);
      continue;
    }
    if (key == "buffer.memory") {
      auto kbytes = buffer_kbytes(raw);
      if (!kbytes.ok()) return kbytes.status();
      add(key, "queue.buffering.max.kbytes", std::move(*kbytes));
      continue;
    }
    if (key == "acks" && trim(raw) == "-1") {
      add(key, key, "all");
      continue;
    }
    const auto renamed =
        std::ranges::find(kRenamed, key, [](const auto& entry) { return entry.first; });
    add(key, renamed != kRenamed.end() ? std::string(renamed->second) : key, raw);
  }
  return settings;
}

Result<rdkafka::ConfHandle> librdkafka_conf(const std::vector<LibrdkafkaSetting>& settings) {
  rdkafka::ConfHandle conf(rd_kafka_conf_new());
  std::array<char, 512> error{};
  for (const LibrdkafkaSetting& setting : settings) {
    const rd_kafka_conf_res_t result = rd_kafka_conf_set(
        conf.get(), setting.key.c_str(), setting.value.c_str(), error.data(), error.size());
    if (result == RD_KAFKA_CONF_UNKNOWN) continue;  // Java-only keys: Kafka only warns
    if (result != RD_KAFKA_CONF_OK) {
      const std::string& key = setting.kafka_key.empty() ? setting.key : setting.kafka_key;
      return invalid(key, setting.value, error.data());
    }
  }
  return conf;
}

}  // namespace ferry::broker
