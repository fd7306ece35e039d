#include "broker/client/client_config.h"

#include <gtest/gtest.h>

namespace ferry::broker {
namespace {

TEST(ClientConfig, ProducerKeysAndDefaults) {
  auto config = producer_config_from_properties({{"batch.size", "65536"},
                                                 {"linger.ms", "20"},
                                                 {"compression.type", "zstd"},
                                                 {"acks", "1"},
                                                 {"bootstrap.servers", "ignored:9092"}});
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->batch_size, 65536);
  EXPECT_EQ(config->linger_ms, 20);
  EXPECT_EQ(config->compression_type, "zstd");
  EXPECT_EQ(producer_config_from_properties({{"compression.type", "brotli"}}).status().message(),
            "Invalid value brotli for configuration compression.type: String must be one of: "
            "none, gzip, snappy, lz4, zstd");
  EXPECT_EQ(producer_config_from_properties({{"linger.ms", "-1"}}).status().message(),
            "Invalid value -1 for configuration linger.ms: Value must be at least 0");
}

TEST(ClientConfig, ConsumerKeysAndStrategies) {
  auto config = consumer_config_from_properties(
      {{"group.id", "connect-sink"},
       {"auto.offset.reset", "earliest"},
       {"enable.auto.commit", "FALSE"},
       {"max.poll.records", "100"},
       {"partition.assignment.strategy",
        "org.apache.kafka.clients.consumer.RangeAssignor, "
        "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"}});
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->group_id, "connect-sink");
  EXPECT_EQ(config->auto_offset_reset, OffsetReset::kEarliest);
  EXPECT_FALSE(config->enable_auto_commit);
  EXPECT_EQ(config->max_poll_records, 100);
  EXPECT_EQ(config->assignment_strategies, (std::vector<std::string>{"range"}));
  EXPECT_FALSE(consumer_config_from_properties({{"auto.offset.reset", "smallest"}}).ok());
  EXPECT_FALSE(consumer_config_from_properties(
                   {{"partition.assignment.strategy", "CooperativeStickyAssignor"}})
                   .ok());
  EXPECT_EQ(consumer_config_from_properties({{"max.poll.records", "0"}}).status().message(),
            "Invalid value 0 for configuration max.poll.records: Value must be at least 1");
}

}  // namespace
}  // namespace ferry::broker
