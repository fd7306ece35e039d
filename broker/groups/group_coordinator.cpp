#include "broker/groups/group_coordinator.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <set>

#include "common/thread_name.h"

namespace ferry::broker {
namespace {

std::string random_uuid() {
  std::random_device random;
  std::uint8_t bytes[16];
  for (auto& byte : bytes) byte = static_cast<std::uint8_t>(random());
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  char text[37];
  std::snprintf(text, sizeof text,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", bytes[0],
                bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
                bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
  return text;
}

JoinGroupResponse join_error(GroupError error, std::string member_id = {}) {
  JoinGroupResponse response;
  response.error = error;
  response.member_id = std::move(member_id);
  return response;
}

SyncGroupResponse sync_error(GroupError error) {
  SyncGroupResponse response;
  response.error = error;
  return response;
}

const Bytes* metadata_for(const std::vector<GroupProtocol>& protocols, const std::string& name) {
  for (const GroupProtocol& protocol : protocols) {
    if (protocol.name == name) return &protocol.metadata;
  }
  return nullptr;
}

}  // namespace

GroupCoordinator::GroupCoordinator(GroupOffsets& offsets, GroupCoordinatorOptions options)
    : offsets_(offsets), options_(options) {
  timer_ = std::jthread([this](std::stop_token stop) { timer_loop(std::move(stop)); });
}

GroupCoordinator::~GroupCoordinator() {
  timer_.request_stop();
  timer_cv_.notify_all();
  timer_.join();
  Completions completions;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, group] : groups_) {
      for (auto& [member_id, member] : group.members) {
        if (member.awaiting_join) {
          completions.push_back([done = std::move(member.awaiting_join)] {
            done(join_error(GroupError::kCoordinatorNotAvailable));
          });
        }
        if (member.awaiting_sync) {
          completions.push_back([done = std::move(member.awaiting_sync)] {
            done(sync_error(GroupError::kCoordinatorNotAvailable));
          });
        }
      }
    }
  }
  for (auto& completion : completions) completion();
}

std::string_view GroupCoordinator::state_name(State state) {
  switch (state) {
    case State::kEmpty:
      return "Empty";
    case State::kPreparingRebalance:
      return "PreparingRebalance";
    case State::kCompletingRebalance:
      return "CompletingRebalance";
    case State::kStable:
      return "Stable";
  }
  return "Dead";
}

bool GroupCoordinator::supports_protocols(const Group& group,
                                          const JoinGroupRequest& request) const {
  if (request.protocol_type.empty() || request.protocols.empty()) return false;
  if (group.members.empty()) return true;
  if (request.protocol_type != group.protocol_type) return false;
  // Some protocol every current member (other than this one) and this one support.
  for (const GroupProtocol& candidate : request.protocols) {
    bool everyone = true;
    for (const auto& [id, member] : group.members) {
      if (id == request.member_id) continue;
      if (metadata_for(member.protocols, candidate.name) == nullptr) {
        everyone = false;
        break;
      }
    }
    if (everyone) return true;
  }
  return false;
}

void GroupCoordinator::join_group(JoinGroupRequest request,
                                  std::function<void(JoinGroupResponse)> done) {
  Completions completions;
  {
    std::lock_guard lock(mutex_);
    const auto fail = [&](GroupError error, std::string member_id = {}) {
      completions.push_back([done, error, member_id] { done(join_error(error, member_id)); });
    };
    if (request.group_id.empty()) {
      fail(GroupError::kInvalidGroupId, request.member_id);
    } else if (request.session_timeout_ms < options_.min_session_timeout_ms ||
               request.session_timeout_ms > options_.max_session_timeout_ms) {
      fail(GroupError::kInvalidSessionTimeout, request.member_id);
    } else {
      Group& group = groups_[request.group_id];
      group.id = request.group_id;
      const bool known = group.members.contains(request.member_id);
      const bool pending = group.pending_members.contains(request.member_id);
      if (!supports_protocols(group, request)) {
        fail(GroupError::kInconsistentGroupProtocol, request.member_id);
      } else if (request.member_id.empty()) {
        if (group.members.size() + group.pending_members.size() >=
            static_cast<std::size_t>(options_.max_group_size)) {
          fail(GroupError::kGroupMaxSizeReached);
        } else {
          const std::string id =
              (request.client_id.empty() ? std::string("member") : request.client_id) + "-" +
              random_uuid();
          if (request.require_known_member_id) {
            group.pending_members[id] =
                Clock::now() + std::chrono::milliseconds(request.session_timeout_ms);
            fail(GroupError::kMemberIdRequired, id);
          } else {
            request.member_id = id;
          }
        }
      } else if (!known && !pending) {
        fail(GroupError::kUnknownMemberId, request.member_id);
      }
      if (completions.empty()) {
        // A known (or just admitted) member joins.
        group.pending_members.erase(request.member_id);
        const bool is_new = !group.members.contains(request.member_id);
        Member& member = group.members[request.member_id];
        const bool same_metadata =
            !is_new && member.protocols.size() == request.protocols.size() &&
            std::equal(member.protocols.begin(), member.protocols.end(), request.protocols.begin(),
                       [](const GroupProtocol& a, const GroupProtocol& b) {
                         return a.name == b.name && a.metadata == b.metadata;
                       });
        member.id = request.member_id;
        member.instance_id = request.group_instance_id;
        member.client_id = request.client_id;
        member.client_host = request.client_host;
        member.session_timeout_ms = request.session_timeout_ms;
        member.rebalance_timeout_ms = request.rebalance_timeout_ms;
        member.protocols = request.protocols;
        member.last_heartbeat = Clock::now();
        if (group.members.size() == 1) group.protocol_type = request.protocol_type;

        const bool leader = group.leader == member.id;
        if (!is_new && same_metadata &&
            (group.state == State::kCompletingRebalance ||
             (group.state == State::kStable && !leader))) {
          // Nothing changed: answer with the current generation, as Kafka does for a rejoin
          // after a lost response.
          JoinGroupResponse response;
          response.generation_id = group.generation;
          response.protocol_type = group.protocol_type;
          response.protocol_name = group.protocol_name;
          response.leader = group.leader;
          response.member_id = member.id;
          if (leader) {
            for (const auto& [id, other] : group.members) {
              const Bytes* metadata = metadata_for(other.protocols, group.protocol_name);
              response.members.push_back({id, other.instance_id, metadata ? *metadata : Bytes()});
            }
          }
          completions.push_back([done, response] { done(response); });
        } else {
          if (member.awaiting_join) {
            completions.push_back([previous = std::move(member.awaiting_join)] {
              previous(join_error(GroupError::kUnknownMemberId));
            });
          }
          member.awaiting_join = done;
          if (group.state != State::kPreparingRebalance) prepare_rebalance(group, completions);
          maybe_complete_join(group, completions, false);
        }
      }
    }
  }
  for (auto& completion : completions) completion();
}

void GroupCoordinator::prepare_rebalance(Group& group, Completions& completions) {
  // Members waiting for the old generation's assignment must rejoin.
  for (auto& [id, member] : group.members) {
    if (member.awaiting_sync) {
      completions.push_back([done = std::move(member.awaiting_sync)] {
        done(sync_error(GroupError::kRebalanceInProgress));
      });
      member.awaiting_sync = nullptr;
    }
  }
  const Clock::time_point now = Clock::now();
  group.initial_join = group.state == State::kEmpty;
  std::int32_t timeout = 0;
  for (const auto& [id, member] : group.members) {
    timeout = std::max(timeout, member.rebalance_timeout_ms);
  }
  group.rebalance_deadline =
      now + std::chrono::milliseconds(group.initial_join
                                          ? std::min(options_.initial_rebalance_delay_ms, timeout)
                                          : timeout);
  group.state = State::kPreparingRebalance;
}

void GroupCoordinator::maybe_complete_join(Group& group, Completions& completions,
                                           bool deadline_passed) {
  if (group.state != State::kPreparingRebalance) return;
  if (group.initial_join && !deadline_passed && options_.initial_rebalance_delay_ms > 0) return;
  const bool everyone = std::all_of(group.members.begin(), group.members.end(),
                                    [](const auto& entry) { return entry.second.awaiting_join; });
  if (everyone || deadline_passed) complete_join(group, completions);
}

void GroupCoordinator::complete_join(Group& group, Completions& completions) {
  // Members that did not rejoin in time are out.
  for (auto it = group.members.begin(); it != group.members.end();) {
    it = it->second.awaiting_join ? std::next(it) : group.members.erase(it);
  }
  ++group.generation;
  group.initial_join = false;
  if (group.members.empty()) {
    group.state = State::kEmpty;
    group.protocol_name.clear();
    group.leader.clear();
    return;
  }
  // The protocol every member supports that most members prefer (earliest in their lists).
  std::map<std::string, int> votes;
  const Member& any = group.members.begin()->second;
  for (const GroupProtocol& candidate : any.protocols) {
    bool everyone = true;
    for (const auto& [id, member] : group.members) {
      if (metadata_for(member.protocols, candidate.name) == nullptr) everyone = false;
    }
    if (everyone) votes[candidate.name] = 0;
  }
  for (const auto& [id, member] : group.members) {
    for (const GroupProtocol& protocol : member.protocols) {
      if (votes.contains(protocol.name)) {
        ++votes[protocol.name];
        break;
      }
    }
  }
  std::string chosen;
  int best = -1;
  for (const GroupProtocol& candidate : any.protocols) {
    if (votes.contains(candidate.name) && votes[candidate.name] > best) {
      best = votes[candidate.name];
      chosen = candidate.name;
    }
  }
  group.protocol_name = chosen;
  if (!group.members.contains(group.leader)) group.leader = group.members.begin()->first;
  group.state = State::kCompletingRebalance;
  // Members that never send SyncGroup (a leader that failed to assign) must not keep the others
  // waiting for ever: as Kafka 3.x does, they are dropped after the rebalance timeout.
  std::int32_t timeout = 0;
  for (const auto& [id, member] : group.members) {
    timeout = std::max(timeout, member.rebalance_timeout_ms);
  }
  group.rebalance_deadline = Clock::now() + std::chrono::milliseconds(timeout);
  for (auto& [id, member] : group.members) member.synced = false;

  std::vector<JoinedMember> members;
  for (const auto& [id, member] : group.members) {
    const Bytes* metadata = metadata_for(member.protocols, chosen);
    members.push_back({id, member.instance_id, metadata ? *metadata : Bytes()});
  }
  const Clock::time_point now = Clock::now();
  for (auto& [id, member] : group.members) {
    member.assignment.clear();
    member.last_heartbeat = now;
    JoinGroupResponse response;
    response.generation_id = group.generation;
    response.protocol_type = group.protocol_type;
    response.protocol_name = chosen;
    response.leader = group.leader;
    response.member_id = id;
    if (id == group.leader) response.members = members;
    completions.push_back([done = std::move(member.awaiting_join), response] { done(response); });
    member.awaiting_join = nullptr;
  }
}

void GroupCoordinator::sync_group(SyncGroupRequest request,
                                  std::function<void(SyncGroupResponse)> done) {
  Completions completions;
  {
    std::lock_guard lock(mutex_);
    const auto fail = [&](GroupError error) {
      completions.push_back([done, error] { done(sync_error(error)); });
    };
    const auto it = groups_.find(request.group_id);
    Member* member = nullptr;
    if (it != groups_.end()) {
      const auto found = it->second.members.find(request.member_id);
      if (found != it->second.members.end()) member = &found->second;
    }
    if (member == nullptr) {
      fail(GroupError::kUnknownMemberId);
    } else if (Group& group = it->second; request.generation_id != group.generation) {
      fail(GroupError::kIllegalGeneration);
    } else if ((request.protocol_type && *request.protocol_type != group.protocol_type) ||
               (request.protocol_name && *request.protocol_name != group.protocol_name)) {
      fail(GroupError::kInconsistentGroupProtocol);
    } else if (group.state == State::kPreparingRebalance) {
      fail(GroupError::kRebalanceInProgress);
    } else if (group.state == State::kStable) {
      SyncGroupResponse response;
      response.protocol_type = group.protocol_type;
      response.protocol_name = group.protocol_name;
      response.assignment = member->assignment;
      completions.push_back([done, response] { done(response); });
    } else {
      member->last_heartbeat = Clock::now();
      member->synced = true;
      member->awaiting_sync = done;
      if (request.member_id == group.leader) {
        for (auto& [id, other] : group.members) other.assignment.clear();
        for (auto& [id, assignment] : request.assignments) {
          const auto target = group.members.find(id);
          if (target != group.members.end()) target->second.assignment = assignment;
        }
        group.state = State::kStable;
        const Clock::time_point now = Clock::now();
        for (auto& [id, other] : group.members) {
          if (!other.awaiting_sync) continue;
          // Its session starts again with the answer, as Kafka's
          // completeAndScheduleNextHeartbeatExpiration does: a follower that waited longer than
          // its session for a slow leader is not expired at the next tick.
          other.last_heartbeat = now;
          SyncGroupResponse response;
          response.protocol_type = group.protocol_type;
          response.protocol_name = group.protocol_name;
          response.assignment = other.assignment;
          completions.push_back(
              [reply = std::move(other.awaiting_sync), response] { reply(response); });
          other.awaiting_sync = nullptr;
        }
      }
    }
  }
  for (auto& completion : completions) completion();
}

GroupError GroupCoordinator::heartbeat(const std::string& group_id, std::int32_t generation_id,
                                       const std::string& member_id) {
  std::lock_guard lock(mutex_);
  const auto it = groups_.find(group_id);
  if (it == groups_.end()) return GroupError::kUnknownMemberId;
  Group& group = it->second;
  const auto member = group.members.find(member_id);
  if (member == group.members.end()) return GroupError::kUnknownMemberId;
  member->second.last_heartbeat = Clock::now();
  if (generation_id != group.generation) return GroupError::kIllegalGeneration;
  if (group.state == State::kPreparingRebalance) return GroupError::kRebalanceInProgress;
  return GroupError::kNone;
}

void GroupCoordinator::remove_member(Group& group, const std::string& member_id,
                                     Completions& completions) {
  const auto it = group.members.find(member_id);
  if (it == group.members.end()) return;
  if (it->second.awaiting_join) {
    completions.push_back([done = std::move(it->second.awaiting_join)] {
      done(join_error(GroupError::kUnknownMemberId));
    });
  }
  if (it->second.awaiting_sync) {
    completions.push_back([done = std::move(it->second.awaiting_sync)] {
      done(sync_error(GroupError::kUnknownMemberId));
    });
  }
  group.members.erase(it);
  if (group.state == State::kStable || group.state == State::kCompletingRebalance) {
    prepare_rebalance(group, completions);
  }
  if (group.members.empty() && group.state == State::kPreparingRebalance) {
    complete_join(group, completions);
  } else {
    maybe_complete_join(group, completions, false);
  }
}

std::vector<std::pair<std::string, GroupError>> GroupCoordinator::leave_group(
    const std::string& group_id, const std::vector<std::string>& member_ids) {
  std::vector<std::pair<std::string, GroupError>> results;
  Completions completions;
  {
    std::lock_guard lock(mutex_);
    const auto it = groups_.find(group_id);
    for (const std::string& member_id : member_ids) {
      if (it == groups_.end() || !it->second.members.contains(member_id)) {
        results.emplace_back(member_id, GroupError::kUnknownMemberId);
        continue;
      }
      remove_member(it->second, member_id, completions);
      results.emplace_back(member_id, GroupError::kNone);
    }
  }
  for (auto& completion : completions) completion();
  return results;
}

std::vector<OffsetCommitResult> GroupCoordinator::commit_offsets(
    const std::string& group_id, std::int32_t generation_id, const std::string& member_id,
    const std::vector<OffsetCommitEntry>& offsets) {
  std::vector<OffsetCommitResult> results;
  const auto all = [&](GroupError error) {
    for (const OffsetCommitEntry& entry : offsets) {
      results.push_back({entry.topic, entry.partition, error});
    }
    return results;
  };
  std::unique_lock lock(mutex_);
  if (group_id.empty()) return all(GroupError::kInvalidGroupId);
  const auto it = groups_.find(group_id);
  const bool has_members = it != groups_.end() && !it->second.members.empty();
  if (generation_id < 0 && member_id.empty()) {
    if (has_members) return all(GroupError::kUnknownMemberId);
  } else {
    if (it == groups_.end() || !it->second.members.contains(member_id)) {
      return all(GroupError::kUnknownMemberId);
    }
    const Group& group = it->second;
    if (generation_id != group.generation) return all(GroupError::kIllegalGeneration);
    if (group.state == State::kCompletingRebalance) return all(GroupError::kRebalanceInProgress);
  }
  std::vector<PartitionOffset> accepted;
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  for (const OffsetCommitEntry& entry : offsets) {
    if (entry.metadata.size() > static_cast<std::size_t>(options_.offset_metadata_max_bytes)) {
      results.push_back({entry.topic, entry.partition, GroupError::kOffsetMetadataTooLarge});
      continue;
    }
    accepted.push_back({entry.topic, entry.partition,
                        OffsetCommitValue{entry.offset, entry.leader_epoch, entry.metadata, now}});
    results.push_back({entry.topic, entry.partition, GroupError::kNone});
  }
  // The append to __consumer_offsets happens outside the coordinator's lock, so heartbeats and
  // joins of every group do not wait behind a file write.
  lock.unlock();
  if (Status status = offsets_.commit(group_id, accepted); !status.ok()) {
    for (OffsetCommitResult& result : results) {
      if (result.error == GroupError::kNone) result.error = GroupError::kCoordinatorNotAvailable;
    }
  }
  return results;
}

std::optional<OffsetCommitValue> GroupCoordinator::fetch_offset(const std::string& group_id,
                                                                const std::string& topic,
                                                                std::int32_t partition) const {
  return offsets_.fetch(group_id, topic, partition);
}

std::vector<PartitionOffset> GroupCoordinator::fetch_offsets(const std::string& group_id) const {
  return offsets_.fetch_all(group_id);
}

std::vector<GroupDescription> GroupCoordinator::list_groups() const {
  std::map<std::string, GroupDescription> result;
  for (const std::string& group : offsets_.groups()) {
    result[group] = GroupDescription{.group_id = group, .state = "Empty"};
  }
  std::lock_guard lock(mutex_);
  for (const auto& [id, group] : groups_) {
    if (group.members.empty() && group.state == State::kEmpty && !result.contains(id)) continue;
    GroupDescription& description = result[id];
    description.group_id = id;
    description.state = state_name(group.state);
    description.protocol_type = group.protocol_type;
  }
  std::vector<GroupDescription> list;
  for (auto& [id, description] : result) list.push_back(std::move(description));
  return list;
}

std::optional<GroupDescription> GroupCoordinator::describe_group(
    const std::string& group_id) const {
  std::lock_guard lock(mutex_);
  const auto it = groups_.find(group_id);
  if (it == groups_.end()) {
    if (offsets_.fetch_all(group_id).empty()) return std::nullopt;
    return GroupDescription{.group_id = group_id, .state = "Empty"};
  }
  const Group& group = it->second;
  GroupDescription description{.group_id = group_id,
                               .state = std::string(state_name(group.state)),
                               .protocol_type = group.protocol_type,
                               .protocol_name = group.protocol_name,
                               .generation_id = group.generation};
  for (const auto& [id, member] : group.members) {
    const Bytes* metadata = metadata_for(member.protocols, group.protocol_name);
    description.members.push_back({id, member.instance_id, member.client_id, member.client_host,
                                   metadata ? *metadata : Bytes(), member.assignment});
  }
  return description;
}

GroupError GroupCoordinator::delete_group(const std::string& group_id) {
  std::lock_guard lock(mutex_);
  const auto it = groups_.find(group_id);
  if (it != groups_.end() && !it->second.members.empty()) return GroupError::kNonEmptyGroup;
  const bool had_offsets = !offsets_.fetch_all(group_id).empty();
  if (it == groups_.end() && !had_offsets) return GroupError::kGroupIdNotFound;
  if (Status status = offsets_.remove_group(group_id); !status.ok()) {
    return GroupError::kCoordinatorNotAvailable;
  }
  if (it != groups_.end()) groups_.erase(it);
  return GroupError::kNone;
}

GroupError GroupCoordinator::delete_offsets(
    const std::string& group_id,
    const std::vector<std::pair<std::string, std::int32_t>>& partitions) {
  std::lock_guard lock(mutex_);
  const auto it = groups_.find(group_id);
  if (it != groups_.end() && !it->second.members.empty()) return GroupError::kNonEmptyGroup;
  if (it == groups_.end() && offsets_.fetch_all(group_id).empty()) {
    return GroupError::kGroupIdNotFound;
  }
  for (const auto& [topic, partition] : partitions) {
    if (Status status = offsets_.remove(group_id, topic, partition); !status.ok()) {
      return GroupError::kCoordinatorNotAvailable;
    }
  }
  return GroupError::kNone;
}

void GroupCoordinator::tick() {
  Completions completions;
  {
    std::lock_guard lock(mutex_);
    const Clock::time_point now = Clock::now();
    for (auto& [id, group] : groups_) {
      for (auto it = group.pending_members.begin(); it != group.pending_members.end();) {
        // An id handed out with MEMBER_ID_REQUIRED expires if its owner does not come back
        // within its session timeout.
        it = now > it->second ? group.pending_members.erase(it) : std::next(it);
      }
      std::vector<std::string> expired;
      for (const auto& [member_id, member] : group.members) {
        // Members waiting in JoinGroup or SyncGroup are governed by the rebalance timeout, not
        // their session (Kafka's hasSatisfiedHeartbeat): a follower waiting for a slow
        // leader's assignment is not dropped for missing heartbeats meanwhile.
        if (member.awaiting_join || member.awaiting_sync) continue;
        if (now - member.last_heartbeat > std::chrono::milliseconds(member.session_timeout_ms)) {
          expired.push_back(member_id);
        }
      }
      for (const std::string& member_id : expired) remove_member(group, member_id, completions);
      if (group.state == State::kPreparingRebalance && now >= group.rebalance_deadline) {
        maybe_complete_join(group, completions, true);
      } else if (group.state == State::kCompletingRebalance && now >= group.rebalance_deadline) {
        std::vector<std::string> unsynced;
        for (const auto& [member_id, member] : group.members) {
          if (!member.synced) unsynced.push_back(member_id);
        }
        for (const std::string& member_id : unsynced) {
          remove_member(group, member_id, completions);
        }
      }
    }
  }
  for (auto& completion : completions) completion();
}

void GroupCoordinator::timer_loop(std::stop_token stop) {
  name_this_thread("group-timer");
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(timer_mutex_);
      timer_cv_.wait_for(lock, stop, options_.tick, [] { return false; });
    }
    if (stop.stop_requested()) break;
    tick();
  }
}

}  // namespace ferry::broker
