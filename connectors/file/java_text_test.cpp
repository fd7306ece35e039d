#include "connectors/file/java_text.h"

#include <limits>

#include <gtest/gtest.h>

#include "ferry/sdk/schema.h"
#include "ferry/sdk/schema_builder.h"

namespace ferry::connectors::file {
namespace {

std::string java_text(const sdk::Value& value) {
  std::string out;
  append_java_text(out, value);
  return out;
}

TEST(JavaText, StringsAreWrittenAsTheyAreAndNullAsNull) {
  EXPECT_EQ(java_text(sdk::Value("a \"quoted\"\tline")), "a \"quoted\"\tline");
  EXPECT_EQ(java_text(sdk::Value()), "null");
}

TEST(JavaText, PrimitivesAsJavaPrintsThem) {
  EXPECT_EQ(java_text(sdk::Value(std::int8_t{-8})), "-8");
  EXPECT_EQ(java_text(sdk::Value(std::int64_t{9007199254740993})), "9007199254740993");
  EXPECT_EQ(java_text(sdk::Value(true)), "true");
  EXPECT_EQ(java_text(sdk::Value(1.0)), "1.0");
  EXPECT_EQ(java_text(sdk::Value(100.5)), "100.5");
  EXPECT_EQ(java_text(sdk::Value(1e7)), "1.0E7");
  EXPECT_EQ(java_text(sdk::Value(1.5e-4)), "1.5E-4");
  EXPECT_EQ(java_text(sdk::Value(0.001)), "0.001");
  EXPECT_EQ(java_text(sdk::Value(-0.0)), "-0.0");
  EXPECT_EQ(java_text(sdk::Value(std::numeric_limits<double>::denorm_min())), "4.9E-324");
  EXPECT_EQ(java_text(sdk::Value(std::numeric_limits<double>::quiet_NaN())), "NaN");
  EXPECT_EQ(java_text(sdk::Value(1.1f)), "1.1");
  EXPECT_EQ(java_text(sdk::Value(std::numeric_limits<float>::max())), "3.4028235E38");
  EXPECT_EQ(java_text(sdk::Value(std::numeric_limits<float>::denorm_min())), "1.4E-45");
}

TEST(JavaText, ContainersAsJavaCollectionsAndStructsAsKafkaStruct) {
  EXPECT_EQ(java_text(sdk::Value(sdk::Array{sdk::Value(1), sdk::Value("b")})), "[1, b]");
  EXPECT_EQ(java_text(sdk::Value(
                sdk::Map{{sdk::Value("k"), sdk::Value(1)}, {sdk::Value("k2"), sdk::Value()}})),
            "{k=1, k2=null}");
  const sdk::SchemaPtr schema = sdk::SchemaBuilder::struct_()
                                    .field("a", sdk::Schema::int32())
                                    .field("b", sdk::Schema::optional_string())
                                    .field("c", sdk::Schema::optional_string())
                                    .build();
  sdk::Struct value(schema);
  value.put("a", sdk::Value(1)).put("c", sdk::Value("x"));
  EXPECT_EQ(java_text(sdk::Value(value)), "Struct{a=1,c=x}");
}

TEST(JavaText, BytesAreRawAtTopLevelAndBase64Inside) {
  EXPECT_EQ(java_text(sdk::Value(sdk::Bytes{'h', 'i'})), "hi");
  EXPECT_EQ(java_text(sdk::Value(sdk::Array{sdk::Value(sdk::Bytes{'h', 'i'})})), "[aGk=]");
}

TEST(JavaText, LogicalTypesAsJava) {
  EXPECT_EQ(java_text(sdk::Value(sdk::Decimal::from_unscaled(1230, 2))), "12.30");
  EXPECT_EQ(java_text(sdk::Value(sdk::Timestamp{0})), "Thu Jan 01 00:00:00 UTC 1970");
  EXPECT_EQ(java_text(sdk::Value(sdk::Date::from_civil(2024, 1, 15))),
            "Mon Jan 15 00:00:00 UTC 2024");
}

}  // namespace
}  // namespace ferry::connectors::file
