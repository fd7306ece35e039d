// Values text form (the simple header converter's format), written from the rules of Kafka's
// Values.convertToString / parseString and Ferry's documented differences.
#include "runtime/converters/values_text.h"

#include <string>

#include <gtest/gtest.h>

#include "ferry/sdk/logical_types.h"
#include "ferry/sdk/schema_builder.h"

namespace ferry::runtime {
namespace {

using sdk::Schema;
using sdk::SchemaBuilder;
using sdk::Type;
using sdk::Value;
namespace logical = sdk::logical;

sdk::Bytes bytes_of(std::string_view text) { return sdk::Bytes(text.begin(), text.end()); }

TEST(ValueToText, PrimitivesAsJavaPrintsThem) {
  EXPECT_EQ(value_to_text(Value(std::int8_t{-5})), "-5");
  EXPECT_EQ(value_to_text(Value(std::int64_t{9007199254740993})), "9007199254740993");
  EXPECT_EQ(value_to_text(Value(1.5f)), "1.5");
  EXPECT_EQ(value_to_text(Value(100.0)), "100.0");
  EXPECT_EQ(value_to_text(Value(1e7)), "1.0E7");
  EXPECT_EQ(value_to_text(Value(true)), "true");
  EXPECT_EQ(value_to_text(Value("plain \"text\"")), "plain \"text\"");
  EXPECT_EQ(value_to_text(Value(bytes_of("hi!"))), "aGkh");
  EXPECT_EQ(value_to_text(Value(sdk::Decimal::parse("12.30"))), "12.30");
  EXPECT_EQ(value_to_text(Value(sdk::Decimal::parse("1E+3"))), "1E+3");
  EXPECT_EQ(value_to_text(Value()), "null");
}

TEST(ValueToText, LogicalTypesInUtc) {
  EXPECT_EQ(value_to_text(Value(sdk::Date::from_civil(2024, 1, 15))), "2024-01-15");
  EXPECT_EQ(value_to_text(Value(sdk::Time::from_hms(10, 30, 5, 7))), "10:30:05.007Z");
  EXPECT_EQ(value_to_text(Value(sdk::Timestamp{1705314600000})), "2024-01-15T10:30:00.000Z");
  // Kafka would print a midnight timestamp as a bare date; the type decides here.
  EXPECT_EQ(value_to_text(Value(sdk::Timestamp{0})), "1970-01-01T00:00:00.000Z");
}

TEST(ValueToText, ContainersQuoteAndEscapeEmbeddedStrings) {
  EXPECT_EQ(value_to_text(Value(sdk::Array{Value("a\\b"), Value("say \"hi\""), Value()})),
            R"(["a\\b","say \"hi\"",null])");
  EXPECT_EQ(value_to_text(Value(sdk::Map{{Value("k"), Value(std::int32_t{1})},
                                         {Value("b"), Value(bytes_of("hi!"))}})),
            R"({"k":1,"b":"aGkh"})");
  const sdk::SchemaPtr schema = SchemaBuilder::struct_()
                                    .field("id", Schema::int32())
                                    .field("name", Schema::optional_string())
                                    .build();
  sdk::Struct person(schema);
  person.put("id", std::int32_t{7});
  EXPECT_EQ(value_to_text(Value(person)), R"({"id":7,"name":null})");
}

TEST(ParseValueText, InfersTheSmallestIntegerType) {
  EXPECT_EQ(parse_value_text("127").schema, Schema::int8());
  EXPECT_EQ(parse_value_text("127").value, Value(std::int8_t{127}));
  EXPECT_EQ(parse_value_text("-129").value, Value(std::int16_t{-129}));
  EXPECT_EQ(parse_value_text("40000").value, Value(std::int32_t{40000}));
  EXPECT_EQ(parse_value_text("-9223372036854775808").value, Value(std::int64_t{INT64_MIN}));
  // An exact integer written with a fraction or exponent is still an integer, as BigDecimal's
  // byteValueExact finds it.
  EXPECT_EQ(parse_value_text("1.00").value, Value(std::int8_t{1}));
  EXPECT_EQ(parse_value_text("1e3").value, Value(std::int16_t{1000}));
  EXPECT_EQ(parse_value_text("+5").value, Value(std::int8_t{5}));
}

TEST(ParseValueText, FractionsAreFloatsAndHugeIntegersDecimals) {
  EXPECT_EQ(parse_value_text("1.5").schema, Schema::float32());
  EXPECT_EQ(parse_value_text("1.5").value, Value(1.5f));
  EXPECT_EQ(parse_value_text("1.5e300").schema, Schema::float64());
  EXPECT_EQ(parse_value_text("1.5e300").value, Value(1.5e300));
  const sdk::SchemaAndValue huge = parse_value_text("123456789012345678901234567890");
  ASSERT_TRUE(huge.schema);
  EXPECT_EQ(logical::logical_type_of(*huge.schema), logical::LogicalType::kDecimal);
  EXPECT_EQ(huge.value, Value(sdk::Decimal::parse("123456789012345678901234567890")));
  const sdk::SchemaAndValue beyond_double = parse_value_text("1e400");
  EXPECT_EQ(logical::logical_type_of(*beyond_double.schema), logical::LogicalType::kDecimal);
}

TEST(ParseValueText, LiteralsAndStrings) {
  EXPECT_EQ(parse_value_text("true").value, Value(true));
  EXPECT_EQ(parse_value_text(" false ").value, Value(false));
  const sdk::SchemaAndValue null = parse_value_text("null");
  EXPECT_EQ(null.schema, nullptr);
  EXPECT_TRUE(null.value.is_null());
  EXPECT_EQ(parse_value_text("").value, Value(""));
  EXPECT_EQ(parse_value_text("").schema, Schema::string());
  EXPECT_EQ(parse_value_text("true}").value, Value("true}"));
  EXPECT_EQ(parse_value_text("hello world").value, Value("hello world"));
  EXPECT_EQ(parse_value_text("12 apples").value, Value("12 apples"));
  EXPECT_EQ(parse_value_text("\"quoted\"").value, Value("\"quoted\""));
  EXPECT_EQ(parse_value_text("   ").value, Value("   "));
}

TEST(ParseValueText, TrailingTextKeepsTheWholeTextAsAString) {
  // Kafka returns 1 and drops ",2"; nothing is dropped here.
  EXPECT_EQ(parse_value_text("1,2").value, Value("1,2"));
  EXPECT_EQ(parse_value_text("[1] x").value, Value("[1] x"));
  EXPECT_EQ(parse_value_text("2024-01-15 later").value, Value("2024-01-15 later"));
}

TEST(ParseValueText, DatesAndTimes) {
  const sdk::SchemaAndValue date = parse_value_text("2024-01-15");
  EXPECT_EQ(*date.schema->name(), logical::kDateName);
  EXPECT_EQ(date.value, Value(sdk::Date::from_civil(2024, 1, 15)));
  const sdk::SchemaAndValue time = parse_value_text("10:30:05.007Z");
  EXPECT_EQ(*time.schema->name(), logical::kTimeName);
  EXPECT_EQ(time.value, Value(sdk::Time::from_hms(10, 30, 5, 7)));
  const sdk::SchemaAndValue timestamp = parse_value_text("2024-01-15T10:30:00.000Z");
  EXPECT_EQ(*timestamp.schema->name(), logical::kTimestampName);
  EXPECT_EQ(timestamp.value, Value(sdk::Timestamp{1705314600000}));
  // Escaped colons are allowed, as Kafka allows them.
  EXPECT_EQ(parse_value_text(R"(10\:30\:05.007Z)").value, Value(sdk::Time::from_hms(10, 30, 5, 7)));
  // Strict: no 13th month, no 30th of February, no 24th hour.
  EXPECT_EQ(parse_value_text("2024-13-01").schema, Schema::string());
  EXPECT_EQ(parse_value_text("2023-02-29").schema, Schema::string());
  EXPECT_EQ(parse_value_text("2024-02-29").value, Value(sdk::Date::from_civil(2024, 2, 29)));
  EXPECT_EQ(parse_value_text("24:00:00.000Z").schema, Schema::string());
}

TEST(ParseValueText, ArraysTakeTheCommonWidenedSchema) {
  const sdk::SchemaAndValue ints = parse_value_text("[1, 300, 2]");
  ASSERT_TRUE(ints.schema);
  EXPECT_EQ(ints.schema->type(), Type::kArray);
  EXPECT_EQ(ints.schema->value_schema()->type(), Type::kInt16);
  EXPECT_EQ(ints.value, Value(sdk::Array{Value(std::int16_t{1}), Value(std::int16_t{300}),
                                         Value(std::int16_t{2})}));
  const sdk::SchemaAndValue mixed_numbers = parse_value_text("[1,2.5]");
  EXPECT_EQ(mixed_numbers.schema->value_schema()->type(), Type::kFloat32);
  EXPECT_EQ(mixed_numbers.value, Value(sdk::Array{Value(1.0f), Value(2.5f)}));
  const sdk::SchemaAndValue strings = parse_value_text(R"(["a", "b,c", "x:y"])");
  EXPECT_EQ(strings.schema->value_schema()->type(), Type::kString);
  EXPECT_EQ(strings.value, Value(sdk::Array{Value("a"), Value("b,c"), Value("x:y")}));
  const sdk::SchemaAndValue nested = parse_value_text("[[1,2],[3]]");
  EXPECT_EQ(nested.schema->value_schema()->type(), Type::kArray);
  const sdk::SchemaAndValue dates = parse_value_text(R"(["2024-01-15", 2024-01-16])");
  EXPECT_EQ(*dates.schema->value_schema()->name(), logical::kDateName);
}

TEST(ParseValueText, ArraysWithoutACommonSchemaAreSchemaless) {
  const sdk::SchemaAndValue mixed = parse_value_text(R"([1,"a"])");
  EXPECT_EQ(mixed.schema, nullptr);
  EXPECT_EQ(mixed.value, Value(sdk::Array{Value(std::int8_t{1}), Value("a")}));
  const sdk::SchemaAndValue empty = parse_value_text("[]");
  EXPECT_EQ(empty.schema, nullptr);
  EXPECT_EQ(empty.value, Value(sdk::Array{}));
}

TEST(ParseValueText, BrokenContainersAreStrings) {
  for (const std::string_view text :
       {"[1,2", "[1,,2]", "{\"a\" 1}", "{\"a\":1", "[1,null]", "{null:1}", "[a b]"}) {
    const sdk::SchemaAndValue parsed = parse_value_text(text);
    EXPECT_EQ(parsed.schema, Schema::string()) << text;
    EXPECT_EQ(parsed.value, Value(std::string(text))) << text;
  }
}

TEST(ParseValueText, ATrailingCommaIsAllowedAsKafkaAllowsIt) {
  EXPECT_EQ(parse_value_text("[1,]").value, Value(sdk::Array{Value(std::int8_t{1})}));
}

TEST(ParseValueText, Maps) {
  const sdk::SchemaAndValue map = parse_value_text(R"({"a":1,"b":2,"a":3})");
  ASSERT_TRUE(map.schema);
  EXPECT_EQ(map.schema->type(), Type::kMap);
  EXPECT_EQ(map.schema->key_schema()->type(), Type::kString);
  EXPECT_EQ(map.schema->value_schema()->type(), Type::kInt8);
  // A repeated key replaces the value in its first place, as Java's LinkedHashMap does.
  EXPECT_EQ(map.value, Value(sdk::Map{{Value("a"), Value(std::int8_t{3})},
                                      {Value("b"), Value(std::int8_t{2})}}));
  const sdk::SchemaAndValue int_keys = parse_value_text("{1:true, 1000:false}");
  EXPECT_EQ(int_keys.schema->key_schema()->type(), Type::kInt16);
  const sdk::SchemaAndValue null_values = parse_value_text(R"({"a":null})");
  EXPECT_EQ(null_values.schema, nullptr);
  EXPECT_EQ(null_values.value, Value(sdk::Map{{Value("a"), Value()}}));
}

TEST(ParseValueText, RoundTripsWhatItWrites) {
  const sdk::Array array{Value(std::int32_t{100000}), Value(std::int32_t{-3})};
  const sdk::SchemaAndValue back = parse_value_text(value_to_text(Value(array)));
  EXPECT_EQ(back.schema->value_schema()->type(), Type::kInt32);
  EXPECT_EQ(back.value, Value(array));
  const sdk::Map map{{Value("when"), Value(sdk::Timestamp{1705314600123})}};
  EXPECT_EQ(parse_value_text(value_to_text(Value(map))).value, Value(map));
}

TEST(ParseValueText, DeepNestingIsTextNotRecursion) {
  const std::string deep(100000, '[');
  const sdk::SchemaAndValue parsed = parse_value_text(deep);
  EXPECT_EQ(parsed.schema, Schema::string());
  EXPECT_EQ(parsed.value, Value(deep));
  std::string nested_ok;
  for (int i = 0; i < 10; ++i) nested_ok += '[';
  nested_ok += '1';
  for (int i = 0; i < 10; ++i) nested_ok += ']';
  EXPECT_EQ(parse_value_text(nested_ok).schema->type(), Type::kArray);
}

}  // namespace
}  // namespace ferry::runtime
