#include "broker/groups/offset_commit_record.h"

#include "broker/client/java_order.h"
#include "broker/storage/wire_format.h"

namespace ferry::broker {
namespace {

void put_int16(std::vector<std::uint8_t>& out, std::int16_t value) {
  std::uint8_t bytes[2];
  store_be<std::int16_t>(bytes, value);
  out.insert(out.end(), bytes, bytes + 2);
}

void put_int32(std::vector<std::uint8_t>& out, std::int32_t value) {
  std::uint8_t bytes[4];
  store_be<std::int32_t>(bytes, value);
  out.insert(out.end(), bytes, bytes + 4);
}

void put_int64(std::vector<std::uint8_t>& out, std::int64_t value) {
  std::uint8_t bytes[8];
  store_be<std::int64_t>(bytes, value);
  out.insert(out.end(), bytes, bytes + 8);
}

void put_string(std::vector<std::uint8_t>& out, std::string_view text) {
  put_int16(out, static_cast<std::int16_t>(text.size()));
  out.insert(out.end(), text.begin(), text.end());
}

// Bounds-checked reading of the fields above.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  bool int16(std::int16_t& out) { return fixed(out); }
  bool int32(std::int32_t& out) { return fixed(out); }
  bool int64(std::int64_t& out) { return fixed(out); }
  bool string(std::string& out) {
    std::int16_t length = 0;
    if (!int16(length) || length < 0 || static_cast<std::size_t>(length) > bytes_.size()) {
      return false;
    }
    out.assign(reinterpret_cast<const char*>(bytes_.data()), static_cast<std::size_t>(length));
    bytes_ = bytes_.subspan(static_cast<std::size_t>(length));
    return true;
  }

 private:
  template <typename T>
  bool fixed(T& out) {
    if (bytes_.size() < sizeof(T)) return false;
    out = load_be<T>(bytes_.data());
    bytes_ = bytes_.subspan(sizeof(T));
    return true;
  }

  std::span<const std::uint8_t> bytes_;
};

}  // namespace

std::vector<std::uint8_t> encode_offset_commit_key(const OffsetCommitKey& key) {
  std::vector<std::uint8_t> out;
  out.reserve(8 + key.group.size() + key.topic.size());
  put_int16(out, 1);
  put_string(out, key.group);
  put_string(out, key.topic);
  put_int32(out, key.partition);
  return out;
}

std::vector<std::uint8_t> encode_offset_commit_value(const OffsetCommitValue& value) {
  std::vector<std::uint8_t> out;
  out.reserve(26 + value.metadata.size());
  put_int16(out, 3);
  put_int64(out, value.offset);
  put_int32(out, value.leader_epoch);
  put_string(out, value.metadata);
  put_int64(out, value.commit_timestamp);
  return out;
}

Result<std::optional<OffsetCommitKey>> decode_offset_commit_key(
    std::span<const std::uint8_t> bytes) {
  Reader reader(bytes);
  std::int16_t type = 0;
  if (!reader.int16(type)) return Status::corruption("offset commit key: no record type");
  if (type != 0 && type != 1) return std::optional<OffsetCommitKey>();
  OffsetCommitKey key;
  if (!reader.string(key.group) || !reader.string(key.topic) || !reader.int32(key.partition)) {
    return Status::corruption("offset commit key: truncated or malformed");
  }
  return std::optional<OffsetCommitKey>(std::move(key));
}

Result<OffsetCommitValue> decode_offset_commit_value(std::span<const std::uint8_t> bytes) {
  Reader reader(bytes);
  std::int16_t version = 0;
  OffsetCommitValue value;
  std::int64_t expire = 0;
  const bool ok = reader.int16(version) && version >= 0 && version <= 3 &&
                  reader.int64(value.offset) && (version < 3 || reader.int32(value.leader_epoch)) &&
                  reader.string(value.metadata) && reader.int64(value.commit_timestamp) &&
                  (version != 1 || reader.int64(expire));
  if (!ok) {
    return Status::corruption("offset commit value: truncated, malformed or version " +
                              std::to_string(version) + " (Ferry reads 0 to 3)");
  }
  return value;
}

std::int32_t offsets_partition_for(std::string_view group, std::int32_t partitions) {
  const std::int32_t hash = java_string_hash(group);
  // Kafka's Utils.abs: the absolute value, with Integer.MIN_VALUE mapped to 0.
  const std::int32_t positive = hash == INT32_MIN ? 0 : (hash < 0 ? -hash : hash);
  return positive % partitions;
}

}  // namespace ferry::broker
