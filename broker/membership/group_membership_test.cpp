#include "broker/membership/group_membership.h"

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "broker/network/network_test_broker.h"

namespace ferry::broker::membership {
namespace {

using namespace std::chrono_literals;

Bytes bytes_of(const std::string& text) { return Bytes(text.begin(), text.end()); }
std::string text_of(const Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

// A worker's side of the protocol: its metadata is "meta-<name>", and as leader it assigns each
// member "for-<that member's metadata>", recording what it saw.
class TestWorker : public MembershipCallbacks {
 public:
  explicit TestWorker(std::string name) : name_(std::move(name)) {}

  std::vector<ProtocolMetadata> protocols() override {
    return {{"sessioned", bytes_of("meta-" + name_)}, {"eager", bytes_of("old-" + name_)}};
  }

  Result<std::map<std::string, Bytes>> assign(const std::string& leader_id,
                                              const std::string& protocol,
                                              const std::vector<MemberMetadata>& members) override {
    std::this_thread::sleep_for(assign_delay_);
    std::lock_guard lock(mutex_);
    ++assign_calls_;
    seen_protocol_ = protocol;
    seen_metadata_.clear();
    std::map<std::string, Bytes> assignments;
    for (const MemberMetadata& member : members) {
      seen_metadata_.push_back(text_of(member.metadata));
      assignments[member.member_id] = bytes_of("for-" + text_of(member.metadata));
    }
    EXPECT_FALSE(leader_id.empty());
    return assignments;
  }

  void on_revoked(const GroupAssignment& previous) override {
    EXPECT_FALSE(previous.member_id.empty());
    ++revocations_;
  }

  int assign_calls() {
    std::lock_guard lock(mutex_);
    return assign_calls_;
  }
  std::vector<std::string> seen_metadata() {
    std::lock_guard lock(mutex_);
    std::sort(seen_metadata_.begin(), seen_metadata_.end());
    return seen_metadata_;
  }
  std::string seen_protocol() {
    std::lock_guard lock(mutex_);
    return seen_protocol_;
  }
  int revocations() const { return revocations_; }
  // Makes assign() take this long (set before the join that calls it).
  void set_assign_delay(std::chrono::milliseconds delay) { assign_delay_ = delay; }

 private:
  const std::string name_;
  std::mutex mutex_;
  int assign_calls_ = 0;
  std::string seen_protocol_;
  std::vector<std::string> seen_metadata_;
  std::atomic<int> revocations_{0};
  std::chrono::milliseconds assign_delay_{0};
};

// A member's session, unless a test expires it: long enough that heartbeats delayed by a loaded
// machine (under a sanitizer) never expire a member that a test expects to keep.
constexpr std::chrono::milliseconds kSession = 10s;
// The session of a member whose expiry a test waits for (or races): short, so that expiry takes a
// second and a half rather than Kafka's minimum six.
constexpr std::chrono::milliseconds kShortSession = 1500ms;

class GroupMembershipTest : public ::testing::Test {
 protected:
  GroupMembershipTest()
      : broker_(std::map<std::string, std::string>{{"group.min.session.timeout.ms", "200"}}) {}

  MembershipSettings settings(const std::string& group = "workers",
                              std::chrono::milliseconds session = kSession) const {
    MembershipSettings settings;
    settings.bootstrap_servers = {broker_.address()};
    settings.group_id = group;
    settings.client_id = "test-worker";
    settings.session_timeout = session;
    settings.heartbeat_interval = 100ms;
    settings.rebalance_timeout = 10s;
    settings.request_timeout = 5s;
    return settings;
  }

  std::unique_ptr<GroupMembership> member(TestWorker& worker, const std::string& group = "workers",
                                          std::chrono::milliseconds session = kSession) {
    auto membership = GroupMembership::create(settings(group, session), worker);
    EXPECT_TRUE(membership.ok()) << membership.status().message();
    return std::move(*membership);
  }

  // b joins a group where a is the only member; a notices the rebalance through its heartbeat
  // and rejoins, so both complete the new generation.
  static std::pair<GroupAssignment, GroupAssignment> join_second(GroupMembership& a,
                                                                 GroupMembership& b) {
    auto b_joined = std::async(std::launch::async, [&b] { return b.join(); });
    EXPECT_TRUE(a.wait_for_rejoin_needed(10s));
    EXPECT_EQ(a.rejoin_reason(), "Heartbeat: REBALANCE_IN_PROGRESS");
    auto a_result = a.join();
    auto b_result = b_joined.get();
    EXPECT_TRUE(a_result.ok()) << a_result.status().message();
    EXPECT_TRUE(b_result.ok()) << b_result.status().message();
    if (!a_result.ok() || !b_result.ok()) return {};
    return {*a_result, *b_result};
  }

  NetworkTestBroker broker_;
};

TEST_F(GroupMembershipTest, LoneMemberLeadsAndGetsTheAssignmentItComputed) {
  TestWorker worker("a");
  auto a = member(worker);
  auto joined = a->join();
  ASSERT_TRUE(joined.ok()) << joined.status().message();
  EXPECT_FALSE(joined->member_id.empty());  // given with MEMBER_ID_REQUIRED, then joined with it
  EXPECT_TRUE(joined->leader());
  EXPECT_EQ(joined->protocol, "sessioned");  // the first protocol every member supports
  EXPECT_EQ(joined->generation_id, 1);
  EXPECT_EQ(text_of(joined->assignment), "for-meta-a");
  EXPECT_EQ(worker.seen_metadata(), std::vector<std::string>{"meta-a"});
  EXPECT_EQ(a->assignment()->generation_id, 1);
  EXPECT_FALSE(a->rejoin_needed());
  EXPECT_EQ(worker.revocations(), 0);

  // Heartbeats keep it: no rebalance after several session-timeout-free intervals.
  EXPECT_FALSE(a->wait_for_rejoin_needed(500ms));
}

TEST_F(GroupMembershipTest, SecondMemberMakesBothRejoinAndEachGetsItsOwnBytes) {
  TestWorker worker_a("a");
  TestWorker worker_b("b");
  auto a = member(worker_a);
  auto b = member(worker_b);
  ASSERT_TRUE(a->join().ok());

  const auto [a_joined, b_joined] = join_second(*a, *b);
  EXPECT_EQ(a_joined.generation_id, 2);
  EXPECT_EQ(b_joined.generation_id, 2);
  EXPECT_EQ(a_joined.leader_id, b_joined.leader_id);
  EXPECT_NE(a_joined.member_id, b_joined.member_id);
  EXPECT_EQ(text_of(a_joined.assignment), "for-meta-a");
  EXPECT_EQ(text_of(b_joined.assignment), "for-meta-b");
  TestWorker& leader = a_joined.leader() ? worker_a : worker_b;
  EXPECT_EQ(leader.seen_metadata(), (std::vector<std::string>{"meta-a", "meta-b"}));
  EXPECT_EQ(leader.seen_protocol(), "sessioned");
  EXPECT_EQ(worker_a.revocations(), 1);  // a gave up generation 1's assignment before rejoining
  EXPECT_EQ(worker_b.revocations(), 0);

  // The new generation is stable: nobody is asked to rejoin.
  EXPECT_FALSE(a->wait_for_rejoin_needed(500ms));
  EXPECT_FALSE(b->rejoin_needed());
}

TEST_F(GroupMembershipTest, LeavingMemberMakesTheOtherRejoinAloneAsLeader) {
  TestWorker worker_a("a");
  TestWorker worker_b("b");
  auto a = member(worker_a);
  auto b = member(worker_b);
  ASSERT_TRUE(a->join().ok());
  join_second(*a, *b);

  ASSERT_TRUE(b->leave().ok());
  EXPECT_EQ(worker_b.revocations(), 1);
  EXPECT_FALSE(b->assignment());
  ASSERT_TRUE(a->wait_for_rejoin_needed(10s));
  auto alone = a->join();
  ASSERT_TRUE(alone.ok()) << alone.status().message();
  EXPECT_TRUE(alone->leader());
  EXPECT_EQ(alone->generation_id, 3);
  EXPECT_EQ(text_of(alone->assignment), "for-meta-a");
  EXPECT_EQ(worker_a.seen_metadata(), std::vector<std::string>{"meta-a"});
}

TEST_F(GroupMembershipTest, DestroyedMemberLeavesAndTheOtherRejoinsAloneAsLeader) {
  TestWorker worker_a("a");
  TestWorker worker_b("b");
  auto a = member(worker_a);
  auto b = member(worker_b);
  ASSERT_TRUE(a->join().ok());
  join_second(*a, *b);

  const auto destroyed = std::chrono::steady_clock::now();
  b.reset();
  ASSERT_TRUE(a->wait_for_rejoin_needed(10s));
  // LeaveGroup, not b's 10 s session timeout, started the rebalance.
  EXPECT_LT(std::chrono::steady_clock::now() - destroyed, kSession / 2);
  auto alone = a->join();
  ASSERT_TRUE(alone.ok()) << alone.status().message();
  EXPECT_TRUE(alone->leader());
  EXPECT_EQ(worker_a.seen_metadata(), std::vector<std::string>{"meta-a"});
}

TEST_F(GroupMembershipTest, MemberWhoseHeartbeatsStopIsRemovedAfterItsSession) {
  TestWorker worker_a("a");
  TestWorker worker_b("b");
  auto a = member(worker_a);
  auto b = member(worker_b, "workers", kShortSession);
  ASSERT_TRUE(a->join().ok());
  join_second(*a, *b);

  b->pause_heartbeats_for_testing(true);  // as a hung worker would
  ASSERT_TRUE(a->wait_for_rejoin_needed(10s));
  auto alone = a->join();
  ASSERT_TRUE(alone.ok()) << alone.status().message();
  EXPECT_TRUE(alone->leader());
  EXPECT_EQ(worker_a.seen_metadata(), std::vector<std::string>{"meta-a"});

  // When it comes back, the coordinator no longer knows it: it must rejoin as a new member.
  b->pause_heartbeats_for_testing(false);
  ASSERT_TRUE(b->wait_for_rejoin_needed(10s));
  EXPECT_EQ(b->rejoin_reason(), "Heartbeat: UNKNOWN_MEMBER_ID");
}

TEST_F(GroupMembershipTest, SlowLeaderAssignmentDoesNotExpireTheFollower) {
  TestWorker worker_a("a");
  TestWorker worker_b("b");
  auto a = member(worker_a);
  auto b = member(worker_b, "workers", kShortSession);
  ASSERT_TRUE(a->join().ok());
  // Longer than b's 1.5 s session: the follower waiting in SyncGroup must keep heartbeating.
  worker_a.set_assign_delay(2500ms);
  const auto [a_joined, b_joined] = join_second(*a, *b);
  EXPECT_TRUE(a_joined.leader());  // the coordinator keeps the leader that rejoined
  EXPECT_EQ(a_joined.generation_id, b_joined.generation_id);
  EXPECT_EQ(text_of(b_joined.assignment), "for-meta-b");
  EXPECT_FALSE(a->wait_for_rejoin_needed(500ms));
}

TEST_F(GroupMembershipTest, GroupsOfAnotherProtocolTypeAreUnaffected) {
  TestWorker consumer_app("c");
  MembershipSettings consumer_settings = settings("orders-consumers");
  consumer_settings.protocol_type = "consumer";
  auto consumer = GroupMembership::create(consumer_settings, consumer_app);
  ASSERT_TRUE(consumer.ok());
  auto consumed = (*consumer)->join();
  ASSERT_TRUE(consumed.ok()) << consumed.status().message();

  TestWorker worker_a("a");
  TestWorker worker_b("b");
  auto a = member(worker_a);
  auto b = member(worker_b);
  ASSERT_TRUE(a->join().ok());
  join_second(*a, *b);
  b.reset();
  ASSERT_TRUE(a->wait_for_rejoin_needed(10s));
  ASSERT_TRUE(a->join().ok());

  // The worker group's three generations left the consumer group alone.
  EXPECT_FALSE((*consumer)->rejoin_needed());
  EXPECT_EQ((*consumer)->assignment()->generation_id, consumed->generation_id);

  // A connect member cannot join the consumer group: the protocol types differ.
  TestWorker intruder_app("x");
  auto intruder = member(intruder_app, "orders-consumers");
  auto refused = intruder->join();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("group orders-consumers"), std::string::npos);
  EXPECT_NE(refused.status().message().find("JoinGroup: INCONSISTENT_GROUP_PROTOCOL"),
            std::string::npos)
      << refused.status().message();
}

TEST_F(GroupMembershipTest, UnreachableBootstrapIsAnErrorNamingItWithinTheTimeout) {
  TestWorker worker("a");
  MembershipSettings unreachable = settings();
  unreachable.bootstrap_servers = {"127.0.0.1:1"};
  unreachable.rebalance_timeout = 500ms;
  unreachable.request_timeout = 500ms;
  unreachable.connect_timeout = 200ms;
  auto membership = GroupMembership::create(unreachable, worker);
  ASSERT_TRUE(membership.ok());
  const auto started = std::chrono::steady_clock::now();
  auto joined = (*membership)->join();
  ASSERT_FALSE(joined.ok());
  EXPECT_EQ(joined.status().kind(), Status::Kind::kRetriable);
  EXPECT_NE(joined.status().message().find("127.0.0.1:1"), std::string::npos)
      << joined.status().message();
  EXPECT_NE(joined.status().message().find("group workers"), std::string::npos)
      << joined.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST(GroupMembership, LostCoordinatorAsksForARejoinThatLooksForItAgain) {
  auto broker = std::make_unique<NetworkTestBroker>();
  const std::string address = broker->address();
  TestWorker worker("a");
  MembershipSettings settings;
  settings.bootstrap_servers = {address};
  settings.group_id = "workers";
  settings.session_timeout = 6s;
  settings.heartbeat_interval = 100ms;
  settings.rebalance_timeout = 500ms;
  settings.request_timeout = 500ms;
  auto membership = GroupMembership::create(settings, worker);
  ASSERT_TRUE(membership.ok());
  ASSERT_TRUE((*membership)->join().ok());

  broker.reset();
  ASSERT_TRUE((*membership)->wait_for_rejoin_needed(10s));
  const std::string reason = (*membership)->rejoin_reason();
  EXPECT_EQ(reason.rfind("Heartbeat: ", 0), 0u) << reason;
  EXPECT_NE(reason.find(address), std::string::npos) << reason;
  auto rejoined = (*membership)->join();
  ASSERT_FALSE(rejoined.ok());
  EXPECT_NE(rejoined.status().message().find("no coordinator found; cannot connect to " + address),
            std::string::npos)
      << rejoined.status().message();
  EXPECT_EQ(worker.revocations(), 1);
}

TEST_F(GroupMembershipTest, InvalidSettingsAreRejected) {
  TestWorker worker("a");
  MembershipSettings no_group = settings();
  no_group.group_id.clear();
  EXPECT_EQ(GroupMembership::create(no_group, worker).status().kind(),
            Status::Kind::kInvalidArgument);
  MembershipSettings no_servers = settings();
  no_servers.bootstrap_servers.clear();
  EXPECT_EQ(GroupMembership::create(no_servers, worker).status().kind(),
            Status::Kind::kInvalidArgument);
  MembershipSettings slow_heartbeat = settings();
  slow_heartbeat.heartbeat_interval = slow_heartbeat.session_timeout;
  EXPECT_EQ(GroupMembership::create(slow_heartbeat, worker).status().kind(),
            Status::Kind::kInvalidArgument);
}

}  // namespace
}  // namespace ferry::broker::membership
