#include "runtime/offsets/java_serialized_map.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/offsets/golden_offsets_file.h"

namespace ferry::runtime {
namespace {

using Bytes = std::vector<std::uint8_t>;

JavaByteArray array_of(std::string_view text) { return JavaByteArray(text.begin(), text.end()); }

// Streams in the grammar of java_serialized_map.h, piece by piece, for inputs a JDK would write
// and for damaged ones.
class StreamBuilder {
 public:
  StreamBuilder& u8(std::uint8_t value) {
    bytes_.push_back(value);
    return *this;
  }
  StreamBuilder& u16(std::uint16_t value) { return u8(value >> 8).u8(value & 0xFF); }
  StreamBuilder& u32(std::uint32_t value) { return u16(value >> 16).u16(value & 0xFFFF); }
  StreamBuilder& u64(std::uint64_t value) { return u32(value >> 32).u32(value & 0xFFFFFFFF); }
  StreamBuilder& text(std::string_view value) {
    bytes_.insert(bytes_.end(), value.begin(), value.end());
    return *this;
  }
  StreamBuilder& utf(std::string_view value) { return u16(value.size()).text(value); }

  // Magic through the HashMap's field values.
  StreamBuilder& map_header(std::string_view class_name = "java.util.HashMap",
                            std::uint64_t uid = 0x0507DAC1C31660D1, float load_factor = 0.75f,
                            std::int32_t threshold = 12) {
    u16(0xACED).u16(5).u8(0x73).u8(0x72).utf(class_name).u64(uid).u8(0x03).u16(2);
    u8('F').utf("loadFactor").u8('I').utf("threshold").u8(0x78).u8(0x70);
    return u32(std::bit_cast<std::uint32_t>(load_factor)).u32(threshold);
  }
  StreamBuilder& block(std::int32_t capacity, std::int32_t size) {
    return u8(0x77).u8(8).u32(capacity).u32(size);
  }
  StreamBuilder& byte_array_class(std::string_view name = "[B",
                                  std::uint64_t uid = 0xACF317F8060854E0) {
    return u8(0x72).utf(name).u64(uid).u8(0x02).u16(0).u8(0x78).u8(0x70);
  }
  StreamBuilder& first_array(std::string_view content) {
    return u8(0x75).byte_array_class().u32(content.size()).text(content);
  }
  StreamBuilder& later_array(std::string_view content) {
    return u8(0x75).u8(0x71).u32(0x7E0002).u32(content.size()).text(content);
  }
  StreamBuilder& null() { return u8(0x70); }
  StreamBuilder& end() { return u8(0x78); }

  const Bytes& bytes() const { return bytes_; }
  std::size_t size() const { return bytes_.size(); }

 private:
  Bytes bytes_;
};

// The three-entry file a Kafka worker with two file sources and an older tombstone writes.
StreamBuilder three_entry_stream() {
  StreamBuilder stream;
  stream.map_header().block(16, 3);
  stream.first_array(R"(["a",{"filename":"a.txt"}])").later_array(R"({"position":1})");
  stream.later_array(R"(["b",{"filename":"b.txt"}])").later_array(R"({"position":22})");
  stream.later_array(R"(["c",{"filename":"c.txt"}])").null();
  stream.end();
  return stream;
}

JavaByteArrayMap three_entries() {
  return {
      {array_of(R"(["a",{"filename":"a.txt"}])"), array_of(R"({"position":1})")},
      {array_of(R"(["b",{"filename":"b.txt"}])"), array_of(R"({"position":22})")},
      {array_of(R"(["c",{"filename":"c.txt"}])"), std::nullopt},
  };
}

void expect_error(const Result<JavaByteArrayMap>& result, Status::Kind kind,
                  std::string_view message_part) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().kind(), kind) << result.status().message();
  EXPECT_NE(result.status().message().find(message_part), std::string::npos)
      << result.status().message();
}

TEST(JavaSerializedMap, OneEntryMapIsWrittenExactlyAsTheJdkWritesIt) {
  const JavaByteArrayMap entries = {
      {array_of(testing::kGoldenKey), array_of(testing::kGoldenValue)}};
  const Result<Bytes> written = write_java_serialized_map(entries);
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_EQ(*written, testing::golden_offsets_file());
}

TEST(JavaSerializedMap, OneEntryJdkFileReadsBack) {
  const Result<JavaByteArrayMap> read = read_java_serialized_map(testing::golden_offsets_file());
  ASSERT_TRUE(read.ok()) << read.status().message();
  const JavaByteArrayMap expected = {
      {array_of(testing::kGoldenKey), array_of(testing::kGoldenValue)}};
  EXPECT_EQ(*read, expected);
}

TEST(JavaSerializedMap, EmptyMapIsWrittenAsANewHashMapWithNoTable) {
  const Result<Bytes> written = write_java_serialized_map({});
  ASSERT_TRUE(written.ok());
  StreamBuilder expected;
  expected.map_header("java.util.HashMap", 0x0507DAC1C31660D1, 0.75f, 0).block(16, 0).end();
  EXPECT_EQ(*written, expected.bytes());
  const Result<JavaByteArrayMap> read = read_java_serialized_map(*written);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_TRUE(read->empty());
}

TEST(JavaSerializedMap, SizingFollowsHashMapGrowthFromSixteenBuckets) {
  EXPECT_EQ(java_hash_map_sizing(0), (JavaHashMapSizing{16, 0}));
  EXPECT_EQ(java_hash_map_sizing(1), (JavaHashMapSizing{16, 12}));
  EXPECT_EQ(java_hash_map_sizing(12), (JavaHashMapSizing{16, 12}));
  EXPECT_EQ(java_hash_map_sizing(13), (JavaHashMapSizing{32, 24}));
  EXPECT_EQ(java_hash_map_sizing(24), (JavaHashMapSizing{32, 24}));
  EXPECT_EQ(java_hash_map_sizing(25), (JavaHashMapSizing{64, 48}));
  EXPECT_EQ(java_hash_map_sizing(49), (JavaHashMapSizing{128, 96}));
  EXPECT_EQ(java_hash_map_sizing(1000), (JavaHashMapSizing{2048, 1536}));
  // At MAXIMUM_CAPACITY (2^30) the threshold becomes Integer.MAX_VALUE and the table stops growing.
  EXPECT_EQ(java_hash_map_sizing(3u << 27), (JavaHashMapSizing{1 << 29, 3 << 27}));
  EXPECT_EQ(java_hash_map_sizing((3u << 27) + 1), (JavaHashMapSizing{1 << 30, 0x7FFFFFFF}));
  EXPECT_EQ(java_hash_map_sizing(0x7FFFFFFF), (JavaHashMapSizing{1 << 30, 0x7FFFFFFF}));
}

TEST(JavaSerializedMap, ManyEntriesWithNullsRoundTrip) {
  std::mt19937 random(42);
  JavaByteArrayMap entries;
  entries.push_back({std::nullopt, array_of("the one null key")});
  entries.push_back({JavaByteArray{}, JavaByteArray{}});  // empty arrays are not nulls
  for (int i = 0; i < 1000; ++i) {
    JavaByteArray key(random() % 300);
    for (auto& byte : key) byte = static_cast<std::uint8_t>(random());
    std::optional<JavaByteArray> value;
    if (i % 7 != 0) value = array_of("{\"position\":" + std::to_string(i) + "}");
    entries.push_back({std::move(key), std::move(value)});
  }
  const Result<Bytes> written = write_java_serialized_map(entries);
  ASSERT_TRUE(written.ok());
  // Threshold and capacity of a HashMap after 1002 puts.
  const auto int_at = [&](std::size_t at) {
    return ((*written)[at] << 24) | ((*written)[at + 1] << 16) | ((*written)[at + 2] << 8) |
           (*written)[at + 3];
  };
  EXPECT_EQ(int_at(67), 1536);
  EXPECT_EQ(int_at(testing::kGoldenBlockDataOffset + 2), 2048);
  EXPECT_EQ(int_at(testing::kGoldenBlockDataOffset + 6), 1002);
  const Result<JavaByteArrayMap> read = read_java_serialized_map(*written);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(*read, entries);
}

TEST(JavaSerializedMap, LaterArraysBackReferenceTheByteArrayClass) {
  const StreamBuilder stream = three_entry_stream();
  const Result<JavaByteArrayMap> read = read_java_serialized_map(stream.bytes());
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(*read, three_entries());
  // The writer produces the same bytes for the same entries.
  EXPECT_EQ(write_java_serialized_map(three_entries()).value(), stream.bytes());
}

TEST(JavaSerializedMap, NullKeyAndValueAreTcNull) {
  StreamBuilder stream;
  stream.map_header().block(16, 2).null().first_array("v").later_array("k").null().end();
  const Result<JavaByteArrayMap> read = read_java_serialized_map(stream.bytes());
  ASSERT_TRUE(read.ok()) << read.status().message();
  const JavaByteArrayMap expected = {{std::nullopt, array_of("v")}, {array_of("k"), std::nullopt}};
  EXPECT_EQ(*read, expected);
}

TEST(JavaSerializedMap, BlockDataSplitOverRecordsIsAccepted) {
  // Three records: an empty TC_BLOCKDATA, 3 bytes, then TC_BLOCKDATALONG with the other 5.
  StreamBuilder stream;
  stream.map_header().u8(0x77).u8(0).u8(0x77).u8(3).u8(0).u8(0).u8(0);
  stream.u8(0x7A).u32(5).u8(0x10).u32(1);
  stream.first_array("k").later_array("v").end();
  const Result<JavaByteArrayMap> read = read_java_serialized_map(stream.bytes());
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(*read, (JavaByteArrayMap{{array_of("k"), array_of("v")}}));
}

TEST(JavaSerializedMap, CapacityAndThresholdAreIgnoredAsHashMapIgnoresThem) {
  StreamBuilder stream;
  stream.map_header("java.util.HashMap", 0x0507DAC1C31660D1, 1.5f, -7).block(3, 1);
  stream.first_array("k").later_array("v").end();
  const Result<JavaByteArrayMap> read = read_java_serialized_map(stream.bytes());
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->size(), 1u);
}

TEST(JavaSerializedMap, NewClassDescriptorsAndReferencesToEarlierArraysAreAccepted) {
  // The second array brings its own byte[] class descriptor (handle 0x7E0004, its array
  // 0x7E0005); the second entry is the first entry's objects again, by reference.
  StreamBuilder stream;
  stream.map_header().block(16, 2);
  stream.first_array("k");                              // 0x7E0002 class, 0x7E0003
  stream.u8(0x75).byte_array_class().u32(1).text("v");  // 0x7E0004 class, 0x7E0005
  stream.u8(0x71).u32(0x7E0003).u8(0x71).u32(0x7E0005).end();
  const Result<JavaByteArrayMap> read = read_java_serialized_map(stream.bytes());
  ASSERT_TRUE(read.ok()) << read.status().message();
  const JavaByteArrayMap expected = {{array_of("k"), array_of("v")},
                                     {array_of("k"), array_of("v")}};
  EXPECT_EQ(*read, expected);
}

TEST(JavaSerializedMap, EveryTruncationIsAnErrorOfTheKindJavaThrows) {
  const Bytes full = three_entry_stream().bytes();
  const std::size_t block_begin = testing::kGoldenBlockDataOffset;
  const std::size_t block_end = block_begin + testing::kGoldenBlockDataLength;
  for (std::size_t length = 0; length < full.size(); ++length) {
    const Result<JavaByteArrayMap> read =
        read_java_serialized_map(std::span<const std::uint8_t>(full.data(), length));
    ASSERT_FALSE(read.ok()) << "cut at " << length;
    // ObjectInputStream throws StreamCorruptedException when the input ends inside a block data
    // record, EOFException everywhere else.
    const bool inside_block_data = length > block_begin && length < block_end;
    EXPECT_EQ(read.status().kind(),
              inside_block_data ? Status::Kind::kCorruption : Status::Kind::kOutOfRange)
        << "cut at " << length << ": " << read.status().message();
  }
  EXPECT_TRUE(read_java_serialized_map(full).ok());
}

TEST(JavaSerializedMap, EmptyInputEndsInTheHeader) {
  expect_error(read_java_serialized_map({}), Status::Kind::kOutOfRange,
               "byte 0: the stream ends in the stream header (Java: EOFException)");
}

TEST(JavaSerializedMap, BadMagicAndVersionAreCorruptionAtTheirByte) {
  Bytes bytes = testing::golden_offsets_file();
  bytes[0] = 0xCA;
  bytes[1] = 0xFE;
  expect_error(read_java_serialized_map(bytes), Status::Kind::kCorruption,
               "byte 0: stream magic 0xCAFE, expected 0xACED");
  bytes = testing::golden_offsets_file();
  bytes[3] = 4;
  expect_error(read_java_serialized_map(bytes), Status::Kind::kCorruption,
               "byte 2: stream version 4, expected 5");
}

TEST(JavaSerializedMap, OtherClassesAreRefusedByName) {
  StreamBuilder tree_map;
  tree_map.map_header("java.util.TreeMap").block(16, 0).end();
  expect_error(read_java_serialized_map(tree_map.bytes()), Status::Kind::kCorruption,
               R"(byte 6: class name "java.util.TreeMap", expected "java.util.HashMap")");

  StreamBuilder linked;
  linked.map_header("java.util.LinkedHashMap").block(16, 0).end();
  expect_error(read_java_serialized_map(linked.bytes()), Status::Kind::kCorruption,
               R"(byte 6: class name of 23 bytes, expected "java.util.HashMap")");

  StreamBuilder int_arrays;
  int_arrays.map_header().block(16, 1).u8(0x75).byte_array_class("[I").u32(0).null().end();
  expect_error(read_java_serialized_map(int_arrays.bytes()), Status::Kind::kCorruption,
               R"(class name "[I", expected "[B")");

  StreamBuilder strings;  // a String key: TC_STRING
  strings.map_header().block(16, 1).u8(0x74).utf("key").null().end();
  expect_error(read_java_serialized_map(strings.bytes()), Status::Kind::kCorruption,
               "byte 81: expected a byte[] (TC_ARRAY 0x75 or TC_REFERENCE 0x71) or null "
               "(TC_NULL 0x70) for the key of entry 0, found 0x74");
}

TEST(JavaSerializedMap, WrongSerialVersionUidsAreRefused) {
  StreamBuilder map;
  map.map_header("java.util.HashMap", 1).block(16, 0).end();
  expect_error(read_java_serialized_map(map.bytes()), Status::Kind::kCorruption,
               "byte 25: serialVersionUID 0x0000000000000001 of java.util.HashMap, expected "
               "0x0507DAC1C31660D1");
  StreamBuilder arrays;
  arrays.map_header().block(16, 1).u8(0x75).byte_array_class("[B", 2).u32(0).null().end();
  expect_error(read_java_serialized_map(arrays.bytes()), Status::Kind::kCorruption,
               "serialVersionUID 0x0000000000000002 of [B");
}

TEST(JavaSerializedMap, HugeLengthsAreCheckedBeforeAnythingIsAllocated) {
  StreamBuilder huge_array;
  huge_array.map_header().block(16, 1).u8(0x75).byte_array_class().u32(0x7FFFFFFF).text("abc");
  expect_error(read_java_serialized_map(huge_array.bytes()), Status::Kind::kOutOfRange,
               "a byte[] of 2147483647 bytes with 3 left (Java: EOFException)");

  StreamBuilder negative_array;
  negative_array.map_header().block(16, 1).u8(0x75).byte_array_class().u32(0x80000000).null();
  expect_error(read_java_serialized_map(negative_array.bytes()), Status::Kind::kCorruption,
               "the length of the key of entry 0 is negative (-2147483648)");

  StreamBuilder huge_size;  // 2^31-1 entries promised, one present
  huge_size.map_header().block(16, 0x7FFFFFFF).first_array("k").later_array("v");
  expect_error(read_java_serialized_map(huge_size.bytes()), Status::Kind::kOutOfRange,
               "the stream ends in the key of entry 1");

  StreamBuilder negative_size;
  negative_size.map_header().block(16, -1).end();
  expect_error(read_java_serialized_map(negative_size.bytes()), Status::Kind::kCorruption,
               "HashMap size -1 is negative");

  StreamBuilder huge_block;
  huge_block.map_header().u8(0x7A).u32(0x7FFFFFFF).u32(16).u32(0);
  expect_error(read_java_serialized_map(huge_block.bytes()), Status::Kind::kCorruption,
               "block data of 2147483647 bytes, but only 8 follow");

  StreamBuilder huge_name;
  huge_name.u16(0xACED).u16(5).u8(0x73).u8(0x72).u16(0xFFFF).text("java.util.HashMap");
  expect_error(read_java_serialized_map(huge_name.bytes()), Status::Kind::kCorruption,
               R"(byte 6: class name of 65535 bytes, expected "java.util.HashMap")");
}

TEST(JavaSerializedMap, BadHandlesAreRefused) {
  StreamBuilder unassigned;
  unassigned.map_header().block(16, 1).u8(0x71).u32(0x7E0009).null().end();
  expect_error(read_java_serialized_map(unassigned.bytes()), Status::Kind::kCorruption,
               "names handle 0x007E0009, which is not assigned");

  StreamBuilder self;  // the map as its own key
  self.map_header().block(16, 1).u8(0x71).u32(0x7E0001).null().end();
  expect_error(read_java_serialized_map(self.bytes()), Status::Kind::kCorruption,
               "the key of entry 0 refers to the map itself, not to a byte[]");

  StreamBuilder array_of_maps;  // an array whose class is the HashMap's descriptor
  array_of_maps.map_header().block(16, 1).u8(0x75).u8(0x71).u32(0x7E0000).u32(0).null().end();
  expect_error(read_java_serialized_map(array_of_maps.bytes()), Status::Kind::kCorruption,
               "the class of the key of entry 0 is not byte[] but HashMap");

  StreamBuilder early_reference;  // a back-reference before any byte[] class was written
  early_reference.map_header().block(16, 1).later_array("k").null().end();
  expect_error(read_java_serialized_map(early_reference.bytes()), Status::Kind::kCorruption,
               "names handle 0x007E0002, which is not assigned");
}

TEST(JavaSerializedMap, WhatAJdkNeverWritesIsRefused) {
  Bytes trailing = testing::golden_offsets_file();
  trailing.push_back(0x70);
  expect_error(read_java_serialized_map(trailing), Status::Kind::kCorruption,
               "1 bytes after the end of the map");

  StreamBuilder extra_block_data;
  extra_block_data.map_header().u8(0x77).u8(9).u32(16).u32(0).u8(0).end();
  expect_error(read_java_serialized_map(extra_block_data.bytes()), Status::Kind::kCorruption,
               "1 bytes of block data after the HashMap's capacity and size");

  StreamBuilder reset;
  reset.map_header().u8(0x79).block(16, 0).end();
  expect_error(read_java_serialized_map(reset.bytes()), Status::Kind::kCorruption, "TC_RESET");

  StreamBuilder missing_end;  // an entry more than the size says
  missing_end.map_header().block(16, 0).null().null().end();
  expect_error(read_java_serialized_map(missing_end.bytes()), Status::Kind::kCorruption,
               "byte 81: expected TC_ENDBLOCKDATA (0x78) after the map's entries, found 0x70");

  StreamBuilder null_map;
  null_map.u16(0xACED).u16(5).null();
  expect_error(read_java_serialized_map(null_map.bytes()), Status::Kind::kCorruption,
               "byte 4: expected TC_OBJECT (0x73) at the start of the stream, found 0x70");

  for (const float load_factor : {0.0f, -1.0f, std::nanf("")}) {
    StreamBuilder bad_load_factor;
    bad_load_factor.map_header("java.util.HashMap", 0x0507DAC1C31660D1, load_factor)
        .block(16, 0)
        .end();
    expect_error(read_java_serialized_map(bad_load_factor.bytes()), Status::Kind::kCorruption,
                 "byte 63: HashMap load factor");
  }
}

}  // namespace
}  // namespace ferry::runtime
