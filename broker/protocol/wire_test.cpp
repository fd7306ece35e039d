#include "broker/protocol/wire.h"

#include <vector>

#include <gtest/gtest.h>

namespace ferry::broker::protocol {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(WireTest, UnsignedVarintIsLittleEndianGroupsOfSevenBits) {
  // 300 = 0b10_0101100: low group 0x2c with the continuation bit, then 0x02.
  WireWriter writer;
  writer.write_unsigned_varint(300);
  writer.write_unsigned_varint(0);
  writer.write_unsigned_varint(0xffffffff);
  EXPECT_EQ(writer.bytes(), (Bytes{0xac, 0x02, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f}));
  WireReader reader(writer.bytes());
  EXPECT_EQ(reader.read_unsigned_varint("a"), 300u);
  EXPECT_EQ(reader.read_unsigned_varint("b"), 0u);
  EXPECT_EQ(reader.read_unsigned_varint("c"), 0xffffffffu);
  EXPECT_TRUE(reader.ok());
  EXPECT_EQ(unsigned_varint_size(300), 2u);
}

TEST(WireTest, VarintBeyondThirtyTwoBitsIsRefused) {
  const Bytes bytes{0xff, 0xff, 0xff, 0xff, 0x1f};
  WireReader reader(bytes);
  reader.read_unsigned_varint("count");
  EXPECT_FALSE(reader.ok());
  EXPECT_NE(reader.error().find("count at byte 5"), std::string::npos) << reader.error();
}

TEST(WireTest, TruncatedVarintIsRefused) {
  const Bytes bytes{0x80, 0x80};
  WireReader reader(bytes);
  reader.read_unsigned_varint("tag");
  EXPECT_FALSE(reader.ok());
}

TEST(WireTest, LengthPrefixesOfEachKind) {
  WireWriter writer;
  writer.write_length(3, /*compact=*/true, false);  // 04
  writer.write_length(std::nullopt, true, false);   // 00
  writer.write_length(std::nullopt, false, false);  // ff ff
  writer.write_length(2, false, /*wide=*/true);     // 00 00 00 02
  writer.write_length(std::nullopt, false, true);   // ff ff ff ff
  EXPECT_EQ(writer.bytes(),
            (Bytes{0x04, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x02, 0xff, 0xff, 0xff, 0xff}));
  WireReader reader(writer.bytes());
  EXPECT_EQ(reader.read_length("a", true, false, false), 3u);
  EXPECT_EQ(reader.read_length("b", true, false, true), std::nullopt);
  EXPECT_EQ(reader.read_length("c", false, false, true), std::nullopt);
  EXPECT_EQ(reader.read_length("d", false, true, false), 2u);
  EXPECT_TRUE(reader.ok());
  EXPECT_EQ(reader.read_length("e", false, true, /*nullable=*/false), std::nullopt);
  EXPECT_FALSE(reader.ok());
  EXPECT_NE(reader.error().find("null where the field is not nullable"), std::string::npos);
}

TEST(WireTest, NegativeLengthOtherThanNullIsRefused) {
  const Bytes bytes{0xff, 0xfe};
  WireReader reader(bytes);
  reader.read_length("name", false, false, true);
  EXPECT_FALSE(reader.ok());
  EXPECT_NE(reader.error().find("negative length -2"), std::string::npos);
}

TEST(WireTest, ErrorsStickAndKeepTheFirst) {
  const Bytes bytes{0x01};
  WireReader reader(bytes);
  reader.read_int32("first");
  reader.read_int16("second");
  EXPECT_EQ(reader.error(), "first at byte 0: needs 4 bytes, 1 left");
}

}  // namespace
}  // namespace ferry::broker::protocol
