// A decoded (or to-be-encoded) request or response body: a Struct is a StructDef's fields with
// one Value each, in the definition's order, every field starting at its default. Handlers read
// and write fields by their Kafka names ("PartitionIndex"); a name the definition lacks throws
// std::logic_error (a programming error that the handler's tests catch), so a handler cannot
// silently read a field of another version: fields absent from the version read as defaults.
//
// Thread-safety: a value; one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/protocol/message_schema.h"

namespace ferry::broker::protocol {

class Struct;

// The bytes of a records field held outside the Struct: the encoder writes their length but not
// them (codec.h, EncodedFrame), and whoever sends the frame sends them from where they are, so
// a fetch's batches are not copied into the response. size bytes, in memory at data, or (data
// null) in the open file `descriptor` at position; owner keeps them alive and the descriptor
// open for as long as any copy of this exists. file names the file in errors.
struct RecordsRef {
  std::shared_ptr<const void> owner;
  const std::uint8_t* data = nullptr;
  int descriptor = -1;
  std::uint64_t position = 0;
  std::size_t size = 0;
  std::string file;
};

// One field's value; which members are used depends on the field's type.
struct Value {
  std::int64_t integer = 0;            // bool, int8 .. int64
  bool null = false;                   // nullable strings, bytes, records, arrays
  bool set = false;                    // assigned: tagged fields are written only then
  std::string text;                    // string; uuid (16 bytes)
  std::vector<std::uint8_t> bytes;     // bytes, records
  std::optional<RecordsRef> external;  // records: used instead of bytes when set
  std::vector<std::int64_t> integers;  // []int32, []int64
  std::vector<std::string> strings;    // []string
  std::vector<Struct> structs;         // [] (elements), {} (exactly one)
};

class Struct {
 public:
  explicit Struct(const StructDef& def);

  const StructDef& def() const { return *def_; }
  Value& value(std::size_t index) { return values_[index]; }
  const Value& value(std::size_t index) const { return values_[index]; }

  std::int64_t integer(std::string_view name) const { return get(name).integer; }
  Struct& set_integer(std::string_view name, std::int64_t value);

  bool is_null(std::string_view name) const { return get(name).null; }
  Struct& set_null(std::string_view name);

  const std::string& string(std::string_view name) const { return get(name).text; }
  std::optional<std::string> nullable_string(std::string_view name) const;
  Struct& set_string(std::string_view name, std::string value);
  Struct& set_nullable_string(std::string_view name, std::optional<std::string> value);

  const std::vector<std::uint8_t>& bytes(std::string_view name) const { return get(name).bytes; }
  std::vector<std::uint8_t>& mutable_bytes(std::string_view name);
  Struct& set_bytes(std::string_view name, std::vector<std::uint8_t> value);
  // A records field whose bytes stay where they are (RecordsRef); bytes(name) reads empty.
  Struct& set_records(std::string_view name, RecordsRef records);

  const std::vector<std::int64_t>& integers(std::string_view name) const {
    return get(name).integers;
  }
  Struct& set_integers(std::string_view name, std::vector<std::int64_t> value);
  const std::vector<std::string>& strings(std::string_view name) const { return get(name).strings; }
  Struct& set_strings(std::string_view name, std::vector<std::string> value);

  const std::vector<Struct>& structs(std::string_view name) const { return get(name).structs; }
  // The elements of a struct array, to change in place (a request handler's own copy).
  std::vector<Struct>& mutable_structs(std::string_view name) {
    return values_[def_->index_of(name)].structs;
  }
  // Appends an element, at its defaults, to a struct array and returns it.
  Struct& add(std::string_view name);
  // A {} field's struct (created at its defaults on first use).
  Struct& child(std::string_view name);

 private:
  const Value& get(std::string_view name) const { return values_[def_->index_of(name)]; }
  Value& get_for_write(std::string_view name);

  const StructDef* def_;
  std::vector<Value> values_;
};

}  // namespace ferry::broker::protocol
