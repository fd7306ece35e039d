// The protocol server over real loopback sockets, driven by a small blocking client written on
// the same codec: one test per behaviour a Kafka client relies on.
#include "broker/server/protocol_server.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include <boost/asio.hpp>
#include <gtest/gtest.h>

#include "broker/protocol/codec.h"
#include "broker/protocol/error_code.h"
#include "broker/storage/log_segment.h"
#include "broker/storage/record_batch.h"
#include "broker/storage/wire_format.h"
#include "tests/temp_directory.h"

namespace ferry::broker {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using protocol::ApiKey;
using protocol::ErrorCode;
using protocol::Struct;

const protocol::ApiDef& api(ApiKey key) {
  return *protocol::find_api(static_cast<std::int16_t>(key));
}

std::int16_t code(ErrorCode error) { return static_cast<std::int16_t>(error); }

class Client {
 public:
  explicit Client(const std::string& address) : socket_(io_) {
    const auto colon = address.rfind(':');
    socket_.connect(
        tcp::endpoint(asio::ip::make_address(address.substr(0, colon)),
                      static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1)))));
  }

  void send(ApiKey key, std::int16_t version, const Struct& body) {
    send_raw(protocol::encode_request(api(key), version, ++correlation_, "test-client", body));
  }
  void send_raw(const std::vector<std::uint8_t>& frame) {
    asio::write(socket_, asio::buffer(frame));
  }

  // The next response frame (without its size), or nullopt when the server closed.
  std::optional<std::vector<std::uint8_t>> read_frame() {
    std::array<std::uint8_t, 4> size{};
    boost::system::error_code error;
    asio::read(socket_, asio::buffer(size), error);
    if (error) return std::nullopt;
    std::vector<std::uint8_t> frame(load_be<std::int32_t>(size.data()));
    asio::read(socket_, asio::buffer(frame), error);
    if (error) return std::nullopt;
    return frame;
  }

  Struct receive(ApiKey key, std::int16_t version) {
    auto frame = read_frame();
    if (!frame) throw std::runtime_error("connection closed");
    std::int32_t correlation = 0;
    auto body = protocol::decode_response(api(key), version, *frame, correlation);
    if (!body.ok()) throw std::runtime_error(body.status().message());
    EXPECT_EQ(correlation, correlation_);
    return std::move(*body);
  }

  Struct call(ApiKey key, std::int16_t version, const Struct& body) {
    send(key, version, body);
    return receive(key, version);
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  std::int32_t correlation_ = 0;
};

std::vector<std::uint8_t> batch_of(std::initializer_list<std::string_view> values) {
  RecordBatchBuilder builder({});
  for (std::string_view value : values) {
    EXPECT_TRUE(builder.append(1000, as_bytes("k"), as_bytes(value)).ok());
  }
  return *builder.build();
}

// A batch of an idempotent producer: count records from sequence first.
std::vector<std::uint8_t> producer_batch(std::int64_t producer_id, std::int16_t epoch,
                                         std::int32_t first, int count) {
  RecordBatchOptions options;
  options.producer_id = producer_id;
  options.producer_epoch = epoch;
  options.base_sequence = first;
  RecordBatchBuilder builder(options);
  for (int i = 0; i < count; ++i) {
    EXPECT_TRUE(
        builder.append(1000, as_bytes("k"), as_bytes("v" + std::to_string(first + i))).ok());
  }
  return *builder.build();
}

class ProtocolServerTest : public ::testing::Test {
 protected:
  void start(std::map<std::string, std::string> props = {}) {
    props["log.dirs"] = dir_.path().string();
    props["offsets.topic.num.partitions"] = "2";
    props["group.initial.rebalance.delay.ms"] = "0";
    auto config = broker_config_from_properties(props);
    ASSERT_TRUE(config.ok());
    auto broker = Broker::open(*config);
    ASSERT_TRUE(broker.ok()) << broker.status().message();
    broker_ = std::move(*broker);
    auto listeners = kafka_listeners_from_properties({{"listeners", "PLAINTEXT://127.0.0.1:0"}});
    ASSERT_TRUE(listeners.ok());
    ProtocolServerOptions options;
    options.max_request_bytes = 1024 * 1024;
    options.log = [this](const std::string& line) {
      std::lock_guard lock(log_mutex_);
      log_ += line + "\n";
    };
    auto server = ProtocolServer::start(*broker_, *listeners, options);
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(*server);
    address_ = server_->bound_addresses().front();
  }

  std::string log() {
    std::lock_guard lock(log_mutex_);
    return log_;
  }

  Struct produce_request(const std::string& topic, std::int32_t partition,
                         std::vector<std::uint8_t> records, std::int16_t acks = -1) {
    Struct request(api(ApiKey::kProduce).request);
    request.set_integer("Acks", acks).set_integer("TimeoutMs", 1000);
    Struct& topic_data = request.add("TopicData");
    topic_data.set_string("Name", topic);
    topic_data.add("PartitionData")
        .set_integer("Index", partition)
        .set_bytes("Records", std::move(records));
    return request;
  }

  Struct fetch_request(const std::string& topic, std::int64_t offset, std::int32_t max_wait,
                       std::int32_t min_bytes) {
    Struct request(api(ApiKey::kFetch).request);
    request.set_integer("MaxWaitMs", max_wait).set_integer("MinBytes", min_bytes);
    Struct& fetch_topic = request.add("Topics");
    fetch_topic.set_string("Topic", topic);
    fetch_topic.add("Partitions")
        .set_integer("Partition", 0)
        .set_integer("FetchOffset", offset)
        .set_integer("PartitionMaxBytes", 1 << 20);
    return request;
  }

  ferry::testing::TempDir dir_;
  std::unique_ptr<Broker> broker_;
  std::unique_ptr<ProtocolServer> server_;  // after the broker: stopped first
  std::string address_;
  std::mutex log_mutex_;
  std::string log_;
};

TEST_F(ProtocolServerTest, ApiVersionsV3ListsEveryServedApi) {
  start();
  Client client(address_);
  Struct request(api(ApiKey::kApiVersions).request);
  request.set_string("ClientSoftwareName", "test").set_string("ClientSoftwareVersion", "1");
  const Struct response = client.call(ApiKey::kApiVersions, 3, request);
  EXPECT_EQ(response.integer("ErrorCode"), 0);
  EXPECT_EQ(response.structs("ApiKeys").size(), protocol::api_definitions().size());
}

TEST_F(ProtocolServerTest, UnsupportedApiVersionsGetsV0ErrorAndTheConnectionStays) {
  start();
  Client client(address_);
  client.send_raw({0, 0, 0, 10, 0x00, 0x12, 0x00, 0x63, 0, 0, 0, 0, 0xff, 0xff});  // v99
  const Struct error = client.receive(ApiKey::kApiVersions, 0);
  EXPECT_EQ(error.integer("ErrorCode"), code(ErrorCode::kUnsupportedVersion));
  ASSERT_EQ(error.structs("ApiKeys").size(), 1u);
  EXPECT_EQ(error.structs("ApiKeys")[0].integer("MaxVersion"), 3);
  // The client retries with v0 on the same connection.
  const Struct response =
      client.call(ApiKey::kApiVersions, 0, Struct(api(ApiKey::kApiVersions).request));
  EXPECT_EQ(response.integer("ErrorCode"), 0);
}

TEST_F(ProtocolServerTest, MetadataAutoCreatesTopicsAndNamesThisBroker) {
  start({{"num.partitions", "3"}});
  Client client(address_);
  Struct request(api(ApiKey::kMetadata).request);
  request.add("Topics").set_string("Name", "orders");
  const Struct response = client.call(ApiKey::kMetadata, 4, request);
  ASSERT_EQ(response.structs("Brokers").size(), 1u);
  EXPECT_EQ(response.structs("Brokers")[0].string("Host"), "127.0.0.1");
  EXPECT_EQ(std::to_string(response.structs("Brokers")[0].integer("Port")),
            address_.substr(address_.rfind(':') + 1));
  const Struct& topic = response.structs("Topics").at(0);
  EXPECT_EQ(topic.integer("ErrorCode"), 0);
  EXPECT_EQ(topic.structs("Partitions").size(), 3u);
  EXPECT_EQ(topic.structs("Partitions")[2].integers("ReplicaNodes"), std::vector<std::int64_t>{0});
}

TEST_F(ProtocolServerTest, MetadataWithoutAutoCreationAnswersUnknownTopic) {
  start({{"auto.create.topics.enable", "false"}});
  Client client(address_);
  Struct request(api(ApiKey::kMetadata).request);
  request.add("Topics").set_string("Name", "missing");
  const Struct response = client.call(ApiKey::kMetadata, 1, request);
  EXPECT_EQ(response.structs("Topics").at(0).integer("ErrorCode"),
            code(ErrorCode::kUnknownTopicOrPartition));
}

TEST_F(ProtocolServerTest, ProducedBatchIsFetchedByteForByteWithItsOffset) {
  start();
  Client client(address_);
  std::vector<std::uint8_t> batch = batch_of({"a", "b", "c"});
  Struct produced = client.call(ApiKey::kProduce, 7, produce_request("t", 0, batch));
  const Struct& result = produced.structs("Responses").at(0).structs("PartitionResponses").at(0);
  EXPECT_EQ(result.integer("ErrorCode"), 0);
  EXPECT_EQ(result.integer("BaseOffset"), 0);
  produced = client.call(ApiKey::kProduce, 7, produce_request("t", 0, batch));
  EXPECT_EQ(produced.structs("Responses")[0].structs("PartitionResponses")[0].integer("BaseOffset"),
            3);

  const Struct fetched = client.call(ApiKey::kFetch, 11, fetch_request("t", 3, 0, 0));
  const Struct& partition = fetched.structs("Responses").at(0).structs("Partitions").at(0);
  EXPECT_EQ(partition.integer("ErrorCode"), 0);
  EXPECT_EQ(partition.integer("HighWatermark"), 6);
  std::vector<std::uint8_t> expected = batch;
  set_base_offset(expected, 3);
  set_partition_leader_epoch(expected, 0);
  const auto& records = partition.bytes("Records");
  ASSERT_EQ(records.size(), expected.size());
  // Everything the CRC covers is the producer's bytes, unchanged.
  EXPECT_TRUE(std::equal(records.begin() + 17, records.end(), expected.begin() + 17));
  EXPECT_TRUE(verify_batch(records).ok());
}

TEST_F(ProtocolServerTest, IdempotentProducerRetriesGetTheOriginalOffsetAndGapsAreRefused) {
  start();
  Client client(address_);
  const Struct init = client.call(ApiKey::kInitProducerId, 1,
                                  Struct(api(ApiKey::kInitProducerId).request)
                                      .set_nullable_string("TransactionalId", std::nullopt)
                                      .set_integer("TransactionTimeoutMs", 60000));
  ASSERT_EQ(init.integer("ErrorCode"), 0);
  const std::int64_t id = init.integer("ProducerId");
  const auto produce = [&](const std::vector<std::uint8_t>& batch) {
    Struct response = client.call(ApiKey::kProduce, 7, produce_request("t", 0, batch));
    return Struct(response.structs("Responses").at(0).structs("PartitionResponses").at(0));
  };
  const auto fetched_count = [&] {
    const Struct fetched = client.call(ApiKey::kFetch, 11, fetch_request("t", 0, 0, 0));
    return fetched.structs("Responses").at(0).structs("Partitions").at(0).integer("HighWatermark");
  };

  // The first batch of a new producer id starts at sequence 0.
  EXPECT_EQ(produce(producer_batch(id, 0, 5, 1)).integer("ErrorCode"),
            code(ErrorCode::kOutOfOrderSequenceNumber));
  EXPECT_EQ(produce(producer_batch(id, 0, 0, 3)).integer("BaseOffset"), 0);
  EXPECT_EQ(produce(producer_batch(id, 0, 3, 2)).integer("BaseOffset"), 3);
  // Retries of either batch (a lost response) are answered with the original offsets, not
  // appended again.
  Struct retried = produce(producer_batch(id, 0, 0, 3));
  EXPECT_EQ(retried.integer("ErrorCode"), 0);
  EXPECT_EQ(retried.integer("BaseOffset"), 0);
  EXPECT_EQ(produce(producer_batch(id, 0, 3, 2)).integer("BaseOffset"), 3);
  EXPECT_EQ(fetched_count(), 5);
  // A gap (sequence 7 after 4) is out of order; the next in order is taken.
  EXPECT_EQ(produce(producer_batch(id, 0, 7, 1)).integer("ErrorCode"),
            code(ErrorCode::kOutOfOrderSequenceNumber));
  EXPECT_EQ(produce(producer_batch(id, 0, 5, 1)).integer("BaseOffset"), 5);
  // A new epoch starts over at 0; the old epoch is fenced.
  EXPECT_EQ(produce(producer_batch(id, 1, 0, 1)).integer("BaseOffset"), 6);
  EXPECT_EQ(produce(producer_batch(id, 0, 6, 1)).integer("ErrorCode"),
            code(ErrorCode::kInvalidProducerEpoch));
  EXPECT_EQ(fetched_count(), 7);
  EXPECT_NE(log().find("OUT_OF_ORDER_SEQUENCE_NUMBER: producer " + std::to_string(id) +
                       " epoch 0: sequence 7, expected 5"),
            std::string::npos)
      << log();
  // A producer id without state here (its batches removed by retention, or not handed out by
  // this broker) is taken at whatever sequence it sends (Kafka since KIP-360); batches without a
  // producer id are not checked.
  EXPECT_EQ(produce(producer_batch(42, 3, 100, 1)).integer("ErrorCode"), 0);
  EXPECT_EQ(produce(batch_of({"x"})).integer("ErrorCode"), 0);
  EXPECT_EQ(produce(batch_of({"x"})).integer("ErrorCode"), 0);
  EXPECT_EQ(fetched_count(), 10);
}

TEST_F(ProtocolServerTest, IdempotentProducersSurviveARestartAndTheirIdsAreNotHandedOutAgain) {
  start();
  // An id above what the clock gives for decades (ms since the epoch times 1000).
  const std::int64_t far = std::int64_t{4'000'000'000'000} * 1000;
  const auto produce = [&](const std::vector<std::uint8_t>& batch) {
    Client client(address_);
    Struct response = client.call(ApiKey::kProduce, 7, produce_request("t", 0, batch));
    return Struct(response.structs("Responses").at(0).structs("PartitionResponses").at(0));
  };
  ASSERT_EQ(produce(producer_batch(far, 0, 0, 3)).integer("BaseOffset"), 0);
  ASSERT_EQ(produce(producer_batch(far, 0, 3, 2)).integer("BaseOffset"), 3);
  server_.reset();
  broker_.reset();
  start();
  // The state came back with the log: a retry is answered with its offset, a gap refused, and
  // the next batch taken in sequence.
  EXPECT_EQ(produce(producer_batch(far, 0, 0, 3)).integer("BaseOffset"), 0);
  EXPECT_EQ(produce(producer_batch(far, 0, 6, 1)).integer("ErrorCode"),
            code(ErrorCode::kOutOfOrderSequenceNumber));
  EXPECT_EQ(produce(producer_batch(far, 0, 5, 1)).integer("BaseOffset"), 5);
  Client client(address_);
  const Struct init = client.call(ApiKey::kInitProducerId, 1,
                                  Struct(api(ApiKey::kInitProducerId).request)
                                      .set_nullable_string("TransactionalId", std::nullopt)
                                      .set_integer("TransactionTimeoutMs", 60000));
  EXPECT_EQ(init.integer("ProducerId"), far + 1);
}

TEST_F(ProtocolServerTest, TopicConfigsAreDescribedAlteredAndPartitionsAdded) {
  start();
  ASSERT_TRUE(broker_->logs().create_topic("orders", 1, {{"retention.ms", "1000"}}).ok());
  Client client(address_);
  const auto describe = [&](std::int16_t version) {
    Struct request(api(ApiKey::kDescribeConfigs).request);
    request.add("Resources")
        .set_integer("ResourceType", 2)
        .set_string("ResourceName", "orders")
        .set_null("ConfigurationKeys");
    Struct response = client.call(ApiKey::kDescribeConfigs, version, request);
    std::map<std::string, std::pair<std::string, std::int64_t>> entries;
    for (const Struct& entry : response.structs("Results").at(0).structs("Configs")) {
      entries[entry.string("Name")] = {entry.string("Value"), entry.integer("ConfigSource")};
    }
    return entries;
  };
  auto entries = describe(4);
  EXPECT_EQ(entries["retention.ms"], (std::pair<std::string, std::int64_t>{"1000", 1}));
  EXPECT_EQ(entries["cleanup.policy"], (std::pair<std::string, std::int64_t>{"delete", 5}));

  // Incremental: one key set, one deleted; an invalid value changes nothing.
  const auto alter = [&](const std::string& key, std::int64_t operation,
                         std::optional<std::string> value) {
    Struct request(api(ApiKey::kIncrementalAlterConfigs).request);
    Struct& resource = request.add("Resources");
    resource.set_integer("ResourceType", 2).set_string("ResourceName", "orders");
    resource.add("Configs")
        .set_string("Name", key)
        .set_integer("ConfigOperation", operation)
        .set_nullable_string("Value", std::move(value));
    return Struct(
        client.call(ApiKey::kIncrementalAlterConfigs, 1, request).structs("Responses").at(0));
  };
  EXPECT_EQ(alter("cleanup.policy", 0, "compact").integer("ErrorCode"), 0);
  EXPECT_EQ(alter("retention.ms", 1, std::nullopt).integer("ErrorCode"), 0);
  const Struct bad = alter("retention.ms", 0, "soon");
  EXPECT_EQ(bad.integer("ErrorCode"), code(ErrorCode::kInvalidConfig));
  EXPECT_NE(bad.string("ErrorMessage").find("retention.ms"), std::string::npos);
  entries = describe(0);
  EXPECT_EQ(entries["cleanup.policy"].first, "compact");
  EXPECT_EQ(entries["retention.ms"].first, "604800000");

  Struct more(api(ApiKey::kCreatePartitions).request);
  more.add("Topics").set_string("Name", "orders").set_integer("Count", 3).set_null("Assignments");
  Struct added = client.call(ApiKey::kCreatePartitions, 1, more);
  EXPECT_EQ(added.structs("Results").at(0).integer("ErrorCode"), 0);
  EXPECT_EQ(broker_->logs().describe_topic("orders")->partitions, 3);
  added = client.call(ApiKey::kCreatePartitions, 1, more);
  EXPECT_EQ(added.structs("Results").at(0).integer("ErrorCode"),
            code(ErrorCode::kInvalidPartitions));
}

TEST_F(ProtocolServerTest, BatchWithBadCrcIsRefusedAsCorrupt) {
  start();
  Client client(address_);
  std::vector<std::uint8_t> batch = batch_of({"a"});
  batch.back() ^= 0xff;
  const Struct produced = client.call(ApiKey::kProduce, 3, produce_request("t", 0, batch));
  EXPECT_EQ(produced.structs("Responses")[0].structs("PartitionResponses")[0].integer("ErrorCode"),
            code(ErrorCode::kCorruptMessage));
  EXPECT_NE(log().find("Produce v3 from 127.0.0.1:"), std::string::npos) << log();
  EXPECT_NE(log().find("to t-0: CORRUPT_MESSAGE"), std::string::npos) << log();
}

TEST_F(ProtocolServerTest, ProduceWithAcksZeroIsNotAnswered) {
  start();
  Client client(address_);
  client.send(ApiKey::kProduce, 7, produce_request("t", 0, batch_of({"a"}), 0));
  const Struct response =
      client.call(ApiKey::kApiVersions, 0, Struct(api(ApiKey::kApiVersions).request));
  EXPECT_EQ(response.integer("ErrorCode"), 0);  // and its correlation id was checked
  EXPECT_EQ((*broker_->logs().partition("t", 0))->log_end_offset(), 1);
}

// Fetches are answered from the segment file: the records of a response are the file's bytes,
// cut at whole batches at the partition's max bytes (the first batch always whole).
TEST_F(ProtocolServerTest, FetchAnswersTheSegmentFilesBatchesByteForByte) {
  start();
  ASSERT_TRUE(broker_->logs().create_topic("t", 1).ok());
  auto log = broker_->logs().partition("t", 0);
  ASSERT_TRUE(log.ok());
  std::vector<std::size_t> ends;
  for (int i = 0; i < 5; ++i) {
    auto batch = batch_of({"value " + std::to_string(i), "more"});
    // At the batches' own time: appended now, batch_of's timestamps would roll every segment.
    ASSERT_TRUE((*log)->append(batch, 1000).ok());
    ends.push_back((ends.empty() ? 0 : ends.back()) + batch.size());
  }
  Client client(address_);
  const auto segment = dir_.path() / "t-0" / "00000000000000000000.log";
  const auto file = [&] {
    std::ifstream in(segment, std::ios::binary);
    return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
  }();
  ASSERT_EQ(file.size(), ends.back());
  for (const std::size_t max_bytes : {std::size_t{1}, ends[2] - 1, ends[2], ends[4] + 100}) {
    Struct request = fetch_request("t", 0, 0, 0);
    request.mutable_structs("Topics")[0].mutable_structs("Partitions")[0].set_integer(
        "PartitionMaxBytes", static_cast<std::int64_t>(max_bytes));
    const Struct fetched = client.call(ApiKey::kFetch, 11, request);
    const Struct& partition = fetched.structs("Responses")[0].structs("Partitions")[0];
    EXPECT_EQ(partition.integer("ErrorCode"), 0);
    EXPECT_EQ(partition.integer("HighWatermark"), 10);
    std::size_t expected = ends[0];
    for (const std::size_t end : ends) {
      if (end <= max_bytes) expected = end;
    }
    EXPECT_EQ(partition.bytes("Records"),
              std::vector<std::uint8_t>(file.begin(), file.begin() + expected))
        << max_bytes;
  }
}

// Tens of megabytes to a client that reads slowly, its segment deleted (DeleteRecords) while the
// response is being sent: the response holds the deleted file open, sends it from there, and the
// client gets the segment's bytes as they were.
TEST_F(ProtocolServerTest, ABigFetchToASlowReaderSurvivesItsSegmentBeingDeleted) {
  start({{"log.segment.bytes", std::to_string(24 << 20)}});
  ASSERT_TRUE(broker_->logs().create_topic("t", 1).ok());
  auto log = broker_->logs().partition("t", 0);
  ASSERT_TRUE(log.ok());
  const std::string value(900 * 1024, 'v');  // a batch within max.message.bytes
  for (int i = 0; i < 30; ++i) {
    auto batch = batch_of({value + std::to_string(i)});
    ASSERT_TRUE((*log)->append(batch, 1000).ok());
  }
  std::vector<std::filesystem::path> segments;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path() / "t-0")) {
    if (entry.path().extension() == ".log") segments.push_back(entry.path());
  }
  std::sort(segments.begin(), segments.end());
  ASSERT_GE(segments.size(), 2u);
  std::ifstream in(segments.front(), std::ios::binary);
  const std::vector<std::uint8_t> expected(std::istreambuf_iterator<char>(in), {});
  ASSERT_GT(expected.size(), 20u << 20);

  asio::io_context io;
  tcp::socket socket(io);
  const auto colon = address_.rfind(':');
  socket.open(tcp::v4());
  socket.set_option(asio::socket_base::receive_buffer_size(64 * 1024));
  socket.connect(tcp::endpoint(asio::ip::make_address(address_.substr(0, colon)),
                               static_cast<std::uint16_t>(std::stoi(address_.substr(colon + 1)))));
  Struct request = fetch_request("t", 0, 0, 0);
  request.set_integer("MaxBytes", 64 << 20);
  request.mutable_structs("Topics")[0].mutable_structs("Partitions")[0].set_integer(
      "PartitionMaxBytes", 64 << 20);
  asio::write(socket,
              asio::buffer(protocol::encode_request(api(ApiKey::kFetch), 11, 1, "slow", request)));
  std::array<std::uint8_t, 4> size{};
  asio::read(socket, asio::buffer(size));
  std::vector<std::uint8_t> frame(load_be<std::int32_t>(size.data()));
  ASSERT_GT(frame.size(), expected.size());
  const auto read_slowly = [&](std::size_t from, std::size_t to) {
    constexpr std::size_t kChunk = 256 * 1024;
    for (std::size_t at = from; at < to; at += kChunk) {
      asio::read(socket, asio::buffer(frame.data() + at, std::min(kChunk, to - at)));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  };
  read_slowly(0, 1 << 20);
  const auto base = LogSegment::parse_file_stem(segments[1].stem().string());
  ASSERT_TRUE(base);
  ASSERT_TRUE((*log)->delete_records_before(*base).ok());
  ASSERT_FALSE(std::filesystem::exists(segments.front()));
  // The response being sent holds the deleted segment open.
  bool held = false;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    const auto target = std::filesystem::read_symlink(entry.path(), error);
    if (!error && target.string() == segments.front().string() + " (deleted)") held = true;
  }
  EXPECT_TRUE(held);
  read_slowly(1 << 20, frame.size());
  std::int32_t correlation = 0;
  auto body = protocol::decode_response(api(ApiKey::kFetch), 11, frame, correlation);
  ASSERT_TRUE(body.ok()) << body.status().message();
  const Struct& partition = body->structs("Responses")[0].structs("Partitions")[0];
  EXPECT_EQ(partition.integer("ErrorCode"), 0);
  EXPECT_TRUE(partition.bytes("Records") == expected);
}

TEST_F(ProtocolServerTest, FetchWaitsForAnAppendUpToMaxWait) {
  start();
  ASSERT_TRUE(broker_->logs().create_topic("t", 1).ok());
  Client consumer(address_);
  const auto started = std::chrono::steady_clock::now();
  consumer.send(ApiKey::kFetch, 11, fetch_request("t", 0, 10000, 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Client producer(address_);
  const auto producing = std::chrono::steady_clock::now();
  producer.call(ApiKey::kProduce, 7, produce_request("t", 0, batch_of({"late"})));
  const Struct fetched = consumer.receive(ApiKey::kFetch, 11);
  const auto returned = std::chrono::steady_clock::now();
  EXPECT_GE(returned - started, std::chrono::milliseconds(200));
  // From the produce, not the fetch: a slow connect on a loaded machine is not the fetch's wait.
  // At max wait the answer would come 10 s after the fetch.
  EXPECT_LT(returned - producing, std::chrono::milliseconds(5000));
  EXPECT_FALSE(fetched.structs("Responses")[0].structs("Partitions")[0].bytes("Records").empty());
}

// The broker watches appends only while a fetch waits; every wait in a row, whether the append
// comes before or after the fetch is parked, is answered by the append, not at max wait.
TEST_F(ProtocolServerTest, EveryWaitingFetchInARowIsAnsweredByTheNextAppend) {
  start();
  ASSERT_TRUE(broker_->logs().create_topic("t", 1).ok());
  Client consumer(address_);
  Client producer(address_);
  for (int i = 0; i < 30; ++i) {
    SCOPED_TRACE("fetch " + std::to_string(i));
    const auto started = std::chrono::steady_clock::now();
    consumer.send(ApiKey::kFetch, 11, fetch_request("t", i, 20000, 1));
    std::this_thread::sleep_for(std::chrono::microseconds(i % 3 == 0 ? 0 : 300 * (i % 7)));
    producer.call(ApiKey::kProduce, 7, produce_request("t", 0, batch_of({std::to_string(i)})));
    const Struct fetched = consumer.receive(ApiKey::kFetch, 11);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
    EXPECT_FALSE(fetched.structs("Responses")[0].structs("Partitions")[0].bytes("Records").empty());
  }
}

TEST_F(ProtocolServerTest, FetchWithNothingToReadAnswersAtMaxWait) {
  start();
  ASSERT_TRUE(broker_->logs().create_topic("t", 1).ok());
  Client consumer(address_);
  const auto started = std::chrono::steady_clock::now();
  const Struct fetched = consumer.call(ApiKey::kFetch, 4, fetch_request("t", 0, 300, 1));
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(300));
  const Struct& partition = fetched.structs("Responses")[0].structs("Partitions")[0];
  EXPECT_EQ(partition.integer("ErrorCode"), 0);
  EXPECT_TRUE(partition.bytes("Records").empty());
}

TEST_F(ProtocolServerTest, FetchPastTheEndIsOffsetOutOfRange) {
  start();
  ASSERT_TRUE(broker_->logs().create_topic("t", 1).ok());
  Client client(address_);
  const Struct fetched = client.call(ApiKey::kFetch, 11, fetch_request("t", 5, 0, 0));
  EXPECT_EQ(fetched.structs("Responses")[0].structs("Partitions")[0].integer("ErrorCode"),
            code(ErrorCode::kOffsetOutOfRange));
}

TEST_F(ProtocolServerTest, ListOffsetsEarliestAndLatest) {
  start();
  Client client(address_);
  client.call(ApiKey::kProduce, 7, produce_request("t", 0, batch_of({"a", "b"})));
  for (const auto& [timestamp, offset] : {std::pair{-2, 0}, std::pair{-1, 2}}) {
    Struct request(api(ApiKey::kListOffsets).request);
    request.set_integer("ReplicaId", -1);
    Struct& topic = request.add("Topics");
    topic.set_string("Name", "t");
    topic.add("Partitions").set_integer("PartitionIndex", 0).set_integer("Timestamp", timestamp);
    const Struct v1 = client.call(ApiKey::kListOffsets, 1, request);
    EXPECT_EQ(v1.structs("Topics")[0].structs("Partitions")[0].integer("Offset"), offset);
    const Struct v0 = client.call(ApiKey::kListOffsets, 0, request);
    EXPECT_EQ(v0.structs("Topics")[0].structs("Partitions")[0].integers("OldStyleOffsets"),
              std::vector<std::int64_t>{offset});
  }
}

// kafka-delete-records: the low watermark moves, Fetch below it is out of range, ListOffsets
// earliest answers it; -1 means the high watermark; unknown partitions and offsets past the end
// are refused per partition.
TEST_F(ProtocolServerTest, DeleteRecordsMovesTheLowWatermark) {
  start();
  Client client(address_);
  client.call(ApiKey::kProduce, 7, produce_request("t", 0, batch_of({"a", "b", "c", "d"})));
  const auto delete_records = [&](std::int16_t version, std::int64_t offset,
                                  std::int32_t partition = 0) {
    Struct request(api(ApiKey::kDeleteRecords).request);
    request.set_integer("TimeoutMs", 1000);
    Struct& topic = request.add("Topics");
    topic.set_string("Name", "t");
    topic.add("Partitions").set_integer("PartitionIndex", partition).set_integer("Offset", offset);
    return client.call(ApiKey::kDeleteRecords, version, request)
        .structs("Topics")[0]
        .structs("Partitions")[0];
  };
  const Struct moved = delete_records(2, 2);
  EXPECT_EQ(moved.integer("ErrorCode"), 0);
  EXPECT_EQ(moved.integer("LowWatermark"), 2);
  EXPECT_EQ(delete_records(0, 9).integer("ErrorCode"), code(ErrorCode::kOffsetOutOfRange));
  EXPECT_EQ(delete_records(1, 0, 7).integer("ErrorCode"),
            code(ErrorCode::kUnknownTopicOrPartition));

  const Struct fetched = client.call(ApiKey::kFetch, 11, fetch_request("t", 1, 0, 0));
  EXPECT_EQ(fetched.structs("Responses")[0].structs("Partitions")[0].integer("ErrorCode"),
            code(ErrorCode::kOffsetOutOfRange));
  Struct earliest(api(ApiKey::kListOffsets).request);
  earliest.set_integer("ReplicaId", -1);
  Struct& topic = earliest.add("Topics");
  topic.set_string("Name", "t");
  topic.add("Partitions").set_integer("PartitionIndex", 0).set_integer("Timestamp", -2);
  EXPECT_EQ(client.call(ApiKey::kListOffsets, 1, earliest)
                .structs("Topics")[0]
                .structs("Partitions")[0]
                .integer("Offset"),
            2);
  EXPECT_EQ(delete_records(2, -1).integer("LowWatermark"), 4);
}

TEST_F(ProtocolServerTest, CreateTopicsRefusesReplicationAboveOneNamingTheBrokerCount) {
  start();
  Client client(address_);
  Struct request(api(ApiKey::kCreateTopics).request);
  request.add("Topics")
      .set_string("Name", "r3")
      .set_integer("NumPartitions", 1)
      .set_integer("ReplicationFactor", 3);
  request.add("Topics")
      .set_string("Name", "ok")
      .set_integer("NumPartitions", 2)
      .set_integer("ReplicationFactor", 1);
  const Struct response = client.call(ApiKey::kCreateTopics, 4, request);
  const Struct& refused = response.structs("Topics").at(0);
  EXPECT_EQ(refused.integer("ErrorCode"), code(ErrorCode::kInvalidReplicationFactor));
  EXPECT_EQ(refused.string("ErrorMessage"),
            "Replication factor: 3 larger than available brokers: 1.");
  EXPECT_EQ(response.structs("Topics").at(1).integer("ErrorCode"), 0);
  EXPECT_EQ(broker_->logs().describe_topic("ok")->partitions, 2);
  EXPECT_FALSE(broker_->logs().describe_topic("r3").ok());
  const Struct again = client.call(ApiKey::kCreateTopics, 4, request);
  EXPECT_EQ(again.structs("Topics").at(1).integer("ErrorCode"),
            code(ErrorCode::kTopicAlreadyExists));
}

TEST_F(ProtocolServerTest, GroupMembershipAndOffsetsOverTheWire) {
  start();
  Client client(address_);
  Struct join(api(ApiKey::kJoinGroup).request);
  join.set_string("GroupId", "g")
      .set_integer("SessionTimeoutMs", 10000)
      .set_integer("RebalanceTimeoutMs", 10000)
      .set_string("ProtocolType", "consumer");
  join.add("Protocols").set_string("Name", "range").set_bytes("Metadata", {1, 2});
  Struct joined = client.call(ApiKey::kJoinGroup, 5, join);
  EXPECT_EQ(joined.integer("ErrorCode"), 79);  // MEMBER_ID_REQUIRED
  const std::string member = joined.string("MemberId");
  join.set_string("MemberId", member);
  joined = client.call(ApiKey::kJoinGroup, 5, join);
  ASSERT_EQ(joined.integer("ErrorCode"), 0);
  EXPECT_EQ(joined.string("Leader"), member);
  EXPECT_EQ(joined.string("ProtocolName"), "range");
  ASSERT_EQ(joined.structs("Members").size(), 1u);
  const std::int64_t generation = joined.integer("GenerationId");

  Struct sync(api(ApiKey::kSyncGroup).request);
  sync.set_string("GroupId", "g")
      .set_integer("GenerationId", generation)
      .set_string("MemberId", member);
  sync.add("Assignments").set_string("MemberId", member).set_bytes("Assignment", {9});
  const Struct synced = client.call(ApiKey::kSyncGroup, 3, sync);
  EXPECT_EQ(synced.integer("ErrorCode"), 0);
  EXPECT_EQ(synced.bytes("Assignment"), std::vector<std::uint8_t>{9});

  Struct heartbeat(api(ApiKey::kHeartbeat).request);
  heartbeat.set_string("GroupId", "g")
      .set_integer("GenerationId", generation)
      .set_string("MemberId", member);
  EXPECT_EQ(client.call(ApiKey::kHeartbeat, 3, heartbeat).integer("ErrorCode"), 0);

  Struct commit(api(ApiKey::kOffsetCommit).request);
  commit.set_string("GroupId", "g")
      .set_integer("GenerationIdOrMemberEpoch", generation)
      .set_string("MemberId", member);
  Struct& commit_topic = commit.add("Topics");
  commit_topic.set_string("Name", "t");
  commit_topic.add("Partitions")
      .set_integer("PartitionIndex", 0)
      .set_integer("CommittedOffset", 42)
      .set_string("CommittedMetadata", "m");
  const Struct committed = client.call(ApiKey::kOffsetCommit, 7, commit);
  EXPECT_EQ(committed.structs("Topics")[0].structs("Partitions")[0].integer("ErrorCode"), 0);

  Struct offset_fetch(api(ApiKey::kOffsetFetch).request);
  offset_fetch.set_string("GroupId", "g");
  Struct& fetch_topic = offset_fetch.add("Topics");
  fetch_topic.set_string("Name", "t").set_integers("PartitionIndexes", {0, 1});
  const Struct offsets = client.call(ApiKey::kOffsetFetch, 7, offset_fetch);  // flexible
  const auto& partitions = offsets.structs("Topics")[0].structs("Partitions");
  EXPECT_EQ(partitions[0].integer("CommittedOffset"), 42);
  EXPECT_EQ(partitions[0].string("Metadata"), "m");
  EXPECT_EQ(partitions[1].integer("CommittedOffset"), -1);

  Struct describe(api(ApiKey::kDescribeGroups).request);
  describe.set_strings("Groups", {"g"});
  const Struct described = client.call(ApiKey::kDescribeGroups, 4, describe);
  EXPECT_EQ(described.structs("Groups")[0].string("GroupState"), "Stable");
  EXPECT_EQ(described.structs("Groups")[0].structs("Members")[0].string("ClientHost"),
            "/127.0.0.1");
  const Struct listed =
      client.call(ApiKey::kListGroups, 3, Struct(api(ApiKey::kListGroups).request));
  EXPECT_EQ(listed.structs("Groups").at(0).string("GroupId"), "g");

  Struct leave(api(ApiKey::kLeaveGroup).request);
  leave.set_string("GroupId", "g").set_string("MemberId", member);
  EXPECT_EQ(client.call(ApiKey::kLeaveGroup, 1, leave).integer("ErrorCode"), 0);
}

TEST_F(ProtocolServerTest, OversizedFrameClosesTheConnectionAndIsLogged) {
  start();
  Client client(address_);
  client.send_raw({0x7f, 0xff, 0xff, 0xff});
  EXPECT_EQ(client.read_frame(), std::nullopt);
  EXPECT_NE(log().find("Closing connection from 127.0.0.1:"), std::string::npos);
  EXPECT_NE(log().find("request of 2147483647 bytes is larger than socket.request.max.bytes"),
            std::string::npos)
      << log();
  // The broker goes on serving.
  Client next(address_);
  EXPECT_EQ(next.call(ApiKey::kApiVersions, 2, Struct(api(ApiKey::kApiVersions).request))
                .integer("ErrorCode"),
            0);
}

TEST_F(ProtocolServerTest, MalformedUnknownAndUnsupportedRequestsCloseTheConnection) {
  start();
  {
    Client client(address_);
    client.send_raw({0, 0, 0, 3, 0, 1, 2});  // shorter than a header
    EXPECT_EQ(client.read_frame(), std::nullopt);
  }
  {
    Client client(address_);
    client.send_raw({0, 0, 0, 10, 0x00, 0x44, 0, 0, 0, 0, 0, 1, 0xff, 0xff});
    EXPECT_EQ(client.read_frame(), std::nullopt);
  }
  {
    Client client(address_);
    client.send_raw({0, 0, 0, 10, 0x00, 0x00, 0, 1, 0, 0, 0, 1, 0xff, 0xff});  // Produce v1
    EXPECT_EQ(client.read_frame(), std::nullopt);
  }
  {
    Client client(address_);  // Heartbeat v0 cut short
    client.send_raw({0, 0, 0, 13, 0x00, 0x0c, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0x00, 0x01, 'g'});
    EXPECT_EQ(client.read_frame(), std::nullopt);
  }
  const std::string lines = log();
  EXPECT_NE(lines.find("unknown API key 68 v0 (correlation id 1)"), std::string::npos) << lines;
  EXPECT_NE(lines.find("Produce v1 (correlation id 1) is not supported (served: v3-7)"),
            std::string::npos)
      << lines;
  EXPECT_NE(lines.find("Heartbeat v0 (correlation id 1): HeartbeatRequest v0: GenerationId"),
            std::string::npos)
      << lines;
}

TEST_F(ProtocolServerTest, ManyClientsAtOnce) {
  start();
  ASSERT_TRUE(broker_->logs().create_topic("t", 4).ok());
  std::vector<std::thread> clients;
  std::atomic<int> acknowledged{0};
  for (int c = 0; c < 16; ++c) {
    clients.emplace_back([&, c] {
      Client client(address_);
      for (int i = 0; i < 20; ++i) {
        Struct response =
            client.call(ApiKey::kProduce, 7, produce_request("t", c % 4, batch_of({"x"})));
        if (response.structs("Responses")[0].structs("PartitionResponses")[0].integer(
                "ErrorCode") == 0) {
          ++acknowledged;
        }
      }
    });
  }
  for (auto& thread : clients) thread.join();
  EXPECT_EQ(acknowledged.load(), 16 * 20);
  std::int64_t total = 0;
  for (int p = 0; p < 4; ++p) total += (*broker_->logs().partition("t", p))->log_end_offset();
  EXPECT_EQ(total, 16 * 20);
}

}  // namespace
}  // namespace ferry::broker
