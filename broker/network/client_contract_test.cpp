// The behaviours of broker/client's interfaces that the worker relies on, run against both
// implementations: the embedded clients (in process) and the network clients (librdkafka over
// the Kafka protocol), on the same in-process broker. A case that passes on one and fails on
// the other is a difference the worker would see when embedded.broker.enable changes.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "broker/embedded/embedded_clients.h"
#include "broker/network/network_clients.h"
#include "broker/network/network_test_broker.h"

namespace ferry::broker {
namespace {

using namespace std::chrono_literals;

RecordBytes bytes(const std::string& text) { return RecordBytes(text.begin(), text.end()); }

class ClientContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "embedded") {
      clients_ = std::make_unique<EmbeddedClients>(broker_.broker());
    } else {
      auto network = NetworkClients::create(broker_.properties());
      ASSERT_TRUE(network.ok()) << network.status().message();
      clients_ = std::move(*network);
    }
  }

  std::unique_ptr<Consumer> consumer(std::map<std::string, std::string> properties = {}) {
    properties.try_emplace("auto.offset.reset", "earliest");
    properties.try_emplace("enable.auto.commit", "false");
    // New topics matching a pattern are seen within this (librdkafka's default is 5 minutes).
    properties.try_emplace("metadata.max.age.ms", "500");
    auto made = clients_->consumer(properties);
    EXPECT_TRUE(made.ok()) << made.status().message();
    return made.ok() ? std::move(*made) : nullptr;
  }

  void produce(const std::string& topic, std::int32_t partition, int count) {
    auto producer = clients_->producer({{"linger.ms", "0"}});
    ASSERT_TRUE(producer.ok()) << producer.status().message();
    for (int i = 0; i < count; ++i) {
      (*producer)->send({topic,
                         partition,
                         bytes("k" + std::to_string(i)),
                         bytes("v" + std::to_string(i)),
                         {{"h", bytes("x")}},
                         1000 + i},
                        [](const Result<RecordMetadata>& result) {
                          ASSERT_TRUE(result.ok()) << result.status().message();
                        });
    }
    ASSERT_TRUE((*producer)->flush().ok());
    (*producer)->close();
  }

  static std::vector<ConsumerRecord> poll_for(Consumer& consumer, std::size_t count) {
    std::vector<ConsumerRecord> records;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (records.size() < count && std::chrono::steady_clock::now() < deadline) {
      auto polled = consumer.poll(100ms);
      EXPECT_TRUE(polled.ok()) << polled.status().message();
      if (!polled.ok()) break;
      for (ConsumerRecord& record : *polled) records.push_back(std::move(record));
    }
    return records;
  }

  NetworkTestBroker broker_;
  std::unique_ptr<Clients> clients_;
};

TEST_P(ClientContractTest, RecordsRoundTripWithEveryField) {
  ASSERT_TRUE(clients_->admin().create_topic("events", 1, {}).ok());
  produce("events", 0, 3);
  auto reader = consumer();
  ASSERT_TRUE(reader->assign({{"events", 0}}).ok());
  const auto records = poll_for(*reader, 3);
  ASSERT_EQ(records.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(records[i].offset, i);
    EXPECT_EQ(records[i].key, bytes("k" + std::to_string(i)));
    EXPECT_EQ(records[i].value, bytes("v" + std::to_string(i)));
    EXPECT_EQ(records[i].timestamp, 1000 + i);
    EXPECT_EQ(records[i].headers, (std::vector<ClientHeader>{{"h", bytes("x")}}));
  }
  EXPECT_EQ(*reader->position({"events", 0}), 3);
  EXPECT_EQ(reader->end_offsets({{"events", 0}})->at({"events", 0}), 3);
}

TEST_P(ClientContractTest, SubscribingByNameCreatesAMissingTopic) {
  auto reader = consumer({{"group.id", "creators"}});
  ASSERT_TRUE(reader->subscribe({"made-by-subscribe"}).ok());
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (reader->assignment().empty() && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(reader->poll(100ms).ok());
  }
  EXPECT_EQ(reader->assignment(), (std::set<TopicPartition>{{"made-by-subscribe", 0}}));
  EXPECT_TRUE(clients_->admin().describe_topic("made-by-subscribe").ok());
}

TEST_P(ClientContractTest, ARestartedMemberReadsOnFromTheCommittedOffsets) {
  ASSERT_TRUE(clients_->admin().create_topic("work", 1, {}).ok());
  produce("work", 0, 5);
  {
    auto first = consumer({{"group.id", "workers"}});
    ASSERT_TRUE(first->subscribe({"work"}).ok());
    ASSERT_EQ(poll_for(*first, 5).size(), 5u);
    ASSERT_TRUE(first->commit_sync({{{"work", 0}, 3}}).ok());
    ASSERT_TRUE(first->close().ok());
  }
  EXPECT_EQ(*clients_->admin().list_group_offsets("workers"),
            (std::map<TopicPartition, std::int64_t>{{{"work", 0}, 3}}));
  auto second = consumer({{"group.id", "workers"}});
  ASSERT_TRUE(second->subscribe({"work"}).ok());
  const auto records = poll_for(*second, 2);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records.front().offset, 3);
}

TEST_P(ClientContractTest, ListenerSeesRevokedBeforeAssignedAndMayCommitInRevoked) {
  ASSERT_TRUE(clients_->admin().create_topic("split", 2, {}).ok());
  produce("split", 0, 2);
  std::vector<std::string> events;
  auto first = consumer({{"group.id", "splitters"}});
  RebalanceListener listener;
  listener.on_partitions_revoked = [&](const std::set<TopicPartition>& revoked) {
    events.push_back("revoked " + std::to_string(revoked.size()));
    EXPECT_TRUE(first->commit_sync().ok());
  };
  listener.on_partitions_assigned = [&](const std::set<TopicPartition>& assigned) {
    events.push_back("assigned " + std::to_string(assigned.size()));
  };
  ASSERT_TRUE(first->subscribe({"split"}, listener).ok());
  ASSERT_EQ(poll_for(*first, 2).size(), 2u);
  ASSERT_EQ(events, (std::vector<std::string>{"assigned 2"}));

  auto second = consumer({{"group.id", "splitters"}});
  ASSERT_TRUE(second->subscribe({"split"}).ok());
  std::atomic<bool> stop{false};
  std::thread other([&] {
    while (!stop) (void)second->poll(100ms);
  });
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (first->assignment().size() != 1 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(first->poll(100ms).ok());
  }
  stop = true;
  other.join();
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events[1], "revoked 2");
  EXPECT_EQ(events[2], "assigned 1");
  // The commit in the revoked listener landed: partition 0 was read up to 2.
  EXPECT_EQ(clients_->admin().list_group_offsets("splitters")->at({"split", 0}), 2);
}

TEST_P(ClientContractTest, APatternSubscriptionPicksUpTopicsCreatedLater) {
  ASSERT_TRUE(clients_->admin().create_topic("logs-a", 1, {}).ok());
  produce("logs-a", 0, 1);
  auto reader = consumer({{"group.id", "pattern"}});
  ASSERT_TRUE(reader->subscribe_pattern("logs-.*").ok());
  ASSERT_EQ(poll_for(*reader, 1).size(), 1u);
  ASSERT_TRUE(reader->commit_sync().ok());  // else the rebalance below rereads logs-a
  ASSERT_TRUE(clients_->admin().create_topic("logs-b", 1, {}).ok());
  produce("logs-b", 0, 2);
  const auto later = poll_for(*reader, 2);
  ASSERT_EQ(later.size(), 2u);
  EXPECT_EQ(later.front().topic, "logs-b");
}

TEST_P(ClientContractTest, WakeupInterruptsALongPollOnce) {
  auto reader = consumer();
  ASSERT_TRUE(reader->assign({{"quiet", 0}}).ok());
  std::thread waker([&] {
    std::this_thread::sleep_for(200ms);
    reader->wakeup();
  });
  auto polled = reader->poll(30s);
  waker.join();
  ASSERT_FALSE(polled.ok());
  EXPECT_EQ(polled.status().message(), "WakeupException: the consumer was woken up");
  EXPECT_TRUE(reader->poll(0ms).ok());
}

TEST_P(ClientContractTest, AutoOffsetResetNoneFailsThePollUntilAnOffsetIsSought) {
  ASSERT_TRUE(clients_->admin().create_topic("strict", 1, {}).ok());
  produce("strict", 0, 2);
  auto reader = consumer({{"auto.offset.reset", "none"}, {"group.id", "strict-readers"}});
  ASSERT_TRUE(reader->assign({{"strict", 0}}).ok());
  Status failed;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (failed.ok() && std::chrono::steady_clock::now() < deadline) {
    auto polled = reader->poll(100ms);
    if (!polled.ok())
      failed = polled.status();
    else
      EXPECT_TRUE(polled->empty());
  }
  EXPECT_EQ(failed, Status::not_found("Undefined offset with no reset policy for partitions: "
                                      "[strict-0]"));
  EXPECT_EQ(reader->position({"strict", 0}).status().message(),
            "Undefined offset with no reset policy for partitions: [strict-0]");
  ASSERT_TRUE(reader->seek({"strict", 0}, 1).ok());
  const auto records = poll_for(*reader, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records.front().offset, 1);
}

TEST_P(ClientContractTest, AdminErrorsUseKafkasWording) {
  Admin& admin = clients_->admin();
  ASSERT_TRUE(admin.create_topic("orders", 2, {}).ok());
  EXPECT_EQ(admin.create_topic("orders", 2, {}),
            Status::conflict("Topic 'orders' already exists."));
  EXPECT_EQ(admin.delete_topic("missing"), Status::not_found("Topic 'missing' does not exist."));
  EXPECT_EQ(admin.describe_topic("missing").status(),
            Status::not_found("Topic 'missing' does not exist."));
  EXPECT_EQ(admin.describe_group("nobody").status(),
            Status::not_found("Consumer group 'nobody' does not exist."));
  EXPECT_EQ(admin.create_partitions("orders", 1).kind(), Status::Kind::kInvalidArgument);
  EXPECT_EQ(admin.list_offset({"orders", 7}, kLatestOffset).status().kind(),
            Status::Kind::kNotFound);
}

TEST_P(ClientContractTest, TopicConfigsAreSetAndRemoved) {
  Admin& admin = clients_->admin();
  ASSERT_TRUE(admin.create_topic("configured", 1, {{"retention.ms", "1000"}}).ok());
  ASSERT_TRUE(
      admin.alter_topic_configs("configured", {{"cleanup.policy", "compact"}}, {"retention.ms"})
          .ok());
  auto configs = admin.describe_topic_configs("configured");
  ASSERT_TRUE(configs.ok());
  EXPECT_EQ(configs->at("cleanup.policy"), "compact");
  EXPECT_EQ(configs->at("retention.ms"), "604800000");
  EXPECT_EQ(admin.describe_topic("configured")->overrides,
            (std::map<std::string, std::string>{{"cleanup.policy", "compact"}}));
}

INSTANTIATE_TEST_SUITE_P(Clients, ClientContractTest, ::testing::Values("embedded", "network"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ferry::broker
