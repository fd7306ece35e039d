// The in-process producer against a real embedded broker: partitioning as Kafka does, batching,
// acknowledgements with offsets, errors, compression and concurrent senders.
#include "broker/embedded/embedded_producer.h"

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "broker/storage/murmur2.h"
#include "tests/temp_directory.h"

namespace ferry::broker {
namespace {

RecordBytes bytes_of(std::string_view text) { return RecordBytes(text.begin(), text.end()); }

class EmbeddedProducerTest : public ::testing::Test {
 protected:
  void SetUp() override { open_broker(true); }

  void open_broker(bool auto_create) {
    auto config = broker_config_from_properties(
        {{"log.dirs", dir_.path().string()},
         {"num.partitions", "3"},
         {"offsets.topic.num.partitions", "1"},
         {"auto.create.topics.enable", auto_create ? "true" : "false"}});
    ASSERT_TRUE(config.ok());
    broker_.reset();
    auto broker = Broker::open(*config);
    ASSERT_TRUE(broker.ok()) << broker.status().message();
    broker_ = std::move(*broker);
  }

  // Sends and waits for the acknowledgement.
  Result<RecordMetadata> send_sync(Producer& producer, ProducerRecord record) {
    std::promise<Result<RecordMetadata>> promise;
    auto future = promise.get_future();
    producer.send(std::move(record),
                  [&promise](const Result<RecordMetadata>& result) { promise.set_value(result); });
    return future.get();
  }

  // Every (offset, key, value) of a partition.
  std::vector<std::tuple<std::int64_t, std::string, std::string>> contents(const std::string& topic,
                                                                           int partition) {
    std::vector<std::tuple<std::int64_t, std::string, std::string>> out;
    auto log = broker_->logs().partition(topic, partition);
    if (!log.ok()) return out;
    auto read = (*log)->read(0, 64 << 20);
    EXPECT_TRUE(read.ok());
    std::span<const std::uint8_t> bytes = read->records;
    while (!bytes.empty()) {
      auto header = read_batch_header(bytes);
      EXPECT_TRUE(header.ok());
      auto batch = decode_batch(bytes.subspan(0, header->size()), 64 << 20);
      EXPECT_TRUE(batch.ok());
      for (const RecordView& record : batch->records()) {
        out.emplace_back(
            record.offset, record.key ? std::string(record.key->begin(), record.key->end()) : "",
            record.value ? std::string(record.value->begin(), record.value->end()) : "<null>");
      }
      bytes = bytes.subspan(header->size());
    }
    return out;
  }

  ferry::testing::TempDir dir_;
  std::unique_ptr<Broker> broker_;
};

// Hears send_all()'s outcomes and spreads each run back over its records, by token.
class RecordingListener final : public Producer::Listener {
 public:
  void acknowledged(const std::string& topic, std::int32_t partition, std::int64_t base_offset,
                    std::span<const std::uint64_t> tokens) override {
    std::lock_guard lock(mutex_);
    ++runs_;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      results_.emplace_back(
          tokens[i], RecordMetadata{topic, partition, base_offset + static_cast<std::int64_t>(i)});
    }
  }
  void failed(const Status& status, std::span<const std::uint64_t> tokens) override {
    std::lock_guard lock(mutex_);
    ++runs_;
    for (const std::uint64_t token : tokens) results_.emplace_back(token, status);
  }
  // (token, outcome) in the order heard.
  std::vector<std::pair<std::uint64_t, Result<RecordMetadata>>> results() {
    std::lock_guard lock(mutex_);
    return results_;
  }
  int runs() {
    std::lock_guard lock(mutex_);
    return runs_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<std::uint64_t, Result<RecordMetadata>>> results_;
  int runs_ = 0;
};

TEST_F(EmbeddedProducerTest, KeyedRecordsLandWhereKafkaPutsThemWithTheirOffsets) {
  EmbeddedProducer producer(*broker_, {});
  ASSERT_TRUE(broker_->logs().create_topic("orders", 3).ok());
  for (const std::string key : {"21", "foobar", "abc", "abc"}) {
    auto metadata = send_sync(
        producer, {.topic = "orders", .key = bytes_of(key), .value = bytes_of("v-" + key)});
    ASSERT_TRUE(metadata.ok()) << metadata.status().message();
    EXPECT_EQ(metadata->partition, partition_for_key(bytes_of(key), 3)) << key;
  }
  // Kafka's documented placements for 3 partitions: "21" and "foobar" on 0, "abc" on 0.
  const auto partition0 = contents("orders", 0);
  ASSERT_EQ(partition0.size(), 4u);
  EXPECT_EQ(partition0[3],
            std::make_tuple(std::int64_t{3}, std::string("abc"), std::string("v-abc")));
}

TEST_F(EmbeddedProducerTest, BatchesAreAcknowledgedInSendOrder) {
  ProducerConfig config;
  config.linger_ms = 20;
  EmbeddedProducer producer(*broker_, config);
  ASSERT_TRUE(broker_->logs().create_topic("t", 1).ok());
  std::vector<std::int64_t> offsets;
  std::mutex mutex;
  for (int i = 0; i < 100; ++i) {
    producer.send({.topic = "t", .value = bytes_of(std::to_string(i))},
                  [&](const Result<RecordMetadata>& result) {
                    ASSERT_TRUE(result.ok());
                    std::lock_guard lock(mutex);
                    offsets.push_back(result->offset);
                  });
  }
  ASSERT_TRUE(producer.flush().ok());
  ASSERT_EQ(offsets.size(), 100u);
  for (std::size_t i = 0; i < offsets.size(); ++i)
    EXPECT_EQ(offsets[i], static_cast<std::int64_t>(i));
  const auto stored = contents("t", 0);
  ASSERT_EQ(stored.size(), 100u);
  EXPECT_EQ(std::get<2>(stored[42]), "42");
  // Lingering batched them: far fewer batches than records.
  auto log = broker_->logs().partition("t", 0);
  EXPECT_LT((*log)->size_in_bytes(), 100u * 70u);
}

TEST_F(EmbeddedProducerTest, NullKeysStickToOnePartitionPerBatch) {
  ProducerConfig config;
  config.linger_ms = 50;
  EmbeddedProducer producer(*broker_, config);
  ASSERT_TRUE(broker_->logs().create_topic("t", 3).ok());
  std::set<std::int32_t> partitions;
  std::mutex mutex;
  for (int i = 0; i < 10; ++i) {
    producer.send({.topic = "t", .value = bytes_of("x")}, [&](const Result<RecordMetadata>& r) {
      std::lock_guard lock(mutex);
      partitions.insert(r->partition);
    });
  }
  ASSERT_TRUE(producer.flush().ok());
  EXPECT_EQ(partitions.size(), 1u);
}

TEST_F(EmbeddedProducerTest, SendAllIsSendForEachInOrder) {
  ProducerConfig config;
  config.batch_size = 200;  // a few records a batch: the sticky partition moves within the call
  config.max_request_size = 1000;
  EmbeddedProducer producer(*broker_, config);
  ASSERT_TRUE(broker_->logs().create_topic("a", 3).ok());
  ASSERT_TRUE(broker_->logs().create_topic("b", 1).ok());
  std::vector<ProducerRecord> records;
  std::vector<std::uint64_t> tokens;
  for (int i = 0; i < 60; ++i) {
    ProducerRecord record{.topic = i % 10 == 9 ? "b" : "a", .value = bytes_of(std::to_string(i))};
    if (i % 7 == 3) record.key = bytes_of("k" + std::to_string(i));
    if (i == 20) record.partition = 2;
    if (i == 30) record.partition = 9;                   // no such partition
    if (i == 40) record.value = RecordBytes(5000, 'x');  // over max.request.size
    records.push_back(std::move(record));
    tokens.push_back(static_cast<std::uint64_t>(i));
  }
  RecordingListener listener;
  producer.send_all(records, tokens, listener);
  ASSERT_TRUE(producer.flush().ok());
  const auto results = listener.results();
  ASSERT_EQ(results.size(), 60u);
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> next_offset;
  std::set<int> seen;
  for (const auto& [token, result] : results) {
    const int i = static_cast<int>(token);
    seen.insert(i);
    if (i == 30 || i == 40) {
      EXPECT_FALSE(result.ok()) << i;
      continue;
    }
    ASSERT_TRUE(result.ok()) << i << ": " << result.status().message();
    EXPECT_EQ(result->topic, i % 10 == 9 ? "b" : "a") << i;
    if (i == 20) {
      EXPECT_EQ(result->partition, 2);
    }
    if (i % 7 == 3 && i % 10 != 9) {
      EXPECT_EQ(result->partition, partition_for_key(bytes_of("k" + std::to_string(i)), 3)) << i;
    }
    // Each partition's records are acknowledged in send order, at consecutive offsets.
    std::int64_t& expected = next_offset[{result->topic, result->partition}];
    EXPECT_EQ(result->offset, expected) << i;
    expected = result->offset + 1;
  }
  EXPECT_EQ(seen.size(), 60u);
  std::size_t stored = 0;
  for (int partition = 0; partition < 3; ++partition) stored += contents("a", partition).size();
  EXPECT_EQ(stored, 52u);  // 54 to "a", less the two refused
  EXPECT_EQ(contents("b", 0).size(), 6u);
}

// One call per run of a batch, not per record; records sent with callbacks in between keep
// their place: the callbacks and the runs around them come in send order.
TEST_F(EmbeddedProducerTest, SendAllIsAcknowledgedOncePerRunOfABatch) {
  ProducerConfig config;
  config.linger_ms = 60'000;  // only flush() and full batches send
  EmbeddedProducer producer(*broker_, config);
  ASSERT_TRUE(broker_->logs().create_topic("t", 1).ok());
  RecordingListener listener;
  std::vector<ProducerRecord> records(100, ProducerRecord{.topic = "t", .value = bytes_of("v")});
  std::vector<std::uint64_t> tokens(100);
  for (std::uint64_t i = 0; i < 100; ++i) tokens[i] = i;
  producer.send_all(std::span(records).first(50), std::span(tokens).first(50), listener);
  std::vector<std::pair<int, std::int64_t>> heard;  // (runs heard before, offset) per callback
  producer.send({.topic = "t", .value = bytes_of("between")}, [&](const auto& sent) {
    ASSERT_TRUE(sent.ok());
    heard.emplace_back(listener.runs(), sent->offset);
  });
  producer.send_all(std::span(records).subspan(50), std::span(tokens).subspan(50), listener);
  ASSERT_TRUE(producer.flush().ok());
  EXPECT_EQ(listener.runs(), 2);  // one batch: the runs before and after the callback
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_EQ(heard[0], std::make_pair(1, std::int64_t{50}));
  const auto results = listener.results();
  ASSERT_EQ(results.size(), 100u);
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].second.ok());
    EXPECT_EQ(results[i].first, i);
    EXPECT_EQ(results[i].second->offset, static_cast<std::int64_t>(i < 50 ? i : i + 1));
  }
}

TEST_F(EmbeddedProducerTest, ErrorsReachTheCallback) {
  ProducerConfig config;
  config.max_request_size = 1000;
  EmbeddedProducer producer(*broker_, config);
  ASSERT_TRUE(broker_->logs().create_topic("t", 2).ok());
  auto too_large = send_sync(producer, {.topic = "t", .value = RecordBytes(5000, 'x')});
  ASSERT_FALSE(too_large.ok());
  EXPECT_EQ(too_large.status().kind(), Status::Kind::kTooLarge);
  EXPECT_NE(too_large.status().message().find("max.request.size"), std::string::npos);
  auto bad_partition = send_sync(producer, {.topic = "t", .partition = 7, .value = bytes_of("v")});
  ASSERT_FALSE(bad_partition.ok());
  EXPECT_NE(bad_partition.status().message().find("Invalid partition"), std::string::npos);
  auto bad_topic = send_sync(producer, {.topic = "bad topic", .value = bytes_of("v")});
  EXPECT_FALSE(bad_topic.ok());
  producer.close();
  EXPECT_FALSE(send_sync(producer, {.topic = "t", .value = bytes_of("v")}).ok());
}

TEST_F(EmbeddedProducerTest, AutoCreatesTopicsOnlyWhenTheBrokerAllows) {
  {
    EmbeddedProducer producer(*broker_, {});
    ASSERT_TRUE(send_sync(producer, {.topic = "fresh", .value = bytes_of("v")}).ok());
    EXPECT_EQ(broker_->logs().describe_topic("fresh")->partitions, 3);
  }
  open_broker(false);
  EmbeddedProducer producer(*broker_, {});
  auto result = send_sync(producer, {.topic = "absent", .value = bytes_of("v")});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("not present in metadata"), std::string::npos);
}

TEST_F(EmbeddedProducerTest, CompressesBatchesAsConfigured) {
  ProducerConfig config;
  config.compression_type = "zstd";
  config.linger_ms = 10;
  EmbeddedProducer producer(*broker_, config);
  ASSERT_TRUE(broker_->logs().create_topic("t", 1).ok());
  for (int i = 0; i < 50; ++i)
    producer.send({.topic = "t", .value = RecordBytes(200, 'a')}, [](auto&) {});
  ASSERT_TRUE(producer.flush().ok());
  auto log = broker_->logs().partition("t", 0);
  auto read = (*log)->read(0, 1 << 20);
  ASSERT_TRUE(read.ok());
  auto header = read_batch_header(read->records);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->compression(), Compression::kZstd);
  EXPECT_EQ(contents("t", 0).size(), 50u);
}

TEST_F(EmbeddedProducerTest, ConcurrentSendersLoseNothing) {
  EmbeddedProducer producer(*broker_, {});
  ASSERT_TRUE(broker_->logs().create_topic("t", 3).ok());
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        const std::string key = std::to_string(t) + "-" + std::to_string(i);
        producer.send({.topic = "t", .key = bytes_of(key), .value = bytes_of(key)},
                      [&](const Result<RecordMetadata>& r) {
                        if (r.ok()) ++acknowledged;
                      });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(producer.flush().ok());
  EXPECT_EQ(acknowledged, 2000);
  std::set<std::string> keys;
  for (int p = 0; p < 3; ++p) {
    for (const auto& [offset, key, value] : contents("t", p)) keys.insert(key);
  }
  EXPECT_EQ(keys.size(), 2000u);
}

}  // namespace
}  // namespace ferry::broker
