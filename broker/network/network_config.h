// Kafka client properties (Java's names, as the worker's producer.* / consumer.* / admin.* keys
// and the tools' --*-property flags give them) turned into a librdkafka configuration.
//
//   - The keys client_config.h understands are checked there first, so a bad value fails with
//     the same message as on the embedded broker, then mapped onto librdkafka's key when the
//     names differ (max.request.size -> message.max.bytes, auto.offset.reset=none -> error,
//     partition.assignment.strategy's class names -> range/roundrobin/cooperative-sticky, ...).
//   - Every other key is passed through: librdkafka knows many of Java's names (ssl.*, sasl.*,
//     security.protocol, retries, ...). One it does not know is skipped, as Java's clients only
//     warn about unknown keys (key.serializer and friends land here); one it knows with a value
//     it rejects is an error naming the key.
//
// Thread-safety: plain functions.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "broker/network/rdkafka_handles.h"
#include "common/result.h"

namespace ferry::broker {

enum class ClientRole { kProducer, kConsumer, kAdmin };

// One librdkafka setting and the Kafka key it came from (for error messages).
struct LibrdkafkaSetting {
  std::string kafka_key;
  std::string key;
  std::string value;
  friend bool operator==(const LibrdkafkaSetting&, const LibrdkafkaSetting&) = default;
};

// The settings for properties, Ferry's defaults for the role first (a property overrides them).
Result<std::vector<LibrdkafkaSetting>> librdkafka_settings(
    const std::map<std::string, std::string>& properties, ClientRole role);

// A configuration with the settings applied; keys librdkafka does not know are skipped.
Result<rdkafka::ConfHandle> librdkafka_conf(const std::vector<LibrdkafkaSetting>& settings);

}  // namespace ferry::broker
