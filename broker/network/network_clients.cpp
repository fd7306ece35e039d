#include "broker/network/network_clients.h"

#include "broker/network/network_consumer.h"
#include "broker/network/network_producer.h"

namespace ferry::broker {

Result<std::unique_ptr<NetworkClients>> NetworkClients::create(
    std::map<std::string, std::string> common,
    const std::map<std::string, std::string>& admin_properties) {
  const auto bootstrap = common.find("bootstrap.servers");
  if (bootstrap == common.end() || bootstrap->second.empty()) {
    return Status::invalid_argument(
        "Missing required configuration \"bootstrap.servers\" which has no default value.");
  }
  std::map<std::string, std::string> admin_config = common;
  for (const auto& [key, value] : admin_properties) admin_config[key] = value;
  auto admin = NetworkAdmin::create(admin_config);
  if (!admin.ok()) return admin.status();
  // librdkafka connects lazily; one metadata request tells now whether the cluster answers.
  if (Status reachable = (*admin)->check_reachable(); !reachable.ok()) {
    return reachable.with_context("Cannot reach the Kafka cluster at " + bootstrap->second);
  }
  return std::make_unique<NetworkClients>(std::move(common), std::move(*admin));
}

std::map<std::string, std::string> NetworkClients::with_common(
    const std::map<std::string, std::string>& properties) const {
  std::map<std::string, std::string> merged = common_;
  for (const auto& [key, value] : properties) merged[key] = value;
  return merged;
}

Result<std::unique_ptr<Producer>> NetworkClients::producer(
    const std::map<std::string, std::string>& properties) {
  auto made = NetworkProducer::create(with_common(properties));
  if (!made.ok()) return made.status();
  return std::unique_ptr<Producer>(std::move(*made));
}

Result<std::unique_ptr<Consumer>> NetworkClients::consumer(
    const std::map<std::string, std::string>& properties) {
  auto made = NetworkConsumer::create(with_common(properties));
  if (!made.ok()) return made.status();
  return std::unique_ptr<Consumer>(std::move(*made));
}

std::map<std::string, std::string> NetworkClients::common_properties(
    const std::map<std::string, std::string>& worker_properties) {
  std::map<std::string, std::string> common;
  for (const auto& [key, value] : worker_properties) {
    if (key == "bootstrap.servers" || key == "client.dns.lookup" || key.starts_with("security.") ||
        key.starts_with("ssl.") || key.starts_with("sasl.")) {
      common[key] = value;
    }
  }
  return common;
}

}  // namespace ferry::broker
