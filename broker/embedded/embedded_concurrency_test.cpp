// Eight producers and eight consumers of one group at once, on one partition and on many: every
// record produced is consumed exactly once (consumers commit what they processed and the group
// rebalances as they come and go), per-key order is kept, nothing is lost. Run under TSan by
// scripts/test.sh.
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "broker/embedded/embedded_consumer.h"
#include "broker/embedded/embedded_producer.h"
#include "tests/temp_directory.h"

namespace ferry::broker {
namespace {

using namespace std::chrono_literals;

class ManyClientsTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    auto config = broker_config_from_properties({{"log.dirs", dir_.path().string()},
                                                 {"offsets.topic.num.partitions", "1"},
                                                 {"group.initial.rebalance.delay.ms", "0"},
                                                 {"group.min.session.timeout.ms", "100"}});
    ASSERT_TRUE(config.ok());
    auto broker = Broker::open(*config);
    ASSERT_TRUE(broker.ok()) << broker.status().message();
    broker_ = std::move(*broker);
  }

  ferry::testing::TempDir dir_;
  std::unique_ptr<Broker> broker_;
};

TEST_P(ManyClientsTest, EveryRecordIsConsumedExactlyOnceInKeyOrder) {
  const int partitions = GetParam();
  constexpr int kProducers = 8;
  constexpr int kConsumers = 8;
  constexpr int kRecordsPerProducer = 300;
  constexpr int kTotal = kProducers * kRecordsPerProducer;
  ASSERT_TRUE(broker_->logs().create_topic("events", partitions).ok());

  std::mutex mutex;
  std::map<std::string, int> seen;           // "producer:sequence" -> times consumed
  std::map<std::string, int> last_sequence;  // key -> last sequence consumed
  int out_of_order = 0;
  std::atomic<int> consumed{0};
  std::atomic<bool> stop{false};

  std::vector<std::thread> consumers;
  for (int c = 0; c < kConsumers; ++c) {
    consumers.emplace_back([&, c] {
      ConsumerConfig config;
      config.group_id = "workers";
      config.client_id = "consumer-" + std::to_string(c);
      config.auto_offset_reset = OffsetReset::kEarliest;
      config.enable_auto_commit = false;
      config.heartbeat_interval_ms = 20;
      // Far longer than a loaded machine can hold up a heartbeat thread: an expired member's
      // partitions move without its revocation commit, and their records are read twice.
      config.session_timeout_ms = 10000;
      EmbeddedConsumer consumer(*broker_, config);
      // Commit what this member processed before its partitions move, so nothing is read twice.
      std::map<TopicPartition, std::int64_t> processed;
      RebalanceListener listener;
      listener.on_partitions_revoked = [&](const std::set<TopicPartition>&) {
        if (!processed.empty()) (void)consumer.commit_sync(processed);
        processed.clear();
      };
      ASSERT_TRUE(consumer.subscribe(std::vector<std::string>{"events"}, listener).ok());
      while (!stop) {
        auto records = consumer.poll(50ms);
        if (!records.ok()) continue;  // a retriable rebalance error: poll again
        for (const ConsumerRecord& record : *records) {
          const std::string value(record.value->begin(), record.value->end());
          const std::string key(record.key->begin(), record.key->end());
          const int sequence = std::stoi(value.substr(value.find(':') + 1));
          std::lock_guard lock(mutex);
          ++seen[value];
          auto [it, inserted] = last_sequence.try_emplace(key, -1);
          if (sequence <= it->second) ++out_of_order;
          it->second = sequence;
          processed[{record.topic, record.partition}] = record.offset + 1;
          ++consumed;
        }
        if (!processed.empty()) {
          if (consumer.commit_sync(processed).ok()) processed.clear();
        }
      }
      (void)consumer.close();
    });
  }

  std::vector<std::thread> producers;
  std::atomic<int> acknowledged{0};
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      ProducerConfig config;
      config.linger_ms = 1;
      EmbeddedProducer producer(*broker_, config);
      const std::string key = "producer-" + std::to_string(p);
      for (int i = 0; i < kRecordsPerProducer; ++i) {
        const std::string value = std::to_string(p) + ":" + std::to_string(i);
        producer.send({.topic = "events",
                       .key = RecordBytes(key.begin(), key.end()),
                       .value = RecordBytes(value.begin(), value.end())},
                      [&](const Result<RecordMetadata>& result) {
                        if (result.ok()) ++acknowledged;
                      });
      }
      ASSERT_TRUE(producer.flush().ok());
    });
  }
  for (auto& thread : producers) thread.join();
  EXPECT_EQ(acknowledged, kTotal);

  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (consumed < kTotal && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  stop = true;
  for (auto& thread : consumers) thread.join();

  std::lock_guard lock(mutex);
  EXPECT_EQ(consumed, kTotal);
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kTotal));
  int duplicates = 0;
  for (const auto& [value, times] : seen) duplicates += times - 1;
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(out_of_order, 0);
}

INSTANTIATE_TEST_SUITE_P(Partitions, ManyClientsTest, ::testing::Values(1, 16),
                         [](const auto& info) {
                           return std::to_string(info.param) + "Partitions";
                         });

}  // namespace
}  // namespace ferry::broker
