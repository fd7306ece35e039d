#include "broker/client/sticky_assignor.h"

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <list>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "broker/client/java_order.h"
#include "broker/client/protocol_primitives.h"
#include "broker/topics/topic_name.h"

namespace ferry::broker {
namespace {

constexpr std::string_view kUserDataMessage = "sticky assignor user data";

// Java's AbstractStickyAssignor.DEFAULT_GENERATION.
constexpr std::int32_t kDefaultGeneration = -1;

// ---------------------------------------------------------------------------------------------
// User data

// Reads previous_assignment, and the generation if `with_generation` (V1).
Result<StickyMemberData> read_user_data(std::span<const std::uint8_t> bytes, bool with_generation) {
  ProtocolReader reader(bytes, kUserDataMessage);
  StickyMemberData data;
  constexpr std::size_t kMinTopicAssignmentSize = 6;  // empty topic (2) + empty array (4)
  const std::int32_t topic_count =
      reader.read_array_count("previous_assignment", kMinTopicAssignmentSize);
  for (std::int32_t t = 0; t < topic_count && reader.ok(); ++t) {
    std::string topic = reader.read_string("topic");
    if (topic.size() > kMaxTopicNameLength) {
      // Not a topic any partition can belong to (see consumer_protocol.h on why it is refused).
      reader.fail("topic", "topic name longer than Kafka allows");
      break;
    }
    const std::int32_t partition_count = reader.read_array_count("partitions", 4);
    for (std::int32_t p = 0; p < partition_count && reader.ok(); ++p) {
      const std::int32_t partition = reader.read_int32("partitions");
      if (reader.ok()) data.partitions.push_back({topic, partition});
    }
  }
  if (with_generation) data.generation = reader.read_int32("generation");
  if (!reader.ok()) return reader.status();
  return data;
}

// ---------------------------------------------------------------------------------------------
// The problem, interned: topics and members become indexes in Java's String order, so comparing
// indexes compares as Java compares the names.

struct Partition {
  int topic = 0;
  std::int32_t number = 0;

  friend auto operator<=>(const Partition&, const Partition&) = default;
};

struct PartitionHash {
  std::size_t operator()(const Partition& partition) const noexcept {
    return std::hash<std::uint64_t>{}((static_cast<std::uint64_t>(partition.topic) << 32) |
                                      static_cast<std::uint32_t>(partition.number));
  }
};

struct Problem {
  std::vector<std::string> topics;                     // Java order
  std::vector<std::int32_t> partition_count;           // per topic
  std::vector<std::int32_t> topic_hash;                // Java String.hashCode per topic
  std::vector<std::string> members;                    // Java order
  std::vector<std::vector<int>> member_topics;         // existing subscribed topics, ascending
  std::vector<std::vector<char>> subscribes;           // [member][topic]
  std::vector<std::set<std::string_view>> raw_topics;  // the whole subscription, for equality
  std::vector<std::int32_t> subscription_generation;   // generation_id, -1 if none
  std::vector<std::vector<Partition>> claimed;         // member data partitions that exist
  std::vector<std::optional<std::int32_t>> claimed_generation;
  // Members in the iteration order of Java's HashMap<String, Subscription> of the group.
  std::vector<int> hash_order;

  int member_count() const { return static_cast<int>(members.size()); }
  int topic_count() const { return static_cast<int>(topics.size()); }

  TopicPartition name(const Partition& partition) const {
    return {topics[static_cast<std::size_t>(partition.topic)], partition.number};
  }
  std::int32_t java_hash(const Partition& partition) const {
    std::uint32_t result = 31 + static_cast<std::uint32_t>(partition.number);
    result = 31 * result +
             static_cast<std::uint32_t>(topic_hash[static_cast<std::size_t>(partition.topic)]);
    return static_cast<std::int32_t>(result);
  }
};

// Java's StickyAssignor.memberData(), with Ferry's fallback to the v1+ subscription fields.
StickyMemberData member_data(const Subscription& subscription) {
  if (subscription.user_data && !subscription.user_data->empty()) {
    if (auto v1 = read_user_data(*subscription.user_data, true); v1.ok()) return std::move(*v1);
    if (auto v0 = read_user_data(*subscription.user_data, false); v0.ok()) {
      return std::move(*v0);
    }
    return StickyMemberData{{}, kDefaultGeneration};
  }
  StickyMemberData data;
  data.partitions = subscription.owned_partitions;
  if (!data.partitions.empty() && subscription.generation_id >= 0) {
    data.generation = subscription.generation_id;
  }
  return data;
}

Problem intern(const std::map<std::string, std::int32_t>& counts,
               const std::map<std::string, Subscription>& subscriptions) {
  Problem problem;
  for (const auto& [topic, count] : counts) problem.topics.push_back(topic);
  std::sort(problem.topics.begin(), problem.topics.end(), JavaStringLess{});
  std::map<std::string_view, int> topic_index;
  for (std::size_t t = 0; t < problem.topics.size(); ++t) {
    const std::string& topic = problem.topics[t];
    topic_index.emplace(topic, static_cast<int>(t));
    problem.partition_count.push_back(counts.at(topic));
    problem.topic_hash.push_back(java_string_hash(topic));
  }

  for (const auto& [member, subscription] : subscriptions) problem.members.push_back(member);
  std::sort(problem.members.begin(), problem.members.end(), JavaStringLess{});
  const auto member_count = static_cast<std::size_t>(problem.member_count());
  problem.member_topics.resize(member_count);
  problem.subscribes.assign(member_count, std::vector<char>(problem.topics.size(), 0));
  problem.raw_topics.resize(member_count);
  problem.claimed.resize(member_count);
  problem.claimed_generation.resize(member_count);
  for (std::size_t m = 0; m < member_count; ++m) {
    const Subscription& subscription = subscriptions.at(problem.members[m]);
    for (const std::string& topic : subscription.topics) {
      problem.raw_topics[m].insert(topic);
      const auto found = topic_index.find(topic);
      if (found != topic_index.end()) {
        problem.subscribes[m][static_cast<std::size_t>(found->second)] = 1;
      }
    }
    for (int t = 0; t < problem.topic_count(); ++t) {
      if (problem.subscribes[m][static_cast<std::size_t>(t)]) problem.member_topics[m].push_back(t);
    }
    problem.subscription_generation.push_back(
        subscription.generation_id < 0 ? kDefaultGeneration : subscription.generation_id);

    StickyMemberData data = member_data(subscription);
    problem.claimed_generation[m] = data.generation;
    std::set<Partition> seen;
    for (const TopicPartition& claim : data.partitions) {
      const auto found = topic_index.find(claim.topic);
      if (found == topic_index.end()) continue;  // Java skips topics without partitions too
      const Partition partition{found->second, claim.partition};
      if (partition.number < 0 ||
          partition.number >= problem.partition_count[static_cast<std::size_t>(partition.topic)]) {
        continue;
      }
      if (seen.insert(partition).second) problem.claimed[m].push_back(partition);
    }
  }

  const std::size_t capacity = java_hash_map_capacity(member_count);
  std::vector<std::pair<std::size_t, int>> buckets;
  for (int m = 0; m < problem.member_count(); ++m) {
    buckets.emplace_back(
        java_hash_bucket(java_string_hash(problem.members[static_cast<std::size_t>(m)]), capacity),
        m);
  }
  std::sort(buckets.begin(), buckets.end());
  for (const auto& [bucket, member] : buckets) problem.hash_order.push_back(member);
  return problem;
}

// Java's allSubscriptionsEqual(): settles the claims of previous ownership into owned[member]
// (see sticky_assignor.h) and collects partitions that members of one generation both claimed.
struct Claims {
  std::vector<std::vector<Partition>> owned;
  std::set<Partition> claimed_by_several;
  std::int32_t max_generation = kDefaultGeneration;
};

Claims settle_claims(const Problem& problem) {
  Claims claims;
  claims.owned.resize(problem.members.size());
  std::unordered_map<Partition, int, PartitionHash> claimant;
  auto remove = [](std::vector<Partition>& list, const Partition& partition) {
    const auto it = std::find(list.begin(), list.end(), partition);
    if (it != list.end()) list.erase(it);
  };
  for (const int m : problem.hash_order) {
    const auto member = static_cast<std::size_t>(m);
    const std::int32_t generation = problem.claimed_generation[member].value_or(kDefaultGeneration);
    claims.max_generation = std::max(claims.max_generation, generation);
    for (const Partition& partition : problem.claimed[member]) {
      const auto found = claimant.find(partition);
      if (found == claimant.end()) {
        claims.owned[member].push_back(partition);
        claimant.emplace(partition, m);
        continue;
      }
      const int other = found->second;
      const std::int32_t other_generation =
          problem.subscription_generation[static_cast<std::size_t>(other)];
      if (generation == other_generation) {
        claims.claimed_by_several.insert(partition);
        remove(claims.owned[static_cast<std::size_t>(other)], partition);
        found->second = m;
      } else if (generation > other_generation) {
        claims.owned[member].push_back(partition);
        remove(claims.owned[static_cast<std::size_t>(other)], partition);
        found->second = m;
      }
    }
  }
  return claims;
}

bool all_subscriptions_equal(const Problem& problem) {
  for (std::size_t m = 1; m < problem.raw_topics.size(); ++m) {
    if (problem.raw_topics[m] != problem.raw_topics[0]) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Java's ConstrainedAssignmentBuilder: every member has the same subscription, so the target is
// known up front: `expected` members get max_quota partitions, the rest min_quota. Members keep
// what they owned up to their quota; the rest is dealt round-robin to members under it.

std::vector<std::vector<Partition>> assign_constrained(const Problem& problem,
                                                       const Claims& claims) {
  const int member_count = problem.member_count();
  std::int64_t total = 0;
  for (const std::int32_t count : problem.partition_count) total += count;
  const auto min_quota = static_cast<std::size_t>(total / member_count);
  const auto max_quota = static_cast<std::size_t>((total + member_count - 1) / member_count);
  const auto expected_over_min = static_cast<std::size_t>(total % member_count);
  std::size_t current_over_min = 0;

  std::vector<std::vector<Partition>> assignment(problem.members.size());
  std::set<Partition> assigned;
  std::list<int> under_min;     // unfilledMembersWithUnderMinQuotaPartitions
  std::deque<int> exactly_min;  // unfilledMembersWithExactlyMinQuotaPartitions

  for (const int m : problem.hash_order) {
    const auto member = static_cast<std::size_t>(m);
    std::vector<Partition> owned = claims.owned[member];
    std::stable_sort(owned.begin(), owned.end(), [](const Partition& a, const Partition& b) {
      return a.number != b.number ? a.number < b.number : a.topic < b.topic;
    });
    std::erase_if(owned, [&](const Partition& partition) {
      return claims.claimed_by_several.contains(partition);
    });
    std::size_t keep = 0;
    if (owned.size() < min_quota) {
      keep = owned.size();
      under_min.push_back(m);
    } else if (owned.size() >= max_quota && current_over_min < expected_over_min) {
      keep = max_quota;
      if (++current_over_min == expected_over_min) exactly_min.clear();
    } else {
      keep = min_quota;
      if (current_over_min < expected_over_min) exactly_min.push_back(m);
    }
    assignment[member].assign(owned.begin(), owned.begin() + static_cast<std::ptrdiff_t>(keep));
    assigned.insert(assignment[member].begin(), assignment[member].end());
  }

  std::vector<Partition> unassigned;
  for (int t = 0; t < problem.topic_count(); ++t) {
    for (std::int32_t p = 0; p < problem.partition_count[static_cast<std::size_t>(t)]; ++p) {
      if (!assigned.contains({t, p})) unassigned.push_back({t, p});
    }
  }
  under_min.sort();
  std::sort(exactly_min.begin(), exactly_min.end());

  // Java walks under_min with one iterator, removing members that reach min_quota through it and
  // starting a fresh iterator when it runs out.
  auto next = under_min.begin();
  for (const Partition& partition : unassigned) {
    int member = 0;
    auto taken = under_min.end();
    if (next != under_min.end()) {
      taken = next++;
      member = *taken;
    } else if (under_min.empty()) {
      // Unreachable: the quotas add up to the partition count, and while fewer than
      // expected_over_min members are at max_quota every member at min_quota is in exactly_min.
      // Java throws IllegalStateException here; going on would leave partitions unassigned.
      if (exactly_min.empty()) std::abort();
      member = exactly_min.front();
      exactly_min.pop_front();
    } else {
      next = under_min.begin();
      taken = next++;
      member = *taken;
    }
    std::vector<Partition>& partitions = assignment[static_cast<std::size_t>(member)];
    partitions.push_back(partition);
    if (partitions.size() == min_quota) {
      if (taken != under_min.end()) under_min.erase(taken);
      exactly_min.push_back(member);
    } else if (partitions.size() == max_quota) {
      ++current_over_min;
    }
  }
  return assignment;
}

// ---------------------------------------------------------------------------------------------
// Java's PartitionMovements: which partitions moved between which members during the general
// builder's balancing, so that a partition moving back the way another came is swapped with it
// instead, keeping the previous owner.

// A java.util.HashSet<TopicPartition>, for the one place Java takes "any" element of one: its
// iteration order is bucket, then insertion order within the bucket, and its table doubles from
// 16 as it grows (never shrinking).
class JavaPartitionSet {
 public:
  void add(const Partition& partition, std::int32_t hash) {
    if (entries_.contains(partition)) return;
    entries_.emplace(partition, Entry{next_sequence_++, hash});
    if (entries_.size() > capacity_ / 4 * 3) capacity_ *= 2;
  }
  void remove(const Partition& partition) { entries_.erase(partition); }
  bool empty() const { return entries_.empty(); }

  // The element Java's iterator().next() returns. Requires !empty().
  Partition first() const {
    const Partition* best = nullptr;
    std::pair<std::size_t, std::uint64_t> best_key;
    for (const auto& [partition, entry] : entries_) {
      const std::pair<std::size_t, std::uint64_t> key{java_hash_bucket(entry.hash, capacity_),
                                                      entry.sequence};
      if (best == nullptr || key < best_key) {
        best = &partition;
        best_key = key;
      }
    }
    return *best;
  }

 private:
  struct Entry {
    std::uint64_t sequence;
    std::int32_t hash;
  };
  std::map<Partition, Entry> entries_;
  std::size_t capacity_ = 16;
  std::uint64_t next_sequence_ = 0;
};

struct MemberPair {
  int source = 0;
  int destination = 0;

  friend auto operator<=>(const MemberPair&, const MemberPair&) = default;
};

class PartitionMovements {
 public:
  explicit PartitionMovements(const Problem& problem) : problem_(problem) {}

  // getTheActualPartitionToBeMoved(): if some partition of the same topic already moved from
  // new_member to the member `partition` originally came from, move that one back instead.
  Partition partition_to_move(const Partition& partition, int old_member, int new_member) const {
    const auto topic_movements = by_topic_.find(partition.topic);
    if (topic_movements == by_topic_.end()) return partition;
    if (const auto moved = movements_.find(partition); moved != movements_.end()) {
      old_member = moved->second.source;
    }
    const auto reverse = topic_movements->second.find({new_member, old_member});
    if (reverse == topic_movements->second.end()) return partition;
    return reverse->second.first();
  }

  void move(const Partition& partition, int old_member, int new_member) {
    if (movements_.contains(partition)) {
      const MemberPair existing = remove_record(partition);
      if (existing.source != new_member) add_record(partition, {existing.source, new_member});
    } else {
      add_record(partition, {old_member, new_member});
    }
  }

 private:
  MemberPair remove_record(const Partition& partition) {
    const auto moved = movements_.find(partition);
    const MemberPair pair = moved->second;
    movements_.erase(moved);
    auto& topic_movements = by_topic_[partition.topic];
    auto& partitions = topic_movements[pair];
    partitions.remove(partition);
    if (partitions.empty()) topic_movements.erase(pair);
    if (topic_movements.empty()) by_topic_.erase(partition.topic);
    return pair;
  }

  void add_record(const Partition& partition, const MemberPair& pair) {
    movements_[partition] = pair;
    by_topic_[partition.topic][pair].add(partition, problem_.java_hash(partition));
  }

  const Problem& problem_;
  std::map<int, std::map<MemberPair, JavaPartitionSet>> by_topic_;
  std::map<Partition, MemberPair> movements_;
};

// ---------------------------------------------------------------------------------------------
// Java's GeneralAssignmentBuilder: keep every valid previous assignment, give each unassigned
// partition to the least loaded member subscribed to its topic, then move partitions from
// members with two or more partitions more than another subscriber of the topic, until balanced.

class GeneralBuilder {
 public:
  GeneralBuilder(const Problem& problem, Claims claims)
      : problem_(problem),
        max_generation_(claims.max_generation),
        current_(std::move(claims.owned)),
        topic_members_(problem.topics.size()),
        participating_(problem.members.size(), true),
        movements_(problem) {
    for (const int m : problem_.hash_order) {
      for (const int t : problem_.member_topics[static_cast<std::size_t>(m)]) {
        topic_members_[static_cast<std::size_t>(t)].push_back(m);
      }
    }
    for (int m = 0; m < problem_.member_count(); ++m) {
      for (const Partition& partition : current_[static_cast<std::size_t>(m)]) {
        owner_[partition] = m;
      }
    }
    // Topics with the fewest potential members first (Java's TopicComparator).
    std::vector<int> topics(problem_.topics.size());
    for (int t = 0; t < problem_.topic_count(); ++t) topics[static_cast<std::size_t>(t)] = t;
    std::stable_sort(topics.begin(), topics.end(), [&](int a, int b) {
      const std::size_t members_a = topic_members_[static_cast<std::size_t>(a)].size();
      const std::size_t members_b = topic_members_[static_cast<std::size_t>(b)].size();
      return members_a != members_b ? members_a < members_b : a < b;
    });
    for (const int t : topics) {
      for (std::int32_t p = 0; p < problem_.partition_count[static_cast<std::size_t>(t)]; ++p) {
        sorted_all_partitions_.push_back({t, p});
      }
    }
  }

  std::vector<std::vector<Partition>> build() {
    std::map<Partition, std::pair<int, std::int32_t>> previous = previous_assignment();
    const std::set<Partition> assigned = keep_owned_partitions();
    std::vector<Partition> unassigned;
    for (const Partition& partition : sorted_all_partitions_) {
      if (!assigned.contains(partition)) unassigned.push_back(partition);
    }
    for (int m = 0; m < problem_.member_count(); ++m) by_load_.insert({size(m), m});
    balance(previous, std::move(unassigned));
    return std::move(current_);
  }

 private:
  std::size_t size(int member) const { return current_[static_cast<std::size_t>(member)].size(); }
  bool subscribes(int member, int topic) const {
    return problem_.subscribes[static_cast<std::size_t>(member)][static_cast<std::size_t>(topic)];
  }

  // prepopulateCurrentAssignments(): claims from generations older than the newest, per
  // partition the newest of them, as (member, generation).
  std::map<Partition, std::pair<int, std::int32_t>> previous_assignment() const {
    std::map<Partition, std::pair<int, std::int32_t>> previous;
    auto update = [&](int member, std::int32_t generation) {
      for (const Partition& partition : problem_.claimed[static_cast<std::size_t>(member)]) {
        const auto [it, inserted] = previous.try_emplace(partition, member, generation);
        if (!inserted && generation > it->second.second) it->second = {member, generation};
      }
    };
    for (const int m : problem_.hash_order) {
      const std::optional<std::int32_t> generation =
          problem_.claimed_generation[static_cast<std::size_t>(m)];
      if (generation && *generation < max_generation_) {
        update(m, *generation);
      } else if (!generation && max_generation_ > kDefaultGeneration) {
        update(m, kDefaultGeneration);
      }
    }
    return previous;
  }

  // assignOwnedPartitions(): drops owned partitions of topics the owner no longer subscribes to.
  std::set<Partition> keep_owned_partitions() {
    std::set<Partition> assigned;
    for (int m = 0; m < problem_.member_count(); ++m) {
      std::vector<Partition>& partitions = current_[static_cast<std::size_t>(m)];
      std::erase_if(partitions, [&](const Partition& partition) {
        if (subscribes(m, partition.topic)) return false;
        revocation_required_ = true;
        return true;
      });
      assigned.insert(partitions.begin(), partitions.end());
    }
    return assigned;
  }

  std::int64_t max_assignment_size(int member) const {
    std::int64_t total = 0;
    for (const int t : problem_.member_topics[static_cast<std::size_t>(member)]) {
      total += problem_.partition_count[static_cast<std::size_t>(t)];
    }
    return total;
  }

  bool topic_can_move(int topic) const {
    return topic_members_[static_cast<std::size_t>(topic)].size() >= 2;
  }

  bool member_can_participate(int member) const {
    if (static_cast<std::int64_t>(size(member)) < max_assignment_size(member)) return true;
    for (const Partition& partition : current_[static_cast<std::size_t>(member)]) {
      if (topic_can_move(partition.topic)) return true;
    }
    return false;
  }

  // Moves `partition` to `member` (maybeAssignPartition's and processPartitionMovement's
  // bookkeeping), keeping by_load_ ordered by the new sizes.
  void give(const Partition& partition, int member) {
    by_load_.erase({size(member), member});
    current_[static_cast<std::size_t>(member)].push_back(partition);
    owner_[partition] = member;
    by_load_.insert({size(member), member});
  }

  void assign_to_least_loaded(const Partition& partition) {
    for (const auto& [load, member] : by_load_) {
      if (subscribes(member, partition.topic)) {
        give(partition, member);
        return;
      }
    }
  }

  void move(const Partition& partition, int new_member) {
    const int old_member = owner_.at(partition);
    by_load_.erase({size(old_member), old_member});
    movements_.move(partition, old_member, new_member);
    std::vector<Partition>& old_partitions = current_[static_cast<std::size_t>(old_member)];
    old_partitions.erase(std::find(old_partitions.begin(), old_partitions.end(), partition));
    give(partition, new_member);
    by_load_.insert({size(old_member), old_member});
  }

  void reassign(const Partition& partition, int new_member) {
    const Partition actual =
        movements_.partition_to_move(partition, owner_.at(partition), new_member);
    move(actual, new_member);
  }

  void reassign_to_least_loaded(const Partition& partition) {
    for (const auto& [load, member] : by_load_) {
      if (subscribes(member, partition.topic)) {
        reassign(partition, member);
        return;
      }
    }
  }

  // isBalanced(): the loads differ by at most one, or no member could take a partition of a
  // topic it subscribes to from a member with two or more partitions more than itself.
  bool is_balanced() const {
    const std::size_t min_load = by_load_.begin()->first;
    const std::size_t max_load = by_load_.rbegin()->first;
    if (min_load + 1 >= max_load) return true;
    for (const auto& [load, member] : by_load_) {
      if (static_cast<std::int64_t>(load) == max_assignment_size(member)) continue;
      for (const int t : problem_.member_topics[static_cast<std::size_t>(member)]) {
        for (std::int32_t p = 0; p < problem_.partition_count[static_cast<std::size_t>(t)]; ++p) {
          const auto found = owner_.find({t, p});
          if (found == owner_.end() || found->second == member ||
              !participating_[static_cast<std::size_t>(found->second)]) {
            continue;
          }
          if (load + 1 < size(found->second)) return false;
        }
      }
    }
    return true;
  }

  // getBalanceScore(): the sum over member pairs of the difference of their loads.
  std::int64_t balance_score() const {
    std::vector<std::int64_t> loads;
    for (int m = 0; m < problem_.member_count(); ++m) {
      if (participating_[static_cast<std::size_t>(m)]) loads.push_back(size(m));
    }
    std::int64_t score = 0;
    for (std::size_t i = 0; i < loads.size(); ++i) {
      for (std::size_t j = i + 1; j < loads.size(); ++j) score += std::llabs(loads[i] - loads[j]);
    }
    return score;
  }

  bool perform_reassignments(const std::vector<Partition>& partitions,
                             const std::map<Partition, std::pair<int, std::int32_t>>& previous) {
    // Java repeats until a pass moves nothing; a bound keeps a pathological input from holding
    // the group leader forever (no legitimate case comes near it).
    const std::size_t max_passes = 100 + partitions.size();
    bool performed = false;
    bool modified = true;
    for (std::size_t pass = 0; modified && pass < max_passes; ++pass) {
      modified = false;
      for (const Partition& partition : partitions) {
        if (is_balanced()) break;
        const int member = owner_.at(partition);
        if (const auto prior = previous.find(partition); prior != previous.end()) {
          const int prior_member = prior->second.first;
          // Java moves back without these two checks (see sticky_assignor.h).
          if (participating_[static_cast<std::size_t>(prior_member)] &&
              subscribes(prior_member, partition.topic) && size(member) > size(prior_member) + 1) {
            reassign(partition, prior_member);
            performed = modified = true;
            continue;
          }
        }
        for (const int other : topic_members_[static_cast<std::size_t>(partition.topic)]) {
          if (size(member) > size(other) + 1) {
            reassign_to_least_loaded(partition);
            performed = modified = true;
            break;
          }
        }
      }
    }
    return performed;
  }

  void balance(const std::map<Partition, std::pair<int, std::int32_t>>& previous,
               std::vector<Partition> unassigned) {
    const bool initializing = current_[static_cast<std::size_t>(by_load_.rbegin()->second)].empty();
    for (const Partition& partition : unassigned) {
      if (!topic_members_[static_cast<std::size_t>(partition.topic)].empty()) {
        assign_to_least_loaded(partition);
      }
    }

    // Only partitions of topics with two or more potential members can move, and only members
    // holding such a partition or missing some of theirs can take part.
    auto fixed = [&](const Partition& partition) { return !topic_can_move(partition.topic); };
    std::vector<Partition> movable = sorted_all_partitions_;
    std::erase_if(movable, fixed);
    std::erase_if(unassigned, fixed);
    for (int m = 0; m < problem_.member_count(); ++m) {
      if (!member_can_participate(m)) {
        by_load_.erase({size(m), m});
        participating_[static_cast<std::size_t>(m)] = false;
      }
    }

    const std::vector<std::vector<Partition>> before = current_;
    const std::unordered_map<Partition, int, PartitionHash> owner_before = owner_;
    const std::int64_t score_before = balance_score();

    if (!revocation_required_) perform_reassignments(unassigned, previous);
    const bool performed = perform_reassignments(movable, previous);

    // Moving partitions that were kept is only worth it if the balance improved.
    if (!initializing && performed && balance_score() >= score_before) {
      current_ = before;
      owner_ = owner_before;
    }
  }

  const Problem& problem_;
  const std::int32_t max_generation_;
  std::vector<std::vector<Partition>> current_;              // currentAssignment, per member
  std::unordered_map<Partition, int, PartitionHash> owner_;  // currentPartitionConsumer
  std::vector<std::vector<int>> topic_members_;              // topic2AllPotentialConsumers
  std::vector<Partition> sorted_all_partitions_;
  std::set<std::pair<std::size_t, int>> by_load_;  // sortedCurrentSubscriptions: (load, member)
  std::vector<bool> participating_;
  bool revocation_required_ = false;
  PartitionMovements movements_;
};

}  // namespace

Result<std::vector<std::uint8_t>> encode_sticky_user_data(
    std::span<const TopicPartition> partitions, std::int32_t generation) {
  std::map<std::string_view, std::vector<std::int32_t>, JavaStringLess> by_topic;
  for (const TopicPartition& partition : partitions) {
    by_topic[partition.topic].push_back(partition.partition);
  }
  ProtocolWriter writer(kUserDataMessage);
  writer.write_array_count("previous_assignment", by_topic.size());
  for (const auto& [topic, numbers] : by_topic) {
    writer.write_string("topic", topic);
    writer.write_array_count("partitions", numbers.size());
    for (const std::int32_t number : numbers) writer.write_int32(number);
  }
  writer.write_int32(generation);
  return std::move(writer).finish();
}

Result<StickyMemberData> decode_sticky_user_data(std::span<const std::uint8_t> bytes) {
  if (auto v1 = read_user_data(bytes, true); v1.ok()) return v1;
  return read_user_data(bytes, false);
}

std::map<std::string, Assignment> StickyAssignor::assign(
    const std::map<std::string, std::int32_t>& partitions_per_topic,
    const std::map<std::string, Subscription>& subscriptions) const {
  std::map<std::string, Assignment> result;
  for (const auto& [member, subscription] : subscriptions) result[member];
  if (subscriptions.empty()) return result;

  const Problem problem =
      intern(subscribed_partition_counts(partitions_per_topic, subscriptions), subscriptions);
  Claims claims = settle_claims(problem);
  const std::vector<std::vector<Partition>> assignment =
      all_subscriptions_equal(problem) ? assign_constrained(problem, claims)
                                       : GeneralBuilder(problem, std::move(claims)).build();
  for (std::size_t m = 0; m < problem.members.size(); ++m) {
    std::vector<TopicPartition>& partitions = result[problem.members[m]].partitions;
    for (const Partition& partition : assignment[m]) partitions.push_back(problem.name(partition));
  }
  return result;
}

}  // namespace ferry::broker
