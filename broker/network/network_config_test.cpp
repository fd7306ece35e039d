#include "broker/network/network_config.h"

#include <gtest/gtest.h>

namespace ferry::broker {
namespace {

std::map<std::string, std::string> as_map(const std::vector<LibrdkafkaSetting>& settings) {
  std::map<std::string, std::string> values;
  for (const LibrdkafkaSetting& setting : settings) values[setting.key] = setting.value;
  return values;
}

TEST(NetworkConfigTest, KafkaKeysMapOntoLibrdkafkaKeys) {
  auto settings = librdkafka_settings({{"max.request.size", "2000000"},
                                       {"buffer.memory", "33554432"},
                                       {"acks", "-1"},
                                       {"delivery.timeout.ms", "5000"}},
                                      ClientRole::kProducer);
  ASSERT_TRUE(settings.ok()) << settings.status().message();
  const auto values = as_map(*settings);
  EXPECT_EQ(values.at("message.max.bytes"), "2000000");
  EXPECT_EQ(values.at("queue.buffering.max.kbytes"), "32768");
  EXPECT_EQ(values.at("acks"), "all");
  EXPECT_EQ(values.at("message.timeout.ms"), "5000");  // the property wins over the default
  EXPECT_EQ(values.at("partitioner"), "murmur2_random");
}

TEST(NetworkConfigTest, ConsumerKeysMapOntoLibrdkafkaValues) {
  auto settings =
      librdkafka_settings({{"auto.offset.reset", "none"},
                           {"partition.assignment.strategy",
                            "org.apache.kafka.clients.consumer.RoundRobinAssignor,"
                            "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"},
                           {"max.poll.records", "10"}},
                          ClientRole::kConsumer);
  ASSERT_TRUE(settings.ok()) << settings.status().message();
  const auto values = as_map(*settings);
  EXPECT_EQ(values.at("auto.offset.reset"), "error");
  EXPECT_EQ(values.at("partition.assignment.strategy"), "roundrobin");
  EXPECT_FALSE(values.contains("max.poll.records"));
}

TEST(NetworkConfigTest, UnknownKeysAreSkippedAndBadValuesNameTheKey) {
  auto settings = librdkafka_settings(
      {{"key.serializer", "org.apache.kafka.common.serialization.StringSerializer"},
       {"socket.timeout.ms", "soon"}},
      ClientRole::kProducer);
  ASSERT_TRUE(settings.ok());
  auto conf = librdkafka_conf(*settings);
  ASSERT_FALSE(conf.ok());
  EXPECT_TRUE(conf.status().message().starts_with(
      "Invalid value soon for configuration socket.timeout.ms: "))
      << conf.status().message();

  auto checked = librdkafka_settings({{"linger.ms", "-1"}}, ClientRole::kProducer);
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.status().message(),
            "Invalid value -1 for configuration linger.ms: Value must be at least 0");
}

}  // namespace
}  // namespace ferry::broker
