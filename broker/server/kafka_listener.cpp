#include "broker/server/kafka_listener.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <utility>

namespace ferry::broker {

namespace {

// "host:port", "[v6]:port" or ":port"; nullopt without a valid port.
std::optional<std::pair<std::string, std::uint16_t>> parse_host_port(const std::string& address) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port = address.substr(colon + 1);
  unsigned value = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || error != std::errc() || end != port.data() + port.size() || value > 65535) {
    return std::nullopt;
  }
  return std::pair{std::move(host), static_cast<std::uint16_t>(value)};
}

}  // namespace

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
    auto host_port = parse_host_port(address);
    if (!host_port) {
      return bad(address.rfind(':') == std::string::npos ? "no port" : "invalid port");
    }
    listener.host = std::move(host_port->first);
    listener.port = host_port->second;
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

Result<KafkaListenerConfig> kafka_listeners_for_bootstrap(const std::vector<std::string>& servers) {
  KafkaListenerConfig config;
  for (const std::string& server : servers) {
    auto host_port = parse_host_port(server);
    if (!host_port) {
      return Status::invalid_argument("bootstrap.servers: " + server + ": expected host:port");
    }
    KafkaListener listener{"PLAINTEXT", std::move(host_port->first), host_port->second};
    const bool seen = std::any_of(
        config.listeners.begin(), config.listeners.end(), [&](const KafkaListener& other) {
          return other.host == listener.host && other.port == listener.port;
        });
    if (!seen) config.listeners.push_back(std::move(listener));
  }
  if (config.listeners.empty()) return Status::invalid_argument("bootstrap.servers is empty");
  config.advertised = {config.listeners.front()};
  // A wildcard address is no address to connect to: advertise this machine's name instead.
  std::string& advertised = config.advertised.front().host;
  if (advertised == "0.0.0.0" || advertised == "::") advertised.clear();
  return config;
}

}  // namespace ferry::broker
