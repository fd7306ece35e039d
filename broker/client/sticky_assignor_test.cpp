// The sticky assignor: its user data format, cases from Kafka's StickyAssignor javadoc,
// AbstractStickyAssignorTest and StickyAssignorTest with Kafka's expected results, and balance
// and stickiness over many random rebalances (members joining and leaving, topics appearing,
// growing and disappearing, subscriptions changing) from a fixed seed.
#include "broker/client/sticky_assignor.h"

#include <algorithm>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "broker/client/client_test_util.h"

namespace ferry::broker {
namespace {

using test::as_sets;
using test::sorted;
using test::subscription;
using test::tp;
using Bytes = std::vector<std::uint8_t>;
using Partitions = std::vector<TopicPartition>;
using Subscriptions = std::map<std::string, Subscription>;
using PartitionCounts = std::map<std::string, std::int32_t>;

const StickyAssignor kAssignor;

Bytes user_data(const Partitions& partitions, std::int32_t generation) {
  auto encoded = encode_sticky_user_data(partitions, generation);
  EXPECT_TRUE(encoded.ok());
  return encoded.ok() ? *encoded : Bytes{};
}

// What a Java consumer of protocol v2+ sends (StickyAssignorTest.buildSubscriptionV2Above).
Subscription previous(std::vector<std::string> topics, const Partitions& partitions,
                      std::int32_t generation) {
  Subscription result = subscription(std::move(topics));
  result.user_data = user_data(partitions, generation);
  result.owned_partitions = partitions;
  result.generation_id = generation;
  return result;
}

// Protocol v0 carries only the user data (buildSubscriptionV0).
Subscription previous_v0(std::vector<std::string> topics, const Partitions& partitions,
                         std::int32_t generation) {
  Subscription result = subscription(std::move(topics));
  result.user_data = user_data(partitions, generation);
  return result;
}

// A Ferry member that reports ownership only in the v1+ fields.
Subscription previous_owned_only(std::vector<std::string> topics, const Partitions& partitions,
                                 std::int32_t generation) {
  Subscription result = subscription(std::move(topics));
  result.owned_partitions = partitions;
  result.generation_id = generation;
  return result;
}

std::map<std::string, Partitions> lists(const std::map<std::string, Assignment>& assignment) {
  std::map<std::string, Partitions> result;
  for (const auto& [member, value] : assignment) result[member] = value.partitions;
  return result;
}

bool contains_all(const Partitions& haystack, const Partitions& needles) {
  return std::all_of(needles.begin(), needles.end(), [&](const TopicPartition& needle) {
    return std::find(haystack.begin(), haystack.end(), needle) != haystack.end();
  });
}

bool is_fully_balanced(const std::map<std::string, Assignment>& assignment) {
  std::size_t min = SIZE_MAX;
  std::size_t max = 0;
  for (const auto& [member, value] : assignment) {
    min = std::min(min, value.partitions.size());
    max = std::max(max, value.partitions.size());
  }
  return max <= min + 1;
}

// Kafka's verifyValidityAndBalance(), plus completeness: every partition of a subscribed topic
// goes to exactly one member subscribed to it, and members with two or more partitions apart
// have no topic in common among their partitions.
void verify_validity_and_balance(const Subscriptions& subscriptions,
                                 const std::map<std::string, Assignment>& assignment,
                                 const PartitionCounts& counts) {
  ASSERT_EQ(assignment.size(), subscriptions.size());
  std::set<TopicPartition> seen;
  std::set<std::string> subscribed;
  for (const auto& [member, value] : assignment) {
    const std::vector<std::string>& topics = subscriptions.at(member).topics;
    subscribed.insert(topics.begin(), topics.end());
    for (const TopicPartition& partition : value.partitions) {
      EXPECT_NE(std::find(topics.begin(), topics.end(), partition.topic), topics.end())
          << member << " got " << to_string(partition) << " without subscribing to its topic";
      EXPECT_TRUE(seen.insert(partition).second) << to_string(partition) << " assigned twice";
      const auto count = counts.find(partition.topic);
      EXPECT_TRUE(count != counts.end() && partition.partition >= 0 &&
                  partition.partition < count->second)
          << to_string(partition) << " does not exist";
    }
  }
  for (const auto& [topic, count] : counts) {
    if (!subscribed.contains(topic)) continue;
    for (std::int32_t p = 0; p < count; ++p) {
      EXPECT_TRUE(seen.contains({topic, p})) << topic << "-" << p << " not assigned";
    }
  }
  for (auto a = assignment.begin(); a != assignment.end(); ++a) {
    for (auto b = std::next(a); b != assignment.end(); ++b) {
      const std::size_t size_a = a->second.partitions.size();
      const std::size_t size_b = b->second.partitions.size();
      if (size_a <= size_b + 1 && size_b <= size_a + 1) continue;
      std::set<std::string> topics_a;
      for (const TopicPartition& partition : a->second.partitions) topics_a.insert(partition.topic);
      for (const TopicPartition& partition : b->second.partitions) {
        EXPECT_FALSE(topics_a.contains(partition.topic))
            << a->first << " (" << size_a << ") and " << b->first << " (" << size_b
            << ") could be balanced by moving a partition of " << partition.topic;
      }
    }
  }
}

// Kafka's isSticky(): no two members swapped partitions of one topic (a partition moving a -> b
// while another moves b -> a), counting only partitions the old owner could have kept.
bool no_swaps(const std::map<std::string, Assignment>& before,
              const std::map<std::string, Assignment>& after, const Subscriptions& subscriptions) {
  std::map<TopicPartition, std::string> old_owner;
  for (const auto& [member, value] : before) {
    if (!subscriptions.contains(member)) continue;
    for (const TopicPartition& partition : value.partitions) old_owner[partition] = member;
  }
  std::set<std::tuple<std::string, std::string, std::string>> moves;  // topic, from, to
  for (const auto& [member, value] : after) {
    for (const TopicPartition& partition : value.partitions) {
      const auto found = old_owner.find(partition);
      if (found == old_owner.end() || found->second == member) continue;
      const std::vector<std::string>& topics = subscriptions.at(found->second).topics;
      if (std::find(topics.begin(), topics.end(), partition.topic) == topics.end()) continue;
      moves.insert({partition.topic, found->second, member});
    }
  }
  for (const auto& [topic, from, to] : moves) {
    if (moves.contains({topic, to, from})) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// User data

TEST(StickyUserData, MatchesHandWrittenV1Bytes) {
  // StickyAssignor.STICKY_ASSIGNOR_USER_DATA_V1: previous_assignment [topic, [partition]],
  // generation; no version prefix.
  const Bytes expected = {0, 0, 0,   2,                                        // two topics
                          0, 2, 't', '0', 0, 0, 0, 1, 0, 0, 0, 0,              // t0: [0]
                          0, 2, 't', '1', 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0,  // t1: [2, 0]
                          0, 0, 0,   5};                                       // generation 5
  EXPECT_EQ(user_data({tp("t1", 2), tp("t0", 0), tp("t1", 0)}, 5), expected);
  auto decoded = decode_sticky_user_data(expected);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->partitions, (Partitions{tp("t0", 0), tp("t1", 2), tp("t1", 0)}));
  EXPECT_EQ(decoded->generation, 5);
}

TEST(StickyUserData, TopicsJavaCannotTellApartKeepTheirOwnNames) {
  // Both names decode to "t\uFFFD" in Java; they are still two topics, and each partition keeps
  // its own.
  const Partitions owned = {tp("t\xFF", 0), tp("t\xFE", 1)};
  auto decoded = decode_sticky_user_data(user_data(owned, 3));
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->partitions, (Partitions{tp("t\xFE", 1), tp("t\xFF", 0)}));
}

TEST(StickyUserData, V0HasNoGeneration) {
  const Bytes v0 = {0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 1, 0, 0, 0, 3};
  auto decoded = decode_sticky_user_data(v0);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->partitions, (Partitions{tp("t", 3)}));
  EXPECT_EQ(decoded->generation, std::nullopt);
}

TEST(StickyUserData, GarbageIsAnError) {
  EXPECT_FALSE(decode_sticky_user_data(Bytes{0, 0}).ok());
  EXPECT_FALSE(decode_sticky_user_data(Bytes{0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0}).ok());
  EXPECT_FALSE(decode_sticky_user_data(Bytes{0, 0, 0, 1, 0xff, 0xff, 0, 0, 0, 0}).ok());
}

// ---------------------------------------------------------------------------------------------
// Kafka's documented and tested cases

TEST(StickyAssignor, NameIsSticky) { EXPECT_EQ(kAssignor.name(), "sticky"); }

TEST(StickyAssignor, JavadocExample1KeepsEveryPartitionWhenAMemberLeaves) {
  const PartitionCounts counts = {{"t0", 2}, {"t1", 2}, {"t2", 2}, {"t3", 2}};
  const std::vector<std::string> all = {"t0", "t1", "t2", "t3"};
  Subscriptions subscriptions = {
      {"C0", subscription(all)}, {"C1", subscription(all)}, {"C2", subscription(all)}};
  const auto first = kAssignor.assign(counts, subscriptions);
  EXPECT_EQ(lists(first),
            (std::map<std::string, Partitions>{{"C0", {tp("t0", 0), tp("t1", 1), tp("t3", 0)}},
                                               {"C1", {tp("t0", 1), tp("t2", 0), tp("t3", 1)}},
                                               {"C2", {tp("t1", 0), tp("t2", 1)}}}));

  subscriptions = {{"C0", previous(all, first.at("C0").partitions, 1)},
                   {"C2", previous(all, first.at("C2").partitions, 1)}};
  const auto second = kAssignor.assign(counts, subscriptions);
  EXPECT_TRUE(contains_all(second.at("C0").partitions, first.at("C0").partitions));
  EXPECT_TRUE(contains_all(second.at("C2").partitions, first.at("C2").partitions));
  EXPECT_EQ(second.at("C0").partitions.size(), 4u);
  EXPECT_EQ(second.at("C2").partitions.size(), 4u);
}

TEST(StickyAssignor, JavadocExample2BalancesBetterThanRoundRobin) {
  const PartitionCounts counts = {{"t0", 1}, {"t1", 2}, {"t2", 3}};
  Subscriptions subscriptions = {{"C0", subscription({"t0"})},
                                 {"C1", subscription({"t0", "t1"})},
                                 {"C2", subscription({"t0", "t1", "t2"})}};
  const auto first = kAssignor.assign(counts, subscriptions);
  EXPECT_EQ(lists(first),
            (std::map<std::string, Partitions>{{"C0", {tp("t0", 0)}},
                                               {"C1", {tp("t1", 0), tp("t1", 1)}},
                                               {"C2", {tp("t2", 0), tp("t2", 1), tp("t2", 2)}}}));

  subscriptions = {{"C1", previous({"t0", "t1"}, first.at("C1").partitions, 1)},
                   {"C2", previous({"t0", "t1", "t2"}, first.at("C2").partitions, 1)}};
  EXPECT_EQ(lists(kAssignor.assign(counts, subscriptions)),
            (std::map<std::string, Partitions>{{"C1", {tp("t1", 0), tp("t1", 1), tp("t0", 0)}},
                                               {"C2", {tp("t2", 0), tp("t2", 1), tp("t2", 2)}}}));
}

TEST(StickyAssignor, OneConsumerNoTopicOrNonexistentTopic) {
  EXPECT_TRUE(
      kAssignor.assign({}, {{"consumer", subscription({})}}).at("consumer").partitions.empty());
  EXPECT_TRUE(kAssignor.assign({}, {{"consumer", subscription({"topic"})}})
                  .at("consumer")
                  .partitions.empty());
}

TEST(StickyAssignor, OneConsumerOneTopicAndOnlySubscribedTopics) {
  const auto assignment =
      kAssignor.assign({{"topic", 3}, {"other", 3}}, {{"consumer", subscription({"topic"})}});
  EXPECT_EQ(assignment.at("consumer").partitions,
            (Partitions{tp("topic", 0), tp("topic", 1), tp("topic", 2)}));
}

TEST(StickyAssignor, OneConsumerMultipleTopics) {
  const auto assignment = kAssignor.assign({{"topic1", 1}, {"topic2", 2}},
                                           {{"consumer", subscription({"topic1", "topic2"})}});
  EXPECT_EQ(assignment.at("consumer").partitions,
            (Partitions{tp("topic1", 0), tp("topic2", 0), tp("topic2", 1)}));
}

TEST(StickyAssignor, TwoConsumersOneTopic) {
  const Subscriptions both = {{"consumer1", subscription({"topic"})},
                              {"consumer2", subscription({"topic"})}};
  auto one = kAssignor.assign({{"topic", 1}}, both);
  EXPECT_EQ(one.at("consumer1").partitions, (Partitions{tp("topic", 0)}));
  EXPECT_TRUE(one.at("consumer2").partitions.empty());
  auto two = kAssignor.assign({{"topic", 2}}, both);
  EXPECT_EQ(two.at("consumer1").partitions, (Partitions{tp("topic", 0)}));
  EXPECT_EQ(two.at("consumer2").partitions, (Partitions{tp("topic", 1)}));
}

TEST(StickyAssignor, MultipleConsumersMixedTopicSubscriptions) {
  const Subscriptions subscriptions = {{"consumer1", subscription({"topic1"})},
                                       {"consumer2", subscription({"topic1", "topic2"})},
                                       {"consumer3", subscription({"topic1"})}};
  const PartitionCounts counts = {{"topic1", 3}, {"topic2", 2}};
  const auto assignment = kAssignor.assign(counts, subscriptions);
  EXPECT_EQ(lists(assignment),
            (std::map<std::string, Partitions>{{"consumer1", {tp("topic1", 0), tp("topic1", 2)}},
                                               {"consumer2", {tp("topic2", 0), tp("topic2", 1)}},
                                               {"consumer3", {tp("topic1", 1)}}}));
  verify_validity_and_balance(subscriptions, assignment, counts);
}

TEST(StickyAssignor, TwoConsumersTwoTopicsSixPartitions) {
  const auto assignment = kAssignor.assign({{"topic1", 3}, {"topic2", 3}},
                                           {{"consumer1", subscription({"topic1", "topic2"})},
                                            {"consumer2", subscription({"topic1", "topic2"})}});
  EXPECT_EQ(assignment.at("consumer1").partitions,
            (Partitions{tp("topic1", 0), tp("topic1", 2), tp("topic2", 1)}));
  EXPECT_EQ(assignment.at("consumer2").partitions,
            (Partitions{tp("topic1", 1), tp("topic2", 0), tp("topic2", 2)}));
}

TEST(StickyAssignor, ConsumerOwningMinQuotaExpectedMaxQuota) {
  const std::vector<std::string> topics = {"topic1", "topic2"};
  const auto assignment =
      kAssignor.assign({{"topic1", 2}, {"topic2", 3}},
                       {{"consumer1", previous(topics, {tp("topic1", 0), tp("topic2", 1)}, 1)},
                        {"consumer2", previous(topics, {tp("topic1", 1), tp("topic2", 2)}, 1)}});
  EXPECT_EQ(assignment.at("consumer1").partitions,
            (Partitions{tp("topic1", 0), tp("topic2", 1), tp("topic2", 0)}));
  EXPECT_EQ(assignment.at("consumer2").partitions, (Partitions{tp("topic1", 1), tp("topic2", 2)}));
}

TEST(StickyAssignor, MaxQuotaConsumersBeyondTheExpectedNumberFollowJavaHashMapOrder) {
  // Both consumer1 and consumer2 own two partitions, but only one member may keep two. Java
  // visits consumer2 first (its HashMap bucket comes first), so consumer2 keeps both.
  const std::vector<std::string> topics = {"topic1", "topic2"};
  const auto assignment =
      kAssignor.assign({{"topic1", 2}, {"topic2", 2}},
                       {{"consumer1", previous(topics, {tp("topic1", 0), tp("topic2", 0)}, 1)},
                        {"consumer2", previous(topics, {tp("topic1", 1), tp("topic2", 1)}, 1)},
                        {"consumer3", previous(topics, {}, 1)}});
  EXPECT_EQ(assignment.at("consumer1").partitions, (Partitions{tp("topic1", 0)}));
  EXPECT_EQ(assignment.at("consumer2").partitions, (Partitions{tp("topic1", 1), tp("topic2", 1)}));
  EXPECT_EQ(assignment.at("consumer3").partitions, (Partitions{tp("topic2", 0)}));
}

TEST(StickyAssignor, AllConsumersAreUnderMinQuota) {
  const std::vector<std::string> topics = {"topic1", "topic2"};
  const auto assignment = kAssignor.assign({{"topic1", 2}, {"topic2", 3}},
                                           {{"consumer1", previous(topics, {tp("topic1", 0)}, 1)},
                                            {"consumer2", previous(topics, {tp("topic1", 1)}, 1)},
                                            {"consumer3", previous(topics, {}, 1)}});
  EXPECT_EQ(assignment.at("consumer1").partitions, (Partitions{tp("topic1", 0), tp("topic2", 1)}));
  EXPECT_EQ(assignment.at("consumer2").partitions, (Partitions{tp("topic1", 1), tp("topic2", 2)}));
  EXPECT_EQ(assignment.at("consumer3").partitions, (Partitions{tp("topic2", 0)}));
}

TEST(StickyAssignor, AddRemoveConsumerOneTopic) {
  const PartitionCounts counts = {{"topic", 3}};
  auto assignment = kAssignor.assign(counts, {{"consumer1", subscription({"topic"})}});
  EXPECT_EQ(assignment.at("consumer1").partitions,
            (Partitions{tp("topic", 0), tp("topic", 1), tp("topic", 2)}));

  assignment = kAssignor.assign(
      counts, {{"consumer1", previous({"topic"}, assignment.at("consumer1").partitions, 1)},
               {"consumer2", previous({"topic"}, {}, 1)}});
  EXPECT_EQ(assignment.at("consumer1").partitions, (Partitions{tp("topic", 0), tp("topic", 1)}));
  EXPECT_EQ(assignment.at("consumer2").partitions, (Partitions{tp("topic", 2)}));

  assignment = kAssignor.assign(
      counts, {{"consumer2", previous({"topic"}, assignment.at("consumer2").partitions, 1)}});
  EXPECT_EQ(sorted(assignment.at("consumer2").partitions),
            (Partitions{tp("topic", 0), tp("topic", 1), tp("topic", 2)}));
}

TEST(StickyAssignor, PartitionClaimedByTwoMembersOfOneGenerationGoesToNeither) {
  const Subscriptions subscriptions = {
      {"consumer1", previous({"topic"}, {tp("topic", 0), tp("topic", 1)}, 1)},
      {"consumer2", previous({"topic"}, {tp("topic", 0), tp("topic", 2)}, 1)},
      {"consumer3", previous({"topic"}, {}, 1)}};
  auto three = kAssignor.assign({{"topic", 3}}, subscriptions);
  EXPECT_EQ(three.at("consumer1").partitions, (Partitions{tp("topic", 1)}));
  EXPECT_EQ(three.at("consumer2").partitions, (Partitions{tp("topic", 2)}));
  EXPECT_EQ(three.at("consumer3").partitions, (Partitions{tp("topic", 0)}));

  auto four = kAssignor.assign({{"topic", 4}}, subscriptions);
  EXPECT_EQ(four.at("consumer1").partitions, (Partitions{tp("topic", 1), tp("topic", 3)}));
  EXPECT_EQ(four.at("consumer2").partitions, (Partitions{tp("topic", 2)}));
  EXPECT_EQ(four.at("consumer3").partitions, (Partitions{tp("topic", 0)}));
}

TEST(StickyAssignor, AllConsumersReachExpectedQuotaAndAreConsideredFilled) {
  const auto assignment = kAssignor.assign(
      {{"topic", 4}}, {{"consumer1", previous({"topic"}, {tp("topic", 0), tp("topic", 1)}, 1)},
                       {"consumer2", previous({"topic"}, {tp("topic", 2)}, 1)},
                       {"consumer3", previous({"topic"}, {}, 1)}});
  EXPECT_EQ(assignment.at("consumer1").partitions, (Partitions{tp("topic", 0), tp("topic", 1)}));
  EXPECT_EQ(assignment.at("consumer2").partitions, (Partitions{tp("topic", 2)}));
  EXPECT_EQ(assignment.at("consumer3").partitions, (Partitions{tp("topic", 3)}));
  EXPECT_TRUE(is_fully_balanced(assignment));
}

TEST(StickyAssignor, OwnedPartitionsOfAStaleOrMissingGenerationAreInvalidated) {
  const std::vector<std::string> topics = {"topic", "topic2"};
  const Partitions claimed = {tp("topic", 0), tp("topic", 2), tp("topic2", 1)};
  for (const std::int32_t stale : {9, -1}) {
    SCOPED_TRACE("stale generation " + std::to_string(stale));
    const auto assignment = kAssignor.assign({{"topic", 3}, {"topic2", 3}},
                                             {{"consumer1", previous(topics, claimed, 10)},
                                              {"consumer2", previous(topics, claimed, stale)}});
    EXPECT_EQ(sorted(assignment.at("consumer1").partitions), sorted(claimed));
    EXPECT_EQ(sorted(assignment.at("consumer2").partitions),
              (Partitions{tp("topic", 1), tp("topic2", 0), tp("topic2", 2)}));
  }
}

TEST(StickyAssignor, OwnedPartitionsAreInvalidatedForConsumerWithMultipleGeneration) {
  const std::vector<std::string> topics = {"topic", "topic2"};
  const auto assignment = kAssignor.assign(
      {{"topic", 3}, {"topic2", 3}},
      {{"consumer1", previous(topics, {tp("topic", 0), tp("topic2", 1), tp("topic", 1)}, 10)},
       {"consumer2", previous(topics, {tp("topic", 0), tp("topic2", 1), tp("topic2", 2)}, 8)}});
  EXPECT_EQ(sorted(assignment.at("consumer1").partitions),
            (Partitions{tp("topic", 0), tp("topic", 1), tp("topic2", 1)}));
  EXPECT_EQ(sorted(assignment.at("consumer2").partitions),
            (Partitions{tp("topic", 2), tp("topic2", 0), tp("topic2", 2)}));
}

TEST(StickyAssignor, PartitionsGoToTheHighestGeneration) {
  const std::vector<std::string> topics = {"topic", "topic2", "topic3"};
  const auto assignment = kAssignor.assign(
      {{"topic", 3}, {"topic2", 3}, {"topic3", 3}},
      {{"consumer1", previous(topics, {tp("topic", 0), tp("topic2", 0), tp("topic3", 0)}, 10)},
       {"consumer2", previous(topics, {tp("topic", 1), tp("topic2", 1), tp("topic3", 1)}, 9)},
       {"consumer3", previous(topics, {tp("topic2", 1), tp("topic3", 0), tp("topic3", 2)}, 8)}});
  EXPECT_EQ(sorted(assignment.at("consumer1").partitions),
            (Partitions{tp("topic", 0), tp("topic2", 0), tp("topic3", 0)}));
  EXPECT_EQ(sorted(assignment.at("consumer2").partitions),
            (Partitions{tp("topic", 1), tp("topic2", 1), tp("topic3", 1)}));
  EXPECT_EQ(sorted(assignment.at("consumer3").partitions),
            (Partitions{tp("topic", 2), tp("topic2", 2), tp("topic3", 2)}));
}

TEST(StickyAssignor, NoReassignmentOnCurrentMembers) {
  const std::vector<std::string> topics = {"topic", "topic2", "topic3", "topic1"};
  const auto assignment = kAssignor.assign(
      {{"topic", 3}, {"topic1", 3}, {"topic2", 3}, {"topic3", 3}},
      {{"consumer1", previous(topics, {}, -1)},
       {"consumer2", previous(topics, {tp("topic", 0), tp("topic2", 0), tp("topic1", 0)}, 9)},
       {"consumer3", previous(topics, {tp("topic3", 2), tp("topic2", 2), tp("topic1", 1)}, 8)},
       {"consumer4", previous(topics, {tp("topic3", 1), tp("topic", 1), tp("topic", 2)}, 7)}});
  EXPECT_EQ(sorted(assignment.at("consumer1").partitions),
            (Partitions{tp("topic1", 2), tp("topic2", 1), tp("topic3", 0)}));
}

TEST(StickyAssignor, OldSubscriptionVersionsCarryOwnershipInUserData) {
  // StickyAssignorTest.testAssignorWithOldVersionSubscriptions: v0 members have only user data.
  Subscription v1 = previous({"topic1"}, {tp("topic1", 1)}, 1);
  v1.generation_id = kNoGeneration;
  const auto assignment = kAssignor.assign(
      {{"topic1", 3}}, {{"consumer1", previous_v0({"topic1"}, {tp("topic1", 0)}, 1)},
                        {"consumer2", v1},
                        {"consumer3", previous({"topic1"}, {}, 1)}});
  EXPECT_EQ(assignment.at("consumer1").partitions, (Partitions{tp("topic1", 0)}));
  EXPECT_EQ(assignment.at("consumer2").partitions, (Partitions{tp("topic1", 1)}));
  EXPECT_EQ(assignment.at("consumer3").partitions, (Partitions{tp("topic1", 2)}));
}

TEST(StickyAssignor, UserDataWithoutGenerationIsStillHonoured) {
  // testSchemaBackwardCompatibility: a member writing the V0 user data schema.
  Subscription old_schema = subscription({"topic"});
  old_schema.user_data = Bytes{0, 0, 0, 1, 0, 5, 't', 'o', 'p', 'i', 'c', 0, 0, 0, 1, 0, 0, 0, 1};
  const auto assignment = kAssignor.assign(
      {{"topic", 3}}, {{"consumer1", previous({"topic"}, {tp("topic", 0), tp("topic", 2)}, 1)},
                       {"consumer2", old_schema},
                       {"consumer3", subscription({"topic"})}});
  EXPECT_EQ(assignment.at("consumer2").partitions, (Partitions{tp("topic", 1)}));
  EXPECT_EQ(assignment.at("consumer1").partitions.size(), 1u);
  EXPECT_TRUE(
      contains_all({tp("topic", 0), tp("topic", 2)}, assignment.at("consumer1").partitions));
}

TEST(StickyAssignor, UserDataWinsOverOwnedPartitions) {
  // testMemberDataWithInconsistentData: Java honours the user data of an eager member.
  Subscription member = previous({"topic"}, {tp("topic", 1)}, 1);
  member.owned_partitions = {tp("topic", 0)};
  const auto assignment = kAssignor.assign(
      {{"topic", 2}}, {{"consumer1", member}, {"consumer2", subscription({"topic"})}});
  EXPECT_EQ(assignment.at("consumer1").partitions, (Partitions{tp("topic", 1)}));
}

TEST(StickyAssignor, OwnedPartitionsAreUsedWithoutUserData) {
  const auto assignment = kAssignor.assign(
      {{"topic", 2}}, {{"consumer1", previous_owned_only({"topic"}, {tp("topic", 1)}, 3)},
                       {"consumer2", subscription({"topic"})}});
  EXPECT_EQ(assignment.at("consumer1").partitions, (Partitions{tp("topic", 1)}));
  EXPECT_EQ(assignment.at("consumer2").partitions, (Partitions{tp("topic", 0)}));
}

TEST(StickyAssignor, UnreadableUserDataMeansNoPreviousAssignment) {
  Subscription garbage = subscription({"topic"});
  garbage.user_data = Bytes{1, 2, 3};
  garbage.owned_partitions = {tp("topic", 1)};  // not consulted: the user data was present
  const auto assignment = kAssignor.assign(
      {{"topic", 2}}, {{"consumer1", garbage}, {"consumer2", subscription({"topic"})}});
  EXPECT_EQ(assignment.at("consumer1").partitions, (Partitions{tp("topic", 0)}));
}

TEST(StickyAssignor, ClaimsOnPartitionsThatDoNotExistAreIgnored) {
  const auto assignment = kAssignor.assign(
      {{"topic", 2}},
      {{"consumer1", previous({"topic"}, {tp("topic", 7), tp("topic", -1), tp("gone", 0)}, 1)},
       {"consumer2", previous({"topic"}, {tp("topic", 0), tp("topic", 0)}, 1)}});
  EXPECT_EQ(assignment.at("consumer1").partitions, (Partitions{tp("topic", 1)}));
  EXPECT_EQ(assignment.at("consumer2").partitions, (Partitions{tp("topic", 0)}));
}

TEST(StickyAssignor, MemberSubscribedToNothingGetsNothing) {
  // Java treats these subscriptions as equal when it visits the empty one first.
  for (const std::string empty_member : {"a", "z"}) {
    const Subscriptions subscriptions = {{empty_member, subscription({})},
                                         {"m", subscription({"topic"})}};
    const auto assignment = kAssignor.assign({{"topic", 4}}, subscriptions);
    EXPECT_TRUE(assignment.at(empty_member).partitions.empty());
    EXPECT_EQ(assignment.at("m").partitions.size(), 4u);
  }
}

TEST(StickyAssignor, TopicsMissingFromMetadataAreSkipped) {
  const auto assignment =
      kAssignor.assign({{"topic1", 1}, {"topic3", 100}},
                       {{"consumer", subscription({"topic1", "topic2", "topic3"})}});
  EXPECT_EQ(assignment.at("consumer").partitions.size(), 101u);
  const auto none = kAssignor.assign(
      {}, {{"consumer", previous({"topic"}, {tp("topic", 0), tp("topic", 1)}, 1)}});
  EXPECT_TRUE(none.at("consumer").partitions.empty());
}

TEST(StickyAssignor, StickinessWhenTheLeaderLeaves) {
  // testStickiness: four members, three partitions; the member left without one keeps none.
  const PartitionCounts counts = {{"topic1", 3}};
  Subscriptions subscriptions;
  for (const std::string member : {"consumer1", "consumer2", "consumer3", "consumer4"}) {
    subscriptions[member] = subscription({"topic1"});
  }
  const auto first = kAssignor.assign(counts, subscriptions);
  verify_validity_and_balance(subscriptions, first, counts);
  subscriptions.erase("consumer1");
  for (auto& [member, value] : subscriptions) {
    value = previous({"topic1"}, first.at(member).partitions, 1);
  }
  const auto second = kAssignor.assign(counts, subscriptions);
  verify_validity_and_balance(subscriptions, second, counts);
  for (const auto& [member, value] : second) {
    EXPECT_EQ(value.partitions.size(), 1u);
    EXPECT_TRUE(contains_all(value.partitions, first.at(member).partitions)) << member;
  }
}

TEST(StickyAssignor, ReassignmentAfterOneConsumerLeavesNestedSubscriptions) {
  // testReassignmentAfterOneConsumerLeaves: consumer i subscribes to topics 1..i, topic i has i
  // partitions.
  PartitionCounts counts;
  Subscriptions subscriptions;
  auto name = [](const char* prefix, int i) {
    return std::string(prefix) + (i < 10 ? "0" : "") + std::to_string(i);
  };
  for (int i = 1; i < 20; ++i) {
    counts[name("topic", i)] = i;
    std::vector<std::string> topics;
    for (int j = 1; j <= i; ++j) topics.push_back(name("topic", j));
    subscriptions[name("consumer", i)] = subscription(topics);
  }
  const auto first = kAssignor.assign(counts, subscriptions);
  verify_validity_and_balance(subscriptions, first, counts);
  for (auto& [member, value] : subscriptions) {
    value = previous(value.topics, first.at(member).partitions, 1);
  }
  subscriptions.erase("consumer10");
  const auto second = kAssignor.assign(counts, subscriptions);
  verify_validity_and_balance(subscriptions, second, counts);
  EXPECT_TRUE(no_swaps(first, second, subscriptions));
}

TEST(StickyAssignor, IsDeterministic) {
  Subscriptions subscriptions;
  for (int i = 0; i < 6; ++i) {
    std::vector<std::string> topics = {"a", "b"};
    if (i % 2 == 0) topics.push_back("c");
    subscriptions["member-" + std::to_string(i)] = subscription(topics);
  }
  const PartitionCounts counts = {{"a", 7}, {"b", 3}, {"c", 11}};
  EXPECT_EQ(lists(kAssignor.assign(counts, subscriptions)),
            lists(kAssignor.assign(counts, subscriptions)));
}

// ---------------------------------------------------------------------------------------------
// Random rebalances

class RandomGroup {
 public:
  explicit RandomGroup(std::uint32_t seed, bool uniform) : random_(seed), uniform_(uniform) {
    for (int t = 0; t < 6; ++t) maybe_add_topic();
    const int members = 1 + pick(12);
    for (int m = 0; m < members; ++m) add_member();
  }

  // One membership or metadata change, or none.
  void mutate() {
    switch (pick(8)) {
      case 0:
        if (subscriptions_.size() > 1) {
          auto it = subscriptions_.begin();
          std::advance(it, pick(static_cast<int>(subscriptions_.size())));
          subscriptions_.erase(it);
        }
        break;
      case 1:
        add_member();
        break;
      case 2:
        maybe_add_topic();
        break;
      case 3:
        if (counts_.size() > 1) {
          auto it = counts_.begin();
          std::advance(it, pick(static_cast<int>(counts_.size())));
          counts_.erase(it);
        }
        break;
      case 4: {
        auto it = counts_.begin();
        std::advance(it, pick(static_cast<int>(counts_.size())));
        it->second += 1 + pick(3);  // Kafka only ever adds partitions
        break;
      }
      case 5:
        if (uniform_) {
          shared_topics_ = random_topics();
          for (auto& [member, value] : subscriptions_) value.topics = shared_topics_;
        } else {
          auto it = subscriptions_.begin();
          std::advance(it, pick(static_cast<int>(subscriptions_.size())));
          it->second.topics = random_topics();
        }
        break;
      default:
        break;  // a rebalance with nothing changed
    }
  }

  // Hands each member its last assignment as previous ownership, the way members rejoin: half
  // in user data (as Java members do), half in owned_partitions only. With `stale`, now and then
  // a member reports an assignment from an older generation instead, as one that missed a
  // rebalance does; returns whether any did.
  bool remember(const std::map<std::string, Assignment>& assignment, std::int32_t generation,
                bool stale) {
    bool any_stale = false;
    for (auto& [member, value] : subscriptions_) {
      std::vector<std::pair<Partitions, std::int32_t>>& history = history_[member];
      history.emplace_back(assignment.at(member).partitions, generation);
      std::size_t back = 0;
      if (stale && history.size() > 1 && pick(4) == 0) {
        back = 1 + static_cast<std::size_t>(pick(static_cast<int>(history.size()) - 1));
        any_stale = true;
      }
      const auto& [partitions, as_of] = history[history.size() - 1 - back];
      if (pick(2) == 0) {
        value = previous(value.topics, partitions, as_of);
      } else {
        value = previous_owned_only(value.topics, partitions, as_of);
      }
    }
    return any_stale;
  }

  const Subscriptions& subscriptions() const { return subscriptions_; }
  const PartitionCounts& counts() const { return counts_; }
  bool uniform() const { return uniform_; }

 private:
  int pick(int bound) { return std::uniform_int_distribution<int>(0, bound - 1)(random_); }

  void maybe_add_topic() { counts_["topic" + std::to_string(pick(10))] = 1 + pick(8); }

  std::vector<std::string> random_topics() {
    std::vector<std::string> topics;
    for (int t = 0; t < 10; ++t) {
      if (pick(3) == 0) topics.push_back("topic" + std::to_string(t));
    }
    if (topics.empty()) topics.push_back("topic" + std::to_string(pick(10)));
    return topics;
  }

  void add_member() {
    if (uniform_ && shared_topics_.empty()) shared_topics_ = random_topics();
    // Random ids, so members land in every order of Java's HashMap buckets.
    const std::string id = "consumer-" + std::to_string(random_());
    subscriptions_[id] = subscription(uniform_ ? shared_topics_ : random_topics());
  }

  std::mt19937 random_;
  bool uniform_;
  std::vector<std::string> shared_topics_;
  Subscriptions subscriptions_;
  PartitionCounts counts_;
  std::map<std::string, std::vector<std::pair<Partitions, std::int32_t>>> history_;
};

std::size_t kept_count(const Partitions& before, const Partitions& after) {
  std::size_t kept = 0;
  for (const TopicPartition& partition : before) {
    if (std::find(after.begin(), after.end(), partition) != after.end()) ++kept;
  }
  return kept;
}

TEST(StickyAssignorRandom, RebalancesStayValidBalancedAndSticky) {
  constexpr int kGroups = 300;
  constexpr int kRebalances = 10;
  int uniform_checks = 0;
  int mixed_checks = 0;
  int stale_checks = 0;
  for (int group_index = 0; group_index < kGroups; ++group_index) {
    RandomGroup group(20240601u + static_cast<std::uint32_t>(group_index), group_index % 2 == 0);
    std::map<std::string, Assignment> last =
        kAssignor.assign(group.counts(), group.subscriptions());
    for (int rebalance = 1; rebalance <= kRebalances; ++rebalance) {
      SCOPED_TRACE("group " + std::to_string(group_index) + ", rebalance " +
                   std::to_string(rebalance));
      // Every third group has members that report stale generations: conflicting claims.
      const bool stale = group.remember(last, rebalance, group_index % 3 == 2);
      const PartitionCounts counts_before = group.counts();
      const Subscriptions subscriptions_before = group.subscriptions();
      group.mutate();
      const bool unchanged =
          group.counts() == counts_before && group.subscriptions() == subscriptions_before;
      const Subscriptions& subscriptions = group.subscriptions();
      const auto assignment = kAssignor.assign(group.counts(), subscriptions);
      ASSERT_EQ(lists(assignment), lists(kAssignor.assign(group.counts(), subscriptions)));
      verify_validity_and_balance(subscriptions, assignment, group.counts());

      // Members with identical subscriptions differ by at most one partition.
      for (const auto& [a, subscription_a] : subscriptions) {
        for (const auto& [b, subscription_b] : subscriptions) {
          if (std::set(subscription_a.topics.begin(), subscription_a.topics.end()) !=
              std::set(subscription_b.topics.begin(), subscription_b.topics.end())) {
            continue;
          }
          EXPECT_LE(assignment.at(a).partitions.size(), assignment.at(b).partitions.size() + 1)
              << a << " and " << b << " subscribe to the same topics";
        }
      }

      if (group.uniform()) {
        EXPECT_TRUE(is_fully_balanced(assignment));
      }
      if (stale) {
        ++stale_checks;
        last = assignment;
        continue;  // stickiness is to the newest claims; the checks below assume all are newest
      }
      EXPECT_TRUE(no_swaps(last, assignment, subscriptions));
      if (unchanged) {
        EXPECT_EQ(as_sets(assignment), as_sets(last)) << "a rebalance without change moved";
      }
      if (group.uniform()) {
        ++uniform_checks;
        // Every remaining member keeps its still-valid partitions up to the minimum quota.
        std::int64_t total = 0;
        std::set<std::string> subscribed(subscriptions.begin()->second.topics.begin(),
                                         subscriptions.begin()->second.topics.end());
        for (const auto& [topic, count] : group.counts()) {
          if (subscribed.contains(topic)) total += count;
        }
        const auto min_quota =
            static_cast<std::size_t>(total / static_cast<std::int64_t>(subscriptions.size()));
        for (const auto& [member, value] : assignment) {
          if (!last.contains(member)) continue;
          Partitions valid;
          for (const TopicPartition& partition : last.at(member).partitions) {
            const auto count = group.counts().find(partition.topic);
            if (count != group.counts().end() && subscribed.contains(partition.topic) &&
                partition.partition < count->second) {
              valid.push_back(partition);
            }
          }
          EXPECT_GE(kept_count(valid, value.partitions), std::min(valid.size(), min_quota))
              << member << " lost partitions it could have kept";
        }
      } else {
        ++mixed_checks;
      }
      last = assignment;
    }
  }
  EXPECT_EQ(uniform_checks + mixed_checks + stale_checks, kGroups * kRebalances);
  EXPECT_GT(stale_checks, kGroups * kRebalances / 20);
}

TEST(StickyAssignorRandom, ReassignmentWithRandomSubscriptionsAndChanges) {
  // Kafka's testReassignmentWithRandomSubscriptionsAndChanges: 20-39 members subscribed to random
  // subsets of 10-19 topics (topic i has i + 1 partitions) change all their subscriptions at once.
  std::mt19937 random(7);
  auto pick = [&](int bound) { return std::uniform_int_distribution<int>(0, bound - 1)(random); };
  for (int round = 0; round < 40; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    PartitionCounts counts;
    std::vector<std::string> topics;
    const int topic_count = 10 + pick(10);
    for (int t = 0; t < topic_count; ++t) {
      topics.push_back("t" + std::string(t < 10 ? "0" : "") + std::to_string(t));
      counts[topics.back()] = t + 1;
    }
    auto random_topics = [&] {
      std::vector<std::string> chosen;
      for (const std::string& topic : topics) {
        if (pick(2) == 0) chosen.push_back(topic);
      }
      return chosen;
    };
    const int member_count = 20 + pick(20);
    Subscriptions subscriptions;
    for (int m = 0; m < member_count; ++m) {
      subscriptions["consumer" + std::to_string(m)] = subscription(random_topics());
    }
    const auto first = kAssignor.assign(counts, subscriptions);
    verify_validity_and_balance(subscriptions, first, counts);
    for (auto& [member, value] : subscriptions) {
      value = previous(random_topics(), first.at(member).partitions, 1);
    }
    const auto second = kAssignor.assign(counts, subscriptions);
    verify_validity_and_balance(subscriptions, second, counts);
    EXPECT_TRUE(no_swaps(first, second, subscriptions));
  }
}

TEST(StickyAssignorRandom, ConflictingClaimsFromManyGenerationsStayValidAndBalanced) {
  // Members claim random partitions (some claimed twice, some not at all) from random
  // generations, in user data or owned_partitions: the claims settle, partitions move back to
  // previous owners and swap with partitions that moved the other way, and the result is still a
  // valid, balanced assignment.
  std::mt19937 random(99);
  auto pick = [&](int bound) { return std::uniform_int_distribution<int>(0, bound - 1)(random); };
  for (int round = 0; round < 3000; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    PartitionCounts counts;
    const int topic_count = 1 + pick(4);
    for (int t = 0; t < topic_count; ++t) counts["t" + std::to_string(t)] = 1 + pick(6);
    const int member_count = 2 + pick(4);
    Subscriptions subscriptions;
    for (int m = 0; m < member_count; ++m) {
      std::vector<std::string> topics;
      for (int t = 0; t < topic_count; ++t) {
        if (pick(2) == 0) topics.push_back("t" + std::to_string(t));
      }
      Partitions claims;
      for (const auto& [topic, count] : counts) {
        for (std::int32_t p = 0; p < count; ++p) {
          if (pick(member_count) == 0) claims.push_back(tp(topic, p));
        }
      }
      const std::int32_t generation = 1 + pick(3);
      subscriptions["c" + std::to_string(m)] =
          pick(2) == 0 ? previous(topics, claims, generation)
                       : previous_owned_only(topics, claims, generation);
    }
    const auto assignment = kAssignor.assign(counts, subscriptions);
    verify_validity_and_balance(subscriptions, assignment, counts);
  }
}

}  // namespace
}  // namespace ferry::broker
