#include "broker/embedded/embedded_consumer.h"

#include <algorithm>
#include <utility>

#include "broker/client/consumer_protocol.h"
#include "broker/client/range_assignor.h"
#include "broker/client/round_robin_assignor.h"
#include "broker/client/sticky_assignor.h"
#include "broker/storage/record_batch.h"

namespace ferry::broker {
namespace {

// Kafka's client answers these with IllegalStateException / InvalidGroupIdException.
constexpr std::string_view kClosedMessage = "This consumer has already been closed.";
constexpr std::string_view kNoGroupIdMessage =
    "To use the group management or offset commit APIs, you must provide a valid group.id in "
    "the consumer configuration.";
constexpr std::string_view kMutuallyExclusiveMessage =
    "Subscription to topics, partitions and pattern are mutually exclusive";
constexpr std::string_view kCommitFailedMessage =
    "CommitFailedException: Offset commit cannot be completed since the consumer is not part of "
    "an active group for auto partition assignment; it is likely that the consumer was kicked "
    "out of the group.";
// Longer poll timeouts are clamped so that now + timeout cannot overflow the clock.
constexpr std::chrono::hours kLongestPoll{24 * 365};

std::vector<std::unique_ptr<PartitionAssignor>> make_assignors(
    const std::vector<std::string>& strategies) {
  std::vector<std::unique_ptr<PartitionAssignor>> assignors;
  for (const std::string& name : strategies) {
    if (name == RangeAssignor::kName) {
      assignors.push_back(std::make_unique<RangeAssignor>());
    } else if (name == RoundRobinAssignor::kName) {
      assignors.push_back(std::make_unique<RoundRobinAssignor>());
    } else if (name == StickyAssignor::kName) {
      assignors.push_back(std::make_unique<StickyAssignor>());
    }
  }
  // consumer_config_from_properties accepts only these names and never an empty list; a config
  // built by hand gets Kafka's default rather than a group it could never join.
  if (assignors.empty()) assignors.push_back(std::make_unique<RangeAssignor>());
  return assignors;
}

ConsumerConfig with_defaults(ConsumerConfig config) {
  // Kafka names an anonymous consumer "consumer-<group>-<n>"; the member id adds a UUID, so the
  // counter is not needed for uniqueness.
  if (config.client_id.empty()) {
    config.client_id = config.group_id.empty() ? "consumer" : "consumer-" + config.group_id;
  }
  return config;
}

std::set<TopicPartition> keys_of(const auto& map) {
  std::set<TopicPartition> keys;
  for (const auto& [key, value] : map) keys.insert(key);
  return keys;
}

// Java's Set.toString of TopicPartitions: "[t-0, t-1]".
std::string partition_list(const std::vector<TopicPartition>& partitions) {
  std::string text = "[";
  for (const TopicPartition& partition : partitions) {
    if (text.size() > 1) text += ", ";
    text += to_string(partition);
  }
  return text + "]";
}

// A compressed batch's records view its decompressed bytes, which the DecodedBatch holds.
struct DecompressedBatch {
  DecompressedBatch(std::shared_ptr<const SegmentBytes> fetched, DecodedBatch decoded)
      : fetched(std::move(fetched)), decoded(std::move(decoded)) {}
  std::shared_ptr<const SegmentBytes> fetched;  // what the views may also point into
  DecodedBatch decoded;
};

// owner keeps the bytes the record's views point into alive.
ConsumerRecord to_consumer_record(const TopicPartition& partition, const RecordView& record,
                                  RecordTimestampType timestamp_type,
                                  const std::shared_ptr<const void>& owner) {
  ConsumerRecord result;
  result.topic = partition.topic;
  result.partition = partition.partition;
  result.offset = record.offset;
  result.timestamp = record.timestamp;
  result.timestamp_type = timestamp_type;
  if (record.key) result.key.emplace(owner, *record.key);
  if (record.value) result.value.emplace(owner, *record.value);
  result.headers.reserve(record.headers.size());
  for (const RecordHeaderView& header : record.headers) {
    ClientHeader converted{std::string(header.key), std::nullopt};
    if (header.value) converted.value.emplace(header.value->begin(), header.value->end());
    result.headers.push_back(std::move(converted));
  }
  return result;
}

// How a JoinGroup or SyncGroup error that a rejoin does not cure reaches the application.
Status group_error_status(GroupError error, std::string_view api) {
  const std::string message = std::string(api) + " failed: " + std::string(group_error_name(error));
  switch (error) {
    case GroupError::kCoordinatorNotAvailable:
    case GroupError::kRebalanceInProgress:
      return Status::retriable(message);
    case GroupError::kInvalidSessionTimeout:
    case GroupError::kInvalidGroupId:
      return Status::invalid_argument(message);
    case GroupError::kInconsistentGroupProtocol:
    case GroupError::kGroupMaxSizeReached:
      return Status::conflict(message);
    default:
      return Status::fatal(message);
  }
}

Status commit_error_status(GroupError error, const TopicPartition& partition, std::int64_t offset) {
  const std::string where = "commit of " + to_string(partition) + " at offset " +
                            std::to_string(offset) + ": " + std::string(group_error_name(error));
  switch (error) {
    case GroupError::kRebalanceInProgress:
      return Status::retriable(where +
                               ": the group is rebalancing; commit again after the next poll()");
    case GroupError::kCoordinatorNotAvailable:
      return Status::retriable(where);
    case GroupError::kUnknownMemberId:
    case GroupError::kIllegalGeneration:
      return Status::conflict(where + ": " + std::string(kCommitFailedMessage));
    case GroupError::kOffsetMetadataTooLarge:
      return Status::too_large(where);
    case GroupError::kInvalidGroupId:
      return Status::invalid_argument(where);
    case GroupError::kUnknownTopicOrPartition:
      return Status::not_found(where);
    default:
      return Status::fatal(where);
  }
}

}  // namespace

EmbeddedConsumer::EmbeddedConsumer(Broker& broker, ConsumerConfig config,
                                   std::chrono::microseconds fetch_coalesce_window)
    : broker_(broker),
      config_(with_defaults(std::move(config))),
      fetch_coalesce_window_(fetch_coalesce_window),
      assignors_(make_assignors(config_.assignment_strategies)),
      next_auto_commit_(Clock::now() + std::chrono::milliseconds(config_.auto_commit_interval_ms)) {
}

EmbeddedConsumer::~EmbeddedConsumer() { (void)close(); }

Status EmbeddedConsumer::check_open() const {
  if (closed_) return Status::conflict(std::string(kClosedMessage));
  return Status::ok_status();
}

bool EmbeddedConsumer::take_wakeup() {
  std::lock_guard lock(membership_->mutex);
  return std::exchange(membership_->woken, false);
}

void EmbeddedConsumer::wakeup() {
  std::lock_guard lock(membership_->mutex);
  membership_->woken = true;
  membership_->changed.notify_all();
}

// ---------------------------------------------------------------------------------------------
// Subscription

Status EmbeddedConsumer::subscribe(const std::vector<std::string>& topics,
                                   RebalanceListener listener) {
  if (Status status = check_open(); !status.ok()) return status;
  if (config_.group_id.empty()) return Status::invalid_argument(std::string(kNoGroupIdMessage));
  if (topics.empty()) return unsubscribe();
  for (const std::string& topic : topics) {
    if (topic.find_first_not_of(" \t\r\n") == std::string::npos) {
      return Status::invalid_argument(
          "Topic collection to subscribe to cannot contain null or empty topic");
    }
  }
  if (type_ == SubscriptionType::kManual || type_ == SubscriptionType::kPattern) {
    return Status::conflict(std::string(kMutuallyExclusiveMessage));
  }
  type_ = SubscriptionType::kTopics;
  topics_ = std::set<std::string>(topics.begin(), topics.end());
  listener_ = std::move(listener);
  next_metadata_refresh_ = Clock::now();  // create missing topics at the first poll
  start_heartbeat_thread();
  return Status::ok_status();
}

Status EmbeddedConsumer::subscribe_pattern(const std::string& pattern, RebalanceListener listener) {
  if (Status status = check_open(); !status.ok()) return status;
  std::regex compiled;
  try {
    compiled = std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& error) {
    return Status::invalid_argument("Topic pattern " + pattern + ": not a regular expression (" +
                                    error.what() + ")");
  }
  if (config_.group_id.empty()) return Status::invalid_argument(std::string(kNoGroupIdMessage));
  if (type_ == SubscriptionType::kManual || type_ == SubscriptionType::kTopics) {
    return Status::conflict(std::string(kMutuallyExclusiveMessage));
  }
  type_ = SubscriptionType::kPattern;
  pattern_ = std::move(compiled);
  topics_ = matching_topics();
  listener_ = std::move(listener);
  next_metadata_refresh_ = Clock::now() + kMetadataRefresh;
  start_heartbeat_thread();
  return Status::ok_status();
}

Status EmbeddedConsumer::assign(const std::set<TopicPartition>& partitions) {
  if (Status status = check_open(); !status.ok()) return status;
  if (partitions.empty()) return unsubscribe();
  for (const TopicPartition& partition : partitions) {
    if (partition.topic.find_first_not_of(" \t\r\n") == std::string::npos) {
      return Status::invalid_argument(
          "Topic partitions to assign to cannot have null or empty topic");
    }
  }
  if (subscribed()) return Status::conflict(std::string(kMutuallyExclusiveMessage));
  // Kafka commits the positions of the old assignment before replacing it.
  if (auto_commit_enabled()) (void)commit(consumed_positions());
  std::map<TopicPartition, PartitionState> next;
  for (const TopicPartition& partition : partitions) {
    const auto it = assignment_.find(partition);
    next[partition] = it != assignment_.end() ? std::move(it->second) : PartitionState{};
  }
  assignment_ = std::move(next);
  type_ = SubscriptionType::kManual;
  positions_changed_ = true;
  return Status::ok_status();
}

Status EmbeddedConsumer::unsubscribe() {
  if (subscribed()) {
    on_leave_prepare();
    leave_group();
  }
  type_ = SubscriptionType::kNone;
  topics_.clear();
  joined_topics_.clear();
  pattern_.reset();
  listener_ = {};
  assignment_.clear();
  assigned_counts_.clear();
  metadata_changed_ = false;
  return Status::ok_status();
}

std::set<TopicPartition> EmbeddedConsumer::assignment() const { return keys_of(assignment_); }

std::set<std::string> EmbeddedConsumer::matching_topics() const {
  std::set<std::string> matched;
  if (!pattern_) return matched;
  for (const std::string& topic : broker_.logs().list_topics()) {
    if (!std::regex_match(topic, *pattern_)) continue;
    // Kafka's exclude.internal.topics=true: a pattern never reaches __consumer_offsets.
    auto description = broker_.logs().describe_topic(topic);
    if (description.ok() && !description->internal) matched.insert(topic);
  }
  return matched;
}

std::map<std::string, std::int32_t> EmbeddedConsumer::partition_counts(
    const std::set<std::string>& topics) {
  // Kafka's consumer metadata request for topics subscribed by name auto-creates them
  // (allow.auto.create.topics=true) when the broker does; pattern subscriptions never do.
  const bool create =
      type_ == SubscriptionType::kTopics && broker_.logs().options().auto_create_topics;
  std::map<std::string, std::int32_t> counts;
  for (const std::string& topic : topics) {
    auto description = broker_.logs().describe_topic(topic);
    if (!description.ok() && create) {
      // A conflict means someone else created it meanwhile; an invalid name stays missing.
      (void)broker_.logs().create_topic(topic, broker_.logs().options().default_partitions);
      description = broker_.logs().describe_topic(topic);
    }
    counts[topic] = description.ok() ? description->partitions : 0;
  }
  return counts;
}

void EmbeddedConsumer::refresh_metadata(bool force) {
  const Clock::time_point now = Clock::now();
  if (!force && now < next_metadata_refresh_) return;
  next_metadata_refresh_ = now + kMetadataRefresh;
  if (type_ == SubscriptionType::kPattern) {
    topics_ = matching_topics();
  } else if (type_ == SubscriptionType::kTopics) {
    (void)partition_counts(topics_);  // creates what is missing, if allowed
  }
  if (phase_ == Phase::kStable && !assigned_counts_.empty()) {
    std::set<std::string> counted;
    for (const auto& [topic, count] : assigned_counts_) counted.insert(topic);
    if (partition_counts(counted) != assigned_counts_) metadata_changed_ = true;
  }
}

// ---------------------------------------------------------------------------------------------
// Group membership

void EmbeddedConsumer::start_heartbeat_thread() {
  if (heartbeat_.joinable()) return;
  heartbeat_ = std::jthread([this](std::stop_token stop) { heartbeat_loop(std::move(stop)); });
}

void EmbeddedConsumer::heartbeat_loop(std::stop_token stop) {
  Membership& membership = *membership_;
  const auto interval = std::chrono::milliseconds(std::max(1, config_.heartbeat_interval_ms));
  const auto max_poll_interval = std::chrono::milliseconds(config_.max_poll_interval_ms);
  std::unique_lock lock(membership.mutex);
  for (;;) {
    // Only the interval or stop end the wait: responses and wakeup() are for the poll thread.
    membership.changed.wait_for(lock, stop, interval, [] { return false; });
    if (stop.stop_requested()) return;
    if (!membership.heartbeating) continue;
    const std::string member_id = membership.member_id;
    const std::int32_t generation = membership.generation;
    const std::uint64_t request = membership.request;
    if (!membership.polling && Clock::now() - membership.last_poll > max_poll_interval) {
      // Kafka's heartbeat thread: an application that stopped polling would hold its
      // partitions forever, so leave and let the group hand them to someone who reads them.
      // The next poll() finds the membership gone (the partitions lost) and rejoins.
      membership.heartbeating = false;
      membership.member_id.clear();
      membership.generation = kNoGeneration;
      membership.rejoin_requested = true;
      lock.unlock();
      (void)broker_.groups().leave_group(config_.group_id, {member_id});
      lock.lock();
      continue;
    }
    lock.unlock();
    const GroupError error = broker_.groups().heartbeat(config_.group_id, generation, member_id);
    lock.lock();
    // The membership moved on while the heartbeat was out (a rejoin, a leave): its answer is
    // about a generation nobody uses any more.
    if (!membership.heartbeating || membership.member_id != member_id ||
        membership.generation != generation || membership.request != request) {
      continue;
    }
    switch (error) {
      case GroupError::kNone:
        break;
      case GroupError::kRebalanceInProgress:
        membership.rejoin_requested = true;
        break;
      case GroupError::kUnknownMemberId:
        // Expelled (session expired, or the group was rebuilt): join as a new member.
        membership.member_id.clear();
        membership.generation = kNoGeneration;
        membership.heartbeating = false;
        membership.rejoin_requested = true;
        break;
      case GroupError::kIllegalGeneration:
        // Kafka 3.x keeps the member id here; the rejoin gets UNKNOWN_MEMBER_ID if it is gone.
        membership.generation = kNoGeneration;
        membership.heartbeating = false;
        membership.rejoin_requested = true;
        break;
      default:
        // COORDINATOR_NOT_AVAILABLE: the broker is closing; the next join reports it.
        break;
    }
  }
}

Status EmbeddedConsumer::ensure_stable(Clock::time_point deadline) {
  Membership& membership = *membership_;
  for (;;) {
    switch (phase_) {
      case Phase::kStable:
        if (!rejoin_needed()) return Status::ok_status();
        prepare_rejoin();
        if (Status status = send_join(); !status.ok()) return status;
        break;
      case Phase::kUnjoined:
        if (Status status = send_join(); !status.ok()) return status;
        break;
      case Phase::kJoining:
      case Phase::kSyncing: {
        const bool joining = phase_ == Phase::kJoining;
        std::optional<JoinGroupResponse> join_response;
        std::optional<SyncGroupResponse> sync_response;
        {
          std::unique_lock lock(membership.mutex);
          membership.changed.wait_until(lock, deadline, [&] {
            return membership.woken || (joining ? membership.join_response.has_value()
                                                : membership.sync_response.has_value());
          });
          if (membership.woken) {
            membership.woken = false;
            return Status::retriable(std::string(kWakeupMessage));
          }
          join_response = std::exchange(membership.join_response, std::nullopt);
          sync_response = std::exchange(membership.sync_response, std::nullopt);
        }
        if (joining && !join_response) return Status::ok_status();  // the next poll goes on
        if (!joining && !sync_response) return Status::ok_status();
        Status status = joining ? on_join_response(std::move(*join_response))
                                : on_sync_response(std::move(*sync_response));
        if (!status.ok()) return status;
        break;
      }
    }
  }
}

bool EmbeddedConsumer::rejoin_needed() {
  {
    std::lock_guard lock(membership_->mutex);
    if (membership_->rejoin_requested || membership_->member_id.empty() ||
        membership_->generation == kNoGeneration) {
      return true;
    }
  }
  refresh_metadata(false);
  return metadata_changed_ || topics_ != joined_topics_;
}

void EmbeddedConsumer::prepare_rejoin() {
  bool lost;
  {
    std::lock_guard lock(membership_->mutex);
    lost = membership_->member_id.empty() || membership_->generation == kNoGeneration;
  }
  // Kafka's onJoinPrepare. The assignment is cleared only after the listener, which may still
  // commit the positions of the partitions it gives up.
  if (lost) {
    // The partitions may already be someone else's: no commit, and the listener hears of them
    // only if there were any (onPartitionsLost, whose default is onPartitionsRevoked).
    if (!assignment_.empty() && listener_.on_partitions_revoked) {
      listener_.on_partitions_revoked(keys_of(assignment_));
    }
  } else {
    if (auto_commit_enabled()) (void)commit(consumed_positions());
    // Eager protocol: everything is revoked before every rebalance, even an empty assignment.
    if (listener_.on_partitions_revoked) listener_.on_partitions_revoked(keys_of(assignment_));
  }
  assignment_.clear();
  phase_ = Phase::kUnjoined;
}

Status EmbeddedConsumer::send_join() {
  if (type_ == SubscriptionType::kPattern) refresh_metadata(true);
  JoinGroupRequest request;
  request.group_id = config_.group_id;
  request.session_timeout_ms = config_.session_timeout_ms;
  request.rebalance_timeout_ms = config_.max_poll_interval_ms;
  request.client_id = config_.client_id;
  request.client_host = "embedded";
  request.protocol_type = std::string(kConsumerProtocolType);
  Subscription subscription;
  subscription.topics.assign(topics_.begin(), topics_.end());
  subscription.generation_id = previous_generation_;
  for (const auto& assignor : assignors_) {
    Subscription protocol_subscription = subscription;
    // Java's StickyAssignor carries the member's previous assignment in its user data (see
    // sticky_assignor.h); every other assignor sends none.
    if (assignor->name() == StickyAssignor::kName && previous_generation_ != kNoGeneration) {
      auto user_data = encode_sticky_user_data(previous_assignment_, previous_generation_);
      if (!user_data.ok()) return user_data.status().with_context("JoinGroup");
      protocol_subscription.user_data = std::move(*user_data);
    }
    auto metadata = encode_subscription(protocol_subscription, kConsumerProtocolHighestVersion);
    if (!metadata.ok()) return metadata.status().with_context("JoinGroup");
    request.protocols.push_back({std::string(assignor->name()), std::move(*metadata)});
  }
  std::uint64_t sent;
  {
    std::lock_guard lock(membership_->mutex);
    request.member_id = membership_->member_id;
    membership_->heartbeating = false;  // the coordinator does not expire a joining member
    membership_->rejoin_requested = false;
    membership_->join_response.reset();
    membership_->sync_response.reset();
    sent = ++membership_->request;
  }
  joined_topics_ = topics_;
  phase_ = Phase::kJoining;
  // The callback may run right here, or on another member's thread, or on the coordinator's
  // timer thread: it only fills in the mailbox.
  broker_.groups().join_group(std::move(request),
                              [membership = membership_, sent](JoinGroupResponse response) {
                                std::lock_guard lock(membership->mutex);
                                if (membership->request != sent) return;
                                if (response.error == GroupError::kNone) {
                                  // Kafka starts heartbeating on the JoinGroup answer, so that the
                                  // session survives until this member's poll() gets round to
                                  // SyncGroup.
                                  membership->member_id = response.member_id;
                                  membership->generation = response.generation_id;
                                  membership->heartbeating = true;
                                }
                                membership->join_response = std::move(response);
                                membership->changed.notify_all();
                              });
  return Status::ok_status();
}

Status EmbeddedConsumer::on_join_response(JoinGroupResponse response) {
  switch (response.error) {
    case GroupError::kNone:
      break;
    case GroupError::kMemberIdRequired: {
      std::lock_guard lock(membership_->mutex);
      membership_->member_id = response.member_id;
      break;
    }
    case GroupError::kUnknownMemberId: {
      std::lock_guard lock(membership_->mutex);
      membership_->member_id.clear();
      membership_->generation = kNoGeneration;
      break;
    }
    case GroupError::kIllegalGeneration: {
      std::lock_guard lock(membership_->mutex);
      membership_->generation = kNoGeneration;
      break;
    }
    case GroupError::kRebalanceInProgress:
      break;
    default:
      phase_ = Phase::kUnjoined;
      return group_error_status(response.error, "JoinGroup");
  }
  if (response.error != GroupError::kNone) return send_join();

  SyncGroupRequest request;
  request.group_id = config_.group_id;
  request.generation_id = response.generation_id;
  request.member_id = response.member_id;
  request.protocol_type = std::string(kConsumerProtocolType);
  request.protocol_name = response.protocol_name;
  leader_ = response.leader == response.member_id;
  if (leader_) {
    auto assignments = assign_as_leader(response);
    if (!assignments.ok()) {
      // The group waits in CompletingRebalance; the next poll() rejoins and tries again.
      phase_ = Phase::kUnjoined;
      return assignments.status();
    }
    request.assignments = std::move(*assignments);
  }
  joined_generation_ = response.generation_id;
  std::uint64_t sent;
  {
    std::lock_guard lock(membership_->mutex);
    membership_->sync_response.reset();
    sent = ++membership_->request;
  }
  phase_ = Phase::kSyncing;
  broker_.groups().sync_group(std::move(request),
                              [membership = membership_, sent](SyncGroupResponse response) {
                                std::lock_guard lock(membership->mutex);
                                if (membership->request != sent) return;
                                membership->sync_response = std::move(response);
                                membership->changed.notify_all();
                              });
  return Status::ok_status();
}

Result<std::vector<std::pair<std::string, Bytes>>> EmbeddedConsumer::assign_as_leader(
    const JoinGroupResponse& response) {
  const PartitionAssignor* assignor = nullptr;
  for (const auto& candidate : assignors_) {
    if (candidate->name() == response.protocol_name) assignor = candidate.get();
  }
  if (assignor == nullptr) {
    return Status::conflict("JoinGroup: the coordinator chose protocol " + response.protocol_name +
                            ", which this consumer did not offer");
  }
  std::map<std::string, Subscription> subscriptions;
  std::set<std::string> topics;
  for (const JoinedMember& member : response.members) {
    auto subscription = decode_subscription(member.metadata);
    if (!subscription.ok()) {
      return Status::corruption("JoinGroup: the subscription of member " + member.member_id +
                                " does not decode: " + subscription.status().message());
    }
    subscription->group_instance_id = member.group_instance_id;
    topics.insert(subscription->topics.begin(), subscription->topics.end());
    subscriptions[member.member_id] = std::move(*subscription);
  }
  // Kafka's leader watches the metadata of every member's topics and rebalances when their
  // partition counts change, so it remembers what it assigned from.
  leader_counts_ = partition_counts(topics);
  const std::map<std::string, Assignment> assigned =
      assignor->assign(leader_counts_, subscriptions);
  std::vector<std::pair<std::string, Bytes>> encoded;
  for (const auto& [member_id, subscription] : subscriptions) {
    const auto it = assigned.find(member_id);
    auto bytes = encode_assignment(it != assigned.end() ? it->second : Assignment{},
                                   kConsumerProtocolHighestVersion);
    if (!bytes.ok()) return bytes.status().with_context("SyncGroup");
    encoded.emplace_back(member_id, std::move(*bytes));
  }
  return encoded;
}

Status EmbeddedConsumer::on_sync_response(SyncGroupResponse response) {
  switch (response.error) {
    case GroupError::kNone:
      break;
    case GroupError::kRebalanceInProgress:
      // Another member joined before the leader's assignment came: join the new generation.
      return send_join();
    case GroupError::kUnknownMemberId: {
      {
        std::lock_guard lock(membership_->mutex);
        membership_->member_id.clear();
        membership_->generation = kNoGeneration;
      }
      return send_join();
    }
    case GroupError::kIllegalGeneration: {
      {
        std::lock_guard lock(membership_->mutex);
        membership_->generation = kNoGeneration;
      }
      return send_join();
    }
    default:
      phase_ = Phase::kUnjoined;
      return group_error_status(response.error, "SyncGroup");
  }
  {
    std::lock_guard lock(membership_->mutex);
    // The heartbeat thread left for us meanwhile (max.poll.interval.ms): this assignment is no
    // longer ours to read.
    if (membership_->member_id.empty() || membership_->generation != joined_generation_) {
      phase_ = Phase::kUnjoined;
      return Status::ok_status();
    }
  }
  Assignment assignment;
  // A leader that gave this member nothing may send no bytes at all.
  if (!response.assignment.empty()) {
    auto decoded = decode_assignment(response.assignment);
    if (!decoded.ok()) {
      phase_ = Phase::kUnjoined;
      return Status::corruption("SyncGroup: the assignment does not decode: " +
                                decoded.status().message());
    }
    assignment = std::move(*decoded);
  }
  assignment_.clear();
  for (const TopicPartition& partition : assignment.partitions) assignment_[partition];
  previous_assignment_ = std::move(assignment.partitions);
  previous_generation_ = joined_generation_;
  // Only the leader watches partition counts, as in Kafka: a follower's rejoin with unchanged
  // metadata gets the current generation back from the coordinator and changes nothing.
  assigned_counts_ = leader_ ? leader_counts_ : std::map<std::string, std::int32_t>();
  metadata_changed_ = false;
  next_metadata_refresh_ = Clock::now() + kMetadataRefresh;
  positions_changed_ = true;
  phase_ = Phase::kStable;
  // Kafka restarts the auto-commit clock with every new assignment.
  next_auto_commit_ = Clock::now() + std::chrono::milliseconds(config_.auto_commit_interval_ms);
  // Positions are looked up after the listener, so a seek() in it wins over the committed
  // offset, as in Kafka.
  if (listener_.on_partitions_assigned) listener_.on_partitions_assigned(keys_of(assignment_));
  return Status::ok_status();
}

void EmbeddedConsumer::leave_group() {
  std::string member_id;
  {
    std::lock_guard lock(membership_->mutex);
    member_id = std::exchange(membership_->member_id, std::string());
    membership_->generation = kNoGeneration;
    membership_->heartbeating = false;
    membership_->rejoin_requested = false;
    membership_->join_response.reset();
    membership_->sync_response.reset();
    ++membership_->request;  // answers to anything outstanding are now moot
  }
  if (!member_id.empty()) (void)broker_.groups().leave_group(config_.group_id, {member_id});
  phase_ = Phase::kUnjoined;
}

void EmbeddedConsumer::on_leave_prepare() {
  // Kafka's onLeavePrepare: whoever owned partitions hears that they go (revoked, or lost with
  // the same default), but only if there were any.
  if (subscribed() && !assignment_.empty() && listener_.on_partitions_revoked) {
    listener_.on_partitions_revoked(keys_of(assignment_));
  }
}

// ---------------------------------------------------------------------------------------------
// Polling

Result<std::vector<ConsumerRecord>> EmbeddedConsumer::poll(std::chrono::milliseconds timeout) {
  if (Status status = check_open(); !status.ok()) return status;
  if (timeout.count() < 0) return Status::invalid_argument("Timeout must not be negative");
  if (type_ == SubscriptionType::kNone) {
    return Status::conflict("Consumer is not subscribed to any topics or assigned any partitions");
  }
  const Clock::time_point deadline =
      Clock::now() + std::min<std::chrono::milliseconds>(timeout, kLongestPoll);
  // While in here the application is polling, whatever the time since the last call: the
  // heartbeat thread's max.poll.interval.ms clock runs only between calls.
  {
    std::lock_guard lock(membership_->mutex);
    membership_->polling = true;
  }
  struct PollingGuard {
    Membership& membership;
    ~PollingGuard() {
      std::lock_guard lock(membership.mutex);
      membership.polling = false;
      membership.last_poll = Clock::now();
    }
  } polling_guard{*membership_};

  std::vector<ConsumerRecord> records;
  // The append count before the last fetch that found nothing: while it stands and no position
  // changed, another read would find nothing either.
  std::optional<std::uint64_t> idle_at;
  for (;;) {
    if (take_wakeup()) return Status::retriable(std::string(kWakeupMessage));
    maybe_auto_commit(Clock::now());
    if (subscribed()) {
      if (Status status = ensure_stable(deadline); !status.ok()) return status;
      if (phase_ != Phase::kStable) return records;  // the rebalance goes on in the next poll
    }
    if (Status status = update_positions(); !status.ok()) return status;
    // Taken before reading, so an append landing during the read wakes the wait below.
    const std::uint64_t appends = broker_.logs().append_count();
    if (!idle_at || *idle_at != appends || positions_changed_) {
      positions_changed_ = false;
      Status status = fetch(records);
      if (!records.empty()) {
        last_records_at_ = Clock::now();
        return records;  // an error comes again with the next poll
      }
      if (!status.ok()) return status;
      idle_at = appends;
    }
    const Clock::time_point now = Clock::now();
    if (now >= deadline) return records;
    if (last_records_at_ && now < *last_records_at_ + fetch_coalesce_window_) {
      // Records are flowing: read what the window collects at once (header comment).
      std::this_thread::sleep_until(std::min(deadline, *last_records_at_ + fetch_coalesce_window_));
      continue;
    }
    broker_.logs().wait_for_append(appends, std::min(deadline, now + kWaitSlice));
  }
}

Result<std::int64_t> EmbeddedConsumer::reset_offset(const TopicPartition& partition,
                                                    OffsetReset strategy) const {
  auto log = broker_.logs().partition(partition.topic, partition.partition);
  if (!log.ok()) return log.status();
  return strategy == OffsetReset::kEarliest ? (*log)->log_start_offset() : (*log)->log_end_offset();
}

Result<std::optional<std::int64_t>> EmbeddedConsumer::initial_position(
    const TopicPartition& partition, const PartitionState& state) const {
  if (state.pending_seek) {
    auto offset = reset_offset(partition, *state.pending_seek);
    if (!offset.ok()) return offset.status();
    return std::optional<std::int64_t>(*offset);
  }
  if (!config_.group_id.empty()) {
    const auto committed =
        broker_.groups().fetch_offset(config_.group_id, partition.topic, partition.partition);
    if (committed) return std::optional<std::int64_t>(committed->offset);
  }
  if (config_.auto_offset_reset == OffsetReset::kNone) return std::optional<std::int64_t>();
  auto offset = reset_offset(partition, config_.auto_offset_reset);
  if (!offset.ok()) return offset.status();
  return std::optional<std::int64_t>(*offset);
}

Status EmbeddedConsumer::update_positions() {
  std::vector<TopicPartition> undefined;
  for (auto& [partition, state] : assignment_) {
    if (state.position && !state.pending_seek) continue;
    auto offset = initial_position(partition, state);
    // A partition that does not exist (yet) gets its position once it does, as Kafka waits for
    // it to appear in the metadata.
    if (!offset.ok()) continue;
    if (!*offset) {
      undefined.push_back(partition);
      continue;
    }
    state.position = **offset;
    state.pending_seek.reset();
    state.drop_fetched();
    positions_changed_ = true;
  }
  if (!undefined.empty()) {
    return Status::not_found("Undefined offset with no reset policy for partitions: " +
                             partition_list(undefined));
  }
  return Status::ok_status();
}

Status EmbeddedConsumer::fetch(std::vector<ConsumerRecord>& records) {
  if (assignment_.empty()) return Status::ok_status();
  const std::size_t max_records = static_cast<std::size_t>(std::max(1, config_.max_poll_records));
  std::uint64_t bytes_left = static_cast<std::uint64_t>(std::max(1, config_.fetch_max_bytes));
  std::vector<std::pair<const TopicPartition*, PartitionState*>> order;
  for (auto& [partition, state] : assignment_) order.emplace_back(&partition, &state);
  std::rotate(order.begin(),
              order.begin() + static_cast<std::ptrdiff_t>(fetch_rotation_++ % order.size()),
              order.end());

  for (auto [partition_ptr, state_ptr] : order) {
    const TopicPartition& partition = *partition_ptr;
    PartitionState& state = *state_ptr;
    if (records.size() >= max_records) break;
    if (state.paused || !state.position) continue;
    if (state.fetched_all()) {
      state.drop_fetched();
      if (bytes_left == 0) continue;
      auto log = broker_.logs().partition(partition.topic, partition.partition);
      if (!log.ok()) continue;  // deleted under us; the next rebalance drops it
      auto read = (*log)->read(
          *state.position,
          std::min<std::uint64_t>(bytes_left, static_cast<std::uint64_t>(
                                                  std::max(1, config_.max_partition_fetch_bytes))));
      if (!read.ok()) {
        if (read.status().kind() != Status::Kind::kOutOfRange) {
          return read.status().with_context(to_string(partition));
        }
        if (config_.auto_offset_reset == OffsetReset::kNone) {
          return Status::out_of_range(
              "Offsets out of range with no configured reset policy for partitions: {" +
              to_string(partition) + "=" + std::to_string(*state.position) + "}");
        }
        auto offset = reset_offset(partition, config_.auto_offset_reset);
        if (offset.ok()) {
          state.position = *offset;
          positions_changed_ = true;  // read it again in this poll
        }
        continue;
      }
      state.fetched = std::make_shared<const SegmentBytes>(std::move(read->records));
      bytes_left -= std::min<std::uint64_t>(bytes_left, state.fetched->size());
    }

    const std::span<const std::uint8_t> fetched(*state.fetched);
    while (state.fetched_next < fetched.size() && records.size() < max_records) {
      const std::span<const std::uint8_t> rest = fetched.subspan(state.fetched_next);
      auto header = read_batch_header(rest);
      if (!header.ok()) {
        return Status::corruption(to_string(partition) + " at offset " +
                                  std::to_string(*state.position) + ": " +
                                  header.status().message());
      }
      if (header->size() > rest.size()) {
        // Reads end on batch boundaries; a short tail is nothing to return.
        state.fetched_next = fetched.size();
        break;
      }
      const std::span<const std::uint8_t> batch = rest.first(header->size());
      if (header->is_control() || header->last_offset() < *state.position) {
        // Transaction markers are for the broker; batches below the position were returned
        // already (the read starts with the whole batch holding the position).
        state.position = std::max(*state.position, header->last_offset() + 1);
        state.fetched_next += batch.size();
        continue;
      }
      auto decoded = decode_batch(batch, kMaxDecompressedBatch);
      if (!decoded.ok()) {
        return Status::corruption("Record batch for partition " + to_string(partition) +
                                  " at offset " + std::to_string(header->base_offset) +
                                  " is invalid: " + decoded.status().message());
      }
      const RecordTimestampType timestamp_type =
          header->timestamp_type() == TimestampType::kLogAppendTime
              ? RecordTimestampType::kLogAppendTime
              : RecordTimestampType::kCreateTime;
      // The records' keys and values view the fetched bytes, or a compressed batch's
      // decompressed ones, which then live as long as any record of the batch.
      std::shared_ptr<const void> owner = state.fetched;
      std::span<const RecordView> batch_records = decoded->records();
      if (header->compression() != Compression::kNone) {
        auto decompressed =
            std::make_shared<const DecompressedBatch>(state.fetched, std::move(*decoded));
        batch_records = decompressed->decoded.records();
        owner = std::move(decompressed);
      }
      // The first batch sizes the vector at once, for as many records as the bytes left hold
      // at this batch's size, rather than by doubling record by record.
      if (records.empty()) {
        const std::size_t estimate =
            batch_records.size() * (rest.size() / std::max<std::size_t>(1, batch.size()));
        records.reserve(std::min(max_records, std::max(estimate, batch_records.size())));
      }
      bool full = false;
      for (const RecordView& record : batch_records) {
        if (record.offset < *state.position) continue;
        if (records.size() >= max_records) {
          full = true;  // this batch is read again, from the position, by the next poll
          break;
        }
        records.push_back(to_consumer_record(partition, record, timestamp_type, owner));
        state.position = record.offset + 1;
      }
      if (full) break;
      // Past the whole batch: compaction can leave its last offsets without records.
      state.position = std::max(*state.position, header->last_offset() + 1);
      state.fetched_next += batch.size();
    }
  }
  return Status::ok_status();
}

// ---------------------------------------------------------------------------------------------
// Offsets

std::map<TopicPartition, std::int64_t> EmbeddedConsumer::consumed_positions() const {
  std::map<TopicPartition, std::int64_t> positions;
  for (const auto& [partition, state] : assignment_) {
    if (state.position && !state.pending_seek) positions[partition] = *state.position;
  }
  return positions;
}

void EmbeddedConsumer::maybe_auto_commit(Clock::time_point now) {
  if (!auto_commit_enabled() || now < next_auto_commit_) return;
  next_auto_commit_ = now + std::chrono::milliseconds(config_.auto_commit_interval_ms);
  // Kafka's auto-commit is asynchronous and only logs failures; a failed one is retried at the
  // next interval, or the records are read again by whoever gets the partition.
  (void)commit(consumed_positions());
}

Status EmbeddedConsumer::commit(const std::map<TopicPartition, std::int64_t>& offsets) {
  if (config_.group_id.empty()) {
    return Status::invalid_argument("group.id is required to commit: " +
                                    std::string(kNoGroupIdMessage));
  }
  if (offsets.empty()) return Status::ok_status();
  std::int32_t generation = kNoGeneration;
  std::string member_id;
  if (subscribed()) {
    if (phase_ == Phase::kJoining || phase_ == Phase::kSyncing) {
      return Status::retriable(
          "REBALANCE_IN_PROGRESS: the consumer is rebalancing; commit again after the next "
          "poll() completes it");
    }
    {
      std::lock_guard lock(membership_->mutex);
      generation = membership_->generation;
      member_id = membership_->member_id;
    }
    // Without a generation the commit would pass as a member-less group's (generation -1), and
    // overwrite the offsets of whoever owns the partitions now.
    if (phase_ != Phase::kStable || generation == kNoGeneration || member_id.empty()) {
      return Status::conflict(std::string(kCommitFailedMessage));
    }
  }
  std::vector<OffsetCommitEntry> entries;
  entries.reserve(offsets.size());
  for (const auto& [partition, offset] : offsets) {
    entries.push_back({partition.topic, partition.partition, offset, -1, ""});
  }
  const std::vector<OffsetCommitResult> results =
      broker_.groups().commit_offsets(config_.group_id, generation, member_id, entries);
  for (const OffsetCommitResult& result : results) {
    if (result.error == GroupError::kNone) continue;
    const TopicPartition partition{result.topic, result.partition};
    const auto offset = offsets.find(partition);
    if (subscribed() && (result.error == GroupError::kUnknownMemberId ||
                         result.error == GroupError::kIllegalGeneration)) {
      // As a heartbeat with the same answer would: the membership is gone or stale.
      std::lock_guard lock(membership_->mutex);
      if (membership_->member_id == member_id && membership_->generation == generation) {
        if (result.error == GroupError::kUnknownMemberId) membership_->member_id.clear();
        membership_->generation = kNoGeneration;
        membership_->heartbeating = false;
        membership_->rejoin_requested = true;
      }
    }
    return commit_error_status(result.error, partition,
                               offset != offsets.end() ? offset->second : -1);
  }
  return Status::ok_status();
}

Status EmbeddedConsumer::commit_sync(const std::map<TopicPartition, std::int64_t>& offsets) {
  if (Status status = check_open(); !status.ok()) return status;
  for (const auto& [partition, offset] : offsets) {
    if (offset < 0) {
      return Status::invalid_argument("Invalid offset: " + std::to_string(offset) + " for " +
                                      to_string(partition));
    }
  }
  return commit(offsets);
}

Status EmbeddedConsumer::commit_sync() {
  if (Status status = check_open(); !status.ok()) return status;
  return commit(consumed_positions());
}

Result<std::optional<std::int64_t>> EmbeddedConsumer::committed(const TopicPartition& partition) {
  if (Status status = check_open(); !status.ok()) return status;
  if (config_.group_id.empty()) return Status::invalid_argument(std::string(kNoGroupIdMessage));
  const auto value =
      broker_.groups().fetch_offset(config_.group_id, partition.topic, partition.partition);
  if (!value) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(value->offset);
}

Status EmbeddedConsumer::seek(const TopicPartition& partition, std::int64_t offset) {
  if (Status status = check_open(); !status.ok()) return status;
  if (offset < 0) return Status::invalid_argument("seek offset must not be a negative number");
  const auto it = assignment_.find(partition);
  if (it == assignment_.end()) {
    return Status::conflict("No current assignment for partition " + to_string(partition));
  }
  it->second.position = offset;
  it->second.pending_seek.reset();
  it->second.drop_fetched();
  positions_changed_ = true;
  return Status::ok_status();
}

Status EmbeddedConsumer::seek_to(const std::set<TopicPartition>& partitions, OffsetReset where) {
  if (Status status = check_open(); !status.ok()) return status;
  const std::set<TopicPartition> targets = partitions.empty() ? keys_of(assignment_) : partitions;
  for (const TopicPartition& partition : targets) {
    if (!assignment_.contains(partition)) {
      return Status::conflict("No current assignment for partition " + to_string(partition));
    }
  }
  for (const TopicPartition& partition : targets) {
    PartitionState& state = assignment_[partition];
    state.position.reset();
    state.pending_seek = where;
    state.drop_fetched();
  }
  positions_changed_ = true;
  return Status::ok_status();
}

Status EmbeddedConsumer::seek_to_beginning(const std::set<TopicPartition>& partitions) {
  return seek_to(partitions, OffsetReset::kEarliest);
}

Status EmbeddedConsumer::seek_to_end(const std::set<TopicPartition>& partitions) {
  return seek_to(partitions, OffsetReset::kLatest);
}

Result<std::map<TopicPartition, std::int64_t>> EmbeddedConsumer::end_offsets(
    const std::set<TopicPartition>& partitions) {
  if (Status status = check_open(); !status.ok()) return status;
  std::map<TopicPartition, std::int64_t> ends;
  for (const TopicPartition& partition : partitions) {
    auto end = reset_offset(partition, OffsetReset::kLatest);
    if (!end.ok()) return end.status();
    ends.emplace(partition, *end);
  }
  return ends;
}

Result<std::int64_t> EmbeddedConsumer::position(const TopicPartition& partition) {
  if (Status status = check_open(); !status.ok()) return status;
  const auto it = assignment_.find(partition);
  if (it == assignment_.end()) {
    return Status::conflict(
        "You can only check the position for partitions assigned to this consumer.");
  }
  PartitionState& state = it->second;
  if (state.position && !state.pending_seek) return *state.position;
  auto offset = initial_position(partition, state);
  if (!offset.ok()) return offset.status();
  if (!*offset) {
    return Status::not_found("Undefined offset with no reset policy for partitions: " +
                             partition_list({partition}));
  }
  state.position = **offset;
  state.pending_seek.reset();
  state.drop_fetched();
  positions_changed_ = true;
  return *state.position;
}

void EmbeddedConsumer::pause(const std::set<TopicPartition>& partitions) {
  for (const TopicPartition& partition : partitions) {
    const auto it = assignment_.find(partition);
    if (it != assignment_.end()) it->second.paused = true;
  }
}

void EmbeddedConsumer::resume(const std::set<TopicPartition>& partitions) {
  for (const TopicPartition& partition : partitions) {
    const auto it = assignment_.find(partition);
    if (it != assignment_.end() && it->second.paused) {
      it->second.paused = false;
      positions_changed_ = true;
    }
  }
}

std::set<TopicPartition> EmbeddedConsumer::paused() const {
  std::set<TopicPartition> result;
  for (const auto& [partition, state] : assignment_) {
    if (state.paused) result.insert(partition);
  }
  return result;
}

Status EmbeddedConsumer::close() {
  if (closed_) return Status::ok_status();
  // Kafka's close: commit (when auto-committing) while still a member, tell the listener, then
  // leave so the group reassigns at once instead of after session.timeout.ms.
  if (auto_commit_enabled() && (!subscribed() || phase_ == Phase::kStable)) {
    (void)commit(consumed_positions());
  }
  on_leave_prepare();
  if (heartbeat_.joinable()) {
    heartbeat_.request_stop();  // its wait on a condition_variable_any ends with the request
    heartbeat_.join();
  }
  if (subscribed()) leave_group();
  assignment_.clear();
  type_ = SubscriptionType::kNone;
  closed_ = true;
  return Status::ok_status();
}

}  // namespace ferry::broker
