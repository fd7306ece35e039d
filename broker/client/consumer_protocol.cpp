#include "broker/client/consumer_protocol.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "broker/client/java_order.h"
#include "broker/client/protocol_primitives.h"
#include "broker/topics/topic_name.h"

namespace ferry::broker {
namespace {

constexpr std::string_view kSubscriptionMessage = "consumer protocol subscription";
constexpr std::string_view kAssignmentMessage = "consumer protocol assignment";

// Minimum encoded sizes, which bound array counts before anything is allocated.
constexpr std::size_t kMinStringSize = 2;           // INT16 length of an empty string
constexpr std::size_t kMinInt32Size = 4;            // one partition number
constexpr std::size_t kMinTopicPartitionsSize = 6;  // empty topic (2) + empty partition array (4)

Status check_version(std::string_view message, std::int16_t version) {
  if (version >= kConsumerProtocolLowestVersion) return Status::ok_status();
  return Status::invalid_argument(std::string(message) + ": unsupported version " +
                                  std::to_string(version));
}

// Reads ARRAY(Topic STRING, Partitions ARRAY(INT32)) and appends one TopicPartition per
// partition.
void read_topic_partitions(ProtocolReader& reader, std::string_view field,
                           std::vector<TopicPartition>& out) {
  const std::int32_t topic_count = reader.read_array_count(field, kMinTopicPartitionsSize);
  for (std::int32_t t = 0; t < topic_count && reader.ok(); ++t) {
    std::string topic = reader.read_string(field);
    if (topic.size() > kMaxTopicNameLength) {
      reader.fail(field, "topic name of " + std::to_string(topic.size()) +
                             " bytes is longer than Kafka allows (" +
                             std::to_string(kMaxTopicNameLength) + ")");
      return;
    }
    const std::int32_t partition_count = reader.read_array_count(field, kMinInt32Size);
    for (std::int32_t p = 0; p < partition_count && reader.ok(); ++p) {
      const std::int32_t partition = reader.read_int32(field);
      if (reader.ok()) out.push_back(TopicPartition{topic, partition});
    }
  }
}

// Writes partitions grouped as ARRAY(Topic, ARRAY(INT32)); `groups` holds, per topic, the
// indexes into `partitions` of its entries.
void write_topic_partitions(ProtocolWriter& writer, std::string_view field,
                            const std::vector<TopicPartition>& partitions,
                            const std::vector<std::vector<std::size_t>>& groups) {
  writer.write_array_count(field, groups.size());
  for (const auto& group : groups) {
    writer.write_string(field, partitions[group.front()].topic);
    writer.write_array_count(field, group.size());
    for (const std::size_t index : group) writer.write_int32(partitions[index].partition);
  }
}

// Java's ImplicitLinkedHashMultiCollection.find(topic) in serializeAssignment: every partition
// joins the group of the first entry with its topic, groups in order of first appearance.
std::vector<std::vector<std::size_t>> group_by_first_appearance(
    const std::vector<TopicPartition>& partitions) {
  std::vector<std::vector<std::size_t>> groups;
  std::vector<std::pair<std::string_view, std::size_t>> group_of_topic;  // sorted by topic
  for (std::size_t i = 0; i < partitions.size(); ++i) {
    const std::string_view topic = partitions[i].topic;
    auto it =
        std::lower_bound(group_of_topic.begin(), group_of_topic.end(), topic,
                         [](const auto& entry, std::string_view key) { return entry.first < key; });
    if (it == group_of_topic.end() || it->first != topic) {
      it = group_of_topic.insert(it, {topic, groups.size()});
      groups.emplace_back();
    }
    groups[it->second].push_back(i);
  }
  return groups;
}

}  // namespace

Result<std::vector<std::uint8_t>> encode_subscription(const Subscription& subscription,
                                                      std::int16_t version) {
  if (Status status = check_version(kSubscriptionMessage, version); !status.ok()) return status;
  version = std::min(version, kConsumerProtocolHighestVersion);

  ProtocolWriter writer(kSubscriptionMessage);
  writer.write_int16(version);

  // Java sorts both lists before writing (ConsumerProtocol.serializeSubscription); sorting here
  // too keeps the bytes identical, which matters to anyone comparing metadata byte-wise.
  std::vector<std::string_view> topics(subscription.topics.begin(), subscription.topics.end());
  std::sort(topics.begin(), topics.end(), JavaStringLess{});
  writer.write_array_count("topics", topics.size());
  for (const std::string_view topic : topics) writer.write_string("topics", topic);

  writer.write_nullable_bytes("user data", subscription.user_data);

  if (version >= 1) {
    const std::vector<TopicPartition>& owned = subscription.owned_partitions;
    std::vector<std::size_t> order(owned.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const int by_topic = compare_java_strings_then_bytes(owned[a].topic, owned[b].topic);
      return by_topic != 0 ? by_topic < 0 : owned[a].partition < owned[b].partition;
    });
    std::vector<std::vector<std::size_t>> groups;
    for (const std::size_t index : order) {
      if (groups.empty() || owned[groups.back().front()].topic != owned[index].topic) {
        groups.emplace_back();
      }
      groups.back().push_back(index);
    }
    write_topic_partitions(writer, "owned partitions", owned, groups);
  }
  // Java keeps "no generation" as an empty Optional for any negative id and writes it as -1.
  if (version >= 2) writer.write_int32(std::max(subscription.generation_id, kNoGeneration));
  if (version >= 3) writer.write_nullable_string("rack id", subscription.rack_id);
  return std::move(writer).finish();
}

Result<Subscription> decode_subscription(std::span<const std::uint8_t> bytes) {
  ProtocolReader reader(bytes, kSubscriptionMessage);
  const std::int16_t version = reader.read_int16("version");
  if (!reader.ok()) return reader.status();
  if (Status status = check_version(kSubscriptionMessage, version); !status.ok()) return status;

  Subscription subscription;
  const std::int32_t topic_count = reader.read_array_count("topics", kMinStringSize);
  subscription.topics.reserve(static_cast<std::size_t>(topic_count));
  for (std::int32_t i = 0; i < topic_count && reader.ok(); ++i) {
    subscription.topics.push_back(reader.read_string("topics"));
  }
  subscription.user_data = reader.read_nullable_bytes("user data");
  if (version >= 1) {
    read_topic_partitions(reader, "owned partitions", subscription.owned_partitions);
  }
  if (version >= 2) subscription.generation_id = reader.read_int32("generation id");
  if (version >= 3) {
    subscription.rack_id = reader.read_nullable_string("rack id");
    // Java's deserializeSubscription maps an empty rack to "no rack".
    if (subscription.rack_id && subscription.rack_id->empty()) subscription.rack_id.reset();
  }
  if (!reader.ok()) return reader.status();
  return subscription;
}

Result<std::vector<std::uint8_t>> encode_assignment(const Assignment& assignment,
                                                    std::int16_t version) {
  if (Status status = check_version(kAssignmentMessage, version); !status.ok()) return status;
  version = std::min(version, kConsumerProtocolHighestVersion);

  ProtocolWriter writer(kAssignmentMessage);
  writer.write_int16(version);
  write_topic_partitions(writer, "assigned partitions", assignment.partitions,
                         group_by_first_appearance(assignment.partitions));
  writer.write_nullable_bytes("user data", assignment.user_data);
  return std::move(writer).finish();
}

Result<Assignment> decode_assignment(std::span<const std::uint8_t> bytes) {
  ProtocolReader reader(bytes, kAssignmentMessage);
  const std::int16_t version = reader.read_int16("version");
  if (!reader.ok()) return reader.status();
  if (Status status = check_version(kAssignmentMessage, version); !status.ok()) return status;

  Assignment assignment;
  read_topic_partitions(reader, "assigned partitions", assignment.partitions);
  assignment.user_data = reader.read_nullable_bytes("user data");
  if (!reader.ok()) return reader.status();
  return assignment;
}

}  // namespace ferry::broker
