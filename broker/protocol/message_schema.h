// The shape of every Kafka request and response body this broker speaks, as data: an ApiDef per
// API key holds the versions served, the first flexible version, and a StructDef tree for the
// request and the response, whose fields carry their versions, nullable versions, tag (for
// tagged fields) and default. One generic codec (codec.h) walks these trees, so a version is
// added by editing the table, never by writing an encoder.
//
// The table itself is text (message_definitions.cpp), parsed once on first use. Why text and
// not C++ aggregates or a build-time generator: each entry reads line for line like Apache
// Kafka's own message definitions (clients/src/main/resources/common/message/*.json), which is
// what a reviewer checks it against; nested structs are plain indentation instead of arrays
// declared leaves-first; and the build needs no generator step or extra tool. A mistake in the
// table is caught at first use (message_schema_test parses it in every build).
//
// Thread-safety: the definitions are immutable after the first call to api_definitions(), which
// is itself thread-safe (a function-local static).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::broker::protocol {

inline constexpr std::int16_t kNoVersion = -1;
inline constexpr std::int16_t kMaxVersion = 0x7fff;

struct VersionRange {
  std::int16_t min = 0;
  std::int16_t max = kNoVersion;  // min > max: no version
  bool contains(std::int16_t version) const { return version >= min && version <= max; }
  bool empty() const { return min > max; }
};

enum class FieldType : std::uint8_t {
  kBool,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kUuid,
  kString,
  kBytes,
  kRecords,  // a record set: bytes on the wire, RecordBatch v2 batches inside
  kInt32Array,
  kInt64Array,
  kStringArray,
  kStructArray,
  kStruct,
};

struct StructDef;

struct FieldDef {
  std::string name;
  FieldType type = FieldType::kInt32;
  VersionRange versions;
  VersionRange nullable;  // strings, bytes, records, arrays
  // >= 0: a tagged field (in the tagged-field section of flexible versions, in all its versions).
  std::int32_t tag = -1;
  std::int64_t default_integer = 0;   // integers and bool
  bool default_null = false;          // nullable fields absent or unset
  std::unique_ptr<StructDef> fields;  // kStructArray, kStruct
};

struct StructDef {
  std::string name;
  std::vector<FieldDef> fields;

  // The index of the field named name; throws std::logic_error naming the struct and field if
  // there is none (a typo in a handler, caught by its tests).
  std::size_t index_of(std::string_view name) const;
};

struct ApiDef {
  std::int16_t key = 0;
  std::string name;            // Kafka's name: "Produce", "ApiVersions"
  VersionRange versions;       // the versions this broker serves and advertises
  std::int16_t flexible_from;  // kMaxVersion + 1 when none of them is flexible
  StructDef request;
  StructDef response;

  bool flexible(std::int16_t version) const { return version >= flexible_from; }
  // Request header v2 for flexible versions, else v1 (v0 is only ControlledShutdown v0's).
  std::int16_t request_header_version(std::int16_t version) const {
    return flexible(version) ? 2 : 1;
  }
  // Response header v1 for flexible versions, else v0; ApiVersions always v0 (KIP-511), so a
  // client can read the error of a version the broker does not speak.
  std::int16_t response_header_version(std::int16_t version) const {
    return flexible(version) && key != 18 ? 1 : 0;
  }
};

// Every API this broker serves, ordered by key.
std::span<const ApiDef> api_definitions();
// The API with this key, or null.
const ApiDef* find_api(std::int16_t key);

}  // namespace ferry::broker::protocol
