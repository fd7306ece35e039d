#include "broker/server/broker.h"

#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "tests/temp_directory.h"

namespace ferry::broker {
namespace {

TEST(BrokerConfig, ReadsKafkasServerPropertiesKeys) {
  auto config = broker_config_from_properties({{"log.dirs", "/data/ferry"},
                                               {"num.partitions", "3"},
                                               {"auto.create.topics.enable", "false"},
                                               {"offsets.topic.num.partitions", "7"},
                                               {"group.initial.rebalance.delay.ms", "0"},
                                               {"log.retention.hours", "1"},
                                               {"zookeeper.connect", "ignored:2181"}});
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->logs.data_directory, "/data/ferry");
  EXPECT_EQ(config->logs.default_partitions, 3);
  EXPECT_FALSE(config->logs.auto_create_topics);
  EXPECT_EQ(config->offsets_topic_partitions, 7);
  EXPECT_EQ(config->groups.initial_rebalance_delay_ms, 0);
  EXPECT_EQ(config->logs.defaults.retention_ms, 3600000);
}

TEST(BrokerConfig, BadValuesNameTheKey) {
  EXPECT_EQ(broker_config_from_properties({{"num.partitions", "many"}}).status().message(),
            "Invalid value many for configuration num.partitions: Not a number of type INT");
  EXPECT_EQ(broker_config_from_properties({{"num.partitions", "0"}}).status().message(),
            "Invalid value 0 for configuration num.partitions: Value must be at least 1");
  EXPECT_NE(broker_config_from_properties({{"log.dirs", "/a,/b"}})
                .status()
                .message()
                .find("one directory"),
            std::string::npos);
  EXPECT_FALSE(broker_config_from_properties({{"auto.create.topics.enable", "yes"}}).ok());
}

TEST(Broker, OpensCreatesTheOffsetsTopicAndReopens) {
  ferry::testing::TempDir dir;
  auto config = broker_config_from_properties(
      {{"log.dirs", dir.path().string()}, {"offsets.topic.num.partitions", "4"}});
  ASSERT_TRUE(config.ok());
  {
    auto broker = Broker::open(*config);
    ASSERT_TRUE(broker.ok()) << broker.status().message();
    EXPECT_EQ((*broker)->logs().describe_topic("__consumer_offsets")->partitions, 4);
    auto committed = (*broker)->groups().commit_offsets("g", -1, "", {{"t", 0, 9}});
    EXPECT_EQ(committed[0].error, GroupError::kNone);
  }
  auto broker = Broker::open(*config);
  ASSERT_TRUE(broker.ok()) << broker.status().message();
  EXPECT_EQ((*broker)->groups().fetch_offset("g", "t", 0)->offset, 9);
}

// A new data directory gets a cluster id in Kafka's form, kept in meta.properties across
// restarts; a read-only view reads it and writes nothing; a file without one is an error naming it.
TEST(Broker, KeepsAClusterIdInMetaProperties) {
  ferry::testing::TempDir dir;
  auto config = broker_config_from_properties({{"log.dirs", dir.path().string()}});
  ASSERT_TRUE(config.ok());
  std::string first;
  {
    auto broker = Broker::open(*config);
    ASSERT_TRUE(broker.ok()) << broker.status().message();
    first = (*broker)->cluster_id();
  }
  EXPECT_EQ(first.size(), 22u);
  EXPECT_EQ(
      first.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos)
      << first;
  std::ifstream meta(dir.path() / "meta.properties");
  const std::string text((std::istreambuf_iterator<char>(meta)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("cluster.id=" + first), std::string::npos) << text;
  {
    auto again = Broker::open(*config);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ((*again)->cluster_id(), first);
  }
  BrokerConfig read_only = *config;
  read_only.logs.access = LogAccess::kReadOnly;
  auto view = Broker::open(read_only);
  ASSERT_TRUE(view.ok()) << view.status().message();
  EXPECT_EQ((*view)->cluster_id(), first);

  ferry::testing::TempDir other;
  auto fresh = broker_config_from_properties({{"log.dirs", other.path().string()}});
  auto second = Broker::open(*fresh);
  ASSERT_TRUE(second.ok());
  EXPECT_NE((*second)->cluster_id(), first);  // random, not derived from anything

  ferry::testing::TempDir broken;
  broken.write("meta.properties", "version=1\n");
  auto bad = broker_config_from_properties({{"log.dirs", broken.path().string()}});
  auto refused = Broker::open(*bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("meta.properties: no cluster.id"), std::string::npos);
}

}  // namespace
}  // namespace ferry::broker
