// NetworkProducer against the embedded broker's protocol server on loopback: records arrive as
// sent (keys, null vs empty values, headers, timestamps), callbacks run once each and in send
// order per partition, flush and close behave as producer.h says.
#include "broker/network/network_producer.h"

#include <algorithm>
#include <future>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

#include "broker/network/network_consumer.h"
#include "broker/network/network_test_broker.h"
#include "broker/storage/murmur2.h"

namespace ferry::broker {
namespace {

using namespace std::chrono_literals;

RecordBytes bytes(const std::string& text) { return RecordBytes(text.begin(), text.end()); }

std::vector<ConsumerRecord> read_all(NetworkTestBroker& broker, const std::string& topic,
                                     std::size_t count) {
  auto consumer = NetworkConsumer::create(broker.properties({{"auto.offset.reset", "earliest"}}));
  EXPECT_TRUE(consumer.ok()) << consumer.status().message();
  EXPECT_TRUE((*consumer)->assign({{topic, 0}}).ok());
  std::vector<ConsumerRecord> records;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (records.size() < count && std::chrono::steady_clock::now() < deadline) {
    auto polled = (*consumer)->poll(200ms);
    EXPECT_TRUE(polled.ok()) << polled.status().message();
    if (!polled.ok()) break;
    for (ConsumerRecord& record : *polled) records.push_back(std::move(record));
  }
  return records;
}

TEST(NetworkProducerTest, RecordsArriveWithKeysHeadersAndTimestamps) {
  NetworkTestBroker broker;
  auto producer = NetworkProducer::create(broker.properties({{"linger.ms", "0"}}));
  ASSERT_TRUE(producer.ok()) << producer.status().message();

  ProducerRecord keyed{"events", 0, bytes("k1"), bytes("v1"), {}, 1700000000123};
  keyed.headers = {{"trace", bytes("abc")}, {"empty", RecordBytes{}}, {"null", std::nullopt}};
  ProducerRecord tombstone{"events", 0, bytes("k2"), std::nullopt, {}, 1700000000456};
  ProducerRecord empty{"events", 0, std::nullopt, RecordBytes{}, {}, std::nullopt};
  std::vector<Result<RecordMetadata>> results;
  std::mutex mutex;
  for (ProducerRecord record : {keyed, tombstone, empty}) {
    (*producer)->send(std::move(record), [&](const Result<RecordMetadata>& result) {
      std::lock_guard lock(mutex);
      results.push_back(result);
    });
  }
  ASSERT_TRUE((*producer)->flush().ok());
  ASSERT_EQ(results.size(), 3u);
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].status().message();
    EXPECT_EQ(results[i]->topic, "events");
    EXPECT_EQ(results[i]->partition, 0);
    EXPECT_EQ(results[i]->offset, static_cast<std::int64_t>(i));
  }
  EXPECT_EQ(results[0]->timestamp, 1700000000123);

  const auto records = read_all(broker, "events", 3);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].key, bytes("k1"));
  EXPECT_EQ(records[0].value, bytes("v1"));
  EXPECT_EQ(records[0].timestamp, 1700000000123);
  EXPECT_EQ(records[0].timestamp_type, RecordTimestampType::kCreateTime);
  EXPECT_EQ(records[0].headers, keyed.headers);
  EXPECT_EQ(records[1].key, bytes("k2"));
  EXPECT_FALSE(records[1].value.has_value());  // a tombstone stays null
  EXPECT_FALSE(records[2].key.has_value());
  ASSERT_TRUE(records[2].value.has_value());  // empty is not null
  EXPECT_TRUE(records[2].value->empty());
  EXPECT_GT(records[2].timestamp, 1700000000456);  // stamped at send
}

TEST(NetworkProducerTest, CallbacksRunOnceInSendOrderPerPartition) {
  NetworkTestBroker broker;
  auto admin_created = broker.broker().logs().create_topic("ordered", 3, {});
  ASSERT_TRUE(admin_created.ok()) << admin_created.message();
  auto producer = NetworkProducer::create(
      broker.properties({{"batch.size", "200"}, {"compression.type", "lz4"}, {"acks", "all"}}));
  ASSERT_TRUE(producer.ok()) << producer.status().message();
  constexpr int kRecords = 600;
  std::mutex mutex;
  std::map<std::int32_t, std::vector<int>> order;  // partition -> record numbers
  std::map<int, int> calls;
  for (int i = 0; i < kRecords; ++i) {
    (*producer)->send({"ordered",
                       i % 3,
                       bytes("key-" + std::to_string(i % 7)),
                       bytes("value-" + std::to_string(i)),
                       {},
                       std::nullopt},
                      [&, i](const Result<RecordMetadata>& result) {
                        std::lock_guard lock(mutex);
                        ASSERT_TRUE(result.ok()) << result.status().message();
                        order[result->partition].push_back(i);
                        ++calls[i];
                      });
  }
  (*producer)->close();
  ASSERT_EQ(calls.size(), static_cast<std::size_t>(kRecords));
  for (const auto& [record, count] : calls) EXPECT_EQ(count, 1) << record;
  for (const auto& [partition, numbers] : order) {
    EXPECT_TRUE(std::ranges::is_sorted(numbers)) << "partition " << partition;
  }
}

TEST(NetworkProducerTest, KeyedRecordsGoWhereJavaPutsThem) {
  NetworkTestBroker broker;
  ASSERT_TRUE(broker.broker().logs().create_topic("keyed", 4, {}).ok());
  auto producer = NetworkProducer::create(broker.properties());
  ASSERT_TRUE(producer.ok());
  std::promise<Result<RecordMetadata>> done;
  (*producer)->send({"keyed", std::nullopt, bytes("a"), bytes("x"), {}, std::nullopt},
                    [&](const Result<RecordMetadata>& result) { done.set_value(result); });
  const auto result = done.get_future().get();
  ASSERT_TRUE(result.ok()) << result.status().message();
  // Java's partitioner: toPositive(murmur2(key)) % partitions, as the embedded producer does.
  EXPECT_EQ(result->partition, partition_for_key(bytes("a"), 4));
}

TEST(NetworkProducerTest, IdempotentProducerWritesEachRecordOnce) {
  NetworkTestBroker broker;
  auto producer = NetworkProducer::create(broker.properties(
      {{"enable.idempotence", "true"}, {"acks", "all"}, {"compression.type", "zstd"}}));
  ASSERT_TRUE(producer.ok()) << producer.status().message();
  std::mutex mutex;
  std::vector<std::int64_t> offsets;
  for (int i = 0; i < 50; ++i) {
    (*producer)->send({"exactly", 0, std::nullopt, bytes(std::to_string(i)), {}, std::nullopt},
                      [&](const Result<RecordMetadata>& result) {
                        ASSERT_TRUE(result.ok()) << result.status().message();
                        std::lock_guard lock(mutex);
                        offsets.push_back(result->offset);
                      });
  }
  (*producer)->close();
  ASSERT_EQ(offsets.size(), 50u);
  for (std::size_t i = 0; i < offsets.size(); ++i) EXPECT_EQ(offsets[i], std::int64_t(i));
  EXPECT_EQ(read_all(broker, "exactly", 50).size(), 50u);
}

TEST(NetworkProducerTest, SendAfterCloseFailsInTheCallback) {
  NetworkTestBroker broker;
  auto producer = NetworkProducer::create(broker.properties());
  ASSERT_TRUE(producer.ok());
  (*producer)->close();
  std::optional<Status> failed;
  (*producer)->send({"events", 0, std::nullopt, bytes("late"), {}, std::nullopt},
                    [&](const Result<RecordMetadata>& result) { failed = result.status(); });
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->message(), "Cannot send after the producer is closed.");
  EXPECT_TRUE((*producer)->flush().ok());
}

TEST(NetworkProducerTest, UnknownPartitionFailsTheRecord) {
  NetworkTestBroker broker;
  ASSERT_TRUE(broker.broker().logs().create_topic("small", 1, {}).ok());
  auto producer = NetworkProducer::create(
      broker.properties({{"delivery.timeout.ms", "3000"}, {"linger.ms", "0"}}));
  ASSERT_TRUE(producer.ok());
  std::promise<Result<RecordMetadata>> done;
  (*producer)->send({"small", 5, std::nullopt, bytes("x"), {}, std::nullopt},
                    [&](const Result<RecordMetadata>& result) { done.set_value(result); });
  const auto result = done.get_future().get();
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("small-5"), std::string::npos)
      << result.status().message();
}

TEST(NetworkProducerTest, BadPropertyIsAnErrorNamingTheKey) {
  NetworkTestBroker broker;
  auto bad = NetworkProducer::create(broker.properties({{"compression.type", "brotli"}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "Invalid value brotli for configuration compression.type: String must be one of: "
            "none, gzip, snappy, lz4, zstd");
  auto librdkafka_bad = NetworkProducer::create(broker.properties({{"socket.timeout.ms", "x"}}));
  ASSERT_FALSE(librdkafka_bad.ok());
  EXPECT_NE(librdkafka_bad.status().message().find("socket.timeout.ms"), std::string::npos);
}

}  // namespace
}  // namespace ferry::broker
