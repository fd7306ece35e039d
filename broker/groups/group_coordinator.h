// The group coordinator: Kafka's group membership protocol (JoinGroup, SyncGroup, Heartbeat,
// LeaveGroup) and the offset APIs (OffsetCommit, OffsetFetch), with Kafka's states, errors and
// timeouts, for consumer groups and (later) the Connect worker cluster alike. The protocol type
// ("consumer", "connect") and each member's protocol metadata and assignment are opaque bytes:
// the group leader computes assignments, as in Kafka.
//
// States: Empty -> PreparingRebalance (a member joins, leaves, or its session expires; the join
// completes when every member has rejoined, or at the rebalance timeout, dropping the absent) ->
// CompletingRebalance (the generation is bumped, the leader gets the members' metadata) -> Stable
// (the leader's SyncGroup delivered every assignment). A first member of an empty group gets
// MEMBER_ID_REQUIRED with its id and joins again with it (JoinGroup v4+ behaviour). The first
// rebalance of an empty group waits group.initial.rebalance.delay.ms for more members to arrive.
//
// Calls that wait in Kafka (JoinGroup until the rebalance completes, SyncGroup until the leader's
// assignment) take a completion callback, called exactly once from whichever thread completes
// them (another member's call, or the coordinator's timer thread); callers must not call back
// into the coordinator while holding locks they also take in the callback.
//
// Simplifications (said in the issue notes): no static membership (group.instance.id is kept but
// a rejoining static member is treated as a new dynamic one); groups are not persisted, so after
// a broker restart members get UNKNOWN_MEMBER_ID and rejoin (committed offsets are persisted).
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "broker/groups/group_error.h"
#include "broker/groups/group_offsets.h"

namespace ferry::broker {

using Bytes = std::vector<std::uint8_t>;

struct GroupProtocol {
  std::string name;  // e.g. "range", "sticky"
  Bytes metadata;
};

struct JoinGroupRequest {
  std::string group_id;
  std::int32_t session_timeout_ms = 45000;
  std::int32_t rebalance_timeout_ms = 300000;
  std::string member_id;  // empty on the first join
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  std::string protocol_type;
  std::vector<GroupProtocol> protocols;
  // JoinGroup v4+: a new member first gets MEMBER_ID_REQUIRED and its id.
  bool require_known_member_id = true;
};

struct JoinedMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  Bytes metadata;
};

struct JoinGroupResponse {
  GroupError error = GroupError::kNone;
  std::int32_t generation_id = -1;
  std::string protocol_type;
  std::string protocol_name;
  std::string leader;
  std::string member_id;
  std::vector<JoinedMember> members;  // only the leader gets them
};

struct SyncGroupRequest {
  std::string group_id;
  std::int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::vector<std::pair<std::string, Bytes>> assignments;  // from the leader only
};

struct SyncGroupResponse {
  GroupError error = GroupError::kNone;
  std::string protocol_type;
  std::string protocol_name;
  Bytes assignment;
};

struct OffsetCommitEntry {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int32_t leader_epoch = -1;
  std::string metadata;
};

struct OffsetCommitResult {
  std::string topic;
  std::int32_t partition = 0;
  GroupError error = GroupError::kNone;
};

struct GroupMemberDescription {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  Bytes metadata;    // for the group's chosen protocol
  Bytes assignment;  // empty until the group is Stable
};

struct GroupDescription {
  std::string group_id;
  std::string state;  // Kafka's names: Empty, PreparingRebalance, CompletingRebalance, Stable, Dead
  std::string protocol_type;
  std::string protocol_name;
  std::int32_t generation_id = 0;
  std::vector<GroupMemberDescription> members;
};

struct GroupCoordinatorOptions {
  std::int32_t min_session_timeout_ms = 6000;      // group.min.session.timeout.ms
  std::int32_t max_session_timeout_ms = 1800000;   // group.max.session.timeout.ms
  std::int32_t initial_rebalance_delay_ms = 3000;  // group.initial.rebalance.delay.ms
  std::int32_t max_group_size = 2147483647;        // group.max.size
  std::int32_t offset_metadata_max_bytes = 4096;   // offset.metadata.max.bytes
  std::chrono::milliseconds tick{50};              // how often timeouts are checked
};

class GroupCoordinator {
 public:
  GroupCoordinator(GroupOffsets& offsets, GroupCoordinatorOptions options);
  // Stops the timer thread; callbacks still waiting are completed with COORDINATOR_NOT_AVAILABLE.
  ~GroupCoordinator();
  GroupCoordinator(const GroupCoordinator&) = delete;
  GroupCoordinator& operator=(const GroupCoordinator&) = delete;

  void join_group(JoinGroupRequest request, std::function<void(JoinGroupResponse)> done);
  void sync_group(SyncGroupRequest request, std::function<void(SyncGroupResponse)> done);
  GroupError heartbeat(const std::string& group_id, std::int32_t generation_id,
                       const std::string& member_id);
  // Per member, as LeaveGroup v3+ answers.
  std::vector<std::pair<std::string, GroupError>> leave_group(
      const std::string& group_id, const std::vector<std::string>& member_ids);

  // generation_id -1 with an empty member id commits for a group without members (a consumer
  // that assigns partitions itself, or the offset-reset tool).
  std::vector<OffsetCommitResult> commit_offsets(const std::string& group_id,
                                                 std::int32_t generation_id,
                                                 const std::string& member_id,
                                                 const std::vector<OffsetCommitEntry>& offsets);
  // nullopt: nothing committed.
  std::optional<OffsetCommitValue> fetch_offset(const std::string& group_id,
                                                const std::string& topic,
                                                std::int32_t partition) const;
  std::vector<PartitionOffset> fetch_offsets(const std::string& group_id) const;

  // Every group with members or committed offsets: (group id, protocol type, state).
  std::vector<GroupDescription> list_groups() const;
  std::optional<GroupDescription> describe_group(const std::string& group_id) const;
  // Only groups without members (NON_EMPTY_GROUP otherwise; GROUP_ID_NOT_FOUND if unknown).
  GroupError delete_group(const std::string& group_id);
  // Forgets the group's committed offsets of these partitions (Kafka's OffsetDelete), only while
  // the group has no members (kNonEmptyGroup otherwise); kGroupIdNotFound for an unknown group.
  GroupError delete_offsets(const std::string& group_id,
                            const std::vector<std::pair<std::string, std::int32_t>>& partitions);

 private:
  enum class State { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable };
  using Clock = std::chrono::steady_clock;

  struct Member {
    std::string id;
    std::optional<std::string> instance_id;
    std::string client_id;
    std::string client_host;
    std::int32_t session_timeout_ms = 0;
    std::int32_t rebalance_timeout_ms = 0;
    std::vector<GroupProtocol> protocols;
    Bytes assignment;
    Clock::time_point last_heartbeat;
    bool synced = false;  // sent SyncGroup in the current generation
    std::function<void(JoinGroupResponse)> awaiting_join;
    std::function<void(SyncGroupResponse)> awaiting_sync;
  };

  struct Group {
    std::string id;
    State state = State::kEmpty;
    std::int32_t generation = 0;
    std::string protocol_type;
    std::string protocol_name;
    std::string leader;
    std::map<std::string, Member> members;
    std::map<std::string, Clock::time_point> pending_members;  // handed-out id -> expiry
    // PreparingRebalance: when the join completes anyway; CompletingRebalance: when members
    // that have not sent SyncGroup are dropped.
    Clock::time_point rebalance_deadline;
    bool initial_join = false;  // waiting out group.initial.rebalance.delay.ms
  };

  using Completions = std::vector<std::function<void()>>;

  static std::string_view state_name(State state);
  bool supports_protocols(const Group& group, const JoinGroupRequest& request) const;
  void prepare_rebalance(Group& group, Completions& completions);
  void maybe_complete_join(Group& group, Completions& completions, bool deadline_passed);
  void complete_join(Group& group, Completions& completions);
  void remove_member(Group& group, const std::string& member_id, Completions& completions);
  void tick();
  void timer_loop(std::stop_token stop);

  GroupOffsets& offsets_;
  GroupCoordinatorOptions options_;
  mutable std::mutex mutex_;
  std::map<std::string, Group> groups_;

  std::mutex timer_mutex_;
  std::condition_variable_any timer_cv_;
  std::jthread timer_;
};

}  // namespace ferry::broker
