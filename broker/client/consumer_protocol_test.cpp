#include "broker/client/consumer_protocol.h"

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "broker/client/client_test_util.h"

namespace ferry::broker {

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

// Appends big-endian integers and length-prefixed strings, to write golden bytes by hand.
class Golden {
 public:
  Golden& int16(std::int16_t value) {
    bytes_.push_back(static_cast<std::uint8_t>((value >> 8) & 0xff));
    bytes_.push_back(static_cast<std::uint8_t>(value & 0xff));
    return *this;
  }
  Golden& int32(std::int32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      bytes_.push_back(static_cast<std::uint8_t>((value >> shift) & 0xff));
    }
    return *this;
  }
  Golden& raw(std::string_view text) {
    bytes_.insert(bytes_.end(), text.begin(), text.end());
    return *this;
  }
  Golden& string(std::string_view text) {
    return int16(static_cast<std::int16_t>(text.size())).raw(text);
  }
  Bytes bytes() const { return bytes_; }

 private:
  Bytes bytes_;
};

// Every field set; topics and owned partitions already in the order the encoder writes them.
Subscription full_subscription() {
  Subscription subscription;
  subscription.topics = {"bar", "foo"};
  subscription.user_data = bytes_of("hello");
  subscription.owned_partitions = {{"bar", 0}, {"foo", 0}, {"foo", 1}};
  subscription.generation_id = 7;
  subscription.rack_id = "rack-a";
  return subscription;
}

// What decoding a version-`version` encoding of full_subscription() must give.
Subscription full_subscription_as_of(std::int16_t version) {
  Subscription expected = full_subscription();
  if (version < 1) expected.owned_partitions.clear();
  if (version < 2) expected.generation_id = kNoGeneration;
  if (version < 3) expected.rack_id.reset();
  return expected;
}

Bytes encode(const Subscription& subscription, std::int16_t version) {
  auto encoded = encode_subscription(subscription, version);
  EXPECT_TRUE(encoded.ok()) << encoded.status().message();
  return encoded.ok() ? *encoded : Bytes{};
}

Bytes encode(const Assignment& assignment, std::int16_t version) {
  auto encoded = encode_assignment(assignment, version);
  EXPECT_TRUE(encoded.ok()) << encoded.status().message();
  return encoded.ok() ? *encoded : Bytes{};
}

TEST(ConsumerProtocolSubscription, RoundTripsEveryVersion) {
  for (std::int16_t version = kConsumerProtocolLowestVersion;
       version <= kConsumerProtocolHighestVersion; ++version) {
    SCOPED_TRACE("version " + std::to_string(version));
    auto decoded = decode_subscription(encode(full_subscription(), version));
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    EXPECT_EQ(*decoded, full_subscription_as_of(version));
  }
}

TEST(ConsumerProtocolSubscription, V0MatchesHandWrittenBytes) {
  // ConsumerProtocolSubscription.json v0: Topics []string, UserData nullable bytes.
  const Bytes expected = Golden()
                             .int16(0)  // version
                             .int32(2)  // topics
                             .string("bar")
                             .string("foo")
                             .int32(5)  // user data
                             .raw("hello")
                             .bytes();
  EXPECT_EQ(encode(full_subscription(), 0), expected);
}

TEST(ConsumerProtocolSubscription, V1SortsTopicsAndGroupsOwnedPartitionsByTopic) {
  Subscription subscription;
  subscription.topics = {"foo", "bar"};
  subscription.owned_partitions = {{"foo", 1}, {"bar", 0}, {"foo", 0}};
  // v1 adds OwnedPartitions []TopicPartition {Topic string, Partitions []int32}.
  const Bytes expected = Golden()
                             .int16(1)
                             .int32(2)
                             .string("bar")
                             .string("foo")
                             .int32(-1)  // null user data
                             .int32(2)   // owned partitions: two topics
                             .string("bar")
                             .int32(1)
                             .int32(0)
                             .string("foo")
                             .int32(2)
                             .int32(0)
                             .int32(1)
                             .bytes();
  EXPECT_EQ(encode(subscription, 1), expected);
}

TEST(ConsumerProtocolSubscription, TopicsJavaCannotTellApartStillEncodeOneWay) {
  // Java decodes each ill-formed UTF-8 byte to U+FFFD, so these three names are the same text
  // to it and compare equal; the encoding must not depend on the order they arrive in. More
  // than 16 topics, because sorting shorter lists is an insertion sort, which keeps ties.
  const std::vector<std::string> names = {"t\xFF", "t\xFE", "t\xC0"};
  Subscription forward;
  Subscription backward;
  for (int i = 0; i < 30; ++i) {
    forward.topics.push_back(names[static_cast<std::size_t>(i) % names.size()]);
    forward.owned_partitions.push_back({names[static_cast<std::size_t>(i) % names.size()], i});
  }
  backward.topics.assign(forward.topics.rbegin(), forward.topics.rend());
  backward.owned_partitions.assign(forward.owned_partitions.rbegin(),
                                   forward.owned_partitions.rend());
  const Bytes encoded = encode(forward, kConsumerProtocolHighestVersion);
  EXPECT_EQ(encode(backward, kConsumerProtocolHighestVersion), encoded);
  auto decoded = decode_subscription(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(encode(*decoded, kConsumerProtocolHighestVersion), encoded);
  // Owned partitions are grouped under one entry per topic, not one per run of a topic.
  int topic_changes = 0;
  for (std::size_t i = 1; i < decoded->owned_partitions.size(); ++i) {
    if (decoded->owned_partitions[i].topic != decoded->owned_partitions[i - 1].topic) {
      ++topic_changes;
    }
  }
  EXPECT_EQ(topic_changes, 2);
}

TEST(ConsumerProtocolSubscription, V3MatchesHandWrittenBytes) {
  Subscription subscription;
  subscription.topics = {"t"};
  subscription.user_data = Bytes{};
  subscription.owned_partitions = {{"t", 3}};
  subscription.generation_id = 42;
  subscription.rack_id = "r1";
  const Bytes expected = Golden()
                             .int16(3)
                             .int32(1)
                             .string("t")
                             .int32(0)  // empty, not null, user data
                             .int32(1)
                             .string("t")
                             .int32(1)
                             .int32(3)
                             .int32(42)     // v2: GenerationId
                             .string("r1")  // v3: RackId
                             .bytes();
  EXPECT_EQ(encode(subscription, 3), expected);
  auto decoded = decode_subscription(expected);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(*decoded, subscription);
}

TEST(ConsumerProtocolSubscription, NullAndEmptyUserDataStayDistinct) {
  Subscription with_null;
  with_null.topics = {"t"};
  Subscription with_empty = with_null;
  with_empty.user_data = Bytes{};
  EXPECT_EQ(decode_subscription(encode(with_null, 3))->user_data, std::nullopt);
  EXPECT_EQ(decode_subscription(encode(with_empty, 3))->user_data, Bytes{});
}

TEST(ConsumerProtocolSubscription, NullRackIsMinusOneAndEmptyRackDecodesAsNoRack) {
  Subscription subscription;
  const Bytes null_rack = encode(subscription, 3);
  ASSERT_GE(null_rack.size(), 2u);
  EXPECT_EQ(null_rack[null_rack.size() - 2], 0xff);
  EXPECT_EQ(null_rack[null_rack.size() - 1], 0xff);

  subscription.rack_id = "";
  auto decoded = decode_subscription(encode(subscription, 3));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->rack_id, std::nullopt);  // as Java's deserializeSubscription
}

TEST(ConsumerProtocolSubscription, VersionAboveHighestIsWrittenAsHighest) {
  EXPECT_EQ(encode(full_subscription(), 9), encode(full_subscription(), 3));
}

TEST(ConsumerProtocolSubscription, FutureVersionIsReadWithTheHighestKnownLayout) {
  // A v100 writer appends fields after RackId; Java reads it with the v3 layout.
  Bytes future = encode(full_subscription(), 3);
  future[0] = 0;
  future[1] = 100;
  const Bytes extra = Golden().string("a field from the future").int32(5).bytes();
  future.insert(future.end(), extra.begin(), extra.end());
  auto decoded = decode_subscription(future);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(*decoded, full_subscription());
}

TEST(ConsumerProtocolSubscription, TrailingBytesAreIgnoredAtOldVersions) {
  Bytes bytes = encode(full_subscription(), 0);
  bytes.push_back(0x7f);
  auto decoded = decode_subscription(bytes);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, full_subscription_as_of(0));
}

TEST(ConsumerProtocolSubscription, NegativeVersionIsRefused) {
  EXPECT_FALSE(encode_subscription(full_subscription(), -1).ok());
  Bytes bytes = encode(full_subscription(), 0);
  bytes[0] = 0xff;
  bytes[1] = 0xff;
  const auto decoded = decode_subscription(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().kind(), Status::Kind::kInvalidArgument);
  EXPECT_NE(decoded.status().message().find("unsupported version -1"), std::string::npos);
}

TEST(ConsumerProtocolSubscription, EveryTruncationIsAnError) {
  for (std::int16_t version = 0; version <= kConsumerProtocolHighestVersion; ++version) {
    const Bytes whole = encode(full_subscription(), version);
    for (std::size_t length = 0; length < whole.size(); ++length) {
      SCOPED_TRACE("version " + std::to_string(version) + ", " + std::to_string(length) + " bytes");
      const auto decoded = decode_subscription(std::span(whole.data(), length));
      EXPECT_FALSE(decoded.ok());
    }
  }
}

TEST(ConsumerProtocolSubscription, ErrorNamesFieldAndByte) {
  const Bytes bytes = Golden().int16(0).int32(1).int16(10).raw("abc").bytes();
  const auto decoded = decode_subscription(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().message(),
            "consumer protocol subscription: topics at byte 8: truncated: needs 10 bytes, 3 left");
}

TEST(ConsumerProtocolSubscription, NegativeStringLengthIsAnError) {
  EXPECT_FALSE(decode_subscription(Golden().int16(0).int32(1).int16(-1).int32(-1).bytes()).ok());
}

TEST(ConsumerProtocolSubscription, NullTopicArrayIsAnError) {
  EXPECT_FALSE(decode_subscription(Golden().int16(0).int32(-1).int32(-1).bytes()).ok());
}

TEST(ConsumerProtocolSubscription, UserDataLengthBelowMinusOneIsAnError) {
  EXPECT_TRUE(decode_subscription(Golden().int16(0).int32(0).int32(-1).bytes()).ok());
  EXPECT_FALSE(decode_subscription(Golden().int16(0).int32(0).int32(-2).bytes()).ok());
  EXPECT_FALSE(decode_subscription(Golden().int16(0).int32(0).int32(INT32_MIN).bytes()).ok());
}

TEST(ConsumerProtocolSubscription, RackLengthBelowMinusOneIsAnError) {
  const Bytes prefix = Golden().int16(3).int32(0).int32(-1).int32(0).int32(5).bytes();
  Bytes null_rack = prefix;
  null_rack.push_back(0xff);
  null_rack.push_back(0xff);
  EXPECT_TRUE(decode_subscription(null_rack).ok());
  Bytes bad_rack = prefix;
  bad_rack.push_back(0xff);
  bad_rack.push_back(0xfe);
  EXPECT_FALSE(decode_subscription(bad_rack).ok());
}

TEST(ConsumerProtocolSubscription, HugeCountsAreErrorsBeforeAnyAllocation) {
  // Under ASan a reserve() of 2^31 strings would abort the test instead of failing it.
  EXPECT_FALSE(decode_subscription(Golden().int16(0).int32(INT32_MAX).string("t").bytes()).ok());
  EXPECT_FALSE(decode_subscription(Golden().int16(0).int32(0).int32(INT32_MAX).bytes()).ok());
  EXPECT_FALSE(
      decode_subscription(Golden().int16(1).int32(0).int32(-1).int32(INT32_MAX).string("t").bytes())
          .ok());
  EXPECT_FALSE(decode_subscription(Golden()
                                       .int16(1)
                                       .int32(0)
                                       .int32(-1)
                                       .int32(1)
                                       .string("t")
                                       .int32(INT32_MAX)
                                       .int32(0)
                                       .bytes())
                   .ok());
  // Exactly as many elements as the bytes can hold is fine.
  EXPECT_TRUE(decode_subscription(Golden().int16(0).int32(1).string("").int32(-1).bytes()).ok());
}

TEST(ConsumerProtocolSubscription, OwnedPartitionOfTopicLongerThanKafkaAllowsIsAnError) {
  const std::string longest(249, 'x');
  const std::string too_long(250, 'x');
  auto owned_by = [](const std::string& topic) {
    return Golden().int16(1).int32(0).int32(-1).int32(1).string(topic).int32(1).int32(0).bytes();
  };
  EXPECT_TRUE(decode_subscription(owned_by(longest)).ok());
  EXPECT_FALSE(decode_subscription(owned_by(too_long)).ok());
  // Subscribed topic names are not partitions: any length the encoding allows is kept.
  Subscription subscription;
  subscription.topics = {std::string(32767, 'y')};
  auto decoded = decode_subscription(encode(subscription, 0));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->topics, subscription.topics);
}

TEST(ConsumerProtocolSubscription, StringLongerThanInt16CannotBeEncoded) {
  Subscription subscription;
  subscription.topics = {std::string(32768, 'y')};
  EXPECT_FALSE(encode_subscription(subscription, 0).ok());
}

TEST(ConsumerProtocolSubscription, AnyNegativeGenerationIsWrittenAsMinusOne) {
  Subscription subscription;
  subscription.generation_id = -42;
  const Bytes expected = Golden().int16(2).int32(0).int32(-1).int32(0).int32(-1).bytes();
  EXPECT_EQ(encode(subscription, 2), expected);
}

TEST(ConsumerProtocolSubscription, GroupInstanceIdIsNotOnTheWire) {
  Subscription subscription = full_subscription();
  subscription.group_instance_id = "instance-1";
  EXPECT_EQ(encode(subscription, 3), encode(full_subscription(), 3));
}

Assignment full_assignment() {
  Assignment assignment;
  assignment.partitions = {{"t1", 2}, {"t0", 0}, {"t1", 0}};
  assignment.user_data = bytes_of("x");
  return assignment;
}

TEST(ConsumerProtocolAssignment, RoundTripsEveryVersionGroupedByFirstAppearance) {
  // Decoding gives the partitions topic by topic, in order of each topic's first appearance.
  const std::vector<TopicPartition> grouped = {{"t1", 2}, {"t1", 0}, {"t0", 0}};
  for (std::int16_t version = kConsumerProtocolLowestVersion;
       version <= kConsumerProtocolHighestVersion; ++version) {
    SCOPED_TRACE("version " + std::to_string(version));
    auto decoded = decode_assignment(encode(full_assignment(), version));
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    EXPECT_EQ(decoded->partitions, grouped);
    EXPECT_EQ(decoded->user_data, full_assignment().user_data);
  }
}

TEST(ConsumerProtocolAssignment, V0MatchesHandWrittenBytes) {
  Assignment assignment = full_assignment();
  assignment.user_data.reset();
  // ConsumerProtocolAssignment.json: AssignedPartitions []TopicPartition, UserData nullable bytes.
  const Bytes expected = Golden()
                             .int16(0)
                             .int32(2)
                             .string("t1")
                             .int32(2)
                             .int32(2)
                             .int32(0)
                             .string("t0")
                             .int32(1)
                             .int32(0)
                             .int32(-1)
                             .bytes();
  EXPECT_EQ(encode(assignment, 0), expected);
}

TEST(ConsumerProtocolAssignment, V1MatchesHandWrittenBytes) {
  const Bytes expected = Golden()
                             .int16(1)
                             .int32(2)
                             .string("t1")
                             .int32(2)
                             .int32(2)
                             .int32(0)
                             .string("t0")
                             .int32(1)
                             .int32(0)
                             .int32(1)
                             .raw("x")
                             .bytes();
  EXPECT_EQ(encode(full_assignment(), 1), expected);
  // Versions 2 and 3 change nothing but the version number.
  Bytes v3 = expected;
  v3[1] = 3;
  EXPECT_EQ(encode(full_assignment(), 3), v3);
}

TEST(ConsumerProtocolAssignment, EmptyAssignmentRoundTrips) {
  const Bytes expected = Golden().int16(3).int32(0).int32(-1).bytes();
  EXPECT_EQ(encode(Assignment{}, 3), expected);
  auto decoded = decode_assignment(expected);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, Assignment{});
}

TEST(ConsumerProtocolAssignment, FutureVersionWithExtraFieldsIsRead) {
  Bytes future = encode(full_assignment(), 3);
  future[0] = 0;
  future[1] = 100;
  const Bytes extra = Golden().string("bar").bytes();  // Kafka's test adds "foo": "bar"
  future.insert(future.end(), extra.begin(), extra.end());
  auto decoded = decode_assignment(future);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->partitions.size(), 3u);
}

TEST(ConsumerProtocolAssignment, EveryTruncationIsAnError) {
  const Bytes whole = encode(full_assignment(), 3);
  for (std::size_t length = 0; length < whole.size(); ++length) {
    SCOPED_TRACE(std::to_string(length) + " bytes");
    EXPECT_FALSE(decode_assignment(std::span(whole.data(), length)).ok());
  }
}

TEST(ConsumerProtocolAssignment, HostileLengthsAreErrors) {
  EXPECT_FALSE(decode_assignment(Golden().int16(-5).int32(0).int32(-1).bytes()).ok());
  EXPECT_FALSE(decode_assignment(Golden().int16(0).int32(-1).int32(-1).bytes()).ok());
  EXPECT_FALSE(decode_assignment(Golden().int16(0).int32(INT32_MAX).int32(-1).bytes()).ok());
  EXPECT_FALSE(
      decode_assignment(Golden().int16(0).int32(1).string("t").int32(-3).int32(-1).bytes()).ok());
  EXPECT_FALSE(
      decode_assignment(Golden().int16(0).int32(1).string("t").int32(INT32_MAX).int32(-1).bytes())
          .ok());
  EXPECT_FALSE(
      decode_assignment(Golden().int16(0).int32(1).int16(-1).int32(0).int32(-1).bytes()).ok());
  EXPECT_FALSE(decode_assignment(Golden().int16(0).int32(0).int32(-7).bytes()).ok());
}

}  // namespace
}  // namespace ferry::broker
