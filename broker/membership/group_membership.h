// Membership of a Kafka group with a protocol type of the application's own ("connect" for the
// worker cluster), over JoinGroup, SyncGroup, Heartbeat and LeaveGroup: what Kafka's
// AbstractCoordinator does for Connect's WorkerCoordinator. librdkafka only offers consumer
// groups, so this speaks the protocol itself (kafka_connection.h), against `ferry broker` or any
// Kafka broker.
//
// A generation, as in Kafka: join() finds the group's coordinator (FindCoordinator from a
// bootstrap server), sends JoinGroup with the member's protocols and their metadata (a new member
// first gets MEMBER_ID_REQUIRED with its id and joins again with it), and waits until every member
// has joined. The coordinator picks a leader, whose assign() callback computes every member's
// assignment from all members' metadata; SyncGroup hands each member its bytes. From then on a
// heartbeat thread keeps the membership alive and raises "rejoin needed" when the coordinator
// answers REBALANCE_IN_PROGRESS (a member joined or left), ILLEGAL_GENERATION or
// UNKNOWN_MEMBER_ID (this member was removed, e.g. its session expired), or when the coordinator
// moved or went away. The application polls rejoin_needed() (or waits on it), stops using its
// assignment and calls join() again, which first hands it to on_revoked().
//
// Errors name the group, the coordinator and the API, with Kafka's error name:
//   "group workers: coordinator 127.0.0.1:9092: JoinGroup: INCONSISTENT_GROUP_PROTOCOL".
// Retriable errors (coordinator unreachable, timeouts) are retried inside join() until its
// deadline (rebalance timeout + request timeout); what is left is returned.
//
// Thread-safety: join() and leave() from one application thread at a time (they serialize on an
// internal lock); rejoin_needed(), wait_for_rejoin_needed(), assignment() and
// pause_heartbeats_for_testing() from any thread. Callbacks run on the thread calling join() or
// leave(), never under an internal lock. The heartbeat thread is owned by the object, has its own
// connection to the coordinator and is joined by the destructor.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "broker/membership/kafka_connection.h"
#include "common/result.h"

namespace ferry::broker::membership {

using Bytes = std::vector<std::uint8_t>;

struct MembershipSettings {
  std::vector<std::string> bootstrap_servers;  // host:port, tried in order
  std::string group_id;                        // group.id
  std::string protocol_type = "connect";
  std::string client_id = "ferry";  // client.id: in every request header
  // Defaults are Kafka Connect's distributed worker's.
  std::chrono::milliseconds session_timeout{10000};    // session.timeout.ms
  std::chrono::milliseconds rebalance_timeout{60000};  // rebalance.timeout.ms
  std::chrono::milliseconds heartbeat_interval{3000};  // heartbeat.interval.ms
  std::chrono::milliseconds request_timeout{40000};    // request.timeout.ms
  std::chrono::milliseconds connect_timeout{10000};    // socket.connection.setup.timeout.ms
  std::chrono::milliseconds retry_backoff{100};        // retry.backoff.ms
};

// One protocol this member supports, with its metadata in that protocol (e.g. Connect's
// "sessioned" with the worker's URL and config offset).
struct ProtocolMetadata {
  std::string name;
  Bytes metadata;
};

struct MemberMetadata {
  std::string member_id;
  Bytes metadata;  // in the protocol the group chose
};

// What one completed join gives this member.
struct GroupAssignment {
  std::int32_t generation_id = -1;
  std::string member_id;
  std::string leader_id;
  std::string protocol;  // the one the coordinator chose among every member's
  Bytes assignment;      // this member's bytes from the leader's assign()

  bool leader() const { return member_id == leader_id; }
};

// The application's side of the protocol. Called on the thread of join() or leave().
class MembershipCallbacks {
 public:
  virtual ~MembershipCallbacks() = default;

  // The protocols this member supports, most preferred first; asked at every join, so the
  // metadata can change between generations.
  virtual std::vector<ProtocolMetadata> protocols() = 0;

  // Leader only: every member's assignment from every member's metadata (this member included).
  // A member absent from the result gets empty bytes. An error fails join().
  virtual Result<std::map<std::string, Bytes>> assign(
      const std::string& leader_id, const std::string& protocol,
      const std::vector<MemberMetadata>& members) = 0;

  // Before rejoining or leaving: the previous assignment is no longer this member's to use.
  virtual void on_revoked(const GroupAssignment& previous) = 0;
};

class GroupMembership {
 public:
  // Checks the settings (bootstrap servers and group id present; heartbeat interval below the
  // session timeout) and starts the heartbeat thread, idle until the first join. No I/O.
  // callbacks must outlive the object.
  static Result<std::unique_ptr<GroupMembership>> create(MembershipSettings settings,
                                                         MembershipCallbacks& callbacks);

  // Leaves the group if still a member (errors are ignored: the session expires anyway), then
  // stops and joins the heartbeat thread (interrupting a heartbeat in flight). No join() or
  // leave() may be running.
  ~GroupMembership();

  GroupMembership(const GroupMembership&) = delete;  // owns a thread and connections
  GroupMembership& operator=(const GroupMembership&) = delete;

  // Joins (or rejoins) the group and returns this member's part of the new generation. Blocks
  // until every member has joined (up to the rebalance timeout). Calls on_revoked() first if
  // this member held an assignment.
  Result<GroupAssignment> join();

  // Sends LeaveGroup (after on_revoked()) so the others rebalance at once instead of after this
  // member's session timeout. The member id is forgotten: a later join() joins as a new member.
  Status leave();

  // Set by the heartbeat thread when the coordinator asks for a rejoin (or is lost), and by a
  // join() that failed; cleared by a successful join().
  bool rejoin_needed() const;
  // Waits up to timeout for rejoin_needed(); returns it.
  bool wait_for_rejoin_needed(std::chrono::milliseconds timeout) const;
  // Why the last rejoin was asked for ("Heartbeat: REBALANCE_IN_PROGRESS"), for logs.
  std::string rejoin_reason() const;

  // The current generation's assignment, if this member completed a join and has not lost it.
  std::optional<GroupAssignment> assignment() const;

  // Tests: stop (or resume) heartbeats without leaving, as a hung process would, so that the
  // coordinator expires this member after its session timeout.
  void pause_heartbeats_for_testing(bool paused);

 private:
  GroupMembership(MembershipSettings settings, MembershipCallbacks& callbacks);

  // join() and leave() helpers, called with operation_mutex_ held.
  Status ensure_coordinator(Deadline deadline);
  Result<std::string> find_coordinator(Deadline deadline);
  void forget_coordinator();
  Status context(const Status& status, const std::string& api) const;

  void heartbeat_loop(std::stop_token stop);
  void request_rejoin(std::string reason);  // requires mutex_

  const MembershipSettings settings_;
  MembershipCallbacks& callbacks_;
  const ConnectionOptions connection_options_;

  // join() and leave() run one at a time; they alone use the coordinator connection.
  std::mutex operation_mutex_;
  std::unique_ptr<KafkaConnection> coordinator_;  // guarded by operation_mutex_

  // Shared with the heartbeat thread.
  mutable std::mutex mutex_;
  mutable std::condition_variable_any changed_;
  std::string member_id_;            // guarded by mutex_; "" until the coordinator gives one
  std::string coordinator_address_;  // guarded by mutex_; "" when unknown
  std::optional<GroupAssignment> assignment_;  // guarded by mutex_
  std::int32_t heartbeat_generation_ = -1;     // guarded by mutex_: the generation kept alive
  bool heartbeating_ = false;                  // guarded by mutex_: a generation to keep alive
  bool heartbeats_paused_ = false;             // guarded by mutex_
  bool rejoin_needed_ = false;                 // guarded by mutex_
  std::string rejoin_reason_;                  // guarded by mutex_

  std::jthread heartbeat_thread_;  // last: stopped and joined before the members above die
};

}  // namespace ferry::broker::membership
