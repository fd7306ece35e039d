// The Consumer contract (broker/client/consumer.h) in process, over an embedded Broker: reads go
// straight to the partition logs, group membership and commits straight to the group coordinator,
// with Kafka's classic consumer protocol ("consumer", eager rebalancing) and Kafka's client
// semantics, so a group may mix these consumers with Java or librdkafka ones once the broker
// speaks the wire protocol.
//
// Group membership (subscribe). The consumer is a member of group.id. The first poll() joins:
// JoinGroup (a first attempt gets MEMBER_ID_REQUIRED and rejoins with the id it was given), one
// protocol per partition.assignment.strategy whose metadata is the encoded Subscription; the
// leader decodes every member's Subscription, runs the assignor the coordinator chose over the
// partition counts of the topics they subscribe to and sends every Assignment in SyncGroup.
// Everything about a rebalance happens inside poll(), on the application's thread, as in Kafka:
//   1. auto-commit of the current positions (enable.auto.commit), unless the membership was lost
//   2. listener.on_partitions_revoked(every assigned partition) (eager: all of them, even none);
//      when the generation was lost instead (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, or this
//      consumer left for exceeding max.poll.interval.ms) the call is made only if partitions
//      were assigned and commits inside it fail, as in Kafka's onPartitionsLost default
//   3. JoinGroup / SyncGroup, which a poll() may leave pending when its timeout ends; the next
//      poll() picks them up, so single-threaded code can poll several members of one group in
//      turn
//   4. listener.on_partitions_assigned(the new assignment); positions are then looked up
//      lazily: committed offset, else auto.offset.reset
// A rebalance is started by: a heartbeat answering REBALANCE_IN_PROGRESS, UNKNOWN_MEMBER_ID
// (member id and generation are forgotten) or ILLEGAL_GENERATION (generation forgotten); a
// changed subscribe(); a pattern subscription matching a different set of topics; on the
// leader, a change in the partition counts of the topics it assigned from. Topics and counts are
// re-read at most every kMetadataRefresh. A subscription by name to a topic that does not exist
// creates it when the broker auto-creates topics (Kafka's allow.auto.create.topics=true
// default); a pattern never creates topics and, like Kafka's exclude.internal.topics, never
// matches internal ones.
//
// Heartbeats. A thread owned by the consumer heartbeats every heartbeat.interval.ms while the
// consumer is a member (from the JoinGroup answer on) and records what the answer asks for. If
// poll() is not called within max.poll.interval.ms it leaves the group, as Kafka's heartbeat
// thread does, so the group can reassign the partitions; the next poll() rejoins.
// session.timeout.ms and the rebalance timeout (max.poll.interval.ms) go in JoinGroup.
//
// Fetching. poll() reads each assigned, unpaused partition from its position (at most
// max.partition.fetch.bytes per partition, fetch.max.bytes per poll, but always a whole batch),
// starting with a different partition each time so a busy one cannot starve the others. It
// skips records below the position (a read starts with the whole batch holding it) and control
// batches, stops at max.poll.records (the rest of what was read is kept for the next poll) and
// moves the position past the last record returned, or past the end of a batch consumed whole
// (compaction may leave offsets no record has). With nothing to return it waits for an append
// until the timeout; within kFetchCoalesceWindow of a poll() that returned records it first
// sleeps out the window (never past the timeout), so a steady stream is read in fewer, larger
// polls. Records' keys and values view the bytes of the read they came from (ConsumedBytes), so
// a record kept keeps that read's bytes (at most max.partition.fetch.bytes, or one batch) alive.
//
// Errors poll() returns (Kafka's exception in the message):
//   retriable     kWakeupMessage: wakeup() was called (Kafka's WakeupException: the poll ended
//                 early, within kWaitSlice; call again unless stopping); COORDINATOR_NOT_AVAILABLE
//   not_found     "Undefined offset with no reset policy for partitions: [t-0]"
//                 (NoOffsetForPartitionException, auto.offset.reset=none): seek() first
//   out_of_range  "Offsets out of range with no configured reset policy for partitions:
//                 {t-0=5}" (OffsetOutOfRangeException, auto.offset.reset=none): seek() first
//   corruption    a batch that does not decode (the partition's position stays on it)
//   conflict      a closed consumer, or neither subscribed nor assigned (IllegalStateException)
//   other kinds   a JoinGroup error that retrying will not cure (INCONSISTENT_GROUP_PROTOCOL,
//                 INVALID_SESSION_TIMEOUT, GROUP_MAX_SIZE_REACHED), named in the message
// Records read before an error are returned first; the error comes with the next poll().
// Commits map the coordinator's errors by Kafka's client: REBALANCE_IN_PROGRESS and
// COORDINATOR_NOT_AVAILABLE are retriable; UNKNOWN_MEMBER_ID and ILLEGAL_GENERATION are conflict
// (CommitFailedException: the partitions went to another member, whose reads will repeat what
// was not committed) and make the consumer rejoin. seek*() and position() of a partition not
// assigned are conflict; pause() and resume() ignore such partitions, as the interface gives
// them no way to report it.
//
// Thread-safety: as consumer.h says, one thread uses the consumer; wakeup() may be called from
// any. The heartbeat thread and the coordinator's completion callbacks (which run on whichever
// thread completes a join or sync) share only the Membership block, under its mutex; no lock
// of this class is held while calling into the coordinator. The rebalance listener runs on the
// thread calling poll() (or close()) and may call the consumer (commit_sync(), seek(),
// position()), but must not throw.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "broker/client/client_config.h"
#include "broker/client/consumer.h"
#include "broker/client/partition_assignor.h"
#include "broker/groups/group_coordinator.h"
#include "broker/server/broker.h"

namespace ferry::broker {

class EmbeddedConsumer final : public Consumer {
 public:
  // The message of the retriable Status a poll() interrupted by wakeup() returns.
  static constexpr std::string_view kWakeupMessage = "WakeupException: the consumer was woken up";
  // How often topics and partition counts are re-read for rebalance triggers (Kafka's
  // metadata.max.age.ms is 5 minutes; reading in process is cheap, so sooner is better).
  static constexpr std::chrono::milliseconds kMetadataRefresh{100};
  // The longest a waiting poll() sleeps between checks for wakeup(), heartbeat results and new
  // topics (LogManager::wait_for_append cannot be interrupted otherwise).
  static constexpr std::chrono::milliseconds kWaitSlice{20};
  // While records flow, how long a poll() that just found none lets appends collect before it
  // reads again, instead of waking for each one: an append of a 16 KiB batch every ~60 us would
  // otherwise cost the reading thread a sleep and a wake-up per batch (a quarter of a file sink
  // task's CPU). Counted from when the previous poll() returned records, so a consumer that
  // keeps up reads at most once per window; an idle consumer (no records in the last window)
  // waits for the next append as before, so at low rates nothing is delayed. Kafka's consumer
  // gets the same effect from fetch round trips and fetch.min.bytes.
  static constexpr std::chrono::microseconds kFetchCoalesceWindow{1000};
  // Bound on one batch's decompressed records, so a hostile or broken batch cannot exhaust
  // memory: 64 MiB, far above Kafka's 1 MiB default message.max.bytes times usual ratios.
  static constexpr std::size_t kMaxDecompressedBatch = 64 * 1024 * 1024;

  // `broker` must outlive the consumer. config.assignment_strategies lists short names (client
  // config parsing maps Kafka's class names to them).
  // fetch_coalesce_window: kFetchCoalesceWindow but in tests; zero waits for every append.
  EmbeddedConsumer(Broker& broker, ConsumerConfig config,
                   std::chrono::microseconds fetch_coalesce_window = kFetchCoalesceWindow);
  // Closes if close() was not called.
  ~EmbeddedConsumer() override;
  // One owner: it holds a thread and a group membership.
  EmbeddedConsumer(const EmbeddedConsumer&) = delete;
  EmbeddedConsumer& operator=(const EmbeddedConsumer&) = delete;

  // An empty topic list unsubscribes (as Kafka's does); topics and a pattern are exclusive
  // with each other and with assign() (conflict), as Kafka's subscription types are.
  Status subscribe(const std::vector<std::string>& topics,
                   RebalanceListener listener = {}) override;
  Status subscribe_pattern(const std::string& pattern, RebalanceListener listener = {}) override;
  // An empty set unsubscribes. Partitions kept keep their positions and paused state.
  Status assign(const std::set<TopicPartition>& partitions) override;
  std::set<TopicPartition> assignment() const override;

  Result<std::vector<ConsumerRecord>> poll(std::chrono::milliseconds timeout) override;
  void wakeup() override;

  Status commit_sync(const std::map<TopicPartition, std::int64_t>& offsets) override;
  Status commit_sync() override;
  Result<std::optional<std::int64_t>> committed(const TopicPartition& partition) override;

  // For assigned partitions only (conflict otherwise); seek_to_* with an empty set means every
  // assigned partition and, as in Kafka, is evaluated lazily at the next poll() or position().
  Status seek(const TopicPartition& partition, std::int64_t offset) override;
  Status seek_to_beginning(const std::set<TopicPartition>& partitions) override;
  Status seek_to_end(const std::set<TopicPartition>& partitions) override;
  Result<std::map<TopicPartition, std::int64_t>> end_offsets(
      const std::set<TopicPartition>& partitions) override;
  Result<std::int64_t> position(const TopicPartition& partition) override;

  void pause(const std::set<TopicPartition>& partitions) override;
  void resume(const std::set<TopicPartition>& partitions) override;
  std::set<TopicPartition> paused() const override;

  Status close() override;

 private:
  using Clock = std::chrono::steady_clock;

  enum class SubscriptionType { kNone, kTopics, kPattern, kManual };
  // Where this member is in the join protocol (subscribe only).
  enum class Phase { kUnjoined, kJoining, kSyncing, kStable };

  struct PartitionState {
    std::optional<std::int64_t> position;     // nullopt: look up committed, else reset
    std::optional<OffsetReset> pending_seek;  // seek_to_beginning / seek_to_end, evaluated lazily
    bool paused = false;
    // Batches read but not yet all returned (max.poll.records stopped inside them), and where
    // the next unread batch starts; dropped whenever the position is set from outside. Shared
    // with the records returned from it, whose keys and values view these bytes.
    std::shared_ptr<const SegmentBytes> fetched;  // what the last read returned
    std::size_t fetched_next = 0;

    bool fetched_all() const { return !fetched || fetched_next >= fetched->size(); }
    void drop_fetched() {
      fetched.reset();
      fetched_next = 0;
    }
  };

  // What the consumer thread shares with the heartbeat thread and the coordinator's callbacks.
  // Callbacks hold it by shared_ptr, so a late one never touches a destroyed consumer.
  struct Membership {
    std::mutex mutex;
    std::condition_variable_any changed;  // a response arrived, wakeup(), or stop
    // The rest is guarded by mutex.
    std::string member_id;         // empty: not a member
    std::int32_t generation = -1;  // kNoGeneration: the assignment (if any) is lost
    bool heartbeating = false;
    bool polling = false;  // inside poll(): max.poll.interval.ms counts only between calls
    bool rejoin_requested = false;
    bool woken = false;
    Clock::time_point last_poll = Clock::now();
    // Identifies the outstanding JoinGroup/SyncGroup (and the heartbeat's view of the
    // membership): a response or heartbeat result for an older one is ignored.
    std::uint64_t request = 0;
    std::optional<JoinGroupResponse> join_response;
    std::optional<SyncGroupResponse> sync_response;
  };

  Status check_open() const;
  bool subscribed() const {
    return type_ == SubscriptionType::kTopics || type_ == SubscriptionType::kPattern;
  }
  bool auto_commit_enabled() const {
    return config_.enable_auto_commit && !config_.group_id.empty();
  }
  bool take_wakeup();
  void start_heartbeat_thread();
  void heartbeat_loop(std::stop_token stop);

  // Group membership, on the consumer thread.
  // Drives the join protocol until the member is stable, the deadline passes (ok, not stable),
  // or an error; wakeup() ends the wait with kWakeupMessage.
  Status ensure_stable(Clock::time_point deadline);
  bool rejoin_needed();
  void prepare_rejoin();
  Status send_join();
  Status on_join_response(JoinGroupResponse response);
  Status on_sync_response(SyncGroupResponse response);
  Result<std::vector<std::pair<std::string, Bytes>>> assign_as_leader(
      const JoinGroupResponse& response);
  void leave_group();
  void on_leave_prepare();
  Status unsubscribe();
  void refresh_metadata(bool force);
  std::map<std::string, std::int32_t> partition_counts(const std::set<std::string>& topics);
  std::set<std::string> matching_topics() const;

  // Positions and fetching.
  Status update_positions();
  Result<std::int64_t> reset_offset(const TopicPartition& partition, OffsetReset strategy) const;
  // The position a partition without one starts at: a pending seek_to_*, the committed offset,
  // else auto.offset.reset; nullopt for reset policy none.
  Result<std::optional<std::int64_t>> initial_position(const TopicPartition& partition,
                                                       const PartitionState& state) const;
  Status seek_to(const std::set<TopicPartition>& partitions, OffsetReset where);
  Status fetch(std::vector<ConsumerRecord>& records);
  void maybe_auto_commit(Clock::time_point now);
  Status commit(const std::map<TopicPartition, std::int64_t>& offsets);
  std::map<TopicPartition, std::int64_t> consumed_positions() const;

  Broker& broker_;
  const ConsumerConfig config_;
  const std::chrono::microseconds fetch_coalesce_window_;
  const std::vector<std::unique_ptr<PartitionAssignor>> assignors_;
  bool closed_ = false;

  SubscriptionType type_ = SubscriptionType::kNone;
  std::set<std::string> topics_;  // subscribed by name, or what the pattern matches now
  std::optional<std::regex> pattern_;
  RebalanceListener listener_;
  std::map<TopicPartition, PartitionState> assignment_;
  std::size_t fetch_rotation_ = 0;
  // A position was set or a partition resumed since the last fetch that found nothing, so a
  // waiting poll() must read again although nothing was appended.
  bool positions_changed_ = false;
  // When poll() last returned records: the start of the coalescing window.
  std::optional<Clock::time_point> last_records_at_;
  Clock::time_point next_auto_commit_;

  Phase phase_ = Phase::kUnjoined;
  bool leader_ = false;                                // of the generation being joined or held
  std::int32_t joined_generation_ = -1;                // from the last JoinGroup answer
  std::map<std::string, std::int32_t> leader_counts_;  // what the leader assigned from
  bool metadata_changed_ = false;
  std::set<std::string> joined_topics_;  // the subscription sent with the last JoinGroup
  // The leader's: partition counts of every member's topics when it assigned them (0 for a
  // missing topic); a change means a rebalance. Empty on followers.
  std::map<std::string, std::int32_t> assigned_counts_;
  Clock::time_point next_metadata_refresh_;
  // The sticky assignor's user data: what this member was last assigned, and in which
  // generation (sticky_assignor.h).
  std::vector<TopicPartition> previous_assignment_;
  std::int32_t previous_generation_ = -1;

  const std::shared_ptr<Membership> membership_ = std::make_shared<Membership>();
  // Last: stopped and joined before anything it reads is destroyed.
  std::jthread heartbeat_;
};

}  // namespace ferry::broker
