// Cases from Kafka's RangeAssignor javadoc and RangeAssignorTest (the non-rack-aware ones), with
// Kafka's expected results.
#include "broker/client/range_assignor.h"

#include <gtest/gtest.h>

#include "broker/client/client_test_util.h"

namespace ferry::broker {
namespace {

using test::as_sets;
using test::describe;
using test::static_subscription;
using test::subscription;
using test::tp;
using Partitions = std::vector<TopicPartition>;

const RangeAssignor kAssignor;

TEST(RangeAssignor, NameIsRange) { EXPECT_EQ(kAssignor.name(), "range"); }

TEST(RangeAssignor, JavadocExample) {
  const auto assignment =
      kAssignor.assign({{"t0", 3}, {"t1", 3}},
                       {{"C0", subscription({"t0", "t1"})}, {"C1", subscription({"t0", "t1"})}});
  EXPECT_EQ(assignment.at("C0").partitions,
            (Partitions{tp("t0", 0), tp("t0", 1), tp("t1", 0), tp("t1", 1)}));
  EXPECT_EQ(assignment.at("C1").partitions, (Partitions{tp("t0", 2), tp("t1", 2)}));
  EXPECT_EQ(assignment.at("C0").user_data, std::nullopt);
}

TEST(RangeAssignor, OneConsumerNoTopic) {
  const auto assignment = kAssignor.assign({}, {{"consumer1", subscription({})}});
  ASSERT_EQ(assignment.size(), 1u);
  EXPECT_TRUE(assignment.at("consumer1").partitions.empty());
}

TEST(RangeAssignor, OneConsumerNonexistentTopic) {
  const auto assignment = kAssignor.assign({}, {{"consumer1", subscription({"topic1"})}});
  ASSERT_EQ(assignment.size(), 1u);
  EXPECT_TRUE(assignment.at("consumer1").partitions.empty());
}

TEST(RangeAssignor, OneConsumerOneTopic) {
  const auto assignment =
      kAssignor.assign({{"topic1", 3}}, {{"consumer1", subscription({"topic1"})}});
  EXPECT_EQ(assignment.at("consumer1").partitions,
            (Partitions{tp("topic1", 0), tp("topic1", 1), tp("topic1", 2)}));
}

TEST(RangeAssignor, OnlyAssignsPartitionsFromSubscribedTopics) {
  const auto assignment =
      kAssignor.assign({{"topic1", 3}, {"other", 3}}, {{"consumer1", subscription({"topic1"})}});
  EXPECT_EQ(assignment.at("consumer1").partitions,
            (Partitions{tp("topic1", 0), tp("topic1", 1), tp("topic1", 2)}));
}

TEST(RangeAssignor, OneConsumerMultipleTopics) {
  const auto assignment = kAssignor.assign({{"topic1", 1}, {"topic2", 2}},
                                           {{"consumer1", subscription({"topic1", "topic2"})}});
  EXPECT_EQ(assignment.at("consumer1").partitions,
            (Partitions{tp("topic1", 0), tp("topic2", 0), tp("topic2", 1)}));
}

TEST(RangeAssignor, TwoConsumersOneTopicOnePartition) {
  const auto assignment = kAssignor.assign(
      {{"topic1", 1}},
      {{"consumer1", subscription({"topic1"})}, {"consumer2", subscription({"topic1"})}});
  EXPECT_EQ(assignment.at("consumer1").partitions, (Partitions{tp("topic1", 0)}));
  EXPECT_TRUE(assignment.at("consumer2").partitions.empty());
}

TEST(RangeAssignor, TwoConsumersOneTopicTwoPartitions) {
  const auto assignment = kAssignor.assign(
      {{"topic1", 2}},
      {{"consumer1", subscription({"topic1"})}, {"consumer2", subscription({"topic1"})}});
  EXPECT_EQ(assignment.at("consumer1").partitions, (Partitions{tp("topic1", 0)}));
  EXPECT_EQ(assignment.at("consumer2").partitions, (Partitions{tp("topic1", 1)}));
}

TEST(RangeAssignor, MultipleConsumersMixedTopics) {
  const auto assignment = kAssignor.assign({{"topic1", 3}, {"topic2", 2}},
                                           {{"consumer1", subscription({"topic1"})},
                                            {"consumer2", subscription({"topic1", "topic2"})},
                                            {"consumer3", subscription({"topic1"})}});
  EXPECT_EQ(assignment.at("consumer1").partitions, (Partitions{tp("topic1", 0)}));
  EXPECT_EQ(assignment.at("consumer2").partitions,
            (Partitions{tp("topic1", 1), tp("topic2", 0), tp("topic2", 1)}));
  EXPECT_EQ(assignment.at("consumer3").partitions, (Partitions{tp("topic1", 2)}));
}

TEST(RangeAssignor, TwoStaticConsumersAreOrderedByInstanceId) {
  // consumer-a sorts first by member id, but consumer-b has the lower instance id.
  const auto assignment =
      kAssignor.assign({{"topic1", 3}, {"topic2", 3}},
                       {{"consumer-b", static_subscription({"topic1", "topic2"}, "instance1")},
                        {"consumer-a", static_subscription({"topic1", "topic2"}, "instance2")}});
  EXPECT_EQ(assignment.at("consumer-b").partitions,
            (Partitions{tp("topic1", 0), tp("topic1", 1), tp("topic2", 0), tp("topic2", 1)}));
  EXPECT_EQ(assignment.at("consumer-a").partitions, (Partitions{tp("topic1", 2), tp("topic2", 2)}));
}

TEST(RangeAssignor, StaticConsumerPrecedesDynamicConsumer) {
  const auto assignment =
      kAssignor.assign({{"topic1", 3}, {"topic2", 3}},
                       {{"consumer-b", static_subscription({"topic1", "topic2"}, "instance1")},
                        {"consumer-a", subscription({"topic1", "topic2"})}});
  EXPECT_EQ(assignment.at("consumer-b").partitions,
            (Partitions{tp("topic1", 0), tp("topic1", 1), tp("topic2", 0), tp("topic2", 1)}));
  EXPECT_EQ(assignment.at("consumer-a").partitions, (Partitions{tp("topic1", 2), tp("topic2", 2)}));
}

TEST(RangeAssignor, StaticMemberAssignmentPersistsWhenADynamicMemberIsReplaced) {
  std::map<std::string, Subscription> subscriptions = {
      {"consumer1", static_subscription({"topic1", "topic2"}, "instance1")},
      {"consumer2", static_subscription({"topic1", "topic2"}, "instance2")},
      {"consumer3", static_subscription({"topic1", "topic2"}, "instance3")},
      {"consumer4", subscription({"topic1", "topic2"})}};
  const std::map<std::string, std::int32_t> partitions = {{"topic1", 5}, {"topic2", 4}};
  std::map<std::string, Partitions> expected = {
      {"consumer1", {tp("topic1", 0), tp("topic1", 1), tp("topic2", 0)}},
      {"consumer2", {tp("topic1", 2), tp("topic2", 1)}},
      {"consumer3", {tp("topic1", 3), tp("topic2", 2)}},
      {"consumer4", {tp("topic1", 4), tp("topic2", 3)}}};
  EXPECT_EQ(as_sets(kAssignor.assign(partitions, subscriptions)), expected);

  subscriptions.erase("consumer4");
  subscriptions["consumer5"] = subscription({"topic1", "topic2"});
  expected["consumer5"] = expected.at("consumer4");
  expected.erase("consumer4");
  EXPECT_EQ(as_sets(kAssignor.assign(partitions, subscriptions)), expected);
}

// checkStaticAssignment(): the assignment keyed by group.instance.id.
std::map<std::string, std::string> by_instance(
    const PartitionAssignor& assignor, const std::map<std::string, std::int32_t>& partitions,
    const std::map<std::string, Subscription>& subscriptions) {
  std::map<std::string, std::string> result;
  const auto assignment = assignor.assign(partitions, subscriptions);
  for (const auto& [member, subscription] : subscriptions) {
    if (subscription.group_instance_id) {
      result[*subscription.group_instance_id] = describe(assignment.at(member).partitions);
    }
  }
  return result;
}

TEST(RangeAssignor, StaticMemberAssignmentPersistsAfterMemberIdsChange) {
  std::map<std::string, Subscription> subscriptions = {
      {"consumer1", static_subscription({"topic1", "topic2"}, "instance1")},
      {"consumer2", static_subscription({"topic1", "topic2"}, "instance2")},
      {"consumer3", static_subscription({"topic1", "topic2"}, "instance3")}};
  const std::map<std::string, std::int32_t> partitions = {{"topic1", 5}, {"topic2", 5}};
  const std::map<std::string, std::string> expected = {
      {"instance1", "topic1-0, topic1-1, topic2-0, topic2-1"},
      {"instance2", "topic1-2, topic1-3, topic2-2, topic2-3"},
      {"instance3", "topic1-4, topic2-4"}};
  EXPECT_EQ(by_instance(kAssignor, partitions, subscriptions), expected);

  subscriptions["consumer4"] = subscriptions.at("consumer3");
  subscriptions.erase("consumer3");
  subscriptions["consumer5"] = subscriptions.at("consumer2");
  subscriptions.erase("consumer2");
  EXPECT_EQ(by_instance(kAssignor, partitions, subscriptions), expected);
}

// verifyNonRackAwareAssignment(): members consumer0, consumer1, ... with the given topics.
std::vector<std::string> assign_numbered(const std::map<std::string, std::int32_t>& partitions,
                                         const std::vector<std::vector<std::string>>& topics) {
  std::map<std::string, Subscription> subscriptions;
  for (std::size_t i = 0; i < topics.size(); ++i) {
    subscriptions["consumer" + std::to_string(i)] = subscription(topics[i]);
  }
  const auto assignment = kAssignor.assign(partitions, subscriptions);
  std::vector<std::string> result;
  for (std::size_t i = 0; i < topics.size(); ++i) {
    result.push_back(describe(assignment.at("consumer" + std::to_string(i)).partitions));
  }
  return result;
}

TEST(RangeAssignor, UniformSubscription) {
  const std::vector<std::string> all = {"t1", "t2", "t3"};
  EXPECT_EQ(assign_numbered({{"t1", 6}, {"t2", 7}, {"t3", 2}}, {all, all, all}),
            (std::vector<std::string>{"t1-0, t1-1, t2-0, t2-1, t2-2, t3-0",
                                      "t1-2, t1-3, t2-3, t2-4, t3-1", "t1-4, t1-5, t2-5, t2-6"}));
}

TEST(RangeAssignor, NonEqualSubscription) {
  const std::vector<std::string> all = {"t1", "t2", "t3"};
  EXPECT_EQ(assign_numbered({{"t1", 6}, {"t2", 7}, {"t3", 2}}, {all, all, {"t1", "t3"}}),
            (std::vector<std::string>{"t1-0, t1-1, t2-0, t2-1, t2-2, t2-3, t3-0",
                                      "t1-2, t1-3, t2-4, t2-5, t2-6, t3-1", "t1-4, t1-5"}));
}

TEST(RangeAssignor, UniformPartitionsAreCoPartitioned) {
  const std::vector<std::string> all = {"t1", "t2", "t3"};
  EXPECT_EQ(assign_numbered({{"t1", 5}, {"t2", 5}, {"t3", 5}}, {all, all, all}),
            (std::vector<std::string>{"t1-0, t1-1, t2-0, t2-1, t3-0, t3-1",
                                      "t1-2, t1-3, t2-2, t2-3, t3-2, t3-3", "t1-4, t2-4, t3-4"}));
  EXPECT_EQ(assign_numbered({{"t1", 5}, {"t2", 5}, {"t3", 5}}, {all, all, {"t1", "t3"}}),
            (std::vector<std::string>{"t1-0, t1-1, t2-0, t2-1, t2-2, t3-0, t3-1",
                                      "t1-2, t1-3, t2-3, t2-4, t3-2, t3-3", "t1-4, t3-4"}));
}

TEST(RangeAssignor, CoPartitioningWithDisjointSubscriptions) {
  EXPECT_EQ(
      assign_numbered({{"t1", 6}, {"t2", 6}, {"t3", 2}, {"t4", 2}},
                      {{"t1", "t2"}, {"t1", "t2"}, {"t3", "t4"}, {"t3", "t4"}}),
      (std::vector<std::string>{"t1-0, t1-1, t1-2, t2-0, t2-1, t2-2",
                                "t1-3, t1-4, t1-5, t2-3, t2-4, t2-5", "t3-0, t4-0", "t3-1, t4-1"}));
}

TEST(RangeAssignor, SubscriptionsToTopicsWithoutMetadataAreIgnored) {
  const std::vector<std::string> topics = {"t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9"};
  EXPECT_EQ(assign_numbered({{"t1", 6}, {"t2", 6}, {"t3", 2}, {"t4", 2}, {"t5", 4}, {"t6", 4}},
                            {topics, topics, topics}),
            (std::vector<std::string>{"t1-0, t1-1, t2-0, t2-1, t3-0, t4-0, t5-0, t5-1, t6-0, t6-1",
                                      "t1-2, t1-3, t2-2, t2-3, t3-1, t4-1, t5-2, t6-2",
                                      "t1-4, t1-5, t2-4, t2-5, t5-3, t6-3"}));
}

TEST(RangeAssignor, TopicWithZeroOrNegativeCountIsNotAssigned) {
  const auto assignment =
      kAssignor.assign({{"empty", 0}, {"broken", -3}}, {{"c", subscription({"empty", "broken"})}});
  EXPECT_TRUE(assignment.at("c").partitions.empty());
}

TEST(RangeAssignor, TopicListedTwiceCountsOnce) {
  const auto assignment =
      kAssignor.assign({{"t", 4}}, {{"c1", subscription({"t", "t"})}, {"c2", subscription({"t"})}});
  EXPECT_EQ(assignment.at("c1").partitions, (Partitions{tp("t", 0), tp("t", 1)}));
  EXPECT_EQ(assignment.at("c2").partitions, (Partitions{tp("t", 2), tp("t", 3)}));
}

}  // namespace
}  // namespace ferry::broker
