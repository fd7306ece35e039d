#include "broker/topics/topic_config.h"

#include <map>
#include <string>

#include <gtest/gtest.h>

namespace ferry::broker {
namespace {

TEST(TopicConfig, OverridesApplyOverDefaults) {
  LogConfig defaults;
  auto config = apply_topic_config({{"retention.ms", "60000"},
                                    {"cleanup.policy", "compact,delete"},
                                    {"message.timestamp.type", "LogAppendTime"},
                                    {"segment.bytes", " 1048576 "},
                                    {"min.insync.replicas", "2"}},
                                   defaults);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->retention_ms, 60000);
  EXPECT_TRUE(config->cleanup_compact);
  EXPECT_TRUE(config->cleanup_delete);
  EXPECT_EQ(config->timestamp_type, TimestampType::kLogAppendTime);
  EXPECT_EQ(config->segment_bytes, 1048576);
  EXPECT_EQ(config->max_message_bytes, defaults.max_message_bytes);
}

TEST(TopicConfig, ErrorsInKafkasWords) {
  const LogConfig defaults;
  EXPECT_EQ(apply_topic_config({{"retention.msec", "1"}}, defaults).status().message(),
            "Unknown topic config name: retention.msec");
  EXPECT_EQ(apply_topic_config({{"retention.ms", "soon"}}, defaults).status().message(),
            "Invalid value soon for configuration retention.ms: Not a number of type LONG");
  EXPECT_EQ(apply_topic_config({{"segment.bytes", "10"}}, defaults).status().message(),
            "Invalid value 10 for configuration segment.bytes: Value must be at least 14");
  EXPECT_EQ(apply_topic_config({{"segment.bytes", "3000000000"}}, defaults).status().message(),
            "Invalid value 3000000000 for configuration segment.bytes: Not a number of type INT");
  EXPECT_EQ(apply_topic_config({{"cleanup.policy", "shred"}}, defaults).status().message(),
            "Invalid value shred for configuration cleanup.policy: String must be one of: "
            "compact, delete");
}

TEST(TopicConfig, BrokerDefaultsFromServerProperties) {
  auto config = broker_log_defaults({{"log.retention.hours", "24"},
                                     {"log.segment.bytes", "536870912"},
                                     {"log.flush.interval.messages", "1"},
                                     {"num.partitions", "3"}});
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->retention_ms, 24 * 3600000LL);
  EXPECT_EQ(config->segment_bytes, 536870912);
  EXPECT_EQ(config->flush_messages, 1);
  // ms wins over hours, as in Kafka.
  auto both = broker_log_defaults({{"log.retention.hours", "24"}, {"log.retention.ms", "5"}});
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->retention_ms, 5);
  EXPECT_EQ(broker_log_defaults({{"log.retention.hours", "x"}}).status().kind(),
            Status::Kind::kInvalidArgument);
}

TEST(TopicConfig, DescribeListsEveryEffectiveKey) {
  LogConfig config;
  config.cleanup_compact = true;
  config.cleanup_delete = false;
  const auto entries = topic_config_entries(config);
  EXPECT_EQ(entries.front(), (std::pair<std::string, std::string>{"cleanup.policy", "compact"}));
  EXPECT_EQ(entries.size(), 14u);
}

TEST(TopicConfig, MinCleanableDirtyRatioIsADoubleBetweenZeroAndOne) {
  const LogConfig defaults;
  EXPECT_EQ(defaults.min_cleanable_dirty_ratio, 0.5);
  auto config = apply_topic_config({{"min.cleanable.dirty.ratio", " 0.25 "}}, defaults);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->min_cleanable_dirty_ratio, 0.25);
  EXPECT_EQ(
      apply_topic_config({{"min.cleanable.dirty.ratio", "1"}}, defaults)->min_cleanable_dirty_ratio,
      1.0);
  EXPECT_EQ(
      apply_topic_config({{"min.cleanable.dirty.ratio", "half"}}, defaults).status().message(),
      "Invalid value half for configuration min.cleanable.dirty.ratio: Not a number of type "
      "DOUBLE");
  EXPECT_EQ(apply_topic_config({{"min.cleanable.dirty.ratio", "1.5"}}, defaults).status().message(),
            "Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more "
            "than 1");
  EXPECT_EQ(
      apply_topic_config({{"min.cleanable.dirty.ratio", "-0.1"}}, defaults).status().message(),
      "Invalid value -0.1 for configuration min.cleanable.dirty.ratio: Value must be at least "
      "0");
  auto broker = broker_log_defaults({{"log.cleaner.min.cleanable.ratio", "0.1"}});
  ASSERT_TRUE(broker.ok()) << broker.status().message();
  EXPECT_EQ(broker->min_cleanable_dirty_ratio, 0.1);

  std::map<std::string, std::string> described;
  for (const auto& [key, value] : topic_config_entries(defaults)) described[key] = value;
  EXPECT_EQ(described["min.cleanable.dirty.ratio"], "0.5");
  LogConfig whole;
  whole.min_cleanable_dirty_ratio = 1;
  for (const auto& [key, value] : topic_config_entries(whole)) described[key] = value;
  EXPECT_EQ(described["min.cleanable.dirty.ratio"], "1.0");
}

}  // namespace
}  // namespace ferry::broker
