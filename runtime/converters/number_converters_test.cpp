#include "runtime/converters/number_converters.h"

#include <limits>

#include <gtest/gtest.h>

#include "ferry/sdk/errors.h"

namespace ferry::runtime {
namespace {

using sdk::Schema;
using sdk::Value;

TEST(NumberConverters, BigEndianAsKafkasSerializersWrite) {
  IntegerConverter ints;
  EXPECT_EQ(ints.from_connect_data("t", Schema::int32(), Value(std::int32_t{0x01020304})),
            (sdk::Bytes{1, 2, 3, 4}));
  EXPECT_EQ(ints.from_connect_data("t", nullptr, Value(std::int32_t{-2})),
            (sdk::Bytes{0xFF, 0xFF, 0xFF, 0xFE}));
  ShortConverter shorts;
  EXPECT_EQ(shorts.from_connect_data("t", nullptr, Value(std::int16_t{-32768})),
            (sdk::Bytes{0x80, 0x00}));
  LongConverter longs;
  EXPECT_EQ(longs.from_connect_data("t", nullptr, Value(std::int64_t{1})),
            (sdk::Bytes{0, 0, 0, 0, 0, 0, 0, 1}));
  DoubleConverter doubles;
  EXPECT_EQ(doubles.from_connect_data("t", nullptr, Value(1.0)),
            (sdk::Bytes{0x3F, 0xF0, 0, 0, 0, 0, 0, 0}));
  FloatConverter floats;
  EXPECT_EQ(floats.from_connect_data("t", nullptr, Value(-2.5f)),
            (sdk::Bytes{0xC0, 0x20, 0x00, 0x00}));
  BooleanConverter booleans;
  EXPECT_EQ(booleans.from_connect_data("t", Schema::boolean(), Value(true)), sdk::Bytes{1});
  EXPECT_EQ(booleans.from_connect_data("t", nullptr, Value(false)), sdk::Bytes{0});
}

TEST(NumberConverters, ReadsBackWithOptionalSchemas) {
  LongConverter longs;
  const auto bytes =
      longs.from_connect_data("t", nullptr, Value(std::numeric_limits<std::int64_t>::min()));
  const sdk::SchemaAndValue read = longs.to_connect_data("t", *bytes);
  EXPECT_EQ(read.schema, Schema::optional_int64());
  EXPECT_EQ(read.value, Value(std::numeric_limits<std::int64_t>::min()));
  DoubleConverter doubles;
  const double tricky = 0.1 + 0.2;
  EXPECT_EQ(
      doubles.to_connect_data("t", *doubles.from_connect_data("t", nullptr, Value(tricky))).value,
      Value(tricky));
  EXPECT_TRUE(doubles.to_connect_data("t", std::nullopt).value.is_null());
  EXPECT_EQ(doubles.to_connect_data("t", std::nullopt).schema, Schema::optional_float64());
  BooleanConverter booleans;
  EXPECT_EQ(booleans.to_connect_data("t", sdk::Bytes{1}).value, Value(true));
  EXPECT_EQ(booleans.to_connect_data("t", sdk::Bytes{1}).schema, Schema::optional_boolean());
}

TEST(NumberConverters, WrongTypesAndLengthsAreDataErrors) {
  IntegerConverter ints;
  try {
    ints.from_connect_data("t", nullptr, Value("42"));
    FAIL();
  } catch (const sdk::DataException& e) {
    EXPECT_STREQ(e.what(), "Failed to serialize to integer (was STRING)");
  }
  try {
    ints.to_connect_data("t", sdk::Bytes{1, 2, 3});
    FAIL();
  } catch (const sdk::DataException& e) {
    EXPECT_STREQ(e.what(), "Failed to deserialize integer: expected 4 bytes, got 3");
  }
  BooleanConverter booleans;
  EXPECT_THROW(booleans.to_connect_data("t", sdk::Bytes{2}), sdk::DataException);
  EXPECT_THROW(booleans.from_connect_data("t", Schema::int8(), Value(true)), sdk::DataException);
}

}  // namespace
}  // namespace ferry::runtime
