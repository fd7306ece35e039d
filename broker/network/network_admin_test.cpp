// NetworkAdmin against the embedded broker's protocol server on loopback, with the embedded
// admin's wording for the errors the REST API and the tools print.
#include "broker/network/network_admin.h"

#include <gtest/gtest.h>

#include "broker/network/network_consumer.h"
#include "broker/network/network_producer.h"
#include "broker/network/network_test_broker.h"

namespace ferry::broker {
namespace {

using namespace std::chrono_literals;

class NetworkAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = NetworkAdmin::create(broker_.properties());
    ASSERT_TRUE(made.ok()) << made.status().message();
    admin_ = std::move(*made);
  }

  void produce(const std::string& topic, std::int32_t partition, int count) {
    auto producer = NetworkProducer::create(broker_.properties({{"linger.ms", "0"}}));
    ASSERT_TRUE(producer.ok());
    for (int i = 0; i < count; ++i) {
      (*producer)->send({topic, partition, std::nullopt, RecordBytes{'x'}, {}, 1000 + i},
                        [](const Result<RecordMetadata>& result) { ASSERT_TRUE(result.ok()); });
      ASSERT_TRUE((*producer)->flush().ok());  // one batch per record: per-record timestamps
    }
    (*producer)->close();
  }

  NetworkTestBroker broker_;
  std::unique_ptr<NetworkAdmin> admin_;
};

TEST_F(NetworkAdminTest, TopicsAreCreatedDescribedAlteredAndDeleted) {
  ASSERT_TRUE(admin_->create_topic("orders", 3, {{"retention.ms", "60000"}}).ok());
  EXPECT_EQ(admin_->create_topic("orders", 3, {}),
            Status::conflict("Topic 'orders' already exists."));

  auto described = admin_->describe_topic("orders");
  ASSERT_TRUE(described.ok()) << described.status().message();
  EXPECT_EQ(described->partitions, 3);
  EXPECT_FALSE(described->internal);
  EXPECT_EQ(described->overrides, (std::map<std::string, std::string>{{"retention.ms", "60000"}}));

  ASSERT_TRUE(
      admin_->alter_topic_configs("orders", {{"cleanup.policy", "compact"}}, {"retention.ms"})
          .ok());
  auto configs = admin_->describe_topic_configs("orders");
  ASSERT_TRUE(configs.ok()) << configs.status().message();
  EXPECT_EQ(configs->at("cleanup.policy"), "compact");
  EXPECT_NE(configs->at("retention.ms"), "60000");  // back to the default
  EXPECT_EQ(admin_->describe_topic("orders")->overrides,
            (std::map<std::string, std::string>{{"cleanup.policy", "compact"}}));

  ASSERT_TRUE(admin_->create_partitions("orders", 5).ok());
  EXPECT_EQ(admin_->describe_topic("orders")->partitions, 5);
  EXPECT_EQ(admin_->create_partitions("orders", 2).kind(), Status::Kind::kInvalidArgument);

  auto listed = admin_->list_topics(false);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().name, "orders");

  ASSERT_TRUE(admin_->delete_topic("orders").ok());
  EXPECT_EQ(admin_->delete_topic("orders"), Status::not_found("Topic 'orders' does not exist."));
  EXPECT_EQ(admin_->describe_topic("orders").status(),
            Status::not_found("Topic 'orders' does not exist."));
}

TEST_F(NetworkAdminTest, ListOffsetsByPositionAndTime) {
  ASSERT_TRUE(admin_->create_topic("timed", 1, {}).ok());
  produce("timed", 0, 4);  // timestamps 1000..1003
  EXPECT_EQ(*admin_->list_offset({"timed", 0}, kEarliestOffset), std::optional<std::int64_t>(0));
  EXPECT_EQ(*admin_->list_offset({"timed", 0}, kLatestOffset), std::optional<std::int64_t>(4));
  auto by_time = admin_->list_offset({"timed", 0}, 1002);
  ASSERT_TRUE(by_time.ok()) << by_time.status().message();
  EXPECT_EQ(*by_time, std::optional<std::int64_t>(2));
  EXPECT_EQ(*admin_->list_offset({"timed", 0}, 5000), std::nullopt);
}

TEST_F(NetworkAdminTest, GroupsAreListedDescribedAndTheirOffsetsAltered) {
  ASSERT_TRUE(admin_->create_topic("input", 2, {}).ok());
  auto member = NetworkConsumer::create(broker_.properties(
      {{"group.id", "readers"}, {"client.id", "reader-1"}, {"enable.auto.commit", "false"}}));
  ASSERT_TRUE(member.ok());
  ASSERT_TRUE((*member)->subscribe({"input"}).ok());
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while ((*member)->assignment().size() < 2 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE((*member)->poll(100ms).ok());
  }
  ASSERT_TRUE((*member)->commit_sync({{{"input", 0}, 0}}).ok());
  auto first_offsets = admin_->list_group_offsets("readers");
  ASSERT_TRUE(first_offsets.ok()) << first_offsets.status().message();
  EXPECT_EQ(*first_offsets, (std::map<TopicPartition, std::int64_t>{{{"input", 0}, 0}}));

  auto groups = admin_->list_groups();
  ASSERT_TRUE(groups.ok()) << groups.status().message();
  ASSERT_EQ(groups->size(), 1u);
  EXPECT_EQ(groups->front().group_id, "readers");
  EXPECT_EQ(groups->front().state, "Stable");
  auto described = admin_->describe_group("readers");
  ASSERT_TRUE(described.ok()) << described.status().message();
  EXPECT_EQ(described->assignor, "range");
  ASSERT_EQ(described->members.size(), 1u);
  EXPECT_EQ(described->members.front().client_id, "reader-1");
  EXPECT_EQ(described->members.front().assignment,
            (std::set<TopicPartition>{{"input", 0}, {"input", 1}}));
  EXPECT_EQ(admin_->describe_group("nobody").status(),
            Status::not_found("Consumer group 'nobody' does not exist."));

  EXPECT_EQ(admin_->alter_group_offsets("readers", {{{"input", 0}, 1}}),
            Status::conflict("Assignments can only be reset if the group 'readers' is inactive, "
                             "but the current state is active (it has members)."));
  ASSERT_TRUE((*member)->close().ok());
  ASSERT_TRUE(admin_->alter_group_offsets("readers", {{{"input", 0}, 3}, {{"input", 1}, 2}}).ok());
  auto offsets = admin_->list_group_offsets("readers");
  ASSERT_TRUE(offsets.ok()) << offsets.status().message();
  EXPECT_EQ(*offsets,
            (std::map<TopicPartition, std::int64_t>{{{"input", 0}, 3}, {{"input", 1}, 2}}));
}

// DeleteGroups and OffsetDelete (KIP-496): what kafka-consumer-groups --delete and
// --delete-offsets send, and REST's offset reset of a stopped sink over the network.
TEST_F(NetworkAdminTest, GroupOffsetsAndGroupsAreDeleted) {
  produce("input", 0, 1);
  ASSERT_TRUE(admin_->alter_group_offsets("readers", {{{"input", 0}, 1}, {{"input", 1}, 0}}).ok());
  ASSERT_TRUE(admin_->delete_group_offsets("readers", {{"input", 0}}).ok());
  auto offsets = admin_->list_group_offsets("readers");
  ASSERT_TRUE(offsets.ok()) << offsets.status().message();
  EXPECT_EQ(*offsets, (std::map<TopicPartition, std::int64_t>{{{"input", 1}, 0}}));

  ASSERT_TRUE(admin_->delete_group("readers").ok());
  auto groups = admin_->list_groups();
  ASSERT_TRUE(groups.ok()) << groups.status().message();
  EXPECT_TRUE(groups->empty());
  EXPECT_EQ(admin_->delete_group("readers"),
            Status::not_found("Group readers does not exist (GROUP_ID_NOT_FOUND)"));
}

}  // namespace
}  // namespace ferry::broker
