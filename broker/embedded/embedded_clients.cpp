#include "broker/embedded/embedded_clients.h"

#include <utility>

#include "broker/client/client_config.h"
#include "broker/embedded/embedded_consumer.h"
#include "broker/embedded/embedded_producer.h"

namespace ferry::broker {

Result<std::unique_ptr<Producer>> EmbeddedClients::producer(
    const std::map<std::string, std::string>& properties) {
  auto config = producer_config_from_properties(properties);
  if (!config.ok()) return config.status();
  return std::unique_ptr<Producer>(std::make_unique<EmbeddedProducer>(broker_, std::move(*config)));
}

Result<std::unique_ptr<Consumer>> EmbeddedClients::consumer(
    const std::map<std::string, std::string>& properties) {
  auto config = consumer_config_from_properties(properties);
  if (!config.ok()) return config.status();
  return std::unique_ptr<Consumer>(std::make_unique<EmbeddedConsumer>(broker_, std::move(*config)));
}

}  // namespace ferry::broker
