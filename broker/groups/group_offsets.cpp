#include "broker/groups/group_offsets.h"

#include "broker/storage/record_batch.h"

namespace ferry::broker {

Result<std::unique_ptr<GroupOffsets>> GroupOffsets::open(LogManager& logs,
                                                         std::int32_t partitions) {
  const std::string topic(kConsumerOffsetsTopic);
  auto existing = logs.describe_topic(topic);
  if (existing.ok()) {
    partitions = existing->partitions;
  } else if (logs.read_only()) {
    partitions = 0;  // nothing committed yet, and nothing may be created
  } else {
    // Kafka's settings for the offsets topic: compacted, 100 MiB segments.
    if (Status status = logs.create_topic(
            topic, partitions, {{"cleanup.policy", "compact"}, {"segment.bytes", "104857600"}});
        !status.ok()) {
      return status;
    }
  }
  std::unique_ptr<GroupOffsets> offsets(new GroupOffsets(logs, partitions));
  if (Status status = offsets->load(); !status.ok()) return status;
  return offsets;
}

Status GroupOffsets::load() {
  const std::string topic(kConsumerOffsetsTopic);
  for (std::int32_t p = 0; p < partitions_; ++p) {
    auto log = logs_.partition(topic, p);
    if (!log.ok()) return log.status();
    std::int64_t next = (*log)->log_start_offset();
    const std::int64_t end = (*log)->log_end_offset();
    while (next < end) {
      auto read = (*log)->read(next, 1 << 20);
      if (!read.ok()) return read.status().with_context("loading " + topic);
      std::span<const std::uint8_t> bytes = read->records;
      if (bytes.empty()) break;
      while (!bytes.empty()) {
        auto header = read_batch_header(bytes);
        if (!header.ok()) return header.status().with_context("loading " + topic);
        auto batch = decode_batch(bytes.subspan(0, header->size()), 64u << 20);
        if (!batch.ok()) return batch.status().with_context("loading " + topic);
        for (const RecordView& record : batch->records()) {
          if (record.offset < next || !record.key) continue;
          auto key = decode_offset_commit_key(*record.key);
          if (!key.ok())
            return key.status().with_context(topic + " offset " + std::to_string(record.offset));
          if (!*key) continue;  // group metadata: Ferry rebuilds groups from rejoining members
          const TopicPartitionKey where{(*key)->topic, (*key)->partition};
          if (!record.value) {
            offsets_[(*key)->group].erase(where);
            continue;
          }
          auto value = decode_offset_commit_value(*record.value);
          if (!value.ok())
            return value.status().with_context(topic + " offset " + std::to_string(record.offset));
          offsets_[(*key)->group][where] = *value;
        }
        next = header->last_offset() + 1;
        bytes = bytes.subspan(header->size());
      }
    }
  }
  for (auto it = offsets_.begin(); it != offsets_.end();) {
    it = it->second.empty() ? offsets_.erase(it) : std::next(it);
  }
  return Status::ok_status();
}

Status GroupOffsets::append(
    const std::string& group,
    const std::vector<std::pair<OffsetCommitKey, std::optional<OffsetCommitValue>>>& records) {
  if (records.empty()) return Status::ok_status();
  RecordBatchBuilder builder(RecordBatchOptions{});
  const std::int64_t now = logs_.now_ms();
  for (const auto& [key, value] : records) {
    const auto key_bytes = encode_offset_commit_key(key);
    if (value) {
      const auto value_bytes = encode_offset_commit_value(*value);
      if (Status status = builder.append(now, key_bytes, value_bytes); !status.ok()) return status;
    } else {
      if (Status status = builder.append(now, key_bytes, std::nullopt); !status.ok()) {
        return status;
      }
    }
  }
  auto batch = builder.build();
  if (!batch.ok()) return batch.status();
  auto appended = logs_.append(std::string(kConsumerOffsetsTopic),
                               offsets_partition_for(group, partitions_), *batch);
  return appended.ok() ? Status::ok_status() : appended.status();
}

Status GroupOffsets::commit(const std::string& group, const std::vector<PartitionOffset>& offsets) {
  std::vector<std::pair<OffsetCommitKey, std::optional<OffsetCommitValue>>> records;
  for (const PartitionOffset& offset : offsets) {
    records.emplace_back(OffsetCommitKey{group, offset.topic, offset.partition}, offset.value);
  }
  std::lock_guard lock(mutex_);
  if (Status status = append(group, records); !status.ok()) return status;
  auto& table = offsets_[group];
  for (const PartitionOffset& offset : offsets) {
    table[{offset.topic, offset.partition}] = offset.value;
  }
  return Status::ok_status();
}

Status GroupOffsets::remove_group(const std::string& group) {
  std::lock_guard lock(mutex_);
  const auto it = offsets_.find(group);
  if (it == offsets_.end()) return Status::ok_status();
  std::vector<std::pair<OffsetCommitKey, std::optional<OffsetCommitValue>>> records;
  for (const auto& [where, value] : it->second) {
    records.emplace_back(OffsetCommitKey{group, where.first, where.second}, std::nullopt);
  }
  if (Status status = append(group, records); !status.ok()) return status;
  offsets_.erase(it);
  return Status::ok_status();
}

Status GroupOffsets::remove(const std::string& group, const std::string& topic,
                            std::int32_t partition) {
  std::lock_guard lock(mutex_);
  if (Status status = append(group, {{OffsetCommitKey{group, topic, partition}, std::nullopt}});
      !status.ok()) {
    return status;
  }
  const auto it = offsets_.find(group);
  if (it != offsets_.end()) {
    it->second.erase({topic, partition});
    if (it->second.empty()) offsets_.erase(it);
  }
  return Status::ok_status();
}

std::optional<OffsetCommitValue> GroupOffsets::fetch(const std::string& group,
                                                     const std::string& topic,
                                                     std::int32_t partition) const {
  std::lock_guard lock(mutex_);
  const auto it = offsets_.find(group);
  if (it == offsets_.end()) return std::nullopt;
  const auto found = it->second.find({topic, partition});
  if (found == it->second.end()) return std::nullopt;
  return found->second;
}

std::vector<PartitionOffset> GroupOffsets::fetch_all(const std::string& group) const {
  std::lock_guard lock(mutex_);
  std::vector<PartitionOffset> result;
  const auto it = offsets_.find(group);
  if (it == offsets_.end()) return result;
  for (const auto& [where, value] : it->second) {
    result.push_back({where.first, where.second, value});
  }
  return result;
}

std::vector<std::string> GroupOffsets::groups() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  for (const auto& [group, table] : offsets_) names.push_back(group);
  return names;
}

}  // namespace ferry::broker
