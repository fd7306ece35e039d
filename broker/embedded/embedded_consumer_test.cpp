// The in-process consumer against a real embedded broker: what poll() returns and where
// positions go (assign, seek, pause, max.poll.records, auto.offset.reset, out-of-range), long
// polls and wakeup(), commits, and group membership (subscribe, rebalances between members,
// listener order, pattern subscriptions, members that stop heartbeating or polling).
// Records are appended straight to the logs with RecordBatchBuilder, independent of the
// producer.
#include "broker/embedded/embedded_consumer.h"

#include <atomic>
#include <functional>
#include <future>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "broker/client/consumer_protocol.h"
#include "broker/storage/record_batch.h"
#include "tests/temp_directory.h"

namespace ferry::broker {
namespace {

using namespace std::chrono_literals;

// The topic lists the tests subscribe to.
using Topics = std::vector<std::string>;

RecordBytes bytes_of(std::string_view text) { return RecordBytes(text.begin(), text.end()); }

std::string text_of(const std::optional<ConsumedBytes>& bytes) {
  return bytes ? std::string(bytes->begin(), bytes->end()) : "<null>";
}

struct TestRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::int64_t timestamp = 1000;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

class EmbeddedConsumerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = broker_config_from_properties({{"log.dirs", dir_.path().string()},
                                                 {"offsets.topic.num.partitions", "2"},
                                                 {"group.initial.rebalance.delay.ms", "0"},
                                                 {"group.min.session.timeout.ms", "100"}});
    ASSERT_TRUE(config.ok()) << config.status().message();
    auto broker = Broker::open(*config);
    ASSERT_TRUE(broker.ok()) << broker.status().message();
    broker_ = std::move(*broker);
  }

  // Short timers so that group tests take milliseconds; auto-commit off unless a test wants it.
  static ConsumerConfig config(std::string group = "group") {
    ConsumerConfig config;
    config.group_id = std::move(group);
    config.auto_offset_reset = OffsetReset::kEarliest;
    config.enable_auto_commit = false;
    config.heartbeat_interval_ms = 50;
    // No test waits for one of these members' sessions to expire (the crashed member of
    // AMemberThatStopsHeartbeating... joins with its own), so a session that a heartbeat thread
    // held up by a loaded machine (or TSan) cannot miss: an expiry would add a rebalance, listener
    // events and records read twice.
    config.session_timeout_ms = 10000;
    config.max_poll_interval_ms = 10000;
    return config;
  }

  void create_topic(const std::string& topic, int partitions, ConfigEntries overrides = {}) {
    ASSERT_TRUE(broker_->logs().create_topic(topic, partitions, overrides).ok());
  }

  // Appends the records as one batch; returns the append's result.
  AppendResult append(const std::string& topic, int partition,
                      const std::vector<TestRecord>& records, RecordBatchOptions options = {}) {
    RecordBatchBuilder builder(options);
    for (const TestRecord& record : records) {
      std::vector<RecordHeaderView> headers;
      for (const auto& [key, value] : record.headers) {
        headers.push_back({key, value ? std::optional(as_bytes(*value)) : std::nullopt});
      }
      const auto key = record.key ? std::optional(as_bytes(*record.key)) : std::nullopt;
      const auto value = record.value ? std::optional(as_bytes(*record.value)) : std::nullopt;
      EXPECT_TRUE(builder.append(record.timestamp, key, value, headers).ok());
    }
    auto batch = builder.build();
    EXPECT_TRUE(batch.ok());
    auto result = broker_->logs().append(topic, partition, *batch);
    EXPECT_TRUE(result.ok()) << result.status().message();
    return result.ok() ? *result : AppendResult{};
  }

  // `count` records with values "<prefix>0", "<prefix>1", ... in one batch.
  AppendResult append_values(const std::string& topic, int partition, int count,
                             const std::string& prefix = "v") {
    std::vector<TestRecord> records;
    for (int i = 0; i < count; ++i) records.push_back({std::nullopt, prefix + std::to_string(i)});
    return append(topic, partition, records);
  }

  // Polls until `done` holds or the timeout passes; returns everything polled.
  static std::vector<ConsumerRecord> poll_until(
      Consumer& consumer, const std::function<bool(const std::vector<ConsumerRecord>&)>& done,
      std::chrono::milliseconds timeout = 5s) {
    std::vector<ConsumerRecord> all;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done(all) && std::chrono::steady_clock::now() < deadline) {
      auto polled = consumer.poll(50ms);
      EXPECT_TRUE(polled.ok()) << polled.status().message();
      if (!polled.ok()) break;
      all.insert(all.end(), polled->begin(), polled->end());
    }
    return all;
  }

  static std::vector<ConsumerRecord> poll_count(Consumer& consumer, std::size_t count) {
    return poll_until(consumer, [count](const auto& all) { return all.size() >= count; });
  }

  static std::set<TopicPartition> partitions(const std::string& topic, int count) {
    std::set<TopicPartition> result;
    for (int i = 0; i < count; ++i) result.insert({topic, i});
    return result;
  }

  ferry::testing::TempDir dir_;
  std::unique_ptr<Broker> broker_;
};

// ---------------------------------------------------------------------------------------------
// Manual assignment: what poll() returns and where positions go

TEST_F(EmbeddedConsumerTest, PollReturnsRecordsInOrderWithEveryField) {
  create_topic("orders", 1);
  append("orders", 0,
         {{"k0", "v0", 1000, {{"trace", "abc"}, {"empty", std::nullopt}}},
          {std::nullopt, "v1", 1001, {}},
          {"k2", std::nullopt, 1002, {}}});
  append("orders", 0, {{"k3", "v3", 2000, {}}});

  EmbeddedConsumer consumer(*broker_, config());
  ASSERT_TRUE(consumer.assign({{"orders", 0}}).ok());
  const auto records = poll_count(consumer, 4);
  ASSERT_EQ(records.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(records[i].topic, "orders");
    EXPECT_EQ(records[i].partition, 0);
    EXPECT_EQ(records[i].offset, i);
    EXPECT_EQ(records[i].timestamp_type, RecordTimestampType::kCreateTime);
  }
  EXPECT_EQ(text_of(records[0].key), "k0");
  EXPECT_EQ(text_of(records[0].value), "v0");
  EXPECT_EQ(records[0].timestamp, 1000);
  EXPECT_EQ(records[0].headers,
            (std::vector<ClientHeader>{{"trace", bytes_of("abc")}, {"empty", std::nullopt}}));
  EXPECT_FALSE(records[1].key.has_value());
  EXPECT_EQ(records[1].timestamp, 1001);
  EXPECT_FALSE(records[2].value.has_value());  // a tombstone stays null, not empty
  EXPECT_EQ(text_of(records[3].value), "v3");
  EXPECT_EQ(records[3].timestamp, 2000);
  EXPECT_EQ(consumer.position({"orders", 0}).value(), 4);

  // Nothing more: an empty poll, and the position stays.
  auto more = consumer.poll(20ms);
  ASSERT_TRUE(more.ok());
  EXPECT_TRUE(more->empty());
  EXPECT_EQ(consumer.position({"orders", 0}).value(), 4);
}

TEST_F(EmbeddedConsumerTest, SeekMovesThePositionAndSkipsTheStartOfTheBatchHoldingIt) {
  create_topic("orders", 1);
  append_values("orders", 0, 10);
  EmbeddedConsumer consumer(*broker_, config());
  ASSERT_TRUE(consumer.assign({{"orders", 0}}).ok());

  ASSERT_TRUE(consumer.seek({"orders", 0}, 7).ok());
  EXPECT_EQ(consumer.position({"orders", 0}).value(), 7);
  auto records = poll_count(consumer, 3);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].offset, 7);  // the read returned the whole batch from offset 0
  EXPECT_EQ(text_of(records[0].value), "v7");

  ASSERT_TRUE(consumer.seek_to_beginning({}).ok());
  EXPECT_EQ(consumer.position({"orders", 0}).value(), 0);
  records = poll_count(consumer, 10);
  ASSERT_EQ(records.size(), 10u);
  EXPECT_EQ(records.front().offset, 0);

  ASSERT_TRUE(consumer.seek_to_beginning({{"orders", 0}}).ok());
  // seek_to_end is evaluated when the position is needed, as in Kafka: what is appended in
  // between is skipped too.
  ASSERT_TRUE(consumer.seek_to_end({{"orders", 0}}).ok());
  append_values("orders", 0, 2);
  EXPECT_EQ(consumer.position({"orders", 0}).value(), 12);
  append_values("orders", 0, 1, "late");
  records = poll_count(consumer, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].offset, 12);
  EXPECT_EQ(text_of(records[0].value), "late0");

  EXPECT_EQ(consumer.seek({"other", 0}, 1).kind(), Status::Kind::kConflict);
  EXPECT_EQ(consumer.seek_to_end({{"other", 0}}).kind(), Status::Kind::kConflict);
  EXPECT_EQ(consumer.seek({"orders", 0}, -1).kind(), Status::Kind::kInvalidArgument);
  EXPECT_EQ(consumer.position({"other", 0}).status().kind(), Status::Kind::kConflict);
}

TEST_F(EmbeddedConsumerTest, EndOffsetsAreWhereTheNextRecordGoesAssignedOrNot) {
  create_topic("orders", 2);
  append_values("orders", 0, 5);
  append_values("orders", 1, 2);
  EmbeddedConsumer consumer(*broker_, config());
  ASSERT_TRUE(consumer.assign({{"orders", 0}}).ok());
  auto ends = consumer.end_offsets({{"orders", 0}, {"orders", 1}});
  ASSERT_TRUE(ends.ok()) << ends.status().message();
  EXPECT_EQ(*ends,
            (std::map<TopicPartition, std::int64_t>{{{"orders", 0}, 5}, {{"orders", 1}, 2}}));
  append_values("orders", 0, 1);
  EXPECT_EQ(consumer.end_offsets({{"orders", 0}}).value().at({"orders", 0}), 6);
  EXPECT_FALSE(consumer.end_offsets({{"missing", 0}}).ok());
}

// Keys and values view the bytes the consumer fetched: they must outlive the consumer's own use
// of those bytes (later polls, a seek, the consumer itself), plain and compressed alike.
TEST_F(EmbeddedConsumerTest, RecordsKeepTheirBytesWhateverTheConsumerDoesNext) {
  create_topic("orders", 1);
  append("orders", 0, {{"k0", "plain0", 1000, {{"h", "x"}}}, {"k1", "plain1", 1001, {}}});
  append("orders", 0, {{"k2", "packed2", 1002, {}}, {std::nullopt, "packed3", 1003, {}}},
         {.compression = Compression::kLz4});
  ConsumerConfig small = config();
  small.max_poll_records = 1;
  std::vector<ConsumerRecord> kept;
  {
    EmbeddedConsumer consumer(*broker_, small);
    ASSERT_TRUE(consumer.assign({{"orders", 0}}).ok());
    kept = poll_count(consumer, 3);
    ASSERT_TRUE(consumer.seek({"orders", 0}, 3).ok());  // drops what was fetched
    const auto last = poll_count(consumer, 1);
    kept.insert(kept.end(), last.begin(), last.end());
  }
  ASSERT_EQ(kept.size(), 4u);
  EXPECT_EQ(text_of(kept[0].key), "k0");
  EXPECT_EQ(text_of(kept[0].value), "plain0");
  EXPECT_EQ(kept[0].headers.at(0).key, "h");
  EXPECT_EQ(text_of(kept[1].value), "plain1");
  EXPECT_EQ(text_of(kept[2].key), "k2");
  EXPECT_EQ(text_of(kept[2].value), "packed2");
  EXPECT_EQ(kept[3].key, std::nullopt);
  EXPECT_EQ(text_of(kept[3].value), "packed3");
  // A copy shares the bytes and compares equal to them.
  const ConsumerRecord copy = kept[2];
  kept.clear();
  EXPECT_EQ(*copy.value, bytes_of("packed2"));
}

TEST_F(EmbeddedConsumerTest, MaxPollRecordsBoundsEachPollAndLosesNothing) {
  create_topic("orders", 2);
  append_values("orders", 0, 4, "a");
  append_values("orders", 0, 4, "b");
  append_values("orders", 1, 3, "c");
  ConsumerConfig small = config();
  small.max_poll_records = 3;
  EmbeddedConsumer consumer(*broker_, small);
  ASSERT_TRUE(consumer.assign(partitions("orders", 2)).ok());

  std::map<int, std::vector<std::int64_t>> offsets;
  std::size_t total = 0;
  for (int poll = 0; poll < 20 && total < 11; ++poll) {
    auto records = consumer.poll(100ms);
    ASSERT_TRUE(records.ok());
    EXPECT_LE(records->size(), 3u);
    for (const ConsumerRecord& record : *records)
      offsets[record.partition].push_back(record.offset);
    total += records->size();
  }
  EXPECT_EQ(offsets[0], (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(offsets[1], (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(consumer.position({"orders", 0}).value(), 8);
  EXPECT_EQ(consumer.position({"orders", 1}).value(), 3);
}

TEST_F(EmbeddedConsumerTest, PausedPartitionsAreSkippedUntilResumed) {
  create_topic("orders", 2);
  append_values("orders", 0, 2);
  append_values("orders", 1, 2);
  EmbeddedConsumer consumer(*broker_, config());
  ASSERT_TRUE(consumer.assign(partitions("orders", 2)).ok());
  consumer.pause({{"orders", 1}, {"unassigned", 0}});
  EXPECT_EQ(consumer.paused(), (std::set<TopicPartition>{{"orders", 1}}));

  auto records = poll_count(consumer, 2);
  auto more = consumer.poll(50ms);
  ASSERT_TRUE(more.ok());
  EXPECT_TRUE(more->empty());
  for (const ConsumerRecord& record : records) EXPECT_EQ(record.partition, 0);

  consumer.resume({{"orders", 1}});
  EXPECT_TRUE(consumer.paused().empty());
  records = poll_count(consumer, 2);
  ASSERT_EQ(records.size(), 2u);
  for (const ConsumerRecord& record : records) EXPECT_EQ(record.partition, 1);
}

TEST_F(EmbeddedConsumerTest, LogAppendTimeBatchesReportTheBrokersTimestamp) {
  create_topic("audit", 1, {{"message.timestamp.type", "LogAppendTime"}});
  const AppendResult appended = append("audit", 0, {{"k", "v", 5, {}}, {"k", "w", 6, {}}});
  ASSERT_GT(appended.log_append_time, 0);
  EmbeddedConsumer consumer(*broker_, config());
  ASSERT_TRUE(consumer.assign({{"audit", 0}}).ok());
  const auto records = poll_count(consumer, 2);
  ASSERT_EQ(records.size(), 2u);
  for (const ConsumerRecord& record : records) {
    EXPECT_EQ(record.timestamp_type, RecordTimestampType::kLogAppendTime);
    EXPECT_EQ(record.timestamp, appended.log_append_time);
  }
}

TEST_F(EmbeddedConsumerTest, ControlBatchesAreSkippedAndThePositionMovesPastThem) {
  create_topic("orders", 1);
  append_values("orders", 0, 2);
  append("orders", 0, {{"marker", "commit", 1000, {}}},
         RecordBatchOptions{
             .producer_id = 7, .producer_epoch = 0, .transactional = true, .control = true});
  append_values("orders", 0, 1, "after");
  EmbeddedConsumer consumer(*broker_, config());
  ASSERT_TRUE(consumer.assign({{"orders", 0}}).ok());
  const auto records = poll_count(consumer, 3);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[2].offset, 3);
  EXPECT_EQ(text_of(records[2].value), "after0");
  EXPECT_EQ(consumer.position({"orders", 0}).value(), 4);
}

// ---------------------------------------------------------------------------------------------
// Where positions start

TEST_F(EmbeddedConsumerTest, AutoOffsetResetEarliestAndLatest) {
  create_topic("orders", 1);
  append_values("orders", 0, 5);

  ConsumerConfig earliest = config("earliest");
  EmbeddedConsumer from_start(*broker_, earliest);
  ASSERT_TRUE(from_start.assign({{"orders", 0}}).ok());
  EXPECT_EQ(from_start.position({"orders", 0}).value(), 0);

  ConsumerConfig latest = config("latest");
  latest.auto_offset_reset = OffsetReset::kLatest;
  EmbeddedConsumer from_end(*broker_, latest);
  ASSERT_TRUE(from_end.assign({{"orders", 0}}).ok());
  auto nothing = from_end.poll(50ms);
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing->empty());
  EXPECT_EQ(from_end.position({"orders", 0}).value(), 5);
  append_values("orders", 0, 1, "new");
  const auto records = poll_count(from_end, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(text_of(records[0].value), "new0");
}

TEST_F(EmbeddedConsumerTest, AutoOffsetResetNoneFailsUntilAnOffsetIsCommittedOrSought) {
  create_topic("orders", 2);
  append_values("orders", 0, 5);
  append_values("orders", 1, 5);
  ConsumerConfig none = config("strict");
  none.auto_offset_reset = OffsetReset::kNone;
  EmbeddedConsumer consumer(*broker_, none);
  ASSERT_TRUE(consumer.assign(partitions("orders", 2)).ok());

  auto failed = consumer.poll(10ms);
  EXPECT_EQ(failed.status().kind(), Status::Kind::kNotFound);
  EXPECT_EQ(failed.status().message(),
            "Undefined offset with no reset policy for partitions: [orders-0, orders-1]");
  EXPECT_EQ(consumer.position({"orders", 0}).status().message(),
            "Undefined offset with no reset policy for partitions: [orders-0]");

  // A committed offset is a defined one; a seek is another.
  ASSERT_TRUE(consumer.commit_sync({{{"orders", 0}, 3}}).ok());
  ASSERT_TRUE(consumer.seek({"orders", 1}, 4).ok());
  const auto records = poll_count(consumer, 3);
  ASSERT_EQ(records.size(), 3u);
  std::set<std::pair<int, std::int64_t>> read;
  for (const ConsumerRecord& record : records) read.insert({record.partition, record.offset});
  EXPECT_EQ(read, (std::set<std::pair<int, std::int64_t>>{{0, 3}, {0, 4}, {1, 4}}));
}

TEST_F(EmbeddedConsumerTest, CommittedOffsetWinsOverTheResetPolicy) {
  create_topic("orders", 1);
  append_values("orders", 0, 5);
  {
    EmbeddedConsumer first(*broker_, config());
    ASSERT_TRUE(first.commit_sync({{{"orders", 0}, 2}}).ok());
    EXPECT_EQ(first.committed({"orders", 0}).value(), 2);
    EXPECT_EQ(first.committed({"orders", 1}).value(), std::nullopt);
  }
  EmbeddedConsumer consumer(*broker_, config());
  ASSERT_TRUE(consumer.assign({{"orders", 0}}).ok());
  EXPECT_EQ(consumer.position({"orders", 0}).value(), 2);
}

TEST_F(EmbeddedConsumerTest, AnOutOfRangePositionIsResetByThePolicy) {
  create_topic("orders", 1);
  append_values("orders", 0, 3);
  EmbeddedConsumer consumer(*broker_, config());
  ASSERT_TRUE(consumer.assign({{"orders", 0}}).ok());
  ASSERT_TRUE(consumer.seek({"orders", 0}, 1000).ok());
  const auto records = poll_count(consumer, 3);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].offset, 0);

  ConsumerConfig latest = config();
  latest.auto_offset_reset = OffsetReset::kLatest;
  EmbeddedConsumer to_end(*broker_, latest);
  ASSERT_TRUE(to_end.assign({{"orders", 0}}).ok());
  ASSERT_TRUE(to_end.seek({"orders", 0}, 1000).ok());
  auto nothing = to_end.poll(50ms);
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing->empty());
  EXPECT_EQ(to_end.position({"orders", 0}).value(), 3);
}

TEST_F(EmbeddedConsumerTest, AnOutOfRangePositionWithoutAPolicyIsAnError) {
  create_topic("orders", 1);
  append_values("orders", 0, 3);
  ConsumerConfig none = config();
  none.auto_offset_reset = OffsetReset::kNone;
  EmbeddedConsumer consumer(*broker_, none);
  ASSERT_TRUE(consumer.assign({{"orders", 0}}).ok());
  ASSERT_TRUE(consumer.seek({"orders", 0}, 1000).ok());
  auto failed = consumer.poll(50ms);
  EXPECT_EQ(failed.status().kind(), Status::Kind::kOutOfRange);
  EXPECT_EQ(failed.status().message(),
            "Offsets out of range with no configured reset policy for partitions: "
            "{orders-0=1000}");
  // The position stays where it was put until the application moves it.
  EXPECT_EQ(consumer.position({"orders", 0}).value(), 1000);
  ASSERT_TRUE(consumer.seek({"orders", 0}, 2).ok());
  const auto records = poll_count(consumer, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].offset, 2);
}

// ---------------------------------------------------------------------------------------------
// Long polls and wakeup()

TEST_F(EmbeddedConsumerTest, ALongPollReturnsAsSoonAsARecordIsAppended) {
  create_topic("orders", 1);
  EmbeddedConsumer consumer(*broker_, config());
  ASSERT_TRUE(consumer.assign({{"orders", 0}}).ok());
  ASSERT_EQ(consumer.position({"orders", 0}).value(), 0);
  std::atomic<std::chrono::steady_clock::time_point> appending{};
  std::jthread producer([this, &appending] {
    std::this_thread::sleep_for(100ms);
    appending = std::chrono::steady_clock::now();
    append_values("orders", 0, 1);
  });
  const auto start = std::chrono::steady_clock::now();
  auto records = consumer.poll(5s);
  const auto returned = std::chrono::steady_clock::now();
  producer.join();
  ASSERT_TRUE(records.ok()) << records.status().message();
  ASSERT_EQ(records->size(), 1u);
  EXPECT_GE(returned - start, 90ms);
  // Counted from the append, not from the poll: a producer thread started late on a loaded
  // machine does not make the poll look slow.
  EXPECT_LT(returned - appending.load(), 2s);
}

TEST_F(EmbeddedConsumerTest, AppendsWithinTheWindowAfterRecordsComeInOnePoll) {
  create_topic("orders", 1);
  // Timestamps of now: a batch older than segment.ms would roll a segment for each append, and
  // one read never spans segments.
  const auto append_now = [this](const std::string& value) {
    const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    append("orders", 0, {{std::nullopt, value, now, {}}});
  };
  append_now("a");
  // A window far longer than the appends below take, so that the test does not race them.
  EmbeddedConsumer consumer(*broker_, config(), std::chrono::seconds(2));
  ASSERT_TRUE(consumer.assign({{"orders", 0}}).ok());
  ASSERT_EQ(poll_count(consumer, 1).size(), 1u);
  std::jthread producer([&append_now] {
    std::this_thread::sleep_for(200ms);  // the poll below waits by then
    append_now("b");
    std::this_thread::sleep_for(50ms);
    append_now("c");
  });
  // Without the window the first append would end the wait with one record.
  auto records = consumer.poll(10s);
  ASSERT_TRUE(records.ok()) << records.status().message();
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ(text_of((*records)[0].value), "b");
  EXPECT_EQ(text_of((*records)[1].value), "c");
}

TEST_F(EmbeddedConsumerTest, TheWindowNeverDelaysAPollPastItsTimeoutNorAnIdleConsumer) {
  create_topic("orders", 1);
  append_values("orders", 0, 1);
  // A window long enough that a stall of the test's threads (TSan on a busy machine) cannot
  // pass for it in the bounds below.
  EmbeddedConsumer consumer(*broker_, config(), std::chrono::seconds(3));
  ASSERT_TRUE(consumer.assign({{"orders", 0}}).ok());
  ASSERT_EQ(poll_count(consumer, 1).size(), 1u);
  // Inside the window: the poll still ends at its timeout.
  auto start = std::chrono::steady_clock::now();
  auto empty = consumer.poll(20ms);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  // Once the window passed without records, an append ends the wait at once.
  std::this_thread::sleep_for(3100ms);
  std::atomic<std::chrono::steady_clock::time_point> appending{};
  std::jthread producer([this, &appending] {
    std::this_thread::sleep_for(50ms);
    appending = std::chrono::steady_clock::now();
    append_values("orders", 0, 1, "late");
  });
  auto records = consumer.poll(10s);
  const auto returned = std::chrono::steady_clock::now();
  producer.join();
  ASSERT_TRUE(records.ok()) << records.status().message();
  ASSERT_EQ(records->size(), 1u);
  // Counted from the append (a producer thread started late on a loaded machine is not the
  // poll's delay); a window restarted by this poll would hold it for about three seconds.
  EXPECT_LT(returned - appending.load(), 2s);
}

TEST_F(EmbeddedConsumerTest, WakeupInterruptsALongPollOnce) {
  create_topic("orders", 1);
  EmbeddedConsumer consumer(*broker_, config());
  ASSERT_TRUE(consumer.assign({{"orders", 0}}).ok());
  std::atomic<std::chrono::steady_clock::time_point> waking{};
  std::jthread waker([&consumer, &waking] {
    std::this_thread::sleep_for(100ms);
    waking = std::chrono::steady_clock::now();
    consumer.wakeup();
  });
  auto woken = consumer.poll(5s);
  const auto returned = std::chrono::steady_clock::now();
  waker.join();
  // From the wakeup() call: a waker thread started late on a loaded machine is not the poll's.
  EXPECT_LT(returned - waking.load(), 2s);
  EXPECT_EQ(woken.status().kind(), Status::Kind::kRetriable);
  EXPECT_EQ(woken.status().message(), EmbeddedConsumer::kWakeupMessage);

  // One wakeup() interrupts one call; one made before a poll interrupts that poll at once.
  auto next = consumer.poll(10ms);
  ASSERT_TRUE(next.ok());
  consumer.wakeup();
  append_values("orders", 0, 1);
  EXPECT_EQ(consumer.poll(5s).status().kind(), Status::Kind::kRetriable);
  EXPECT_EQ(poll_count(consumer, 1).size(), 1u);
}

TEST_F(EmbeddedConsumerTest, WakeupInterruptsAPollWaitingForTheGroup) {
  create_topic("orders", 1);
  // A member that joined and never comes back holds up the rebalance for its rebalance timeout.
  JoinGroupRequest stuck_join{.group_id = "group",
                              .session_timeout_ms = 10000,
                              .rebalance_timeout_ms = 10000,
                              .member_id = "",
                              .protocol_type = "consumer",
                              .protocols = {{"range", {}}},
                              .require_known_member_id = false};
  std::promise<JoinGroupResponse> joined;
  broker_->groups().join_group(
      stuck_join, [&joined](JoinGroupResponse response) { joined.set_value(std::move(response)); });
  auto stuck = joined.get_future().get();
  ASSERT_EQ(stuck.error, GroupError::kNone);
  broker_->groups().sync_group({"group", stuck.generation_id, stuck.member_id}, [](auto) {});

  EmbeddedConsumer consumer(*broker_, config());
  ASSERT_TRUE(consumer.subscribe(Topics{"orders"}).ok());
  std::atomic<std::chrono::steady_clock::time_point> waking{};
  std::jthread waker([&consumer, &waking] {
    std::this_thread::sleep_for(100ms);
    waking = std::chrono::steady_clock::now();
    consumer.wakeup();
  });
  auto woken = consumer.poll(5s);
  const auto returned = std::chrono::steady_clock::now();
  waker.join();
  // From the wakeup() call: a waker thread started late on a loaded machine is not the poll's.
  EXPECT_LT(returned - waking.load(), 2s);
  EXPECT_EQ(woken.status().message(), EmbeddedConsumer::kWakeupMessage);
  (void)broker_->groups().leave_group("group", {stuck.member_id});
}

// ---------------------------------------------------------------------------------------------
// Commits

TEST_F(EmbeddedConsumerTest, CommitSyncStoresThePositionsOfAManualAssignment) {
  create_topic("orders", 2);
  append_values("orders", 0, 3);
  EmbeddedConsumer consumer(*broker_, config());
  ASSERT_TRUE(consumer.assign(partitions("orders", 2)).ok());
  ASSERT_EQ(poll_count(consumer, 3).size(), 3u);
  ASSERT_TRUE(consumer.commit_sync().ok());
  EXPECT_EQ(consumer.committed({"orders", 0}).value(), 3);
  EXPECT_EQ(consumer.committed({"orders", 1}).value(), 0);
  EXPECT_EQ(consumer.commit_sync({{{"orders", 0}, -1}}).kind(), Status::Kind::kInvalidArgument);
}

TEST_F(EmbeddedConsumerTest, WithoutAGroupIdThereIsNoGroupAndNoCommit) {
  create_topic("orders", 1);
  append_values("orders", 0, 2);
  EmbeddedConsumer consumer(*broker_, config(""));
  EXPECT_EQ(consumer.subscribe(Topics{"orders"}).kind(), Status::Kind::kInvalidArgument);
  ASSERT_TRUE(consumer.assign({{"orders", 0}}).ok());
  ASSERT_EQ(poll_count(consumer, 2).size(), 2u);
  const Status status = consumer.commit_sync();
  EXPECT_EQ(status.kind(), Status::Kind::kInvalidArgument);
  EXPECT_EQ(status.message().rfind("group.id is required to commit", 0), 0u) << status.message();
  EXPECT_EQ(consumer.committed({"orders", 0}).status().kind(), Status::Kind::kInvalidArgument);
}

TEST_F(EmbeddedConsumerTest, AutoCommitCommitsWhatEarlierPollsReturned) {
  create_topic("orders", 1);
  append_values("orders", 0, 4);
  ConsumerConfig automatic = config();
  automatic.enable_auto_commit = true;
  automatic.auto_commit_interval_ms = 1;
  automatic.max_poll_records = 2;
  EmbeddedConsumer consumer(*broker_, automatic);
  ASSERT_TRUE(consumer.assign({{"orders", 0}}).ok());
  ASSERT_EQ(consumer.poll(1s)->size(), 2u);
  EXPECT_EQ(consumer.committed({"orders", 0}).value(), std::nullopt);  // nothing returned before
  std::this_thread::sleep_for(5ms);
  ASSERT_EQ(consumer.poll(1s)->size(), 2u);
  EXPECT_EQ(consumer.committed({"orders", 0}).value(), 2);  // the first poll's records
  ASSERT_TRUE(consumer.close().ok());                       // and close() commits the rest
  EmbeddedConsumer reader(*broker_, config());
  EXPECT_EQ(reader.committed({"orders", 0}).value(), 4);
}

// ---------------------------------------------------------------------------------------------
// Group membership

// Records the listener's calls as "revoked:[...]" / "assigned:[...]".
struct ListenerLog {
  std::vector<std::string> events;
  RebalanceListener listener() {
    const auto print = [](const std::set<TopicPartition>& partitions) {
      std::string text = "[";
      for (const TopicPartition& partition : partitions) {
        if (text.size() > 1) text += ",";
        text += to_string(partition);
      }
      return text + "]";
    };
    return {
        [this, print](const auto& partitions) { events.push_back("revoked:" + print(partitions)); },
        [this, print](const auto& partitions) {
          events.push_back("assigned:" + print(partitions));
        }};
  }
};

TEST_F(EmbeddedConsumerTest, ALoneMemberGetsEveryPartition) {
  create_topic("orders", 3);
  for (int partition = 0; partition < 3; ++partition) append_values("orders", partition, 2);
  ListenerLog log;
  EmbeddedConsumer consumer(*broker_, config());
  ASSERT_TRUE(consumer.subscribe(Topics{"orders"}, log.listener()).ok());
  EXPECT_TRUE(consumer.assignment().empty());  // nothing until poll() joins
  const auto records = poll_count(consumer, 6);
  EXPECT_EQ(records.size(), 6u);
  EXPECT_EQ(consumer.assignment(), partitions("orders", 3));
  // The first join revokes nothing: there was no generation to lose.
  EXPECT_EQ(log.events, (std::vector<std::string>{"assigned:[orders-0,orders-1,orders-2]"}));

  const auto group = broker_->groups().describe_group("group");
  ASSERT_TRUE(group.has_value());
  EXPECT_EQ(group->state, "Stable");
  EXPECT_EQ(group->protocol_type, "consumer");
  EXPECT_EQ(group->protocol_name, "range");
  ASSERT_EQ(group->members.size(), 1u);
  auto subscription = decode_subscription(group->members[0].metadata);
  ASSERT_TRUE(subscription.ok());
  EXPECT_EQ(subscription->topics, (std::vector<std::string>{"orders"}));
  auto assignment = decode_assignment(group->members[0].assignment);
  ASSERT_TRUE(assignment.ok());
  EXPECT_EQ(assignment->partitions.size(), 3u);
}

TEST_F(EmbeddedConsumerTest, MembersSplitPartitionsAndReadEveryRecordOnce) {
  create_topic("orders", 3);
  std::map<std::pair<int, std::int64_t>, int> reads;  // (partition, offset) -> times read
  const auto produce = [&](int per_partition) {
    for (int partition = 0; partition < 3; ++partition) {
      for (int i = 0; i < per_partition; ++i) append_values("orders", partition, 1);
    }
  };
  const auto consume = [&](EmbeddedConsumer& consumer) {
    auto records = consumer.poll(20ms);
    ASSERT_TRUE(records.ok()) << records.status().message();
    for (const ConsumerRecord& record : *records) ++reads[{record.partition, record.offset}];
    // Commit as we go, so a partition handed over is read on from where this member stopped.
    const Status committed = consumer.commit_sync();
    ASSERT_TRUE(committed.ok() || committed.kind() == Status::Kind::kRetriable)
        << committed.message();
  };
  const auto run_until = [&](const std::function<bool()>& done, auto&&... consumers) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done() && std::chrono::steady_clock::now() < deadline) (consume(consumers), ...);
    ASSERT_TRUE(done());
  };
  const auto total = [&] { return reads.size(); };

  ConsumerConfig small = config();
  small.max_poll_records = 2;  // so records are still left when the second member arrives
  ListenerLog first_log;
  ListenerLog second_log;
  EmbeddedConsumer first(*broker_, small);
  ASSERT_TRUE(first.subscribe(Topics{"orders"}, first_log.listener()).ok());
  produce(4);
  run_until([&] { return first.assignment().size() == 3 && total() >= 2; }, first);

  auto second = std::make_unique<EmbeddedConsumer>(*broker_, small);
  ASSERT_TRUE(second->subscribe(Topics{"orders"}, second_log.listener()).ok());
  run_until(
      [&] {
        return first.assignment().size() + second->assignment().size() == 3 &&
               !first.assignment().empty() && !second->assignment().empty();
      },
      first, *second);
  // Range over 3 partitions and 2 members: 2 and 1, disjoint.
  std::set<TopicPartition> both = first.assignment();
  const std::set<TopicPartition> second_assignment = second->assignment();
  both.insert(second_assignment.begin(), second_assignment.end());
  EXPECT_EQ(both, partitions("orders", 3));
  EXPECT_EQ(std::max(first.assignment().size(), second->assignment().size()), 2u);

  produce(2);
  run_until([&] { return total() == 18; }, first, *second);

  // The second member leaves: the first gets everything back and reads on from the commits.
  ASSERT_TRUE(second->close().ok());
  second.reset();
  produce(2);
  run_until([&] { return first.assignment().size() == 3 && total() == 24; }, first);

  for (const auto& [record, times] : reads) {
    EXPECT_EQ(times, 1) << "partition " << record.first << " offset " << record.second;
  }
  EXPECT_EQ(total(), 24u);
  ASSERT_GE(first_log.events.size(), 3u);
  EXPECT_EQ(first_log.events[0], "assigned:[orders-0,orders-1,orders-2]");
  EXPECT_EQ(first_log.events[1], "revoked:[orders-0,orders-1,orders-2]");
  EXPECT_EQ(first_log.events.back(), "assigned:[orders-0,orders-1,orders-2]");
  // Revoked and assigned alternate, starting with assigned.
  for (std::size_t i = 0; i < first_log.events.size(); ++i) {
    EXPECT_EQ(first_log.events[i].rfind(i % 2 == 0 ? "assigned:" : "revoked:", 0), 0u)
        << first_log.events[i];
  }
  // The departing member heard of its partitions going at close().
  ASSERT_GE(second_log.events.size(), 2u);
  EXPECT_EQ(second_log.events.back().rfind("revoked:[orders-", 0), 0u) << second_log.events.back();
}

TEST_F(EmbeddedConsumerTest, ARestartedMemberReadsOnFromTheCommittedOffsets) {
  create_topic("orders", 2);
  append_values("orders", 0, 5);
  append_values("orders", 1, 5);
  ConsumerConfig small = config();
  small.max_poll_records = 3;
  std::set<std::pair<int, std::int64_t>> read;
  {
    EmbeddedConsumer consumer(*broker_, small);
    ASSERT_TRUE(consumer.subscribe(Topics{"orders"}).ok());
    const auto records = poll_until(consumer, [](const auto& all) { return !all.empty(); });
    for (const ConsumerRecord& record : records) read.insert({record.partition, record.offset});
    ASSERT_TRUE(consumer.commit_sync().ok());
  }
  EXPECT_EQ(read.size(), 3u);
  EmbeddedConsumer restarted(*broker_, small);
  ASSERT_TRUE(restarted.subscribe(Topics{"orders"}).ok());
  const auto records = poll_count(restarted, 7);
  for (const ConsumerRecord& record : records) {
    EXPECT_TRUE(read.insert({record.partition, record.offset}).second)
        << "read twice: " << record.partition << "/" << record.offset;
  }
  EXPECT_EQ(read.size(), 10u);
  auto more = restarted.poll(50ms);
  ASSERT_TRUE(more.ok());
  EXPECT_TRUE(more->empty());
}

TEST_F(EmbeddedConsumerTest, StickyMembersKeepWhatTheyOwnedWhenAMemberJoins) {
  create_topic("orders", 4);
  ConsumerConfig sticky = config();
  sticky.assignment_strategies = {"sticky", "range"};
  EmbeddedConsumer first(*broker_, sticky);
  EmbeddedConsumer second(*broker_, sticky);
  EmbeddedConsumer third(*broker_, sticky);
  const auto poll_all_until = [](const std::function<bool()>& done, auto&... consumers) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      const auto poll_one = [](EmbeddedConsumer& consumer) {
        auto polled = consumer.poll(20ms);
        EXPECT_TRUE(polled.ok()) << polled.status().message();
      };
      (poll_one(consumers), ...);
    }
    ASSERT_TRUE(done());
  };
  ASSERT_TRUE(first.subscribe(Topics{"orders"}).ok());
  ASSERT_TRUE(second.subscribe(Topics{"orders"}).ok());
  poll_all_until([&] { return first.assignment().size() == 2 && second.assignment().size() == 2; },
                 first, second);
  const std::set<TopicPartition> first_before = first.assignment();
  const std::set<TopicPartition> second_before = second.assignment();

  ASSERT_TRUE(third.subscribe(Topics{"orders"}).ok());
  poll_all_until(
      [&] {
        return first.assignment().size() + second.assignment().size() == 3 &&
               third.assignment().size() == 1;
      },
      first, second, third);
  // The previous owners kept what they had (the sticky assignor read it from their user data);
  // only one partition moved.
  for (const TopicPartition& partition : first.assignment()) {
    EXPECT_TRUE(first_before.contains(partition)) << to_string(partition);
  }
  for (const TopicPartition& partition : second.assignment()) {
    EXPECT_TRUE(second_before.contains(partition)) << to_string(partition);
  }
  EXPECT_EQ(broker_->groups().describe_group("group")->protocol_name, "sticky");
}

TEST_F(EmbeddedConsumerTest, ListenerSeesRevokedBeforeAssignedAndMayCommitInRevoked) {
  create_topic("orders", 2);
  append_values("orders", 0, 3);
  std::vector<std::string> events;
  EmbeddedConsumer consumer(*broker_, config());
  RebalanceListener listener{[&](const std::set<TopicPartition>& partitions) {
                               events.push_back("revoked " + std::to_string(partitions.size()));
                               // Kafka's advice: commit in the revocation callback; the generation
                               // is still valid.
                               EXPECT_TRUE(consumer.commit_sync().ok());
                             },
                             [&](const std::set<TopicPartition>& partitions) {
                               events.push_back("assigned " + std::to_string(partitions.size()));
                             }};
  ASSERT_TRUE(consumer.subscribe(Topics{"orders"}, listener).ok());
  ASSERT_EQ(poll_count(consumer, 3).size(), 3u);
  // A changed subscription rebalances in the next poll.
  create_topic("payments", 1);
  ASSERT_TRUE(consumer.subscribe(Topics{"orders", "payments"}, listener).ok());
  poll_until(consumer, [&](const auto&) { return consumer.assignment().size() == 3; });
  EXPECT_EQ(events, (std::vector<std::string>{"assigned 2", "revoked 2", "assigned 3"}));
  EXPECT_EQ(consumer.committed({"orders", 0}).value(), 3);
}

TEST_F(EmbeddedConsumerTest, APatternSubscriptionPicksUpTopicsCreatedLater) {
  create_topic("metrics-cpu", 1);
  create_topic("logs", 1);
  append_values("metrics-cpu", 0, 1);
  EmbeddedConsumer consumer(*broker_, config());
  ASSERT_TRUE(consumer.subscribe_pattern("metrics-.*").ok());
  ASSERT_EQ(poll_count(consumer, 1).size(), 1u);
  EXPECT_EQ(consumer.assignment(), (std::set<TopicPartition>{{"metrics-cpu", 0}}));
  ASSERT_TRUE(consumer.commit_sync().ok());  // or the rebalance below would read it again

  create_topic("metrics-disk", 2);
  append_values("metrics-disk", 1, 2);
  const auto records = poll_count(consumer, 2);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].topic, "metrics-disk");
  EXPECT_EQ(
      consumer.assignment(),
      (std::set<TopicPartition>{{"metrics-cpu", 0}, {"metrics-disk", 0}, {"metrics-disk", 1}}));

  // Internal topics never match.
  EmbeddedConsumer everything(*broker_, config("everything"));
  ASSERT_TRUE(everything.subscribe_pattern(".*").ok());
  poll_until(everything, [&](const auto&) { return everything.assignment().size() == 4; });
  for (const TopicPartition& partition : everything.assignment()) {
    EXPECT_NE(partition.topic, "__consumer_offsets");
  }
}

TEST_F(EmbeddedConsumerTest, AddedPartitionsAreAssigned) {
  create_topic("orders", 1);
  EmbeddedConsumer consumer(*broker_, config());
  ASSERT_TRUE(consumer.subscribe(Topics{"orders"}).ok());
  poll_until(consumer, [&](const auto&) { return consumer.assignment().size() == 1; });
  ASSERT_TRUE(broker_->logs().add_partitions("orders", 3).ok());
  append_values("orders", 2, 1);
  const auto records = poll_count(consumer, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].partition, 2);
  EXPECT_EQ(consumer.assignment(), partitions("orders", 3));
}

TEST_F(EmbeddedConsumerTest, SubscribingByNameCreatesAMissingTopic) {
  EmbeddedConsumer consumer(*broker_, config());
  ASSERT_TRUE(consumer.subscribe(Topics{"fresh"}).ok());
  poll_until(consumer, [&](const auto&) { return consumer.assignment().size() == 1; });
  EXPECT_TRUE(broker_->logs().describe_topic("fresh").ok());
  EXPECT_EQ(consumer.assignment(), (std::set<TopicPartition>{{"fresh", 0}}));
}

TEST_F(EmbeddedConsumerTest, AMemberThatStopsHeartbeatingLosesItsPartitions) {
  create_topic("orders", 2);
  EmbeddedConsumer consumer(*broker_, config());
  ASSERT_TRUE(consumer.subscribe(Topics{"orders"}).ok());
  poll_until(consumer, [&](const auto&) { return consumer.assignment().size() == 2; });

  // A member that joins, takes its share and then never heartbeats (a crashed process).
  Subscription subscription{.topics = {"orders"}};
  JoinGroupRequest join{.group_id = "group",
                        .session_timeout_ms = 300,
                        .rebalance_timeout_ms = 10000,
                        .member_id = "",
                        .protocol_type = "consumer",
                        .protocols = {{"range", encode_subscription(subscription, 1).value()}},
                        .require_known_member_id = false};
  std::promise<JoinGroupResponse> joined;
  broker_->groups().join_group(
      join, [&joined](JoinGroupResponse response) { joined.set_value(std::move(response)); });
  auto joined_future = joined.get_future();
  poll_until(consumer, [&](const auto&) {
    return joined_future.wait_for(0s) == std::future_status::ready &&
           consumer.assignment().size() == 1;
  });
  ASSERT_EQ(consumer.assignment().size(), 1u);
  const JoinGroupResponse crashed = joined_future.get();
  broker_->groups().sync_group({"group", crashed.generation_id, crashed.member_id}, [](auto) {});

  // Its session expires; the live member takes everything back.
  poll_until(consumer, [&](const auto&) { return consumer.assignment().size() == 2; });
  EXPECT_EQ(consumer.assignment(), partitions("orders", 2));
}

TEST_F(EmbeddedConsumerTest, AMemberThatStopsPollingLeavesAndRejoinsOnItsNextPoll) {
  create_topic("orders", 2);
  ConsumerConfig slow_config = config();
  slow_config.max_poll_interval_ms = 300;
  ListenerLog slow_log;
  EmbeddedConsumer slow(*broker_, slow_config);
  EmbeddedConsumer steady(*broker_, config());
  ASSERT_TRUE(slow.subscribe(Topics{"orders"}, slow_log.listener()).ok());
  ASSERT_TRUE(steady.subscribe(Topics{"orders"}).ok());
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while ((slow.assignment().size() != 1 || steady.assignment().size() != 1) &&
         std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(slow.poll(20ms).ok());
    ASSERT_TRUE(steady.poll(20ms).ok());
  }
  ASSERT_EQ(slow.assignment().size(), 1u);

  // `slow` stops polling: its heartbeat thread leaves after max.poll.interval.ms and `steady`
  // gets both partitions without waiting for a session to expire.
  poll_until(steady, [&](const auto&) { return steady.assignment().size() == 2; });
  EXPECT_EQ(steady.assignment(), partitions("orders", 2));
  const auto group = broker_->groups().describe_group("group");
  ASSERT_TRUE(group.has_value());
  EXPECT_EQ(group->members.size(), 1u);

  // Its next poll finds the partitions lost (revoked without a commit) and rejoins.
  const std::size_t events_before = slow_log.events.size();
  const auto rejoin_deadline = std::chrono::steady_clock::now() + 10s;
  while ((slow.assignment().size() != 1 || steady.assignment().size() != 1) &&
         std::chrono::steady_clock::now() < rejoin_deadline) {
    ASSERT_TRUE(slow.poll(20ms).ok());
    ASSERT_TRUE(steady.poll(20ms).ok());
  }
  EXPECT_EQ(slow.assignment().size(), 1u);
  ASSERT_GT(slow_log.events.size(), events_before);
  EXPECT_EQ(slow_log.events[events_before].rfind("revoked:", 0), 0u);
  EXPECT_TRUE(slow.commit_sync().ok());  // a member again, with a generation to commit in
}

TEST_F(EmbeddedConsumerTest, SubscriptionsAreExclusiveAndAClosedConsumerRefusesWork) {
  create_topic("orders", 1);
  EmbeddedConsumer consumer(*broker_, config());
  EXPECT_EQ(consumer.poll(10ms).status().kind(), Status::Kind::kConflict);  // nothing to read
  ASSERT_TRUE(consumer.assign({{"orders", 0}}).ok());
  EXPECT_EQ(consumer.subscribe(Topics{"orders"}).kind(), Status::Kind::kConflict);
  EXPECT_EQ(consumer.subscribe_pattern("o.*").kind(), Status::Kind::kConflict);
  EXPECT_EQ(consumer.subscribe(Topics{""}).kind(), Status::Kind::kInvalidArgument);
  ASSERT_TRUE(consumer.assign({}).ok());  // unsubscribes
  EXPECT_TRUE(consumer.assignment().empty());
  ASSERT_TRUE(consumer.subscribe(Topics{"orders"}).ok());
  EXPECT_EQ(consumer.assign({{"orders", 0}}).kind(), Status::Kind::kConflict);
  EXPECT_EQ(consumer.subscribe_pattern("o.*").kind(), Status::Kind::kConflict);

  ASSERT_TRUE(consumer.close().ok());
  ASSERT_TRUE(consumer.close().ok());  // twice is fine
  EXPECT_EQ(consumer.poll(10ms).status().kind(), Status::Kind::kConflict);
  EXPECT_EQ(consumer.commit_sync().kind(), Status::Kind::kConflict);
  EXPECT_TRUE(consumer.assignment().empty());
}

}  // namespace
}  // namespace ferry::broker
