// The records a producer sends and a consumer receives, as Kafka's client API shapes them
// (ProducerRecord, RecordMetadata, ConsumerRecord). Keys, values and header values are bytes,
// each either present or null; a null value is a tombstone.
//
// A consumed record's key and value are ConsumedBytes: a consumer may hand out views into the
// bytes it fetched, shared by the records of one fetch, instead of a copy per record.
//
// Thread-safety: plain values. ConsumedBytes are immutable; copies share their bytes, with a
// thread-safe reference count, so records may move between threads.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace ferry::broker {

using RecordBytes = std::vector<std::uint8_t>;

// The bytes of a consumed key or value: a view plus whatever keeps the viewed bytes alive (the
// batch bytes of a fetch, or the record's own RecordBytes). Reads like a const vector.
class ConsumedBytes {
 public:
  ConsumedBytes() = default;  // no bytes
  // Owns a copy: implicit, so code that built a record's RecordBytes still compiles.
  ConsumedBytes(RecordBytes bytes)  // NOLINT(google-explicit-constructor)
      : ConsumedBytes(std::make_shared<const RecordBytes>(std::move(bytes))) {}
  template <std::input_iterator Iterator>
  ConsumedBytes(Iterator first, Iterator last) : ConsumedBytes(RecordBytes(first, last)) {}
  // Views bytes that owner keeps alive.
  ConsumedBytes(std::shared_ptr<const void> owner, std::span<const std::uint8_t> bytes)
      : bytes_(bytes), owner_(std::move(owner)) {}

  const std::uint8_t* data() const { return bytes_.data(); }
  std::size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  auto begin() const { return bytes_.begin(); }
  auto end() const { return bytes_.end(); }
  std::uint8_t operator[](std::size_t index) const { return bytes_[index]; }
  std::span<const std::uint8_t> span() const { return bytes_; }
  RecordBytes to_vector() const { return RecordBytes(bytes_.begin(), bytes_.end()); }

  friend bool operator==(const ConsumedBytes& a, const ConsumedBytes& b) {
    return std::ranges::equal(a.bytes_, b.bytes_);
  }
  friend bool operator==(const ConsumedBytes& a, const RecordBytes& b) {
    return std::ranges::equal(a.bytes_, b);
  }

 private:
  explicit ConsumedBytes(std::shared_ptr<const RecordBytes> owned)
      : bytes_(*owned), owner_(std::move(owned)) {}

  std::span<const std::uint8_t> bytes_;
  std::shared_ptr<const void> owner_;
};

// A consumed key or value as the RecordBytes a ProducerRecord takes (a copy).
inline std::optional<RecordBytes> to_record_bytes(const std::optional<ConsumedBytes>& bytes) {
  if (!bytes) return std::nullopt;
  return bytes->to_vector();
}

struct ClientHeader {
  std::string key;
  std::optional<RecordBytes> value;
  friend bool operator==(const ClientHeader&, const ClientHeader&) = default;
};

enum class RecordTimestampType { kNoTimestampType, kCreateTime, kLogAppendTime };

struct ProducerRecord {
  std::string topic;
  std::optional<std::int32_t> partition;  // nullopt: the partitioner chooses
  std::optional<RecordBytes> key;
  std::optional<RecordBytes> value;
  std::vector<ClientHeader> headers;
  std::optional<std::int64_t> timestamp;  // nullopt: the time of send()
};

struct RecordMetadata {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = -1;
  std::int64_t timestamp = -1;  // the record's, or the broker's LogAppendTime
};

struct ConsumerRecord {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp = -1;
  RecordTimestampType timestamp_type = RecordTimestampType::kCreateTime;
  std::optional<ConsumedBytes> key;
  std::optional<ConsumedBytes> value;
  std::vector<ClientHeader> headers;
};

}  // namespace ferry::broker
