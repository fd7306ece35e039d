#include "broker/embedded/embedded_admin.h"

#include <gtest/gtest.h>

#include "broker/storage/record_batch.h"
#include "tests/temp_directory.h"

namespace ferry::broker {
namespace {

class EmbeddedAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = broker_config_from_properties(
        {{"log.dirs", dir_.path().string()}, {"offsets.topic.num.partitions", "2"}});
    ASSERT_TRUE(config.ok());
    auto broker = Broker::open(*config);
    ASSERT_TRUE(broker.ok()) << broker.status().message();
    broker_ = std::move(*broker);
    admin_ = std::make_unique<EmbeddedAdmin>(*broker_);
  }

  void append(const std::string& topic, int partition, std::int64_t timestamp) {
    RecordBatchBuilder builder(RecordBatchOptions{});
    ASSERT_TRUE(builder.append(timestamp, as_bytes("k"), as_bytes("v")).ok());
    auto batch = builder.build();
    ASSERT_TRUE(batch.ok());
    ASSERT_TRUE(broker_->logs().append(topic, partition, *batch).ok());
  }

  ferry::testing::TempDir dir_;
  std::unique_ptr<Broker> broker_;
  std::unique_ptr<EmbeddedAdmin> admin_;
};

TEST_F(EmbeddedAdminTest, TopicsAndTheirConfigs) {
  ASSERT_TRUE(admin_->create_topic("orders", 2, {{"retention.ms", "1000"}}).ok());
  EXPECT_EQ(admin_->create_topic("orders", 2, {}).message(), "Topic 'orders' already exists.");
  auto topics = admin_->list_topics(false);
  ASSERT_TRUE(topics.ok());
  ASSERT_EQ(topics->size(), 1u);  // __consumer_offsets is internal
  EXPECT_EQ(admin_->list_topics(true)->size(), 2u);
  EXPECT_EQ((*topics)[0].partitions, 2);
  auto configs = admin_->describe_topic_configs("orders");
  ASSERT_TRUE(configs.ok());
  EXPECT_EQ(configs->at("retention.ms"), "1000");
  EXPECT_EQ(configs->at("cleanup.policy"), "delete");
  ASSERT_TRUE(
      admin_->alter_topic_configs("orders", {{"cleanup.policy", "compact"}}, {"retention.ms"})
          .ok());
  configs = admin_->describe_topic_configs("orders");
  EXPECT_EQ(configs->at("cleanup.policy"), "compact");
  EXPECT_EQ(configs->at("retention.ms"), "604800000");
  ASSERT_TRUE(admin_->create_partitions("orders", 5).ok());
  EXPECT_EQ(admin_->describe_topic("orders")->partitions, 5);
  ASSERT_TRUE(admin_->delete_topic("orders").ok());
  EXPECT_EQ(admin_->describe_topic("orders").status().kind(), Status::Kind::kNotFound);
}

TEST_F(EmbeddedAdminTest, ListOffsetsByPositionAndTime) {
  ASSERT_TRUE(admin_->create_topic("t", 1, {}).ok());
  append("t", 0, 1000);
  append("t", 0, 2000);
  append("t", 0, 3000);
  EXPECT_EQ(**admin_->list_offset({"t", 0}, kEarliestOffset), 0);
  EXPECT_EQ(**admin_->list_offset({"t", 0}, kLatestOffset), 3);
  EXPECT_EQ(**admin_->list_offset({"t", 0}, 1500), 1);
  EXPECT_FALSE(*admin_->list_offset({"t", 0}, 5000));
  EXPECT_EQ(admin_->list_offset({"t", 9}, kLatestOffset).status().kind(), Status::Kind::kNotFound);
}

TEST_F(EmbeddedAdminTest, GroupOffsetsCanBeResetListedAndDeleted) {
  ASSERT_TRUE(admin_->alter_group_offsets("g", {{{"t", 0}, 5}, {{"t", 1}, 7}}).ok());
  auto offsets = admin_->list_group_offsets("g");
  ASSERT_TRUE(offsets.ok());
  EXPECT_EQ(offsets->at({"t", 1}), 7);
  auto groups = admin_->list_groups();
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->size(), 1u);
  EXPECT_EQ((*groups)[0].state, "Empty");
  EXPECT_EQ(admin_->describe_group("g")->state, "Empty");
  // One partition's offset deleted, the other's kept; restarted brokers agree (the deletion is
  // written to __consumer_offsets, not only forgotten in memory).
  ASSERT_TRUE(admin_->delete_group_offsets("g", {{"t", 0}}).ok());
  EXPECT_EQ(*admin_->list_group_offsets("g"),
            (std::map<TopicPartition, std::int64_t>{{{"t", 1}, 7}}));
  EXPECT_EQ(admin_->delete_group_offsets("nobody", {{"t", 0}}).kind(), Status::Kind::kNotFound);
  admin_.reset();
  broker_.reset();
  auto config = broker_config_from_properties(
      {{"log.dirs", dir_.path().string()}, {"offsets.topic.num.partitions", "2"}});
  auto reopened = Broker::open(*config);
  ASSERT_TRUE(reopened.ok()) << reopened.status().message();
  broker_ = std::move(*reopened);
  admin_ = std::make_unique<EmbeddedAdmin>(*broker_);
  EXPECT_EQ(*admin_->list_group_offsets("g"),
            (std::map<TopicPartition, std::int64_t>{{{"t", 1}, 7}}));
  ASSERT_TRUE(admin_->delete_group("g").ok());
  EXPECT_EQ(admin_->delete_group("g").kind(), Status::Kind::kNotFound);
  EXPECT_TRUE(admin_->list_group_offsets("g")->empty());
}

}  // namespace
}  // namespace ferry::broker
