#include "runtime/converters/simple_header_converter.h"

#include <gtest/gtest.h>

#include "ferry/sdk/logical_types.h"

namespace ferry::runtime {
namespace {

using sdk::Schema;
using sdk::Value;

sdk::Bytes bytes_of(std::string_view text) { return sdk::Bytes(text.begin(), text.end()); }

TEST(SimpleHeaderConverter, WritesValuesText) {
  SimpleHeaderConverter converter;
  converter.configure({});
  EXPECT_EQ(converter.from_connect_header("t", "h", Schema::int32(), Value(std::int32_t{42})),
            bytes_of("42"));
  EXPECT_EQ(
      converter.from_connect_header("t", "h", nullptr, Value(sdk::Array{Value("a"), Value("b")})),
      bytes_of(R"(["a","b"])"));
  EXPECT_EQ(converter.from_connect_header("t", "h", Schema::optional_string(), Value()),
            std::nullopt);
}

TEST(SimpleHeaderConverter, ReadsWithInferredSchemas) {
  SimpleHeaderConverter converter;
  const sdk::SchemaAndValue number = converter.to_connect_header("t", "h", bytes_of("1000"));
  EXPECT_EQ(number.schema, Schema::int16());
  EXPECT_EQ(number.value, Value(std::int16_t{1000}));
  const sdk::SchemaAndValue text = converter.to_connect_header("t", "h", bytes_of("trace-id 7"));
  EXPECT_EQ(text.schema, Schema::string());
  EXPECT_EQ(text.value, Value("trace-id 7"));
  const sdk::SchemaAndValue empty = converter.to_connect_header("t", "h", sdk::Bytes{});
  EXPECT_EQ(empty.schema, Schema::string());
  EXPECT_EQ(empty.value, Value(""));
  const sdk::SchemaAndValue null = converter.to_connect_header("t", "h", std::nullopt);
  EXPECT_EQ(null.schema, nullptr);
  EXPECT_TRUE(null.value.is_null());
  const sdk::SchemaAndValue when =
      converter.to_connect_header("t", "h", bytes_of("2024-01-15T10:30:00.000Z"));
  EXPECT_EQ(*when.schema->name(), sdk::logical::kTimestampName);
}

TEST(SimpleHeaderConverter, BytesThatAreNotTextComeBackAsBytes) {
  SimpleHeaderConverter converter;
  const sdk::Bytes binary{0xFF, 0x00, 0xC3};
  const sdk::SchemaAndValue read = converter.to_connect_header("t", "h", binary);
  EXPECT_EQ(read.schema, Schema::bytes());
  EXPECT_EQ(read.value, Value(binary));
}

}  // namespace
}  // namespace ferry::runtime
