// NetworkConsumer against the embedded broker's protocol server on loopback: group
// subscriptions with the rebalance listener (revoked before assigned, inside poll), manual
// commits that a new consumer of the group starts from, pattern subscriptions, seeks,
// positions, end offsets, pause and wakeup; two members of one group splitting the partitions and
// rebalancing when one leaves.
#include "broker/network/network_consumer.h"

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "broker/network/network_producer.h"
#include "broker/network/network_test_broker.h"

namespace ferry::broker {
namespace {

using namespace std::chrono_literals;

RecordBytes bytes(const std::string& text) { return RecordBytes(text.begin(), text.end()); }
std::string text(const std::optional<ConsumedBytes>& value) {
  return value ? std::string(value->begin(), value->end()) : "<null>";
}

class NetworkConsumerTest : public ::testing::Test {
 protected:
  void produce(const std::string& topic, std::int32_t partition, int count, int first = 0) {
    auto producer = NetworkProducer::create(broker_.properties({{"linger.ms", "0"}}));
    ASSERT_TRUE(producer.ok()) << producer.status().message();
    for (int i = first; i < first + count; ++i) {
      (*producer)->send(
          {topic, partition, std::nullopt, bytes("v" + std::to_string(i)), {}, std::nullopt},
          [](const Result<RecordMetadata>& result) {
            ASSERT_TRUE(result.ok()) << result.status().message();
          });
    }
    (*producer)->close();
  }

  std::unique_ptr<NetworkConsumer> consumer(std::map<std::string, std::string> extra = {}) {
    extra.try_emplace("auto.offset.reset", "earliest");
    extra.try_emplace("enable.auto.commit", "false");
    auto made = NetworkConsumer::create(broker_.properties(extra));
    EXPECT_TRUE(made.ok()) << made.status().message();
    return made.ok() ? std::move(*made) : nullptr;
  }

  // Polls until count records arrived or the deadline passed.
  static std::vector<ConsumerRecord> poll_for(Consumer& consumer, std::size_t count,
                                              std::chrono::seconds limit = 30s) {
    std::vector<ConsumerRecord> records;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (records.size() < count && std::chrono::steady_clock::now() < deadline) {
      auto polled = consumer.poll(200ms);
      EXPECT_TRUE(polled.ok()) << polled.status().message();
      if (!polled.ok()) break;
      for (ConsumerRecord& record : *polled) records.push_back(std::move(record));
    }
    return records;
  }

  NetworkTestBroker broker_;
};

TEST_F(NetworkConsumerTest, AssignedPartitionsReadFromTheBeginning) {
  produce("plain", 0, 5);
  auto reader = consumer();
  ASSERT_TRUE(reader->assign({{"plain", 0}}).ok());
  EXPECT_EQ(reader->assignment(), (std::set<TopicPartition>{{"plain", 0}}));
  const auto records = poll_for(*reader, 5);
  ASSERT_EQ(records.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(records[i].offset, i);
    EXPECT_EQ(text(records[i].value), "v" + std::to_string(i));
  }
  auto position = reader->position({"plain", 0});
  ASSERT_TRUE(position.ok()) << position.status().message();
  EXPECT_EQ(*position, 5);
  auto ends = reader->end_offsets({{"plain", 0}});
  ASSERT_TRUE(ends.ok()) << ends.status().message();
  EXPECT_EQ(ends->at({"plain", 0}), 5);
}

TEST_F(NetworkConsumerTest, MaxPollRecordsBoundsABatch) {
  produce("batched", 0, 20);
  auto reader = consumer({{"max.poll.records", "3"}});
  ASSERT_TRUE(reader->assign({{"batched", 0}}).ok());
  std::size_t largest = 0;
  std::size_t total = 0;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (total < 20 && std::chrono::steady_clock::now() < deadline) {
    auto polled = reader->poll(200ms);
    ASSERT_TRUE(polled.ok());
    largest = std::max(largest, polled->size());
    total += polled->size();
  }
  EXPECT_EQ(total, 20u);
  EXPECT_LE(largest, 3u);
}

TEST_F(NetworkConsumerTest, SeekAndSeekToEndMovePositions) {
  produce("seekable", 0, 10);
  auto reader = consumer();
  ASSERT_TRUE(reader->assign({{"seekable", 0}}).ok());
  const Status sought = reader->seek({"seekable", 0}, 7);
  ASSERT_TRUE(sought.ok()) << sought.message();
  auto position = reader->position({"seekable", 0});
  ASSERT_TRUE(position.ok());
  EXPECT_EQ(*position, 7);
  const auto records = poll_for(*reader, 3);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records.front().offset, 7);
  ASSERT_TRUE(reader->seek_to_beginning({}).ok());
  EXPECT_EQ(*reader->position({"seekable", 0}), 0);
  ASSERT_TRUE(reader->seek_to_end({{"seekable", 0}}).ok());
  EXPECT_EQ(*reader->position({"seekable", 0}), 10);
  EXPECT_EQ(reader->seek({"other", 0}, 1).kind(), Status::Kind::kConflict);
}

TEST_F(NetworkConsumerTest, ManualCommitsSurviveAConsumerRestart) {
  produce("committed", 0, 6);
  {
    auto first = consumer({{"group.id", "restarting"}});
    ASSERT_TRUE(first->subscribe({"committed"}).ok());
    const auto records = poll_for(*first, 6);
    ASSERT_EQ(records.size(), 6u);
    ASSERT_TRUE(first->commit_sync({{{"committed", 0}, 4}}).ok());
    auto committed = first->committed({"committed", 0});
    ASSERT_TRUE(committed.ok()) << committed.status().message();
    EXPECT_EQ(*committed, std::optional<std::int64_t>(4));
    ASSERT_TRUE(first->close().ok());
  }
  auto second = consumer({{"group.id", "restarting"}});
  ASSERT_TRUE(second->subscribe({"committed"}).ok());
  const auto records = poll_for(*second, 2);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records.front().offset, 4);
  ASSERT_TRUE(second->commit_sync().ok());  // the positions: 6
  EXPECT_EQ(*second->committed({"committed", 0}), std::optional<std::int64_t>(6));
}

TEST_F(NetworkConsumerTest, RebalanceListenerSeesRevokedThenAssignedInsidePoll) {
  ASSERT_TRUE(broker_.broker().logs().create_topic("shared", 2, {}).ok());
  std::vector<std::string> events;
  RebalanceListener listener;
  listener.on_partitions_revoked = [&](const std::set<TopicPartition>& revoked) {
    events.push_back("revoked " + std::to_string(revoked.size()));
  };
  auto first = consumer({{"group.id", "pair"}});
  listener.on_partitions_assigned = [&](const std::set<TopicPartition>& assigned) {
    events.push_back("assigned " + std::to_string(assigned.size()));
    // The listener may seek the partitions it is given, before they are fetched.
    for (const TopicPartition& partition : assigned) EXPECT_TRUE(first->seek(partition, 0).ok());
  };
  ASSERT_TRUE(first->subscribe({"shared"}, listener).ok());
  EXPECT_TRUE(events.empty());  // nothing happens outside poll
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (first->assignment().size() < 2 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(first->poll(100ms).ok());
  }
  ASSERT_EQ(first->assignment().size(), 2u);
  ASSERT_EQ(events, (std::vector<std::string>{"assigned 2"}));

  // A second member: the first gives up everything (eager range), then gets one back.
  auto second = consumer({{"group.id", "pair"}});
  ASSERT_TRUE(second->subscribe({"shared"}).ok());
  // A consumer is used by one thread at a time (as Kafka's): its poller reports its assignment.
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> second_assigned{0};
  std::thread second_poller([&] {
    while (!stop) {
      (void)second->poll(100ms);
      second_assigned = second->assignment().size();
    }
  });
  while ((first->assignment().size() != 1 || second_assigned != 1) &&
         std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(first->poll(100ms).ok());
  }
  stop = true;
  second_poller.join();
  EXPECT_EQ(first->assignment().size(), 1u);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events[1], "revoked 2");
  EXPECT_EQ(events[2], "assigned 1");
  ASSERT_TRUE(second->close().ok());
  ASSERT_TRUE(first->close().ok());
}

// The librdkafka high-level consumer as a service runs it, two members of one group: the
// partitions are split and each record is read once, by the member owning its partition; when a
// member leaves, the group rebalances and the other reads everything after the commits.
TEST_F(NetworkConsumerTest, TwoMembersSplitThePartitionsAndALeaverHandsItsOwnBack) {
  ASSERT_TRUE(broker_.broker().logs().create_topic("split", 2, {}).ok());
  auto first = consumer({{"group.id", "split-group"}, {"client.id", "first"}});
  auto second = consumer({{"group.id", "split-group"}, {"client.id", "second"}});
  ASSERT_TRUE(first->subscribe({"split"}).ok());
  ASSERT_TRUE(second->subscribe({"split"}).ok());

  // A consumer is used by one thread at a time (as Kafka's): each poller reports what its member
  // read and its assignment after each poll.
  std::mutex mutex;
  std::map<std::string, std::vector<ConsumerRecord>> read;   // by member; guarded by mutex
  std::map<std::string, std::set<TopicPartition>> assigned;  // by member; guarded by mutex
  std::atomic<bool> stop{false};
  const auto run = [&](NetworkConsumer& member, const std::string& name) {
    while (!stop) {
      auto polled = member.poll(100ms);
      if (!polled.ok()) continue;
      if (!polled->empty()) {
        ASSERT_TRUE(member.commit_sync().ok());
      }
      std::scoped_lock lock(mutex);
      for (ConsumerRecord& record : *polled) read[name].push_back(std::move(record));
      assigned[name] = member.assignment();
    }
  };
  const auto assigned_sizes = [&] {
    std::scoped_lock lock(mutex);
    return std::pair(assigned["first"].size(), assigned["second"].size());
  };
  std::thread second_poller(run, std::ref(*second), "second");
  std::thread first_poller(run, std::ref(*first), "first");
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  // Both in the group with a partition each, then the records.
  while (assigned_sizes() != std::pair<std::size_t, std::size_t>(1, 1) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  produce("split", 0, 10, 0);
  produce("split", 1, 10, 100);
  const auto total = [&] {
    std::scoped_lock lock(mutex);
    return read["first"].size() + read["second"].size();
  };
  while (total() < 20 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  stop = true;
  first_poller.join();
  second_poller.join();
  ASSERT_EQ(first->assignment().size(), 1u);
  ASSERT_EQ(second->assignment().size(), 1u);
  EXPECT_NE(*first->assignment().begin(), *second->assignment().begin());
  std::set<std::string> values;
  for (const auto& [name, records] : read) {
    const std::int32_t owned = (name == "first" ? first : second)->assignment().begin()->partition;
    for (const ConsumerRecord& record : records) {
      EXPECT_EQ(record.partition, owned) << name << " read " << text(record.value);
      EXPECT_TRUE(values.insert(text(record.value)).second) << text(record.value) << " twice";
    }
  }
  EXPECT_EQ(values.size(), 20u);

  // The second member leaves: the first is given both partitions and reads what comes next.
  ASSERT_TRUE(second->close().ok());
  produce("split", 0, 3, 10);
  produce("split", 1, 3, 110);
  // Nothing after offset 10 is committed (the test commits no more), so a rebalance that lands
  // after the first member fetched v10..v12 from its own partition hands them out again from the
  // committed offset, as Kafka's consumer does. The committed records never come again.
  const std::set<std::string> expected = {"v10", "v11", "v12", "v110", "v111", "v112"};
  std::set<std::string> later;
  const auto later_deadline = std::chrono::steady_clock::now() + 30s;
  while (later.size() < expected.size() && std::chrono::steady_clock::now() < later_deadline) {
    for (const ConsumerRecord& record : poll_for(*first, 1, 1s)) {
      EXPECT_TRUE(expected.contains(text(record.value))) << text(record.value) << " read again";
      later.insert(text(record.value));
    }
  }
  EXPECT_EQ(first->assignment().size(), 2u);
  EXPECT_EQ(later, expected);
  ASSERT_TRUE(first->close().ok());
}

TEST_F(NetworkConsumerTest, PatternSubscriptionMatchesWholeNames) {
  produce("metrics-cpu", 0, 2);
  produce("metrics-disk", 0, 3);
  produce("xmetrics-cpu", 0, 4);
  auto reader = consumer({{"group.id", "patterns"}});
  ASSERT_TRUE(reader->subscribe_pattern("metrics-\\w+").ok());
  const auto records = poll_for(*reader, 5);
  std::map<std::string, int> per_topic;
  for (const ConsumerRecord& record : records) ++per_topic[record.topic];
  EXPECT_EQ(per_topic, (std::map<std::string, int>{{"metrics-cpu", 2}, {"metrics-disk", 3}}));
  EXPECT_EQ(reader->subscribe({"other"}).kind(), Status::Kind::kConflict);
  EXPECT_EQ(reader->subscribe_pattern("(?=lookahead)").kind(), Status::Kind::kInvalidArgument);
}

TEST_F(NetworkConsumerTest, PausedPartitionsReturnNothingUntilResumed) {
  produce("flow", 0, 3);
  auto reader = consumer();
  ASSERT_TRUE(reader->assign({{"flow", 0}}).ok());
  reader->pause({{"flow", 0}});
  EXPECT_EQ(reader->paused(), (std::set<TopicPartition>{{"flow", 0}}));
  auto polled = reader->poll(500ms);
  ASSERT_TRUE(polled.ok());
  EXPECT_TRUE(polled->empty());
  reader->resume({{"flow", 0}});
  EXPECT_TRUE(reader->paused().empty());
  EXPECT_EQ(poll_for(*reader, 3).size(), 3u);
}

TEST_F(NetworkConsumerTest, WakeupEndsABlockedPoll) {
  auto reader = consumer();
  ASSERT_TRUE(reader->assign({{"quiet", 0}}).ok());
  std::thread waker([&] {
    std::this_thread::sleep_for(300ms);
    reader->wakeup();
  });
  const auto start = std::chrono::steady_clock::now();
  auto polled = reader->poll(30s);
  waker.join();
  ASSERT_FALSE(polled.ok());
  EXPECT_EQ(polled.status().message(), NetworkConsumer::kWakeupMessage);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_TRUE(reader->poll(0ms).ok());  // one wakeup, one interrupted poll
}

TEST_F(NetworkConsumerTest, ContractErrorsUseKafkaWording) {
  auto no_group = consumer();
  EXPECT_EQ(no_group->subscribe({"t"}).kind(), Status::Kind::kInvalidArgument);
  EXPECT_EQ(no_group->poll(0ms).status().message(),
            "Consumer is not subscribed to any topics or assigned any partitions");
  auto closing = consumer();
  ASSERT_TRUE(closing->close().ok());
  EXPECT_EQ(closing->poll(0ms).status().message(), "This consumer has already been closed.");
  auto bad = NetworkConsumer::create(broker_.properties({{"auto.offset.reset", "sometimes"}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "Invalid value sometimes for configuration auto.offset.reset: String must be one "
            "of: latest, earliest, none");
}

}  // namespace
}  // namespace ferry::broker
