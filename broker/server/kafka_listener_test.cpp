#include "broker/server/kafka_listener.h"

#include <gtest/gtest.h>

namespace ferry::broker {
namespace {

TEST(KafkaListener, ParsesKafkasListenerLists) {
  auto listeners = parse_kafka_listeners("listeners", "PLAINTEXT://:9092, PLAINTEXT://[::1]:0");
  ASSERT_TRUE(listeners.ok()) << listeners.status().message();
  ASSERT_EQ(listeners->size(), 2u);
  EXPECT_EQ((*listeners)[0].host, "");
  EXPECT_EQ((*listeners)[0].port, 9092);
  EXPECT_EQ((*listeners)[1].host, "::1");
  EXPECT_EQ((*listeners)[1].port, 0);
}

TEST(KafkaListener, RefusesWhatItCannotServeNamingTheEntry) {
  EXPECT_EQ(parse_kafka_listeners("listeners", "SSL://:9093").status().message(),
            "listeners=SSL://:9093: SSL://:9093: only PLAINTEXT listeners are served (no TLS or "
            "SASL yet)");
  EXPECT_FALSE(parse_kafka_listeners("listeners", "PLAINTEXT://host:99999").ok());
  EXPECT_FALSE(parse_kafka_listeners("listeners", "host:9092").ok());
}

TEST(KafkaListener, AdvertisedDefaultsToListeners) {
  auto config = kafka_listeners_from_properties({{"listeners", "PLAINTEXT://127.0.0.1:0"}});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->advertised.front().host, "127.0.0.1");
  auto defaults = kafka_listeners_from_properties({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->listeners.front().port, 9092);
}

TEST(KafkaListener, BootstrapServersBecomeTheListenersOnceEach) {
  auto config = kafka_listeners_for_bootstrap({"localhost:9092", "[::1]:9093", "localhost:9092"});
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_EQ(config->listeners.size(), 2u);
  EXPECT_EQ(config->listeners[0].host, "localhost");
  EXPECT_EQ(config->listeners[1].host, "::1");
  EXPECT_EQ(config->listeners[1].port, 9093);
  ASSERT_EQ(config->advertised.size(), 1u);
  EXPECT_EQ(config->advertised.front().port, 9092);
  EXPECT_EQ(kafka_listeners_for_bootstrap({"0.0.0.0:9092"})->advertised.front().host, "");
  EXPECT_EQ(kafka_listeners_for_bootstrap({"localhost"}).status().message(),
            "bootstrap.servers: localhost: expected host:port");
}

}  // namespace
}  // namespace ferry::broker
