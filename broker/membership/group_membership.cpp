#include "broker/membership/group_membership.h"

#include <utility>

#include "broker/protocol/error_code.h"
#include "common/thread_name.h"

namespace ferry::broker::membership {
namespace {

using namespace std::chrono_literals;
using protocol::ApiKey;
using protocol::Struct;

using protocol::ErrorCode;
using enum protocol::ErrorCode;

ErrorCode error_code(const Struct& response) {
  return static_cast<ErrorCode>(response.integer("ErrorCode"));
}

std::string error_name(ErrorCode code) {
  const std::string_view name = protocol::error_code_name(code);
  return name == "UNKNOWN" ? "error " + std::to_string(static_cast<int>(code)) : std::string(name);
}

// The coordinator is gone or elsewhere: find it again before the next request.
bool coordinator_moved(ErrorCode code) {
  return code == kCoordinatorNotAvailable || code == kNotCoordinator;
}

// host:port, with brackets around an IPv6 literal.
std::string endpoint(const std::string& host, std::int64_t port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

Result<std::unique_ptr<GroupMembership>> GroupMembership::create(MembershipSettings settings,
                                                                 MembershipCallbacks& callbacks) {
  const std::string where = "group membership";
  if (settings.group_id.empty()) return Status::invalid_argument(where + ": group.id is empty");
  if (settings.bootstrap_servers.empty()) {
    return Status::invalid_argument(where + " of " + settings.group_id + ": no bootstrap servers");
  }
  if (settings.protocol_type.empty()) {
    return Status::invalid_argument(where + " of " + settings.group_id + ": no protocol type");
  }
  if (settings.heartbeat_interval <= std::chrono::milliseconds::zero() ||
      settings.heartbeat_interval >= settings.session_timeout) {
    return Status::invalid_argument(where + " of " + settings.group_id +
                                    ": heartbeat.interval.ms must be positive and below "
                                    "session.timeout.ms");
  }
  return std::unique_ptr<GroupMembership>(  // private constructor
      new GroupMembership(std::move(settings), callbacks));
}

GroupMembership::GroupMembership(MembershipSettings settings, MembershipCallbacks& callbacks)
    : settings_(std::move(settings)),
      callbacks_(callbacks),
      connection_options_{settings_.client_id, settings_.connect_timeout,
                          settings_.request_timeout},
      heartbeat_thread_([this](std::stop_token stop) { heartbeat_loop(std::move(stop)); }) {}

GroupMembership::~GroupMembership() {
  bool member = false;
  {
    std::lock_guard lock(mutex_);
    member = !member_id_.empty();
  }
  if (member) (void)leave();  // best effort: otherwise the coordinator expires the session
  heartbeat_thread_.request_stop();
  heartbeat_thread_.join();
}

Status GroupMembership::context(const Status& status, const std::string& api) const {
  std::string where = "group " + settings_.group_id;
  if (coordinator_) where += ": coordinator " + coordinator_->address();
  if (!api.empty()) where += ": " + api;
  return status.with_context(where);
}

void GroupMembership::forget_coordinator() {
  coordinator_.reset();
  std::lock_guard lock(mutex_);
  coordinator_address_.clear();
}

Result<std::string> GroupMembership::find_coordinator(Deadline deadline) {
  std::string failures;
  for (const std::string& bootstrap : settings_.bootstrap_servers) {
    ConnectionOptions options = connection_options_;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    options.connect_timeout = std::min(options.connect_timeout, left);
    options.request_timeout = std::min(options.request_timeout, left);
    auto connection = KafkaConnection::open(bootstrap, options);
    if (!connection.ok()) {
      failures += "; " + connection.status().message();
      continue;
    }
    Struct request = (*connection)->request(ApiKey::kFindCoordinator);
    request.set_string("Key", settings_.group_id).set_integer("KeyType", 0);  // 0: a group
    auto response = (*connection)->call(ApiKey::kFindCoordinator, request);
    if (!response.ok()) {
      failures += "; " + response.status().message();
      continue;
    }
    if (const ErrorCode error = error_code(*response); error != kNone) {
      failures += "; " + bootstrap + ": FindCoordinator: " + error_name(error);
      continue;
    }
    return endpoint(response->string("Host"), response->integer("Port"));
  }
  return Status::retriable("group " + settings_.group_id + ": no coordinator found" + failures);
}

Status GroupMembership::ensure_coordinator(Deadline deadline) {
  {
    // The heartbeat thread forgets the address when it loses the coordinator.
    std::lock_guard lock(mutex_);
    if (coordinator_address_.empty()) coordinator_.reset();
  }
  if (coordinator_) return Status::ok_status();
  auto address = find_coordinator(deadline);
  if (!address.ok()) return address.status();
  auto connection = KafkaConnection::open(*address, connection_options_);
  if (!connection.ok()) {
    return connection.status().with_context("group " + settings_.group_id + ": coordinator");
  }
  coordinator_ = std::move(*connection);
  std::lock_guard lock(mutex_);
  coordinator_address_ = *address;
  return Status::ok_status();
}

Result<GroupAssignment> GroupMembership::join() {
  std::lock_guard operation(operation_mutex_);
  std::optional<GroupAssignment> previous;
  std::string member_id;
  {
    std::lock_guard lock(mutex_);
    previous = std::exchange(assignment_, std::nullopt);
    member_id = member_id_;
  }
  // Heartbeats go on while the application revokes: it is still a member until it rejoins.
  if (previous) callbacks_.on_revoked(*previous);

  const auto set_member_id = [this, &member_id](std::string id) {
    member_id = std::move(id);
    std::lock_guard lock(mutex_);
    member_id_ = member_id;
  };
  // JoinGroup waits for every member to rejoin, SyncGroup for the leader's assignment.
  const auto rebalance_call_timeout = settings_.rebalance_timeout + settings_.request_timeout;
  const Deadline deadline = std::chrono::steady_clock::now() + rebalance_call_timeout;
  Status last_error;
  bool back_off = false;
  while (true) {
    if (!last_error.ok() &&
        std::chrono::steady_clock::now() + (back_off ? settings_.retry_backoff : 0ms) >= deadline) {
      std::lock_guard lock(mutex_);
      heartbeating_ = false;
      request_rejoin(last_error.message());
      return last_error.with_context("join did not complete within " +
                                     std::to_string(rebalance_call_timeout.count()) + " ms");
    }
    if (back_off) std::this_thread::sleep_for(settings_.retry_backoff);
    back_off = true;
    if (Status found = ensure_coordinator(deadline); !found.ok()) {
      last_error = found;
      continue;
    }

    {
      std::lock_guard lock(mutex_);
      heartbeating_ = false;  // the JoinGroup in flight keeps the membership from now on
    }
    Struct join = coordinator_->request(ApiKey::kJoinGroup);
    join.set_string("GroupId", settings_.group_id)
        .set_integer("SessionTimeoutMs", settings_.session_timeout.count())
        .set_integer("RebalanceTimeoutMs", settings_.rebalance_timeout.count())
        .set_string("MemberId", member_id)
        .set_string("ProtocolType", settings_.protocol_type);
    for (ProtocolMetadata& protocol : callbacks_.protocols()) {
      join.add("Protocols")
          .set_string("Name", std::move(protocol.name))
          .set_bytes("Metadata", std::move(protocol.metadata));
    }
    auto joined = coordinator_->call(ApiKey::kJoinGroup, join, rebalance_call_timeout);
    if (!joined.ok()) {
      last_error = context(joined.status(), "");
      forget_coordinator();
      continue;
    }
    const ErrorCode join_error = error_code(*joined);
    if (join_error != kNone) {
      last_error = context(Status::retriable(error_name(join_error)), "JoinGroup");
      switch (join_error) {
        case kMemberIdRequired:  // KIP-394: join again with the id the coordinator gave
          set_member_id(joined->string("MemberId"));
          back_off = false;
          continue;
        case kUnknownMemberId:  // removed (session expired): join as a new member
          set_member_id("");
          back_off = false;
          continue;
        case kCoordinatorNotAvailable:
        case kNotCoordinator:
          forget_coordinator();
          continue;
        case kCoordinatorLoadInProgress:
        case kRebalanceInProgress:
        case kIllegalGeneration:
          continue;
        default:  // INCONSISTENT_GROUP_PROTOCOL, INVALID_SESSION_TIMEOUT, ...: retrying won't help
          std::lock_guard lock(mutex_);
          request_rejoin("JoinGroup: " + error_name(join_error));
          return context(Status::invalid_argument(error_name(join_error)), "JoinGroup");
      }
    }

    GroupAssignment result;
    result.generation_id = static_cast<std::int32_t>(joined->integer("GenerationId"));
    result.member_id = joined->string("MemberId");
    result.leader_id = joined->string("Leader");
    result.protocol = joined->string("ProtocolName");
    set_member_id(result.member_id);
    {
      // Heartbeat while waiting for SyncGroup too: the leader's assign() may take longer than a
      // session, and Kafka's coordinator expects heartbeats in CompletingRebalance.
      std::lock_guard lock(mutex_);
      heartbeat_generation_ = result.generation_id;
      heartbeating_ = true;
    }

    Struct sync = coordinator_->request(ApiKey::kSyncGroup);
    sync.set_string("GroupId", settings_.group_id)
        .set_integer("GenerationId", result.generation_id)
        .set_string("MemberId", result.member_id);
    if (result.leader()) {
      std::vector<MemberMetadata> members;
      for (const Struct& member : joined->structs("Members")) {
        members.push_back({member.string("MemberId"), member.bytes("Metadata")});
      }
      auto assignments = callbacks_.assign(result.leader_id, result.protocol, members);
      if (!assignments.ok()) {
        // The others wait for a SyncGroup that will not come until the rebalance times out;
        // rejoining is the caller's decision.
        std::lock_guard lock(mutex_);
        heartbeating_ = false;
        request_rejoin("assign failed: " + assignments.status().message());
        return context(assignments.status(), "assign (leader of generation " +
                                                 std::to_string(result.generation_id) + ")");
      }
      for (const MemberMetadata& member : members) {
        const auto it = assignments->find(member.member_id);
        sync.add("Assignments")
            .set_string("MemberId", member.member_id)
            .set_bytes("Assignment", it != assignments->end() ? it->second : Bytes{});
      }
    }
    auto synced = coordinator_->call(ApiKey::kSyncGroup, sync, rebalance_call_timeout);
    if (!synced.ok()) {
      last_error = context(synced.status(), "");
      forget_coordinator();
      continue;
    }
    if (const ErrorCode sync_error = error_code(*synced); sync_error != kNone) {
      last_error = context(Status::retriable(error_name(sync_error)), "SyncGroup");
      if (sync_error == kUnknownMemberId) set_member_id("");
      if (coordinator_moved(sync_error)) forget_coordinator();
      // A member joined or left while this one synced: the next generation has begun.
      back_off = sync_error != kRebalanceInProgress && sync_error != kUnknownMemberId &&
                 sync_error != kIllegalGeneration;
      continue;
    }
    result.assignment = synced->bytes("Assignment");

    std::lock_guard lock(mutex_);
    assignment_ = result;
    heartbeating_ = true;
    rejoin_needed_ = false;
    rejoin_reason_.clear();
    changed_.notify_all();
    return result;
  }
}

Status GroupMembership::leave() {
  std::lock_guard operation(operation_mutex_);
  std::optional<GroupAssignment> previous;
  std::string member_id;
  {
    std::lock_guard lock(mutex_);
    previous = std::exchange(assignment_, std::nullopt);
    member_id = std::exchange(member_id_, "");
    heartbeating_ = false;
    rejoin_needed_ = false;
  }
  if (previous) callbacks_.on_revoked(*previous);
  if (member_id.empty()) return Status::ok_status();

  const Deadline deadline = std::chrono::steady_clock::now() + settings_.request_timeout;
  if (Status found = ensure_coordinator(deadline); !found.ok()) {
    return context(found, "LeaveGroup");
  }
  Struct request = coordinator_->request(ApiKey::kLeaveGroup);
  request.set_string("GroupId", settings_.group_id).set_string("MemberId", member_id);  // v0-2
  request.add("Members").set_string("MemberId", member_id);                             // v3+
  auto response = coordinator_->call(ApiKey::kLeaveGroup, request);
  if (!response.ok()) {
    const Status failed = context(response.status(), "");
    forget_coordinator();
    return failed;
  }
  ErrorCode error = error_code(*response);
  if (error == kNone && !response->structs("Members").empty()) {
    error = error_code(response->structs("Members").front());
  }
  // UNKNOWN_MEMBER_ID: already removed (its session expired), which is what leaving asks for.
  if (error != kNone && error != kUnknownMemberId) {
    if (coordinator_moved(error)) forget_coordinator();
    return context(Status::retriable(error_name(error)), "LeaveGroup");
  }
  return Status::ok_status();
}

bool GroupMembership::rejoin_needed() const {
  std::lock_guard lock(mutex_);
  return rejoin_needed_;
}

bool GroupMembership::wait_for_rejoin_needed(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return rejoin_needed_; });
}

std::string GroupMembership::rejoin_reason() const {
  std::lock_guard lock(mutex_);
  return rejoin_reason_;
}

std::optional<GroupAssignment> GroupMembership::assignment() const {
  std::lock_guard lock(mutex_);
  return assignment_;
}

void GroupMembership::pause_heartbeats_for_testing(bool paused) {
  std::lock_guard lock(mutex_);
  heartbeats_paused_ = paused;
  changed_.notify_all();
}

void GroupMembership::request_rejoin(std::string reason) {
  rejoin_needed_ = true;
  rejoin_reason_ = std::move(reason);
  changed_.notify_all();
}

void GroupMembership::heartbeat_loop(std::stop_token stop) {
  name_this_thread("member-heartbt");
  std::unique_ptr<KafkaConnection> connection;
  KafkaConnection* in_flight = nullptr;  // guarded by mutex_: what the destructor interrupts
  const std::stop_callback interrupt(stop, [this, &in_flight] {
    std::lock_guard lock(mutex_);
    if (in_flight != nullptr) in_flight->shutdown();
  });
  while (!stop.stop_requested()) {
    std::int32_t generation_id = -1;
    std::string member_id;
    std::string coordinator;
    {
      std::unique_lock lock(mutex_);
      // Sleeps the interval whatever else changes: heartbeats pace themselves, not the waiters.
      changed_.wait_for(lock, stop, settings_.heartbeat_interval, [] { return false; });
      if (stop.stop_requested()) break;
      if (!heartbeating_ || heartbeats_paused_ || coordinator_address_.empty()) continue;
      generation_id = heartbeat_generation_;
      member_id = member_id_;
      coordinator = coordinator_address_;
    }

    // Its own connection: join() may be blocked in a JoinGroup on the other one.
    Status failure;
    ErrorCode error = kNone;
    if (!connection || connection->address() != coordinator) {
      connection.reset();
      auto opened = KafkaConnection::open(coordinator, connection_options_);
      if (opened.ok()) {
        connection = std::move(*opened);
      } else {
        failure = opened.status();
      }
    }
    if (connection) {
      Struct request = connection->request(ApiKey::kHeartbeat);
      request.set_string("GroupId", settings_.group_id)
          .set_integer("GenerationId", generation_id)
          .set_string("MemberId", member_id);
      {
        std::lock_guard lock(mutex_);
        in_flight = connection.get();
      }
      if (stop.stop_requested()) break;  // the callback may have run before in_flight was set
      auto response = connection->call(ApiKey::kHeartbeat, request);
      {
        std::lock_guard lock(mutex_);
        in_flight = nullptr;
      }
      if (response.ok()) {
        error = error_code(*response);
      } else {
        failure = response.status();
        connection.reset();
      }
    }

    std::lock_guard lock(mutex_);
    // A join() or leave() began meanwhile: this answer is about a generation no longer kept.
    if (!heartbeating_ || heartbeat_generation_ != generation_id) continue;
    if (!failure.ok()) {
      coordinator_address_.clear();  // the next join() finds the coordinator again
      heartbeating_ = false;
      request_rejoin("Heartbeat: " + failure.message());
      continue;
    }
    switch (error) {
      case kNone:
        break;
      case kRebalanceInProgress:
        // Keep heartbeating: the membership lasts until the application rejoins.
        if (!rejoin_needed_) request_rejoin("Heartbeat: REBALANCE_IN_PROGRESS");
        break;
      case kUnknownMemberId:  // removed from the group: rejoin as a new member
        member_id_.clear();
        heartbeating_ = false;
        request_rejoin("Heartbeat: UNKNOWN_MEMBER_ID");
        break;
      default:  // ILLEGAL_GENERATION, coordinator errors, ...
        if (coordinator_moved(error)) coordinator_address_.clear();
        heartbeating_ = false;
        request_rejoin("Heartbeat: " + error_name(error));
        break;
    }
  }
}

}  // namespace ferry::broker::membership
