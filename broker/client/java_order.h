// How the Java client orders and hashes strings, for the assignors whose results depend on it.
// A group leader's assignor must give the same answer whether the leader is Ferry or a Java
// consumer, and Kafka's assignors sort member ids with String.compareTo and, in the sticky
// assignor, walk java.util.HashMap and HashSet in their iteration order.
//
//   String order     Java compares UTF-16 code units. For UTF-8 text this is code point order
//                    except that a supplementary character (U+10000 and up, a surrogate pair
//                    D800..DFFF in UTF-16) sorts before U+E000..U+FFFF. Byte order of UTF-8 is
//                    code point order, so it differs from Java's only there.
//   String.hashCode  s[0]*31^(n-1) + ... + s[n-1] over UTF-16 code units, in 32-bit
//                    two's complement arithmetic.
//   HashMap order    a HashMap iterates its table from bucket 0 up; within a bucket, in
//                    insertion order. The bucket is (h ^ (h >>> 16)) & (capacity - 1) for the
//                    key's hashCode h; a `new HashMap<>()` starts with 16 buckets and doubles
//                    when a put takes its size above 3/4 of the capacity. (A bucket holding 8 or
//                    more keys in a table of 64 or more becomes a tree whose order is not
//                    modelled; that needs 8 colliding member ids and does not occur in practice.)
//
// Member ids and group instance ids arrive as UTF-8 bytes. Java would have decoded them with
// U+FFFD for each ill-formed sequence (Unicode's maximal-subpart rule, common/utf8.h), and so do
// these functions.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "broker/client/topic_partition.h"

namespace ferry::broker {

// <0, 0 or >0 as Java's a.compareTo(b) (the sign only).
int compare_java_strings(std::string_view a, std::string_view b);

// compare_java_strings, then the bytes where Java sees the same text: ill-formed UTF-8 that
// decodes to the same U+FFFD sequence stays two different strings here. That makes it a total
// order on bytes, so sorting is canonical and no two byte strings share a map key, while
// agreeing with Java wherever Java tells the strings apart.
int compare_java_strings_then_bytes(std::string_view a, std::string_view b);

struct JavaStringLess {
  bool operator()(std::string_view a, std::string_view b) const {
    return compare_java_strings_then_bytes(a, b) < 0;
  }
};

// Java's String.hashCode() of the text.
std::int32_t java_string_hash(std::string_view text);

// Java's TopicPartition.hashCode(): 31 * (31 + partition) + topic.hashCode().
std::int32_t java_topic_partition_hash(const TopicPartition& topic_partition);

// Buckets of a `new HashMap<>()` (or HashSet) after it has held `entries` keys at once.
std::size_t java_hash_map_capacity(std::size_t entries);

// The bucket a key with this hashCode occupies in a table of `capacity` (a power of two).
std::size_t java_hash_bucket(std::int32_t hash_code, std::size_t capacity);

}  // namespace ferry::broker
