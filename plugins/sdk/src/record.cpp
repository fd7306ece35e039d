#include "ferry/sdk/record.h"

#include <algorithm>
#include <string>
#include <utility>

#include "hash_mix.h"

namespace ferry::sdk {
namespace {

std::string schema_text(const SchemaPtr& schema) { return schema ? to_string(*schema) : "null"; }

std::string source_map_text(const SourceMap& map) {
  std::string out = "{";
  bool first = true;
  for (const auto& [key, value] : map) {
    if (!first) out += ',';
    first = false;
    out += key + "=" + to_string(value);
  }
  return out + "}";
}

std::string headers_text(const Headers& headers) {
  std::string out = "[";
  bool first = true;
  for (const Header& header : headers) {
    if (!first) out += ',';
    first = false;
    out += to_string(header);
  }
  return out + "]";
}

void mix_schema(std::size_t& seed, const SchemaPtr& schema) {
  detail::hash_mix(seed, schema ? hash_value(*schema) : 0);
}

std::size_t hash_headers(const Headers& headers) {
  std::size_t seed = headers.size();
  for (const Header& header : headers) detail::hash_mix(seed, hash_value(header));
  return seed;
}

}  // namespace

Headers& Headers::add(std::string key, SchemaPtr schema, Value value) {
  headers_.push_back(Header{std::move(key), std::move(schema), std::move(value)});
  return *this;
}

Headers& Headers::add(Header header) {
  headers_.push_back(std::move(header));
  return *this;
}

Headers& Headers::remove(std::string_view key) {
  std::erase_if(headers_, [key](const Header& header) { return header.key == key; });
  return *this;
}

const Header* Headers::last_with_name(std::string_view key) const {
  for (auto it = headers_.rbegin(); it != headers_.rend(); ++it) {
    if (it->key == key) return &*it;
  }
  return nullptr;
}

std::vector<const Header*> Headers::all_with_name(std::string_view key) const {
  std::vector<const Header*> found;
  for (const Header& header : headers_) {
    if (header.key == key) found.push_back(&header);
  }
  return found;
}

bool operator==(const Header& a, const Header& b) {
  return a.key == b.key && schemas_equal(a.schema, b.schema) && a.value == b.value;
}

SourcePartition::SourcePartition(SourceMap map)
    : map_(map.empty() ? nullptr : std::make_shared<const SourceMap>(std::move(map))) {}

SourcePartition::SourcePartition(std::initializer_list<SourceMap::value_type> entries)
    : SourcePartition(SourceMap(entries)) {}

const SourceMap& SourcePartition::empty_map() {
  static const SourceMap empty;
  return empty;
}

std::ostream& operator<<(std::ostream& out, const SourcePartition& partition) {
  return out << source_map_text(partition);
}

std::string_view timestamp_type_name(TimestampType type) {
  switch (type) {
    case TimestampType::kCreateTime:
      return "CreateTime";
    case TimestampType::kLogAppendTime:
      return "LogAppendTime";
    case TimestampType::kNoTimestampType:
      break;
  }
  return "NoTimestampType";
}

bool operator==(const SourceRecord& a, const SourceRecord& b) {
  return a.source_partition == b.source_partition && a.source_offset == b.source_offset &&
         a.topic == b.topic && a.kafka_partition == b.kafka_partition &&
         schemas_equal(a.key_schema, b.key_schema) && a.key == b.key &&
         schemas_equal(a.value_schema, b.value_schema) && a.value == b.value &&
         a.timestamp == b.timestamp && a.headers == b.headers;
}

bool operator==(const SinkRecord& a, const SinkRecord& b) {
  return a.topic == b.topic && a.kafka_partition == b.kafka_partition &&
         schemas_equal(a.key_schema, b.key_schema) && a.key == b.key &&
         schemas_equal(a.value_schema, b.value_schema) && a.value == b.value &&
         a.kafka_offset == b.kafka_offset && a.timestamp == b.timestamp &&
         a.timestamp_type == b.timestamp_type && a.headers == b.headers;
}

std::string to_string(const Header& header) {
  return "Header{key=" + header.key + ",value=" + to_string(header.value) +
         ",schema=" + schema_text(header.schema) + "}";
}

std::string to_string(const SourceRecord& record) {
  return "SourceRecord{sourcePartition=" + source_map_text(record.source_partition) +
         ",sourceOffset=" + source_map_text(record.source_offset) + ",topic=" + record.topic +
         ",kafkaPartition=" +
         (record.kafka_partition ? std::to_string(*record.kafka_partition) : "null") +
         ",key=" + to_string(record.key) + ",keySchema=" + schema_text(record.key_schema) +
         ",value=" + to_string(record.value) + ",valueSchema=" + schema_text(record.value_schema) +
         ",timestamp=" + (record.timestamp ? std::to_string(*record.timestamp) : "null") +
         ",headers=" + headers_text(record.headers) + "}";
}

std::string to_string(const SinkRecord& record) {
  return "SinkRecord{topic=" + record.topic +
         ",kafkaPartition=" + std::to_string(record.kafka_partition) +
         ",kafkaOffset=" + std::to_string(record.kafka_offset) + ",key=" + to_string(record.key) +
         ",keySchema=" + schema_text(record.key_schema) + ",value=" + to_string(record.value) +
         ",valueSchema=" + schema_text(record.value_schema) +
         ",timestamp=" + (record.timestamp ? std::to_string(*record.timestamp) : "null") +
         ",timestampType=" + std::string(timestamp_type_name(record.timestamp_type)) +
         ",headers=" + headers_text(record.headers) + "}";
}

std::ostream& operator<<(std::ostream& out, const SourceRecord& record) {
  return out << to_string(record);
}
std::ostream& operator<<(std::ostream& out, const SinkRecord& record) {
  return out << to_string(record);
}

std::size_t hash_value(const Header& header) {
  std::size_t seed = std::hash<std::string>{}(header.key);
  mix_schema(seed, header.schema);
  detail::hash_mix(seed, hash_value(header.value));
  return seed;
}

std::size_t hash_value(const SourceRecord& record) {
  std::size_t seed = std::hash<std::string>{}(record.topic);
  for (const auto& [key, value] : record.source_partition) {
    detail::hash_mix_std(seed, key);
    detail::hash_mix(seed, hash_value(value));
  }
  for (const auto& [key, value] : record.source_offset) {
    detail::hash_mix_std(seed, key);
    detail::hash_mix(seed, hash_value(value));
  }
  detail::hash_mix(seed, record.kafka_partition ? static_cast<std::size_t>(*record.kafka_partition)
                                                : ~std::size_t{0});
  mix_schema(seed, record.key_schema);
  detail::hash_mix(seed, hash_value(record.key));
  mix_schema(seed, record.value_schema);
  detail::hash_mix(seed, hash_value(record.value));
  detail::hash_mix(seed, record.timestamp ? static_cast<std::size_t>(*record.timestamp) : 0);
  detail::hash_mix(seed, hash_headers(record.headers));
  return seed;
}

std::size_t hash_value(const SinkRecord& record) {
  std::size_t seed = std::hash<std::string>{}(record.topic);
  detail::hash_mix(seed, static_cast<std::size_t>(record.kafka_partition));
  detail::hash_mix(seed, static_cast<std::size_t>(record.kafka_offset));
  mix_schema(seed, record.key_schema);
  detail::hash_mix(seed, hash_value(record.key));
  mix_schema(seed, record.value_schema);
  detail::hash_mix(seed, hash_value(record.value));
  detail::hash_mix(seed, record.timestamp ? static_cast<std::size_t>(*record.timestamp) : 0);
  detail::hash_mix(seed, static_cast<std::size_t>(record.timestamp_type));
  detail::hash_mix(seed, hash_headers(record.headers));
  return seed;
}

}  // namespace ferry::sdk
