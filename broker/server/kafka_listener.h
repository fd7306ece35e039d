// Kafka's listener lists (server.properties `listeners` and `advertised.listeners`):
//   listeners=PLAINTEXT://host:port[,NAME://host:port...]
// An empty host binds every interface (and is advertised as this machine's host name); port 0
// binds a free port, which is then advertised. Only the PLAINTEXT security protocol is served
// (a listener name mapped through listener.security.protocol.map is not read yet).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace ferry::broker {

struct KafkaListener {
  std::string name;  // "PLAINTEXT"
  std::string host;  // empty: every interface
  std::uint16_t port = 9092;
};

// invalid_argument naming the key and the entry ("listeners=SSL://:9093: ...").
Result<std::vector<KafkaListener>> parse_kafka_listeners(const std::string& key,
                                                         const std::string& value);

struct KafkaListenerConfig {
  std::vector<KafkaListener> listeners;   // default PLAINTEXT://:9092
  std::vector<KafkaListener> advertised;  // default: listeners
};

Result<KafkaListenerConfig> kafka_listeners_from_properties(
    const std::map<std::string, std::string>& props);

// Where a standalone worker's embedded broker listens: every distinct host:port of the worker's
// bootstrap.servers (the caller checked that they name this machine), advertised as the first
// one is written (port 0: as bound; a wildcard address: as this machine's host name).
// invalid_argument naming an entry without a port.
Result<KafkaListenerConfig> kafka_listeners_for_bootstrap(const std::vector<std::string>& servers);

}  // namespace ferry::broker
