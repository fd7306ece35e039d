#include "ferry/sdk/schema.h"

#include <chrono>
#include <string>
#include <unordered_set>

#include <gtest/gtest.h>

#include "ferry/sdk/errors.h"
#include "ferry/sdk/logical_types.h"
#include "ferry/sdk/schema_builder.h"
#include "test_budget.h"

namespace ferry::sdk {
namespace {

SchemaPtr person_schema() {
  return SchemaBuilder::struct_()
      .name("com.example.Person")
      .version(2)
      .doc("a person")
      .field("name", Schema::string())
      .field("age", Schema::optional_int32())
      .field("tags", SchemaBuilder::array(Schema::string()).optional().build())
      .build();
}

TEST(Schema, BuilderSetsEveryAttribute) {
  const SchemaPtr schema = SchemaBuilder::int64()
                               .optional()
                               .name("n")
                               .version(3)
                               .doc("d")
                               .parameter("a", "1")
                               .parameter("b", "2")
                               .default_value(std::int64_t{42})
                               .build();
  EXPECT_EQ(schema->type(), Type::kInt64);
  EXPECT_TRUE(schema->is_optional());
  EXPECT_EQ(schema->name(), "n");
  EXPECT_EQ(schema->version(), 3);
  EXPECT_EQ(schema->doc(), "d");
  EXPECT_EQ(schema->parameters(), (SchemaParameters{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(schema->default_value(), Value(std::int64_t{42}));
}

TEST(Schema, ParametersKeepInsertionOrder) {
  const SchemaPtr schema = SchemaBuilder::bytes()
                               .parameter("scale", "2")
                               .parameter("connect.decimal.precision", "10")
                               .build();
  ASSERT_EQ(schema->parameters().size(), 2u);
  EXPECT_EQ(schema->parameters()[0].first, "scale");
  EXPECT_EQ(schema->parameters()[1].first, "connect.decimal.precision");
}

TEST(Schema, StructFieldsAreOrderedAndFoundByName) {
  const SchemaPtr schema = person_schema();
  ASSERT_EQ(schema->fields().size(), 3u);
  EXPECT_EQ(schema->fields()[1].name(), "age");
  EXPECT_EQ(schema->field("tags")->index(), 2u);
  EXPECT_EQ(schema->field("missing"), nullptr);
  EXPECT_THROW(Schema::int32()->field("x"), DataException);
}

TEST(Schema, BuilderRefusesInvalidDefinitions) {
  EXPECT_THROW(SchemaBuilder::int32().field("x", Schema::int32()), DataException);
  EXPECT_THROW(SchemaBuilder::struct_().field("a", Schema::int32()).field("a", Schema::string()),
               DataException);
  EXPECT_THROW(SchemaBuilder::int32().name("a").name("b"), DataException);
  EXPECT_THROW(SchemaBuilder::int32().default_value("text"), DataException);
  EXPECT_THROW(SchemaBuilder::array(nullptr), DataException);
  EXPECT_THROW(Schema::int32()->value_schema(), DataException);
}

// Duplicate checks used to scan every earlier field and parameter: 100,000 of each took 14 s.
TEST(Schema, BuilderChecksDuplicatesWithoutScanning) {
  constexpr int kWidth = 100'000;
  const auto start = std::chrono::steady_clock::now();
  SchemaBuilder builder = SchemaBuilder::struct_();
  for (int i = 0; i < kWidth; ++i) builder.field("f" + std::to_string(i), Schema::int32());
  for (int i = 0; i < kWidth; ++i) builder.parameter("p" + std::to_string(i), "v");
  builder.parameter("p0", "last");  // replaces in place, keeping the first position
  EXPECT_THROW(builder.field("f99999", Schema::string()), DataException);
  EXPECT_THROW(builder.field("f0", Schema::string()), DataException);
  const SchemaPtr schema = builder.build();
  EXPECT_LT(std::chrono::steady_clock::now() - start, test::budget(std::chrono::seconds(1)));
  ASSERT_EQ(schema->fields().size(), static_cast<std::size_t>(kWidth));
  EXPECT_EQ(schema->field("f99999")->index(), static_cast<std::size_t>(kWidth - 1));
  ASSERT_EQ(schema->parameters().size(), static_cast<std::size_t>(kWidth));
  EXPECT_EQ(schema->parameters().front(), (std::pair<std::string, std::string>("p0", "last")));
  EXPECT_EQ(*schema->parameter("p99999"), "v");
}

TEST(Schema, BuilderCopiesKeepTheirOwnDuplicateChecks) {
  SchemaBuilder first = SchemaBuilder::struct_();
  first.field("a", Schema::int32()).parameter("k", "1");
  SchemaBuilder second = first;
  second.field("b", Schema::int32()).parameter("k", "2");
  EXPECT_NO_THROW(first.field("b", Schema::string()));
  EXPECT_THROW(second.field("b", Schema::string()), DataException);
  EXPECT_THROW(second.field("a", Schema::string()), DataException);
  EXPECT_EQ(*first.build()->parameter("k"), "1");
  EXPECT_EQ(*second.build()->parameter("k"), "2");
}

// A Struct default cannot hold the schema it is the default of (that schema contains it), so it is
// built against an equal schema without the default; the built schema must accept it.
TEST(Schema, StructDefaultBuiltFromAnEqualSchemaValidates) {
  auto shape = [] {
    SchemaBuilder builder = SchemaBuilder::struct_();
    builder.field("a", Schema::int32()).field("b", Schema::optional_string());
    return builder;
  };
  const SchemaPtr separate = shape().build();
  Struct fallback(separate);
  fallback.put("a", std::int32_t{1});
  const SchemaPtr schema = shape().default_value(fallback).build();

  ASSERT_TRUE(schema->default_value());
  EXPECT_TRUE(equal_ignoring_default(*separate, *schema));
  EXPECT_NE(*separate, *schema);  // full equality still sees the default
  EXPECT_EQ(value_mismatch(schema, *schema->default_value(), "default"), "");
  EXPECT_NO_THROW(validate_value(schema, *schema->default_value()));
  EXPECT_NO_THROW(schema->default_value()->as<Struct>().validate());
  const Value copy = *schema->default_value();
  EXPECT_EQ(value_mismatch(schema, copy), "");
  // As a field's schema: the default (a copy of it) can be put, and null falls back to it.
  const SchemaPtr outer = SchemaBuilder::struct_().field("inner", schema).build();
  Struct record(outer);
  EXPECT_NO_THROW(record.put("inner", copy));
  EXPECT_NO_THROW(record.put("inner", Value()));
  EXPECT_NO_THROW(record.validate());

  // Schemas built the same way are equal and hash equally.
  const SchemaPtr again = shape().default_value(fallback).build();
  EXPECT_EQ(*again, *schema);
  EXPECT_EQ(hash_value(*again), hash_value(*schema));
  // A default built against the builder itself works the same way.
  SchemaBuilder builder = shape();
  Struct own(builder.build());
  own.put("a", std::int32_t{1});
  EXPECT_EQ(*builder.default_value(own).build(), *schema);
}

TEST(Schema, StructDefaultMustStillMatchTheSchema) {
  const SchemaPtr other = SchemaBuilder::struct_().field("a", Schema::int64()).build();
  Struct wrong(other);
  wrong.put("a", std::int64_t{1});
  SchemaBuilder builder = SchemaBuilder::struct_();
  builder.field("a", Schema::int32());
  EXPECT_THROW(builder.default_value(wrong), DataException);

  // Only the schema's own default is exempt from comparing defaults: another Struct of the
  // default-less shape is still a mismatch, as in Kafka Connect.
  const SchemaPtr shape = builder.build();
  Struct fallback(shape);
  fallback.put("a", std::int32_t{1});
  const SchemaPtr schema =
      SchemaBuilder::struct_().field("a", Schema::int32()).default_value(fallback).build();
  Struct different(shape);
  different.put("a", std::int32_t{2});
  EXPECT_NE(value_mismatch(schema, different, "s").find("Struct schemas do not match"),
            std::string::npos);
  Struct exact(schema);
  exact.put("a", std::int32_t{2});
  EXPECT_EQ(value_mismatch(schema, exact, "s"), "");
}

TEST(Schema, EqualityIsStructuralAndHashAgrees) {
  EXPECT_EQ(*person_schema(), *person_schema());
  EXPECT_EQ(hash_value(*person_schema()), hash_value(*person_schema()));
  EXPECT_EQ(*SchemaBuilder::int32().build(), *Schema::int32());
  EXPECT_NE(*Schema::int32(), *Schema::optional_int32());
  EXPECT_NE(*logical::decimal(2).build(), *logical::decimal(3).build());
  const SchemaPtr renamed =
      SchemaBuilder::struct_()
          .name("com.example.Other")
          .version(2)
          .doc("a person")
          .field("name", Schema::string())
          .field("age", Schema::optional_int32())
          .field("tags", SchemaBuilder::array(Schema::string()).optional().build())
          .build();
  EXPECT_NE(*renamed, *person_schema());
  std::unordered_set<Schema> set{*person_schema(), *person_schema(), *Schema::int32()};
  EXPECT_EQ(set.size(), 2u);
}

TEST(Schema, ValidationNamesTheOffendingFieldPath) {
  const SchemaPtr address = SchemaBuilder::struct_().field("zip", Schema::int32()).build();
  try {
    validate_value(Schema::int32(), Value("12"), "address.zip");
    FAIL() << "expected DataException";
  } catch (const DataException& e) {
    EXPECT_NE(std::string(e.what()).find("address.zip"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("STRING"), std::string::npos) << e.what();
  }
  EXPECT_NE(value_mismatch(Schema::int32(), Value(), "zip").find("null used for required field"),
            std::string::npos);
  EXPECT_EQ(value_mismatch(Schema::optional_int32(), Value(), "zip"), "");
  const SchemaPtr list = SchemaBuilder::array(Schema::int32()).build();
  EXPECT_NE(value_mismatch(list, Value(Array{Value(1), Value("x")}), "ids").find("ids[1]"),
            std::string::npos);
}

TEST(Schema, LogicalTypesNeedTheirValueTypes) {
  EXPECT_EQ(value_mismatch(logical::date().build(), Value(Date{1}), "d"), "");
  EXPECT_NE(value_mismatch(logical::date().build(), Value(std::int32_t{1}), "d"), "");
  EXPECT_EQ(value_mismatch(logical::decimal(2).build(), Value(Decimal::parse("1.25")), "p"), "");
  EXPECT_NE(
      value_mismatch(logical::decimal(2).build(), Value(Decimal::parse("1.2")), "p").find("scale"),
      std::string::npos);
}

TEST(Schema, PrinterShowsNameTypeAndFields) {
  EXPECT_EQ(to_string(*Schema::optional_string()), "Schema{STRING,optional}");
  EXPECT_EQ(to_string(*SchemaBuilder::struct_().name("p").field("a", Schema::int8()).build()),
            "Schema{p:STRUCT,fields=[a:Schema{INT8}]}");
}

TEST(Schema, JsonTypeNamesRoundTrip) {
  for (Type type :
       {Type::kInt8, Type::kInt16, Type::kInt32, Type::kInt64, Type::kFloat32, Type::kFloat64,
        Type::kBoolean, Type::kString, Type::kBytes, Type::kArray, Type::kMap, Type::kStruct}) {
    EXPECT_EQ(type_from_json_name(json_type_name(type)), type);
  }
  EXPECT_EQ(json_type_name(Type::kFloat32), "float");
  EXPECT_EQ(json_type_name(Type::kFloat64), "double");
  EXPECT_EQ(type_from_json_name("float32"), std::nullopt);
}

}  // namespace
}  // namespace ferry::sdk
