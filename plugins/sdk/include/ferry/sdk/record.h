// The records connectors produce and consume.
//
// SourceRecord: what a SourceTask returns from poll(). Besides the topic, key, value and headers it
// carries the source partition and source offset: maps the connector defines ({"filename":
// "a.txt"} -> {"position": 4096}) and the runtime stores opaquely, so that after a restart the task
// can ask where it left off.
//
// SinkRecord: what a SinkTask receives in put(): a record read from a topic partition at an
// offset, already converted back into schemas and values.
//
// Both are plain values (aggregates): copy, move, compare and hash them freely.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/sdk/schema.h"
#include "ferry/sdk/value.h"

namespace ferry::sdk {

struct Header {
  std::string key;
  SchemaPtr schema;  // may be null: schemaless header
  Value value;
};
bool operator==(const Header& a, const Header& b);

// A record's headers: an ordered list in which a key may repeat, as in Kafka.
class Headers {
 public:
  Headers() = default;

  Headers& add(std::string key, SchemaPtr schema, Value value);
  Headers& add(Header header);
  // Removes every header with that key.
  Headers& remove(std::string_view key);
  // The last header with that key, or nullptr (Kafka's lastWithName).
  const Header* last_with_name(std::string_view key) const;
  std::vector<const Header*> all_with_name(std::string_view key) const;

  std::size_t size() const { return headers_.size(); }
  bool empty() const { return headers_.empty(); }
  std::vector<Header>::const_iterator begin() const { return headers_.begin(); }
  std::vector<Header>::const_iterator end() const { return headers_.end(); }

  friend bool operator==(const Headers&, const Headers&) = default;

 private:
  std::vector<Header> headers_;
};

// Source partitions and offsets: string keys to primitive values (strings, integers, booleans),
// as Kafka Connect's Map<String, ?>. Sorted by key, so equal maps are equal values.
using SourceMap = std::map<std::string, Value, std::less<>>;

// A record's source partition: a SourceMap that the records of one partition share, immutable.
// Every record of a partition carries the same map, so a task builds it once and copies it into
// each record, which costs a reference count instead of a map of strings; records that share one
// compare equal without looking inside. It reads as the SourceMap it holds (an empty one by
// default) and converts to it, and a SourceMap or a braced list of entries assigns it.
class SourcePartition {
 public:
  SourcePartition() = default;
  SourcePartition(SourceMap map);  // NOLINT: implicit, so it reads and assigns as a SourceMap
  SourcePartition(std::initializer_list<SourceMap::value_type> entries);

  const SourceMap& map() const { return map_ ? *map_ : empty_map(); }
  operator const SourceMap&() const { return map(); }  // NOLINT: implicit, likewise

  bool empty() const { return map().empty(); }
  std::size_t size() const { return map().size(); }
  SourceMap::const_iterator begin() const { return map().begin(); }
  SourceMap::const_iterator end() const { return map().end(); }
  SourceMap::const_iterator find(std::string_view key) const { return map().find(key); }

  friend bool operator==(const SourcePartition& a, const SourcePartition& b) {
    return a.map_ == b.map_ || a.map() == b.map();
  }

 private:
  static const SourceMap& empty_map();

  std::shared_ptr<const SourceMap> map_;  // null: empty
};
std::ostream& operator<<(std::ostream& out, const SourcePartition& partition);

enum class TimestampType { kNoTimestampType, kCreateTime, kLogAppendTime };
std::string_view timestamp_type_name(TimestampType type);  // "CreateTime", ...

struct SourceRecord {
  SourcePartition source_partition;
  SourceMap source_offset;
  std::string topic;
  std::optional<std::int32_t> kafka_partition;  // nullopt: let the producer choose
  SchemaPtr key_schema;
  Value key;
  SchemaPtr value_schema;
  Value value;
  std::optional<std::int64_t> timestamp;  // milliseconds since the epoch
  Headers headers;
};
bool operator==(const SourceRecord& a, const SourceRecord& b);

struct SinkRecord {
  std::string topic;
  std::int32_t kafka_partition = 0;
  SchemaPtr key_schema;
  Value key;
  SchemaPtr value_schema;
  Value value;
  std::int64_t kafka_offset = 0;
  std::optional<std::int64_t> timestamp;
  TimestampType timestamp_type = TimestampType::kNoTimestampType;
  Headers headers;
};
bool operator==(const SinkRecord& a, const SinkRecord& b);

std::string to_string(const Header& header);
std::string to_string(const SourceRecord& record);
std::string to_string(const SinkRecord& record);
std::ostream& operator<<(std::ostream& out, const SourceRecord& record);
std::ostream& operator<<(std::ostream& out, const SinkRecord& record);

std::size_t hash_value(const Header& header);
std::size_t hash_value(const SourceRecord& record);
std::size_t hash_value(const SinkRecord& record);

}  // namespace ferry::sdk

template <>
struct std::hash<ferry::sdk::SourceRecord> {
  std::size_t operator()(const ferry::sdk::SourceRecord& r) const {
    return ferry::sdk::hash_value(r);
  }
};
template <>
struct std::hash<ferry::sdk::SinkRecord> {
  std::size_t operator()(const ferry::sdk::SinkRecord& r) const {
    return ferry::sdk::hash_value(r);
  }
};
