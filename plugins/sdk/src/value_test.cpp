#include "ferry/sdk/value.h"

#include <cmath>
#include <limits>
#include <unordered_set>

#include <gtest/gtest.h>

#include "ferry/sdk/errors.h"
#include "ferry/sdk/logical_types.h"
#include "ferry/sdk/schema_builder.h"

namespace ferry::sdk {
namespace {

SchemaPtr address_schema() {
  return SchemaBuilder::struct_()
      .name("Address")
      .field("street", Schema::string())
      .field("zip", Schema::optional_int32())
      .build();
}

TEST(Value, HoldsEveryKindAndReportsIt) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_EQ(Value(std::int8_t{1}).kind_name(), "INT8");
  EXPECT_EQ(Value(std::int16_t{1}).kind_name(), "INT16");
  EXPECT_EQ(Value(1).kind_name(), "INT32");
  EXPECT_EQ(Value(std::int64_t{1}).kind_name(), "INT64");
  EXPECT_EQ(Value(1.0f).kind_name(), "FLOAT32");
  EXPECT_EQ(Value(1.0).kind_name(), "FLOAT64");
  EXPECT_EQ(Value(true).kind_name(), "BOOLEAN");
  EXPECT_EQ(Value("s").kind_name(), "STRING");
  EXPECT_EQ(Value(Bytes{1}).kind_name(), "BYTES");
  EXPECT_EQ(Value(Array{}).kind_name(), "ARRAY");
  EXPECT_EQ(Value(Map{}).kind_name(), "MAP");
  EXPECT_EQ(Value(Struct(address_schema())).kind_name(), "STRUCT");
  EXPECT_EQ(Value(Decimal()).kind_name(), "Decimal");
  EXPECT_EQ(Value(Date{}).kind_name(), "Date");
  EXPECT_EQ(Value(Time{}).kind_name(), "Time");
  EXPECT_EQ(Value(Timestamp{}).kind_name(), "Timestamp");
}

TEST(Value, WrongAccessNamesBothKinds) {
  try {
    (void)Value("text").as<std::int32_t>();
    FAIL();
  } catch (const DataException& e) {
    EXPECT_STREQ(e.what(), "Expected a value of type INT32 but found STRING");
  }
}

TEST(Value, DeepEqualityAndConsistentHash) {
  const Value a = Array{Value("x"), Value(Map{{Value("k"), Value(1)}})};
  const Value b = Array{Value("x"), Value(Map{{Value("k"), Value(1)}})};
  const Value c = Array{Value("x"), Value(Map{{Value("k"), Value(2)}})};
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(hash_value(a), hash_value(b));
  EXPECT_NE(Value(1), Value(std::int64_t{1}));  // different types are different values
  std::unordered_set<Value> set{a, b, c};
  EXPECT_EQ(set.size(), 2u);
}

TEST(Value, FloatsCompareByBitsAsJavaEquals) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(Value(nan), Value(-nan));
  EXPECT_EQ(hash_value(Value(nan)), hash_value(Value(-nan)));
  EXPECT_NE(Value(0.0), Value(-0.0));
  EXPECT_EQ(Value(0.1f), Value(0.1f));
}

TEST(Struct, PutValidatesAgainstFieldSchemaAndNamesTheField) {
  Struct address(address_schema());
  address.put("street", "Main St").put("zip", 12345);
  EXPECT_EQ(address.get("zip"), Value(12345));
  EXPECT_TRUE(address.get(1).is<std::int32_t>());
  try {
    address.put("zip", "12345");
    FAIL();
  } catch (const DataException& e) {
    EXPECT_NE(std::string(e.what()).find("\"zip\""), std::string::npos) << e.what();
  }
  EXPECT_THROW(address.put("nope", 1), DataException);
  EXPECT_THROW((void)address.get("nope"), DataException);
  EXPECT_THROW(Struct{Schema::int32()}, DataException);
}

TEST(Struct, ValidateNamesTheMissingRequiredField) {
  Struct address(address_schema());
  address.put("zip", 1);
  try {
    address.validate();
    FAIL();
  } catch (const DataException& e) {
    EXPECT_NE(std::string(e.what()).find("\"street\""), std::string::npos) << e.what();
  }
  address.put("street", "x");
  EXPECT_NO_THROW(address.validate());
}

TEST(Struct, NestedStructMustUseTheFieldSchema) {
  const SchemaPtr person = SchemaBuilder::struct_().field("address", address_schema()).build();
  Struct ok(person);
  EXPECT_NO_THROW(ok.put("address", Struct(address_schema()).put("street", "x")));
  const SchemaPtr other = SchemaBuilder::struct_().name("Other").field("a", Schema::int8()).build();
  EXPECT_THROW(ok.put("address", Struct(other)), DataException);
}

TEST(Struct, EqualityAndPrinting) {
  Struct a(address_schema());
  a.put("street", "Main \"St\"").put("zip", 7);
  Struct b(address_schema());
  b.put("street", "Main \"St\"").put("zip", 7);
  EXPECT_EQ(a, b);
  EXPECT_EQ(hash_value(a), hash_value(b));
  EXPECT_EQ(to_string(a), "Struct{street=\"Main \\\"St\\\"\",zip=7}");
  b.put("zip", nullptr);
  EXPECT_NE(a, b);
  EXPECT_EQ(to_string(b), "Struct{street=\"Main \\\"St\\\"\"}");
}

TEST(Value, PrinterIsReadableForEveryKind) {
  EXPECT_EQ(to_string(Value()), "null");
  EXPECT_EQ(to_string(Value(Bytes{0x01, 0xAB})), "0x01ab");
  EXPECT_EQ(to_string(Value(Decimal::parse("12.30"))), "12.30");
  EXPECT_EQ(to_string(Value(Date{19737})), "2024-01-15");
  EXPECT_EQ(to_string(Value(Array{Value(1), Value(true)})), "[1,true]");
  EXPECT_EQ(to_string(Value(Map{{Value("a"), Value(1.5)}})), "{\"a\"=1.5}");
}

}  // namespace
}  // namespace ferry::sdk
