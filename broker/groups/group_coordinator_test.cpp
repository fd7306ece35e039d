// The group coordinator driven as clients drive it: members joining with MEMBER_ID_REQUIRED,
// rebalances on join, leave and session expiry, generation and member checks, offset commits.
#include "broker/groups/group_coordinator.h"

#include <future>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/temp_directory.h"

namespace ferry::broker {
namespace {

using namespace std::chrono_literals;

class GroupCoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LogManagerOptions options;
    options.data_directory = dir_.path();
    auto logs = LogManager::open(options);
    ASSERT_TRUE(logs.ok()) << logs.status().message();
    logs_ = std::move(*logs);
    auto offsets = GroupOffsets::open(*logs_, 3);
    ASSERT_TRUE(offsets.ok()) << offsets.status().message();
    offsets_ = std::move(*offsets);
    GroupCoordinatorOptions coordinator_options;
    coordinator_options.min_session_timeout_ms = 10;
    coordinator_options.initial_rebalance_delay_ms = 0;
    coordinator_options.tick = 10ms;
    coordinator_ = std::make_unique<GroupCoordinator>(*offsets_, coordinator_options);
  }

  JoinGroupRequest request(const std::string& member_id, const std::string& metadata = "m",
                           std::int32_t session_timeout_ms = 10000) {
    JoinGroupRequest join;
    join.group_id = "g";
    join.member_id = member_id;
    join.client_id = "client";
    join.session_timeout_ms = session_timeout_ms;
    join.rebalance_timeout_ms = 2000;
    join.protocol_type = "consumer";
    join.protocols = {{"range", Bytes(metadata.begin(), metadata.end())}, {"roundrobin", Bytes{1}}};
    return join;
  }

  std::future<JoinGroupResponse> join(JoinGroupRequest join) {
    auto promise = std::make_shared<std::promise<JoinGroupResponse>>();
    auto future = promise->get_future();
    coordinator_->join_group(
        std::move(join), [promise](JoinGroupResponse response) { promise->set_value(response); });
    return future;
  }

  std::future<SyncGroupResponse> sync(const std::string& member, std::int32_t generation,
                                      std::vector<std::pair<std::string, Bytes>> assignments = {}) {
    auto promise = std::make_shared<std::promise<SyncGroupResponse>>();
    auto future = promise->get_future();
    coordinator_->sync_group(
        {.group_id = "g",
         .generation_id = generation,
         .member_id = member,
         .assignments = std::move(assignments)},
        [promise](SyncGroupResponse response) { promise->set_value(response); });
    return future;
  }

  // A new member's first join: MEMBER_ID_REQUIRED with its id.
  std::string new_member_id() {
    JoinGroupResponse first = join(request("")).get();
    EXPECT_EQ(first.error, GroupError::kMemberIdRequired);
    EXPECT_TRUE(first.member_id.starts_with("client-")) << first.member_id;
    return first.member_id;
  }

  ferry::testing::TempDir dir_;
  std::unique_ptr<LogManager> logs_;
  std::unique_ptr<GroupOffsets> offsets_;
  std::unique_ptr<GroupCoordinator> coordinator_;
};

TEST_F(GroupCoordinatorTest, ASingleMemberJoinsSyncsAndHeartbeats) {
  const std::string id = new_member_id();
  JoinGroupResponse joined = join(request(id)).get();
  ASSERT_EQ(joined.error, GroupError::kNone);
  EXPECT_EQ(joined.generation_id, 1);
  EXPECT_EQ(joined.leader, id);
  EXPECT_EQ(joined.protocol_name, "range");
  ASSERT_EQ(joined.members.size(), 1u);
  EXPECT_EQ(joined.members[0].metadata, Bytes({'m'}));
  SyncGroupResponse synced = sync(id, 1, {{id, Bytes{7, 7}}}).get();
  ASSERT_EQ(synced.error, GroupError::kNone);
  EXPECT_EQ(synced.assignment, Bytes({7, 7}));
  EXPECT_EQ(coordinator_->heartbeat("g", 1, id), GroupError::kNone);
  EXPECT_EQ(coordinator_->heartbeat("g", 0, id), GroupError::kIllegalGeneration);
  EXPECT_EQ(coordinator_->heartbeat("g", 1, "stranger"), GroupError::kUnknownMemberId);
  EXPECT_EQ(coordinator_->describe_group("g")->state, "Stable");
}

TEST_F(GroupCoordinatorTest, ASecondMemberTriggersARebalanceThatBothComplete) {
  const std::string a = new_member_id();
  ASSERT_EQ(join(request(a)).get().error, GroupError::kNone);
  ASSERT_EQ(sync(a, 1, {{a, Bytes{1}}}).get().error, GroupError::kNone);

  const std::string b = new_member_id();
  auto b_join = join(request(b));
  // A is told to rejoin by its heartbeat.
  EXPECT_EQ(coordinator_->heartbeat("g", 1, a), GroupError::kRebalanceInProgress);
  EXPECT_EQ(b_join.wait_for(50ms), std::future_status::timeout);  // waits for A
  auto a_join = join(request(a));
  JoinGroupResponse a_joined = a_join.get();
  JoinGroupResponse b_joined = b_join.get();
  EXPECT_EQ(a_joined.generation_id, 2);
  EXPECT_EQ(b_joined.generation_id, 2);
  EXPECT_EQ(a_joined.leader, a);  // the leader stays while it is a member
  EXPECT_EQ(a_joined.members.size(), 2u);
  EXPECT_TRUE(b_joined.members.empty());

  auto b_sync = sync(b, 2);
  EXPECT_EQ(b_sync.wait_for(30ms), std::future_status::timeout);  // waits for the leader
  SyncGroupResponse a_synced = sync(a, 2, {{a, Bytes{1}}, {b, Bytes{2}}}).get();
  EXPECT_EQ(a_synced.assignment, Bytes({1}));
  EXPECT_EQ(b_sync.get().assignment, Bytes({2}));
  EXPECT_EQ(coordinator_->describe_group("g")->members.size(), 2u);
}

TEST_F(GroupCoordinatorTest, LeavingAndExpiringMembersRebalanceTheRest) {
  const std::string a = new_member_id();
  ASSERT_EQ(join(request(a)).get().error, GroupError::kNone);
  const std::string b = new_member_id();
  // A 1 s session: short to wait out, long enough that B still has it when it syncs below.
  auto b_join = join(request(b, "m", 1000));
  auto a_join = join(request(a));
  ASSERT_EQ(a_join.get().generation_id, 2);
  ASSERT_EQ(b_join.get().generation_id, 2);
  ASSERT_EQ(sync(a, 2, {{a, Bytes{1}}, {b, Bytes{2}}}).get().error, GroupError::kNone);
  ASSERT_EQ(sync(b, 2).get().error, GroupError::kNone);

  // B stops heartbeating; A keeps going and is told to rebalance once B's session expires.
  GroupError error = GroupError::kNone;
  const auto give_up = std::chrono::steady_clock::now() + 30s;
  while (error == GroupError::kNone && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(10ms);
    error = coordinator_->heartbeat("g", 2, a);
  }
  EXPECT_EQ(error, GroupError::kRebalanceInProgress);
  JoinGroupResponse rejoined = join(request(a)).get();
  EXPECT_EQ(rejoined.generation_id, 3);
  EXPECT_EQ(rejoined.members.size(), 1u);
  EXPECT_EQ(coordinator_->heartbeat("g", 3, b), GroupError::kUnknownMemberId);

  auto left = coordinator_->leave_group("g", {a, "nobody"});
  EXPECT_EQ(left[0].second, GroupError::kNone);
  EXPECT_EQ(left[1].second, GroupError::kUnknownMemberId);
  EXPECT_EQ(coordinator_->describe_group("g")->state, "Empty");
}

TEST_F(GroupCoordinatorTest, MembersThatNeverSyncAreDroppedAfterTheRebalanceTimeout) {
  const std::string a = new_member_id();
  JoinGroupRequest a_request = request(a);
  a_request.rebalance_timeout_ms = 200;
  ASSERT_EQ(join(a_request).get().error, GroupError::kNone);
  ASSERT_EQ(sync(a, 1, {{a, Bytes{}}}).get().error, GroupError::kNone);
  const std::string b = new_member_id();
  JoinGroupRequest b_request = request(b);
  b_request.rebalance_timeout_ms = 200;
  auto b_join = join(b_request);
  const JoinGroupResponse a_joined = join(a_request).get();
  ASSERT_EQ(a_joined.generation_id, 2);
  ASSERT_EQ(a_joined.leader, a);
  ASSERT_EQ(b_join.get().generation_id, 2);
  // The follower syncs; the leader never does (its assignor failed, say). The follower is not
  // left waiting for ever: the leader is dropped and a new rebalance begins.
  const SyncGroupResponse answer = sync(b, 2).get();
  EXPECT_EQ(answer.error, GroupError::kRebalanceInProgress);
  EXPECT_EQ(coordinator_->heartbeat("g", 2, a), GroupError::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, AFollowerWaitingInSyncOutlivesItsSessionUntilTheLeaderSyncs) {
  const std::string a = new_member_id();
  // A rebalance timeout far longer than the leader's wait below: only B's session is short.
  JoinGroupRequest a_request = request(a);
  a_request.rebalance_timeout_ms = 30000;
  ASSERT_EQ(join(a_request).get().error, GroupError::kNone);
  ASSERT_EQ(sync(a, 1, {{a, Bytes{1}}}).get().error, GroupError::kNone);
  const std::string b = new_member_id();
  // A 1 s session: B must still have it when it sends SyncGroup and heartbeats after the sync,
  // which a loaded machine may delay by more than a shorter one.
  JoinGroupRequest b_request = request(b, "m", 1000);
  b_request.rebalance_timeout_ms = 30000;
  auto b_join = join(b_request);
  ASSERT_EQ(join(a_request).get().generation_id, 2);
  ASSERT_EQ(b_join.get().generation_id, 2);
  auto b_sync = sync(b, 2);
  // The leader takes three of the follower's sessions to assign; the follower, waiting in
  // SyncGroup, sends no heartbeat meanwhile.
  std::this_thread::sleep_for(3s);
  ASSERT_EQ(sync(a, 2, {{a, Bytes{1}}, {b, Bytes{2}}}).get().error, GroupError::kNone);
  const SyncGroupResponse b_synced = b_sync.get();
  EXPECT_EQ(b_synced.error, GroupError::kNone);
  EXPECT_EQ(b_synced.assignment, Bytes({2}));
  EXPECT_EQ(coordinator_->heartbeat("g", 2, b), GroupError::kNone);
}

TEST_F(GroupCoordinatorTest, RefusesBadRequestsWithKafkasErrors) {
  JoinGroupRequest no_group = request("");
  no_group.group_id = "";
  EXPECT_EQ(join(no_group).get().error, GroupError::kInvalidGroupId);
  EXPECT_EQ(join(request("", "m", 1)).get().error, GroupError::kInvalidSessionTimeout);
  EXPECT_EQ(join(request("made-up")).get().error, GroupError::kUnknownMemberId);
  const std::string a = new_member_id();
  ASSERT_EQ(join(request(a)).get().error, GroupError::kNone);
  JoinGroupRequest other = request(new_member_id());
  other.protocols = {{"cooperative-sticky", Bytes{}}};
  EXPECT_EQ(join(other).get().error, GroupError::kInconsistentGroupProtocol);
  EXPECT_EQ(sync(a, 99).get().error, GroupError::kIllegalGeneration);
  EXPECT_EQ(sync("stranger", 1).get().error, GroupError::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, OffsetCommitsFollowGenerationsAndPersist) {
  const std::string a = new_member_id();
  ASSERT_EQ(join(request(a)).get().error, GroupError::kNone);
  // Between join and sync (CompletingRebalance) commits must wait.
  auto early = coordinator_->commit_offsets("g", 1, a, {{"orders", 0, 5}});
  EXPECT_EQ(early[0].error, GroupError::kRebalanceInProgress);
  ASSERT_EQ(sync(a, 1, {{a, Bytes{}}}).get().error, GroupError::kNone);
  auto committed = coordinator_->commit_offsets(
      "g", 1, a, {{"orders", 0, 5, -1, "meta"}, {"orders", 1, 7, -1, std::string(5000, 'x')}});
  EXPECT_EQ(committed[0].error, GroupError::kNone);
  EXPECT_EQ(committed[1].error, GroupError::kOffsetMetadataTooLarge);
  EXPECT_EQ(coordinator_->commit_offsets("g", 0, a, {{"orders", 0, 6}})[0].error,
            GroupError::kIllegalGeneration);
  EXPECT_EQ(coordinator_->commit_offsets("g", -1, "", {{"orders", 0, 6}})[0].error,
            GroupError::kUnknownMemberId);  // the group has members
  EXPECT_EQ(coordinator_->fetch_offset("g", "orders", 0)->offset, 5);
  EXPECT_EQ(coordinator_->fetch_offset("g", "orders", 0)->metadata, "meta");
  EXPECT_FALSE(coordinator_->fetch_offset("g", "orders", 1));

  coordinator_->leave_group("g", {a});
  // An empty group takes commits from outside (the offset reset tool, manual assignment).
  EXPECT_EQ(coordinator_->commit_offsets("g", -1, "", {{"orders", 0, 2}})[0].error,
            GroupError::kNone);
  EXPECT_EQ(coordinator_->delete_group("nope"), GroupError::kGroupIdNotFound);

  // Offsets outlive the coordinator and the broker.
  coordinator_.reset();
  offsets_.reset();
  logs_.reset();
  LogManagerOptions options;
  options.data_directory = dir_.path();
  auto logs = LogManager::open(options);
  ASSERT_TRUE(logs.ok());
  auto offsets = GroupOffsets::open(**logs, 3);
  ASSERT_TRUE(offsets.ok());
  GroupCoordinator coordinator(**offsets, {});
  EXPECT_EQ(coordinator.fetch_offset("g", "orders", 0)->offset, 2);
  ASSERT_EQ(coordinator.list_groups().size(), 1u);
  EXPECT_EQ(coordinator.list_groups()[0].state, "Empty");
  EXPECT_EQ(coordinator.delete_group("g"), GroupError::kNone);
  EXPECT_FALSE(coordinator.fetch_offset("g", "orders", 0));
}

TEST_F(GroupCoordinatorTest, ManyMembersJoinConcurrentlyIntoOneGeneration) {
  // group.initial.rebalance.delay.ms is what lets a starting group gather its members into one
  // generation instead of rebalancing once per arrival.
  GroupCoordinatorOptions options;
  options.min_session_timeout_ms = 10;
  options.initial_rebalance_delay_ms = 300;
  options.tick = 10ms;
  coordinator_ = std::make_unique<GroupCoordinator>(*offsets_, options);
  constexpr int kMembers = 8;
  std::vector<std::string> ids;
  for (int i = 0; i < kMembers; ++i) ids.push_back(new_member_id());
  std::vector<std::future<JoinGroupResponse>> joins;
  std::vector<std::thread> threads;
  std::vector<std::promise<JoinGroupResponse>> promises(kMembers);
  for (int i = 0; i < kMembers; ++i) {
    joins.push_back(promises[i].get_future());
    threads.emplace_back([&, i] {
      coordinator_->join_group(request(ids[i]), [&promises, i](JoinGroupResponse response) {
        promises[i].set_value(response);
      });
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::int32_t> generations;
  std::string leader;
  for (auto& future : joins) {
    JoinGroupResponse response = future.get();
    ASSERT_EQ(response.error, GroupError::kNone);
    generations.insert(response.generation_id);
    leader = response.leader;
  }
  auto description = coordinator_->describe_group("g");
  ASSERT_TRUE(description);
  EXPECT_EQ(description->members.size(), static_cast<std::size_t>(kMembers));
  EXPECT_EQ(generations, std::set<std::int32_t>{1});
}

}  // namespace
}  // namespace ferry::broker
