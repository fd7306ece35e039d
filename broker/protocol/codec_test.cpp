// Byte-exact encodings written out by hand from the Kafka protocol guide and the message
// definitions (headers, compact and classic types, tagged fields), not produced by this codec.
#include "broker/protocol/codec.h"

#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "broker/protocol/error_code.h"

namespace ferry::broker::protocol {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

const ApiDef& api(ApiKey key) { return *find_api(static_cast<std::int16_t>(key)); }

TEST(CodecTest, DecodesLibrdkafkasFlexibleApiVersionsV3Request) {
  const Bytes frame = concat({
      {0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01},  // key 18, v3, correlation 1
      {0x00, 0x07},
      text("rdkafka"),  // client id: INT16 length even in v2
      {0x00},           // header tagged fields: none
      {0x0b},
      text("librdkafka"),  // compact string: length + 1
      {0x06},
      text("2.0.2"),
      {0x00},  // body tagged fields
  });
  auto request = decode_request(frame);
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_EQ(request->header.api_key, 18);
  EXPECT_EQ(request->header.api_version, 3);
  EXPECT_EQ(request->header.correlation_id, 1);
  EXPECT_EQ(request->header.client_id, "rdkafka");
  EXPECT_EQ(request->body.string("ClientSoftwareName"), "librdkafka");
  EXPECT_EQ(request->body.string("ClientSoftwareVersion"), "2.0.2");
}

TEST(CodecTest, EncodesApiVersionsV3ResponseWithHeaderV0AndCompactArray) {
  Struct body(api(ApiKey::kApiVersions).response);
  body.add("ApiKeys")
      .set_integer("ApiKey", 18)
      .set_integer("MinVersion", 0)
      .set_integer("MaxVersion", 3);
  body.add("ApiKeys")
      .set_integer("ApiKey", 3)
      .set_integer("MinVersion", 0)
      .set_integer("MaxVersion", 8);
  const Bytes expected = {
      0x00, 0x00, 0x00, 0x1a,                    // size 26
      0x00, 0x00, 0x00, 0x01,                    // correlation id; no header tagged fields
      0x00, 0x00,                                // ErrorCode
      0x03,                                      // compact array: 2 elements + 1
      0x00, 0x12, 0x00, 0x00, 0x00, 0x03, 0x00,  // 18: 0-3, element tagged fields
      0x00, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00,  // 3: 0-8
      0x00, 0x00, 0x00, 0x00,                    // ThrottleTimeMs
      0x00,                                      // tagged fields: none set
  };
  EXPECT_EQ(encode_response(api(ApiKey::kApiVersions), 3, 1, body), expected);
}

TEST(CodecTest, UnsupportedApiVersionsAnswersV0WithOnlyItsOwnRange) {
  const Bytes expected = {
      0x00, 0x00, 0x00, 0x10,              // size 16
      0x00, 0x00, 0x00, 0x07,              // correlation id
      0x00, 0x23,                          // UNSUPPORTED_VERSION (35)
      0x00, 0x00, 0x00, 0x01,              // INT32 array count
      0x00, 0x12, 0x00, 0x00, 0x00, 0x03,  // ApiVersions 0-3
  };
  EXPECT_EQ(encode_unsupported_api_versions_response(7), expected);
  // A request for ApiVersions v9 is recognised but not parsed.
  const Bytes request = {0x00, 0x12, 0x00, 0x09, 0x00, 0x00, 0x00, 0x07, 0xff, 0xff, 0x42};
  auto header = decode_request_header(request);
  ASSERT_TRUE(header.ok());
  EXPECT_NE(header->api, nullptr);
  EXPECT_FALSE(header->version_supported);
  EXPECT_EQ(header->header.client_id, std::nullopt);
  EXPECT_EQ(decode_request(request).status().kind(), Status::Kind::kOutOfRange);
}

TEST(CodecTest, MetadataTopicsNullInV1AndEmptyInV0) {
  const Bytes v1 = {0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00,
                    0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};  // Topics: INT32 -1 = all topics
  auto request = decode_request(v1);
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_TRUE(request->body.is_null("Topics"));
  EXPECT_EQ(request->body.integer("AllowAutoTopicCreation"), 1);  // default before v4
  const Bytes v0_null = {0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,
                         0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  auto refused = decode_request(v0_null);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(),
            "MetadataRequest v0: Topics at byte 4: null where the field is not nullable");
}

TEST(CodecTest, DecodesProduceV3WithRecordsAsBytes) {
  const Bytes frame = concat({
      {0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x05, 0x00, 0x01},
      text("c"),
      {0xff, 0xff},              // TransactionalId null
      {0xff, 0xff},              // Acks -1
      {0x00, 0x00, 0x75, 0x30},  // TimeoutMs 30000
      {0x00, 0x00, 0x00, 0x01, 0x00, 0x01},
      text("t"),
      {0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02},  // one partition, index 2
      {0x00, 0x00, 0x00, 0x03, 0xaa, 0xbb, 0xcc},        // records: INT32 length
  });
  auto request = decode_request(frame);
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_TRUE(request->body.is_null("TransactionalId"));
  EXPECT_EQ(request->body.integer("Acks"), -1);
  EXPECT_EQ(request->body.integer("TimeoutMs"), 30000);
  const Struct& topic = request->body.structs("TopicData").at(0);
  EXPECT_EQ(topic.string("Name"), "t");
  const Struct& partition = topic.structs("PartitionData").at(0);
  EXPECT_EQ(partition.integer("Index"), 2);
  EXPECT_EQ(partition.bytes("Records"), (Bytes{0xaa, 0xbb, 0xcc}));
}

// A Fetch response whose records are referred to (set_records) is, on the wire, the same frame
// as one holding them: the encoder leaves them out of its buffer and says where they go.
TEST(CodecTest, ExternalRecordsAreSplicedNotCopiedAndTheFrameIsUnchanged) {
  const auto fetch_response = [](bool external, const std::shared_ptr<const Bytes>& first,
                                 const std::shared_ptr<const Bytes>& second) {
    Struct body(api(ApiKey::kFetch).response);
    Struct& topic = body.add("Responses");
    topic.set_string("Topic", "t");
    for (const auto& records : {first, second}) {
      Struct& partition = topic.add("Partitions");
      partition.set_integer("PartitionIndex", 0).set_null("AbortedTransactions");
      if (external) {
        partition.set_records("Records",
                              {.owner = records, .data = records->data(), .size = records->size()});
      } else {
        partition.set_bytes("Records", *records);
      }
    }
    return body;
  };
  const auto first = std::make_shared<const Bytes>(Bytes{1, 2, 3, 4, 5});
  const auto second = std::make_shared<const Bytes>(Bytes{6, 7});
  for (const std::int16_t version : {std::int16_t{4}, std::int16_t{12}}) {
    const Bytes expected =
        encode_response(api(ApiKey::kFetch), version, 7, fetch_response(false, first, second));
    const Struct body = fetch_response(true, first, second);
    const EncodedFrame frame = encode_response_frame(api(ApiKey::kFetch), version, 7, body);
    ASSERT_EQ(frame.splices.size(), 2u);
    EXPECT_EQ(frame.bytes.size(), expected.size() - 7);
    EXPECT_EQ(frame.size(), expected.size());
    EXPECT_EQ(frame.splices[0].records.data, first->data());  // referred to, not copied
    Bytes joined;
    std::size_t from = 0;
    for (const EncodedFrame::Splice& splice : frame.splices) {
      joined.insert(joined.end(), frame.bytes.begin() + static_cast<std::ptrdiff_t>(from),
                    frame.bytes.begin() + static_cast<std::ptrdiff_t>(splice.at));
      joined.insert(joined.end(), splice.records.data, splice.records.data + splice.records.size);
      from = splice.at;
    }
    joined.insert(joined.end(), frame.bytes.begin() + static_cast<std::ptrdiff_t>(from),
                  frame.bytes.end());
    EXPECT_EQ(joined, expected) << "v" << version;
    // The one-buffer encoder copies them in.
    EXPECT_EQ(encode_response(api(ApiKey::kFetch), version, 7, body), expected) << "v" << version;
  }
}

TEST(CodecTest, EncodesFlexibleFindCoordinatorV3WithResponseHeaderV1) {
  Struct body(api(ApiKey::kFindCoordinator).response);
  body.set_integer("NodeId", 0).set_string("Host", "h").set_integer("Port", 9092);
  const Bytes expected = {
      0x00, 0x00, 0x00, 0x17,  // size 23
      0x00, 0x00, 0x00, 0x09,  // correlation id
      0x00,                    // response header v1 tagged fields
      0x00, 0x00, 0x00, 0x00,  // ThrottleTimeMs
      0x00, 0x00,              // ErrorCode
      0x00,                    // ErrorMessage: compact null
      0x00, 0x00, 0x00, 0x00,  // NodeId
      0x02, 0x68,              // Host "h"
      0x00, 0x00, 0x23, 0x84,  // Port 9092
      0x00,                    // tagged fields
  };
  EXPECT_EQ(encode_response(api(ApiKey::kFindCoordinator), 3, 9, body), expected);
}

TEST(CodecTest, TaggedFieldIsWrittenOnlyWhenSet) {
  Struct body(api(ApiKey::kApiVersions).response);
  body.set_integer("FinalizedFeaturesEpoch", 5);
  const Bytes expected = {
      0x00, 0x00, 0x00, 0x16,  // size 22
      0x00, 0x00, 0x00, 0x00,  // correlation id
      0x00, 0x00, 0x01,        // ErrorCode, ApiKeys empty
      0x00, 0x00, 0x00, 0x00,  // ThrottleTimeMs
      0x01,                    // one tagged field
      0x01, 0x08,              // tag 1, 8 bytes
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
  };
  const Bytes encoded = encode_response(api(ApiKey::kApiVersions), 3, 0, body);
  EXPECT_EQ(encoded, expected);
  std::int32_t correlation = -1;
  auto decoded =
      decode_response(api(ApiKey::kApiVersions), 3, std::span(encoded).subspan(4), correlation);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->integer("FinalizedFeaturesEpoch"), 5);
}

TEST(CodecTest, UnknownTaggedFieldsAreSkipped) {
  const Bytes frame = concat({
      {0x00, 0x0a, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff, 0x00},
      {0x02, 'g'},                     // Key "g"
      {0x00},                          // KeyType 0
      {0x01, 0x07, 0x02, 0xab, 0xcd},  // tag 7 (unknown), 2 bytes
  });
  auto request = decode_request(frame);
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_EQ(request->body.string("Key"), "g");
}

TEST(CodecTest, UnknownApiKeyIsNotFound) {
  const Bytes frame = {0x00, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff};
  auto request = decode_request(frame);
  EXPECT_EQ(request.status().kind(), Status::Kind::kNotFound);
  EXPECT_EQ(request.status().message(), "unknown API key 68");
}

TEST(CodecTest, HostileArrayCountIsRefusedBeforeAllocating) {
  // DescribeGroups v0 claiming 2^31-1 group names in 2 bytes.
  const Bytes frame = {0x00, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
                       0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x00, 0x00};
  auto request = decode_request(frame);
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(request.status().message(),
            "DescribeGroupsRequest v0: Groups at byte 4: array count 2147483647 exceeds the "
            "bytes left");
}

TEST(CodecTest, TruncatedBodyNamesTheField) {
  const Bytes frame = {
      0x00, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
      0xff, 0xff, 0x00, 0x01, 'g',  0x00, 0x00};  // Heartbeat v0 cut in GenerationId
  auto request = decode_request(frame);
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(request.status().message(),
            "HeartbeatRequest v0: GenerationId at byte 3: needs 4 bytes, 2 left");
}

// Every message of every served version survives encode -> decode -> encode unchanged, with
// each field set to something other than its default.
void fill(Struct& message, std::int16_t version, int depth) {
  const StructDef& def = message.def();
  for (const FieldDef& field : def.fields) {
    if (!field.versions.contains(version)) continue;
    switch (field.type) {
      case FieldType::kBool:
        message.set_integer(field.name, 1);
        break;
      case FieldType::kInt8:
      case FieldType::kInt16:
      case FieldType::kInt32:
      case FieldType::kInt64:
        message.set_integer(field.name, 7);
        break;
      case FieldType::kUuid:
        message.set_string(field.name, std::string(16, 'u'));
        break;
      case FieldType::kString:
        message.set_string(field.name, "s-" + field.name);
        break;
      case FieldType::kBytes:
      case FieldType::kRecords:
        message.set_bytes(field.name, {1, 2, 3});
        break;
      case FieldType::kInt32Array:
      case FieldType::kInt64Array:
        message.set_integers(field.name, {1, -1});
        break;
      case FieldType::kStringArray:
        message.set_strings(field.name, {"a", ""});
        break;
      case FieldType::kStructArray:
        if (depth < 4) fill(message.add(field.name), version, depth + 1);
        break;
      case FieldType::kStruct:
        fill(message.child(field.name), version, depth + 1);
        break;
    }
  }
}

TEST(CodecTest, EveryServedVersionRoundTrips) {
  for (const ApiDef& api : api_definitions()) {
    for (std::int16_t version = api.versions.min; version <= api.versions.max; ++version) {
      SCOPED_TRACE(api.name + " v" + std::to_string(version));
      Struct request(api.request);
      fill(request, version, 0);
      const Bytes frame = encode_request(api, version, 42, "client", request);
      auto decoded = decode_request(std::span(frame).subspan(4));
      ASSERT_TRUE(decoded.ok()) << decoded.status().message();
      EXPECT_EQ(encode_request(api, version, 42, "client", decoded->body), frame);

      Struct response(api.response);
      fill(response, version, 0);
      const Bytes encoded = encode_response(api, version, 43, response);
      std::int32_t correlation = 0;
      auto back = decode_response(api, version, std::span(encoded).subspan(4), correlation);
      ASSERT_TRUE(back.ok()) << back.status().message();
      EXPECT_EQ(correlation, 43);
      EXPECT_EQ(encode_response(api, version, 43, *back), encoded);
    }
  }
}

}  // namespace
}  // namespace ferry::broker::protocol
