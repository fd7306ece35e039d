#include "broker/server/kafka_listener.h"

#include <charconv>

namespace ferry::broker {

Result<std::vector<KafkaListener>> parse_kafka_listeners(const std::string& key,
                                                         const std::string& value) {
  std::vector<KafkaListener> listeners;
  std::size_t start = 0;
  while (start <= value.size()) {
    const std::size_t comma = value.find(',', start);
    std::string entry =
        value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? value.size() + 1 : comma + 1;
    while (!entry.empty() && entry.front() == ' ') entry.erase(entry.begin());
    while (!entry.empty() && entry.back() == ' ') entry.pop_back();
    if (entry.empty()) continue;
    const auto bad = [&](const std::string& why) {
      return Status::invalid_argument(key + "=" + value + ": " + entry + ": " + why);
    };
    const std::size_t scheme = entry.find("://");
    if (scheme == std::string::npos) return bad("expected NAME://host:port");
    KafkaListener listener;
    listener.name = entry.substr(0, scheme);
    if (listener.name != "PLAINTEXT") {
      return bad("only PLAINTEXT listeners are served (no TLS or SASL yet)");
    }
    const std::string address = entry.substr(scheme + 3);
    const std::size_t colon = address.rfind(':');
    if (colon == std::string::npos) return bad("no port");
    listener.host = address.substr(0, colon);
    if (listener.host.size() >= 2 && listener.host.front() == '[' && listener.host.back() == ']') {
      listener.host = listener.host.substr(1, listener.host.size() - 2);
    }
    const std::string port = address.substr(colon + 1);
    unsigned value_port = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value_port);
    if (error != std::errc() || end != port.data() + port.size() || value_port > 65535) {
      return bad("invalid port '" + port + "'");
    }
    listener.port = static_cast<std::uint16_t>(value_port);
    listeners.push_back(std::move(listener));
  }
  if (listeners.empty()) return Status::invalid_argument(key + " is empty");
  return listeners;
}

Result<KafkaListenerConfig> kafka_listeners_from_properties(
    const std::map<std::string, std::string>& props) {
  KafkaListenerConfig config;
  const auto listeners = props.find("listeners");
  auto parsed = parse_kafka_listeners(
      "listeners", listeners == props.end() ? "PLAINTEXT://:9092" : listeners->second);
  if (!parsed.ok()) return parsed.status();
  config.listeners = std::move(*parsed);
  if (const auto advertised = props.find("advertised.listeners"); advertised != props.end()) {
    auto parsed_advertised = parse_kafka_listeners("advertised.listeners", advertised->second);
    if (!parsed_advertised.ok()) return parsed_advertised.status();
    config.advertised = std::move(*parsed_advertised);
  } else {
    config.advertised = config.listeners;
  }
  return config;
}

}  // namespace ferry::broker
