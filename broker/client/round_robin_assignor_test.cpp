// Cases from Kafka's RoundRobinAssignor javadoc and RoundRobinAssignorTest, with Kafka's expected
// results; Kafka compares these lists in order, and so do these tests.
#include "broker/client/round_robin_assignor.h"

#include <gtest/gtest.h>

#include "broker/client/client_test_util.h"

namespace ferry::broker {
namespace {

using test::static_subscription;
using test::subscription;
using test::tp;
using Partitions = std::vector<TopicPartition>;

const RoundRobinAssignor kAssignor;

std::map<std::string, Partitions> lists(const std::map<std::string, Assignment>& assignment) {
  std::map<std::string, Partitions> result;
  for (const auto& [member, value] : assignment) result[member] = value.partitions;
  return result;
}

TEST(RoundRobinAssignor, NameIsRoundRobin) { EXPECT_EQ(kAssignor.name(), "roundrobin"); }

TEST(RoundRobinAssignor, JavadocExample) {
  const auto assignment =
      kAssignor.assign({{"t0", 3}, {"t1", 3}},
                       {{"C0", subscription({"t0", "t1"})}, {"C1", subscription({"t0", "t1"})}});
  EXPECT_EQ(assignment.at("C0").partitions, (Partitions{tp("t0", 0), tp("t0", 2), tp("t1", 1)}));
  EXPECT_EQ(assignment.at("C1").partitions, (Partitions{tp("t0", 1), tp("t1", 0), tp("t1", 2)}));
}

TEST(RoundRobinAssignor, JavadocExampleWithDifferentSubscriptionsSkipsUnsubscribedMembers) {
  const auto assignment = kAssignor.assign({{"t0", 1}, {"t1", 2}, {"t2", 3}},
                                           {{"C0", subscription({"t0"})},
                                            {"C1", subscription({"t0", "t1"})},
                                            {"C2", subscription({"t0", "t1", "t2"})}});
  EXPECT_EQ(lists(assignment), (std::map<std::string, Partitions>{
                                   {"C0", {tp("t0", 0)}},
                                   {"C1", {tp("t1", 0)}},
                                   {"C2", {tp("t1", 1), tp("t2", 0), tp("t2", 1), tp("t2", 2)}}}));
}

TEST(RoundRobinAssignor, JavadocExampleThreeMembers) {
  const auto assignment =
      kAssignor.assign({{"t0", 3}, {"t1", 3}}, {{"C0", subscription({"t0", "t1"})},
                                                {"C1", subscription({"t0", "t1"})},
                                                {"C2", subscription({"t0", "t1"})}});
  EXPECT_EQ(lists(assignment),
            (std::map<std::string, Partitions>{{"C0", {tp("t0", 0), tp("t1", 0)}},
                                               {"C1", {tp("t0", 1), tp("t1", 1)}},
                                               {"C2", {tp("t0", 2), tp("t1", 2)}}}));
}

TEST(RoundRobinAssignor, OneConsumerNoTopic) {
  const auto assignment = kAssignor.assign({}, {{"consumer", subscription({})}});
  ASSERT_EQ(assignment.size(), 1u);
  EXPECT_TRUE(assignment.at("consumer").partitions.empty());
}

TEST(RoundRobinAssignor, OneConsumerNonexistentTopic) {
  const auto assignment = kAssignor.assign({}, {{"consumer", subscription({"topic"})}});
  ASSERT_EQ(assignment.size(), 1u);
  EXPECT_TRUE(assignment.at("consumer").partitions.empty());
}

TEST(RoundRobinAssignor, OneConsumerOneTopic) {
  const auto assignment = kAssignor.assign({{"topic", 3}}, {{"consumer", subscription({"topic"})}});
  EXPECT_EQ(assignment.at("consumer").partitions,
            (Partitions{tp("topic", 0), tp("topic", 1), tp("topic", 2)}));
}

TEST(RoundRobinAssignor, OnlyAssignsPartitionsFromSubscribedTopics) {
  const auto assignment =
      kAssignor.assign({{"topic", 3}, {"other", 3}}, {{"consumer", subscription({"topic"})}});
  EXPECT_EQ(assignment.at("consumer").partitions,
            (Partitions{tp("topic", 0), tp("topic", 1), tp("topic", 2)}));
}

TEST(RoundRobinAssignor, OneConsumerMultipleTopics) {
  const auto assignment = kAssignor.assign({{"topic1", 1}, {"topic2", 2}},
                                           {{"consumer", subscription({"topic1", "topic2"})}});
  EXPECT_EQ(assignment.at("consumer").partitions,
            (Partitions{tp("topic1", 0), tp("topic2", 0), tp("topic2", 1)}));
}

TEST(RoundRobinAssignor, TwoConsumersOneTopicOnePartition) {
  const auto assignment = kAssignor.assign(
      {{"topic", 1}},
      {{"consumer1", subscription({"topic"})}, {"consumer2", subscription({"topic"})}});
  EXPECT_EQ(assignment.at("consumer1").partitions, (Partitions{tp("topic", 0)}));
  EXPECT_TRUE(assignment.at("consumer2").partitions.empty());
}

TEST(RoundRobinAssignor, TwoConsumersOneTopicTwoPartitions) {
  const auto assignment = kAssignor.assign(
      {{"topic", 2}},
      {{"consumer1", subscription({"topic"})}, {"consumer2", subscription({"topic"})}});
  EXPECT_EQ(assignment.at("consumer1").partitions, (Partitions{tp("topic", 0)}));
  EXPECT_EQ(assignment.at("consumer2").partitions, (Partitions{tp("topic", 1)}));
}

TEST(RoundRobinAssignor, MultipleConsumersMixedTopics) {
  const auto assignment = kAssignor.assign({{"topic1", 3}, {"topic2", 2}},
                                           {{"consumer1", subscription({"topic1"})},
                                            {"consumer2", subscription({"topic1", "topic2"})},
                                            {"consumer3", subscription({"topic1"})}});
  EXPECT_EQ(assignment.at("consumer1").partitions, (Partitions{tp("topic1", 0)}));
  EXPECT_EQ(assignment.at("consumer2").partitions,
            (Partitions{tp("topic1", 1), tp("topic2", 0), tp("topic2", 1)}));
  EXPECT_EQ(assignment.at("consumer3").partitions, (Partitions{tp("topic1", 2)}));
}

TEST(RoundRobinAssignor, TwoDynamicConsumersTwoTopicsSixPartitions) {
  const auto assignment = kAssignor.assign({{"topic1", 3}, {"topic2", 3}},
                                           {{"consumer1", subscription({"topic1", "topic2"})},
                                            {"consumer2", subscription({"topic1", "topic2"})}});
  EXPECT_EQ(assignment.at("consumer1").partitions,
            (Partitions{tp("topic1", 0), tp("topic1", 2), tp("topic2", 1)}));
  EXPECT_EQ(assignment.at("consumer2").partitions,
            (Partitions{tp("topic1", 1), tp("topic2", 0), tp("topic2", 2)}));
}

TEST(RoundRobinAssignor, TwoStaticConsumersAreOrderedByInstanceId) {
  const auto assignment =
      kAssignor.assign({{"topic1", 3}, {"topic2", 3}},
                       {{"consumer-b", static_subscription({"topic1", "topic2"}, "instance1")},
                        {"consumer-a", static_subscription({"topic1", "topic2"}, "instance2")}});
  EXPECT_EQ(assignment.at("consumer-b").partitions,
            (Partitions{tp("topic1", 0), tp("topic1", 2), tp("topic2", 1)}));
  EXPECT_EQ(assignment.at("consumer-a").partitions,
            (Partitions{tp("topic1", 1), tp("topic2", 0), tp("topic2", 2)}));
}

TEST(RoundRobinAssignor, StaticConsumerPrecedesDynamicConsumer) {
  const auto assignment =
      kAssignor.assign({{"topic1", 3}, {"topic2", 3}},
                       {{"consumer-b", static_subscription({"topic1", "topic2"}, "instance1")},
                        {"consumer-a", subscription({"topic1", "topic2"})}});
  EXPECT_EQ(assignment.at("consumer-b").partitions,
            (Partitions{tp("topic1", 0), tp("topic1", 2), tp("topic2", 1)}));
  EXPECT_EQ(assignment.at("consumer-a").partitions,
            (Partitions{tp("topic1", 1), tp("topic2", 0), tp("topic2", 2)}));
}

TEST(RoundRobinAssignor, StaticMemberAssignmentPersistsWhenADynamicMemberIsReplaced) {
  std::map<std::string, Subscription> subscriptions = {
      {"consumer1", static_subscription({"topic1", "topic2"}, "instance1")},
      {"consumer2", static_subscription({"topic1", "topic2"}, "instance2")},
      {"consumer3", static_subscription({"topic1", "topic2"}, "instance3")},
      {"consumer4", subscription({"topic1", "topic2"})}};
  const std::map<std::string, std::int32_t> partitions = {{"topic1", 3}, {"topic2", 3}};
  std::map<std::string, Partitions> expected = {{"consumer1", {tp("topic1", 0), tp("topic2", 1)}},
                                                {"consumer2", {tp("topic1", 1), tp("topic2", 2)}},
                                                {"consumer3", {tp("topic1", 2)}},
                                                {"consumer4", {tp("topic2", 0)}}};
  EXPECT_EQ(lists(kAssignor.assign(partitions, subscriptions)), expected);

  subscriptions.erase("consumer4");
  subscriptions["consumer5"] = subscription({"topic1", "topic2"});
  expected.erase("consumer4");
  expected["consumer5"] = {tp("topic2", 0)};
  EXPECT_EQ(lists(kAssignor.assign(partitions, subscriptions)), expected);
}

TEST(RoundRobinAssignor, StaticMemberAssignmentPersistsAfterMemberIdsChange) {
  std::map<std::string, Subscription> subscriptions = {
      {"consumer1", static_subscription({"topic1", "topic2"}, "instance1")},
      {"consumer2", static_subscription({"topic1", "topic2"}, "instance2")},
      {"consumer3", static_subscription({"topic1", "topic2"}, "instance3")}};
  const std::map<std::string, std::int32_t> partitions = {{"topic1", 5}, {"topic2", 5}};
  auto by_instance = [&] {
    std::map<std::string, Partitions> result;
    const auto assignment = kAssignor.assign(partitions, subscriptions);
    for (const auto& [member, subscription] : subscriptions) {
      result[*subscription.group_instance_id] = assignment.at(member).partitions;
    }
    return result;
  };
  const std::map<std::string, Partitions> expected = {
      {"instance1", {tp("topic1", 0), tp("topic1", 3), tp("topic2", 1), tp("topic2", 4)}},
      {"instance2", {tp("topic1", 1), tp("topic1", 4), tp("topic2", 2)}},
      {"instance3", {tp("topic1", 2), tp("topic2", 0), tp("topic2", 3)}}};
  EXPECT_EQ(by_instance(), expected);

  subscriptions["consumer4"] = subscriptions.at("consumer3");
  subscriptions.erase("consumer3");
  subscriptions["consumer5"] = subscriptions.at("consumer2");
  subscriptions.erase("consumer2");
  EXPECT_EQ(by_instance(), expected);
}

TEST(RoundRobinAssignor, MembersAreDealtInJavaStringOrder) {
  // U+1F600 sorts before U+FFFF in Java (UTF-16), after it in UTF-8 bytes.
  const std::string grinning_face = "\xF0\x9F\x98\x80";
  const std::string last_bmp_character = "\xEF\xBF\xBF";
  const auto assignment = kAssignor.assign({{"t", 1}}, {{last_bmp_character, subscription({"t"})},
                                                        {grinning_face, subscription({"t"})}});
  EXPECT_EQ(assignment.at(grinning_face).partitions, (Partitions{tp("t", 0)}));
  EXPECT_TRUE(assignment.at(last_bmp_character).partitions.empty());
}

}  // namespace
}  // namespace ferry::broker
