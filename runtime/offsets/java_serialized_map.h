// A java.util.HashMap<byte[],byte[]> in Java's object serialization format, read and written
// byte for byte as java.io.ObjectOutputStream writes it. This is the whole content of Kafka
// Connect's standalone offsets file (FileOffsetBackingStore, offset.storage.file.filename; docs:
// reference §5.2), which Ferry reads and writes so that a worker can take over Kafka's file and
// Kafka can take over Ferry's.
//
// Format (all integers big-endian; handles are numbered from 0x7E0000 in order of appearance):
//   AC ED 00 05                                   stream magic, version 5
//   73                                            TC_OBJECT: the map       (handle 0x7E0001)
//     72 00 11 "java.util.HashMap"                TC_CLASSDESC             (handle 0x7E0000)
//        05 07 DA C1 C3 16 60 D1                  serialVersionUID
//        03                                       SC_WRITE_METHOD | SC_SERIALIZABLE
//        00 02 46 00 0A "loadFactor"              2 fields: float loadFactor,
//              49 00 09 "threshold"                         int threshold
//        78 70                                    no class annotation; no serializable superclass
//     3F 40 00 00  00 00 00 0C                    loadFactor 0.75f, threshold
//     77 08 <int capacity> <int size>             TC_BLOCKDATA: bucket count, number of entries
//     size x (key, value), each one of:
//       75 72 00 02 "[B" AC F3 17 F8 06 08 54 E0 02 00 00 78 70 <int length> <bytes>
//                                                 TC_ARRAY of a new byte[] class descriptor
//                                                 (serialVersionUID 0xACF317F8060854E0, flags
//                                                 SC_SERIALIZABLE, no fields): the first array
//       75 71 00 7E 00 02 <int length> <bytes>    TC_ARRAY whose class descriptor is handle
//                                                 0x7E0002: every later array
//       70                                        TC_NULL: a null key or value
//     78                                          TC_ENDBLOCKDATA: end of the map's custom data
//
// Writing gives exactly these bytes, with the capacity and threshold a java.util.HashMap built by
// new HashMap<>() and size put() calls has (java_hash_map_sizing), and entries in the order given.
// (A JDK writes them in bucket order, which for byte[] keys follows identity hash codes, so no
// order is "the" Kafka order; readers must not care, and neither Kafka nor Ferry does.)
//
// Reading accepts every stream a JDK's ObjectOutputStream writes for such a map, and a little
// more that ObjectInputStream also reads the same way: any capacity and threshold (HashMap's
// readObject ignores both), any loadFactor > 0, the 8 bytes of block data split over any number
// of TC_BLOCKDATA (77 <u1 length>) or TC_BLOCKDATALONG (7A <s4 length>) records, a fresh byte[]
// class descriptor where a back-reference would do, and TC_REFERENCE (71 <handle>) to an earlier
// array as a key or value. Everything else is refused although Java might read it: other classes
// (LinkedHashMap, String keys, ...), class annotations, TC_RESET, extra block data or objects in
// the map's custom data, and bytes after the map (ObjectInputStream stops after one object and
// Kafka ignores the rest; Ferry never writes them, so they mean damage).
//
// Errors. A refused stream gives a Status whose message says what was expected and at which byte
// offset (counted from the first byte of the input), e.g.
//   "byte 23: class name \"java.util.TreeMap\", expected \"java.util.HashMap\"".
// The kind tells the caller what Kafka would do with the same file:
//   out_of_range  the input ends where ObjectInputStream throws java.io.EOFException: an empty
//                 input, fewer than the 4 header bytes, or an end anywhere outside block data
//                 (inside a class descriptor, before or inside the field values, before the block
//                 data header, before an entry, inside an array's length or bytes, or before the
//                 final 78). Kafka's FileOffsetBackingStore catches EOFException and starts with
//                 no offsets. An array length larger than what is left counts here too: Java
//                 allocates the array and then hits the end (or runs out of memory); Ferry
//                 allocates nothing before it has checked the length against the input.
//   corruption    anything else, including an end inside block data (its header or its 8 bytes:
//                 ObjectInputStream throws StreamCorruptedException there, which Kafka turns into
//                 a ConnectException that stops the worker). Ferry checks some things earlier than
//                 Java (a serialVersionUID as soon as it is read, not after the superclass
//                 descriptor), so a stream that is both wrong and cut short is corruption here
//                 where Java might reach the end first: Ferry never treats as "no offsets" a
//                 stream that Kafka would not.
// Hostile input cannot make the reader crash, read out of bounds or allocate more than the input's
// size: every length and count is checked against the bytes that remain before it is used.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/result.h"

namespace ferry::runtime {

// A Java byte[]; nullopt is Java's null.
using JavaByteArray = std::vector<std::uint8_t>;

struct JavaMapEntry {
  std::optional<JavaByteArray> key;
  std::optional<JavaByteArray> value;
  friend bool operator==(const JavaMapEntry&, const JavaMapEntry&) = default;
};

// The entries of a HashMap<byte[],byte[]> in stream order. Java compares byte[] keys by identity,
// so two entries may hold equal key bytes (Kafka never writes such a map); a HashMap holds at most
// one null key.
using JavaByteArrayMap = std::vector<JavaMapEntry>;

// What a java.util.HashMap (default load factor 0.75) holds after `size` put() calls on a new
// HashMap<>(): the table starts at 16 buckets on the first put and doubles whenever size exceeds
// threshold = capacity * 0.75. An empty map has no table yet: it writes capacity 16, threshold 0.
struct JavaHashMapSizing {
  std::int32_t capacity;
  std::int32_t threshold;
  friend bool operator==(const JavaHashMapSizing&, const JavaHashMapSizing&) = default;
};
JavaHashMapSizing java_hash_map_sizing(std::size_t size);

// The longest byte[] and the most entries the format can carry (lengths and sizes are Java ints).
inline constexpr std::size_t kMaxJavaArrayLength = 0x7FFFFFFF;
inline constexpr std::size_t kMaxJavaMapSize = 0x7FFFFFFF;

// The serialized map. Errors: too_large if there are more than kMaxJavaMapSize entries or an
// array is longer than kMaxJavaArrayLength; the entries must hold at most one null key (as a
// HashMap does; not checked).
Result<std::vector<std::uint8_t>> write_java_serialized_map(const JavaByteArrayMap& entries);

// The entries of a serialized HashMap<byte[],byte[]>, in stream order. Errors as described above:
// out_of_range where Java would throw EOFException, corruption otherwise.
Result<JavaByteArrayMap> read_java_serialized_map(std::span<const std::uint8_t> bytes);

}  // namespace ferry::runtime
