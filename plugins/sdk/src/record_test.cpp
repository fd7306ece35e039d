#include "ferry/sdk/record.h"

#include <sstream>
#include <unordered_set>

#include <gtest/gtest.h>

#include "ferry/sdk/schema_builder.h"

namespace ferry::sdk {
namespace {

SourceRecord sample_source_record() {
  SourceRecord record;
  record.source_partition = {{"filename", Value("orders.csv")}};
  record.source_offset = {{"position", Value(std::int64_t{4096})}};
  record.topic = "orders";
  record.value_schema = Schema::string();
  record.value = Value("line 1");
  record.timestamp = 1705314600000;
  record.headers.add("trace", Schema::string(), Value("abc"));
  return record;
}

TEST(Headers, KeysMayRepeatAndLastWins) {
  Headers headers;
  headers.add("k", Schema::int32(), Value(1))
      .add("other", nullptr, Value())
      .add("k", Schema::int32(), Value(2));
  ASSERT_NE(headers.last_with_name("k"), nullptr);
  EXPECT_EQ(headers.last_with_name("k")->value, Value(2));
  EXPECT_EQ(headers.all_with_name("k").size(), 2u);
  headers.remove("k");
  EXPECT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers.last_with_name("k"), nullptr);
}

TEST(SourceRecord, EqualityHashAndPrinting) {
  const SourceRecord a = sample_source_record();
  SourceRecord b = sample_source_record();
  EXPECT_EQ(a, b);
  EXPECT_EQ(hash_value(a), hash_value(b));
  b.source_offset["position"] = Value(std::int64_t{4097});
  EXPECT_NE(a, b);
  std::unordered_set<SourceRecord> set{a, b, sample_source_record()};
  EXPECT_EQ(set.size(), 2u);
  const std::string text = to_string(a);
  EXPECT_NE(text.find("sourcePartition={filename=\"orders.csv\"}"), std::string::npos) << text;
  EXPECT_NE(text.find("sourceOffset={position=4096}"), std::string::npos) << text;
  EXPECT_NE(text.find("topic=orders"), std::string::npos) << text;
}

TEST(SourcePartition, SharedByCopiesAndReadAsItsMap) {
  const SourcePartition partition = {{"filename", Value("orders.csv")}};
  const SourcePartition copy = partition;
  EXPECT_EQ(&copy.map(), &partition.map());  // one map, not a copy of it
  EXPECT_EQ(partition, (SourceMap{{"filename", Value("orders.csv")}}));
  EXPECT_NE(partition, (SourceMap{{"filename", Value("other.csv")}}));
  const SourceMap& map = partition;
  EXPECT_EQ(map.at("filename"), Value("orders.csv"));
  ASSERT_NE(partition.find("filename"), partition.end());
  EXPECT_EQ(partition.size(), 1u);

  const SourcePartition none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none, SourcePartition(SourceMap{}));
  EXPECT_EQ(none.begin(), none.end());
  std::ostringstream text;
  text << partition;
  EXPECT_EQ(text.str(), "{filename=\"orders.csv\"}");
}

TEST(SinkRecord, CarriesTopicPartitionOffsetAndTimestamp) {
  SinkRecord record;
  record.topic = "orders";
  record.kafka_partition = 3;
  record.kafka_offset = 17;
  record.timestamp = 5;
  record.timestamp_type = TimestampType::kCreateTime;
  SinkRecord same = record;
  EXPECT_EQ(record, same);
  same.kafka_offset = 18;
  EXPECT_NE(record, same);
  EXPECT_NE(hash_value(record), hash_value(same));
  EXPECT_NE(to_string(record).find("kafkaPartition=3,kafkaOffset=17"), std::string::npos);
  EXPECT_NE(to_string(record).find("timestampType=CreateTime"), std::string::npos);
}

}  // namespace
}  // namespace ferry::sdk
