#include "runtime/converters/byte_array_converter.h"

#include <gtest/gtest.h>

#include "ferry/sdk/errors.h"

namespace ferry::runtime {
namespace {

using sdk::Schema;
using sdk::Value;

TEST(ByteArrayConverter, PassesBytesThroughBothWays) {
  ByteArrayConverter converter;
  converter.configure({}, false);
  const sdk::Bytes bytes{0x00, 0xFF, 0x10};
  EXPECT_EQ(converter.from_connect_data("t", Schema::bytes(), Value(bytes)), bytes);
  EXPECT_EQ(converter.from_connect_data("t", nullptr, Value(bytes)), bytes);
  EXPECT_EQ(converter.from_connect_data("t", Schema::optional_bytes(), Value()), std::nullopt);
  const sdk::SchemaAndValue read = converter.to_connect_data("t", bytes);
  EXPECT_EQ(read.schema, Schema::optional_bytes());
  EXPECT_EQ(read.value, Value(bytes));
  EXPECT_TRUE(converter.to_connect_data("t", std::nullopt).value.is_null());
}

TEST(ByteArrayConverter, RejectsOtherSchemasAndValues) {
  ByteArrayConverter converter;
  try {
    converter.from_connect_data("t", Schema::string(), Value("x"));
    FAIL() << "expected DataException";
  } catch (const sdk::DataException& e) {
    EXPECT_STREQ(e.what(), "Invalid schema type for ByteArrayConverter: STRING");
  }
  EXPECT_THROW(converter.from_connect_data("t", nullptr, Value(std::int32_t{1})),
               sdk::DataException);
}

}  // namespace
}  // namespace ferry::runtime
