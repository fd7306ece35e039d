// The worker cluster's group next to a real consumer group (librdkafka, through NetworkConsumer)
// on the same broker: neither disturbs the other. Its own test binary because librdkafka's
// threads are not built for ThreadSanitizer, which runs broker_membership_test.
#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "broker/membership/group_membership.h"
#include "broker/network/network_consumer.h"
#include "broker/network/network_test_broker.h"

namespace ferry::broker::membership {
namespace {

using namespace std::chrono_literals;

class EchoWorker : public MembershipCallbacks {
 public:
  std::vector<ProtocolMetadata> protocols() override { return {{"sessioned", {1, 2, 3}}}; }
  Result<std::map<std::string, Bytes>> assign(const std::string&, const std::string&,
                                              const std::vector<MemberMetadata>& members) override {
    std::map<std::string, Bytes> assignments;
    for (const MemberMetadata& member : members) assignments[member.member_id] = member.metadata;
    return assignments;
  }
  void on_revoked(const GroupAssignment&) override {}
};

TEST(ConsumerGroupIsolation, WorkerRebalancesLeaveAConsumerGroupAlone) {
  NetworkTestBroker broker(
      std::map<std::string, std::string>{{"group.min.session.timeout.ms", "200"}});
  ASSERT_TRUE(broker.broker().logs().create_topic("orders", 1, {}).ok());

  // A consumer in group "readers", polled on its own thread, counting its rebalances.
  auto consumer = NetworkConsumer::create(broker.properties({{"group.id", "readers"}}));
  ASSERT_TRUE(consumer.ok()) << consumer.status().message();
  std::atomic<int> assignments{0};
  std::atomic<int> revocations{0};
  RebalanceListener listener;
  listener.on_partitions_assigned = [&](const std::set<TopicPartition>&) { ++assignments; };
  listener.on_partitions_revoked = [&](const std::set<TopicPartition>& revoked) {
    if (!revoked.empty()) ++revocations;
  };
  ASSERT_TRUE((*consumer)->subscribe({"orders"}, listener).ok());
  std::atomic<bool> stop{false};
  std::thread poller([&] {
    while (!stop) (void)(*consumer)->poll(50ms);
  });
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (assignments == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(assignments, 1);

  // Three generations of the worker group: one member, two, one again.
  MembershipSettings settings;
  settings.bootstrap_servers = {broker.address()};
  settings.group_id = "workers";
  // Nothing here waits for a session to expire (b leaves), so a long one: heartbeats delayed by
  // a loaded machine must not expire a member and add a generation.
  settings.session_timeout = 10s;
  settings.heartbeat_interval = 100ms;
  EchoWorker worker_a;
  EchoWorker worker_b;
  auto a = GroupMembership::create(settings, worker_a);
  auto b = GroupMembership::create(settings, worker_b);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->join().ok());
  auto b_joined = std::async(std::launch::async, [&] { return (*b)->join(); });
  ASSERT_TRUE((*a)->wait_for_rejoin_needed(10s));
  ASSERT_TRUE((*a)->join().ok());
  ASSERT_TRUE(b_joined.get().ok());
  b->reset();
  ASSERT_TRUE((*a)->wait_for_rejoin_needed(10s));
  auto alone = (*a)->join();
  ASSERT_TRUE(alone.ok()) << alone.status().message();
  EXPECT_EQ(alone->generation_id, 3);

  // A worker cannot join the consumers' group: the protocol types differ.
  settings.group_id = "readers";
  EchoWorker intruder_app;
  auto intruder = GroupMembership::create(settings, intruder_app);
  ASSERT_TRUE(intruder.ok());
  auto refused = (*intruder)->join();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("group readers"), std::string::npos);
  EXPECT_NE(refused.status().message().find("JoinGroup: INCONSISTENT_GROUP_PROTOCOL"),
            std::string::npos)
      << refused.status().message();

  stop = true;
  poller.join();
  EXPECT_EQ(assignments, 1);  // the consumer group never rebalanced
  EXPECT_EQ(revocations, 0);
  EXPECT_EQ((*consumer)->assignment(), (std::set<TopicPartition>{{"orders", 0}}));
  ASSERT_TRUE((*consumer)->close().ok());
}

}  // namespace
}  // namespace ferry::broker::membership
