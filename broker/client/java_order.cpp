#include "broker/client/java_order.h"

#include <cstdint>

#include "common/utf8.h"

namespace ferry::broker {
namespace {

constexpr char16_t kReplacementCharacter = 0xFFFD;

// The UTF-16 code units Java's String holds for UTF-8 bytes, one at a time.
class Utf16Units {
 public:
  explicit Utf16Units(std::string_view text) : text_(text) {}

  // False at the end of the text.
  bool next(char16_t& unit) {
    if (pending_low_surrogate_ != 0) {
      unit = pending_low_surrogate_;
      pending_low_surrogate_ = 0;
      return true;
    }
    if (position_ >= text_.size()) return false;
    const Utf8Step step = next_utf8(text_, position_);
    if (step.length == 0) {
      position_ += step.maximal_subpart;
      unit = kReplacementCharacter;
      return true;
    }
    position_ += step.length;
    if (step.code_point < 0x10000) {
      unit = static_cast<char16_t>(step.code_point);
      return true;
    }
    const std::uint32_t offset = step.code_point - 0x10000;
    unit = static_cast<char16_t>(0xD800 + (offset >> 10));
    pending_low_surrogate_ = static_cast<char16_t>(0xDC00 + (offset & 0x3FF));
    return true;
  }

 private:
  std::string_view text_;
  std::size_t position_ = 0;
  char16_t pending_low_surrogate_ = 0;
};

bool is_ascii(std::string_view text) {
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0x80) != 0) return false;
  }
  return true;
}

}  // namespace

int compare_java_strings(std::string_view a, std::string_view b) {
  // Member ids are almost always ASCII, where bytes are code units.
  if (is_ascii(a) && is_ascii(b)) {
    const int result = a.compare(b);
    return result < 0 ? -1 : (result > 0 ? 1 : 0);
  }
  Utf16Units units_a(a);
  Utf16Units units_b(b);
  while (true) {
    char16_t unit_a = 0;
    char16_t unit_b = 0;
    const bool has_a = units_a.next(unit_a);
    const bool has_b = units_b.next(unit_b);
    if (!has_a || !has_b) return has_a ? 1 : (has_b ? -1 : 0);
    if (unit_a != unit_b) return unit_a < unit_b ? -1 : 1;
  }
}

int compare_java_strings_then_bytes(std::string_view a, std::string_view b) {
  const int by_java = compare_java_strings(a, b);
  if (by_java != 0) return by_java;
  const int by_bytes = a.compare(b);
  return by_bytes < 0 ? -1 : (by_bytes > 0 ? 1 : 0);
}

std::int32_t java_string_hash(std::string_view text) {
  std::uint32_t hash = 0;  // unsigned: Java's int arithmetic wraps
  Utf16Units units(text);
  char16_t unit = 0;
  while (units.next(unit)) hash = 31 * hash + unit;
  return static_cast<std::int32_t>(hash);
}

std::int32_t java_topic_partition_hash(const TopicPartition& topic_partition) {
  std::uint32_t result = 31 + static_cast<std::uint32_t>(topic_partition.partition);
  result = 31 * result + static_cast<std::uint32_t>(java_string_hash(topic_partition.topic));
  return static_cast<std::int32_t>(result);
}

std::size_t java_hash_map_capacity(std::size_t entries) {
  std::size_t capacity = 16;                         // HashMap.DEFAULT_INITIAL_CAPACITY
  while (entries > capacity / 4 * 3) capacity *= 2;  // DEFAULT_LOAD_FACTOR 0.75
  return capacity;
}

std::size_t java_hash_bucket(std::int32_t hash_code, std::size_t capacity) {
  const auto bits = static_cast<std::uint32_t>(hash_code);
  return (bits ^ (bits >> 16)) & (capacity - 1);  // HashMap.hash() spreads the high bits down
}

}  // namespace ferry::broker
