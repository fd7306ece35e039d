// Golden-file tests for JsonConverter. The files under testdata/json/ were written by hand from
// Kafka Connect's format (reference §3), not produced by this code: each test serializes a
// Connect value and compares the bytes with the file, then parses the file and compares the
// Connect schema and value.
#include "runtime/converters/json_converter.h"

#include <chrono>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/sdk/config_def.h"
#include "ferry/sdk/errors.h"
#include "ferry/sdk/logical_types.h"
#include "ferry/sdk/schema_builder.h"

namespace ferry::runtime {
namespace {

using sdk::Array;
using sdk::Bytes;
using sdk::DataException;
using sdk::Map;
using sdk::Schema;
using sdk::SchemaBuilder;
using sdk::SchemaPtr;
using sdk::Struct;
using sdk::Value;

std::string golden(std::string_view name) {
  const std::string path =
      std::string(FERRY_SOURCE_DIR) + "/runtime/converters/testdata/json/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing golden file " << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

sdk::ByteView view(const std::string& text) {
  return sdk::ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

std::string text_of(const std::optional<Bytes>& bytes) {
  EXPECT_TRUE(bytes.has_value());
  return bytes ? std::string(bytes->begin(), bytes->end()) : std::string();
}

// A converter for record values with the given settings on top of the defaults.
std::unique_ptr<JsonConverter> converter(sdk::ConfigMap configs = {}) {
  auto result = std::make_unique<JsonConverter>();
  result->configure(configs, false);
  return result;
}

std::unique_ptr<JsonConverter> schemaless() { return converter({{"schemas.enable", "false"}}); }

std::string write(JsonConverter& c, const SchemaPtr& schema, const Value& value) {
  return text_of(c.from_connect_data("topic", schema, value));
}

sdk::SchemaAndValue read(JsonConverter& c, const std::string& text) {
  return c.to_connect_data("topic", view(text));
}

// Both directions against one golden file: writing (schema, value) gives the file's bytes, and
// reading the file gives back an equal schema and value.
void expect_round_trip(JsonConverter& c, std::string_view file, const SchemaPtr& schema,
                       const Value& value) {
  const std::string expected = golden(file);
  EXPECT_EQ(write(c, schema, value), expected) << file;
  const sdk::SchemaAndValue back = read(c, expected);
  EXPECT_TRUE(sdk::schemas_equal(back.schema, schema))
      << file << ": read " << (back.schema ? to_string(*back.schema) : "null schema");
  EXPECT_EQ(back.value, value) << file;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const DataException& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a DataException";
  return {};
}

SchemaPtr decimal_schema(int scale) { return sdk::logical::decimal(scale).build(); }

SchemaPtr categories_schema() {
  return SchemaBuilder::struct_()
      .name("categories")
      .field("category_id", Schema::int32())
      .field("category_department_id", Schema::int32())
      .field("category_name", Schema::string())
      .build();
}

Value categories_row(const SchemaPtr& schema) {
  Struct row(schema);
  row.put("category_id", std::int32_t{1})
      .put("category_department_id", std::int32_t{2})
      .put("category_name", "Football");
  return row;
}

SchemaPtr address_schema() {
  return SchemaBuilder::struct_()
      .name("com.example.Address")
      .field("street", Schema::string())
      .field("zip", SchemaBuilder::string().optional().doc("postal code").build())
      .build();
}

SchemaPtr person_schema() {
  return SchemaBuilder::struct_()
      .name("com.example.Person")
      .version(2)
      .doc("A person")
      .field("id", Schema::int64())
      .field("email", Schema::optional_string())
      .field("address", address_schema())
      .field("tags", SchemaBuilder::array(Schema::string()).build())
      .field("score", SchemaBuilder::float64().optional().default_value(1.5).build())
      .field("code",
             SchemaBuilder::string().parameter("length", "16").parameter("charset", "utf8").build())
      .build();
}

Value person(const SchemaPtr& schema) {
  Struct address(schema->field("address")->schema());
  address.put("street", "Main St 1").put("zip", "12345");
  Struct result(schema);
  result.put("id", std::int64_t{7})
      .put("address", address)
      .put("tags", Array{"a", "b"})
      .put("score", 2.25)
      .put("code", "XY");
  return result;
}

SchemaPtr logical_struct_schema() {
  return SchemaBuilder::struct_()
      .field("price", sdk::logical::decimal(2).parameter("connect.decimal.precision", "10").build())
      .field("day", sdk::logical::date().build())
      .field("at", sdk::logical::time().build())
      .field("updated_at", sdk::logical::timestamp().build())
      .build();
}

Value logical_row(const SchemaPtr& schema) {
  Struct row(schema);
  row.put("price", sdk::Decimal::from_unscaled(1234, 2))
      .put("day", sdk::Date::from_civil(2024, 1, 15))
      .put("at", sdk::Time::from_hms(10, 30, 0))
      .put("updated_at", sdk::Timestamp{1705314600000});
  return row;
}

// --- Primitive types, schemas enabled ----------------------------------------------------------

TEST(JsonConverterGolden, EveryPrimitiveTypeRoundTripsWithSchema) {
  auto c = converter();
  expect_round_trip(*c, "int8.json", Schema::int8(), std::int8_t{-128});
  expect_round_trip(*c, "int16.json", Schema::int16(), std::int16_t{32767});
  expect_round_trip(*c, "int32.json", Schema::int32(), std::numeric_limits<std::int32_t>::min());
  expect_round_trip(*c, "int64.json", Schema::int64(), std::numeric_limits<std::int64_t>::max());
  expect_round_trip(*c, "float32_max.json", Schema::float32(), std::numeric_limits<float>::max());
  expect_round_trip(*c, "float64_min.json", Schema::float64(),
                    std::numeric_limits<double>::denorm_min());
  expect_round_trip(*c, "boolean.json", Schema::boolean(), true);
  expect_round_trip(*c, "bytes.json", Schema::bytes(), Bytes{0x00, 0x01, 0xFE, 0xFF});
  expect_round_trip(*c, "optional_null.json", Schema::optional_string(), Value());
}

TEST(JsonConverterGolden, StringsEscapeQuotesBackslashesAndControlCharactersOnly) {
  auto c = converter();
  expect_round_trip(*c, "string_escapes.json", Schema::string(),
                    "tab\there \"quoted\" back\\slash \x01\x1F caf\xC3\xA9 /");
}

TEST(JsonConverter, EscapesWhereverTheCharacterFallsInAString) {
  // Strings are scanned eight bytes at a time: an escaped character at every offset of a word,
  // beside bytes that are not escaped (space, DEL, UTF-8), must come out as byte by byte.
  const auto c = schemaless();
  const auto expected_escape = [](char ch) -> std::string {
    switch (ch) {
      case '"':
        return "\\\"";
      case '\\':
        return "\\\\";
      case '\n':
        return "\\n";
      default: {
        constexpr char kHex[] = "0123456789ABCDEF";
        const auto byte = static_cast<unsigned char>(ch);
        return std::string("\\u00") + kHex[byte >> 4] + kHex[byte & 0xF];
      }
    }
  };
  for (const char escaped : {'"', '\\', '\n', '\x01', '\x1F'}) {
    for (std::size_t at = 0; at < 21; ++at) {
      // 23 bytes, none escaped; the two-byte UTF-8 character at the end stays whole.
      std::string text =
          "a \x7F"
          "bcdefghijklmnopqrs"
          "\xC3\xA9";
      text[at] = escaped;
      std::string expected = "\"";
      for (const char ch : text) {
        const auto byte = static_cast<unsigned char>(ch);
        expected +=
            byte < 0x20 || ch == '"' || ch == '\\' ? expected_escape(ch) : std::string(1, ch);
      }
      expected += "\"";
      const std::optional<Bytes> json = c->from_connect_data("t", Schema::string(), Value(text));
      ASSERT_TRUE(json.has_value());
      EXPECT_EQ(std::string(json->begin(), json->end()), expected) << "at " << at;
    }
  }
}

TEST(JsonConverterGolden, DoublesAreWrittenAsJavaDoubleToString) {
  auto c = converter();
  const double kNaN = std::numeric_limits<double>::quiet_NaN();
  const double kInf = std::numeric_limits<double>::infinity();
  expect_round_trip(
      *c, "float64_array.json", SchemaBuilder::array(Schema::float64()).build(),
      Array{1.0, 0.1, 1e20, 1e-5, 100.0, 1234567.0, 1e7, 4.9e-324,
            std::numeric_limits<double>::max(), -0.0, 0.001, 1e-4, kNaN, kInf, -kInf});
}

TEST(JsonConverterGolden, FloatsAreWrittenAsJavaFloatToString) {
  auto c = converter();
  expect_round_trip(
      *c, "float32_array.json", SchemaBuilder::array(Schema::float32()).build(),
      Array{1.0f, 0.1f, std::numeric_limits<float>::max(), std::numeric_limits<float>::denorm_min(),
            1e-5f, 1e7f, 9999999.0f, -1.5f});
}

TEST(JsonConverterGolden, ArraysKeepNullElementsOfOptionalItems) {
  auto c = converter();
  expect_round_trip(*c, "array_int32.json", SchemaBuilder::array(Schema::optional_int32()).build(),
                    Array{std::int32_t{1}, Value(), std::int32_t{3}});
}

TEST(JsonConverterGolden, MapsWithStringKeysAreObjects) {
  auto c = converter();
  expect_round_trip(*c, "map_string_keys.json",
                    SchemaBuilder::map(Schema::string(), Schema::int64()).build(),
                    Map{{"a", std::int64_t{1}}, {"b", std::int64_t{2}}});
}

TEST(JsonConverterGolden, MapsWithOtherKeysAreArraysOfPairs) {
  auto c = converter();
  expect_round_trip(*c, "map_int_keys.json",
                    SchemaBuilder::map(Schema::int32(), Schema::string()).build(),
                    Map{{std::int32_t{1}, "one"}, {std::int32_t{2}, "two"}});
}

// --- Logical types ---------------------------------------------------------------------------

TEST(JsonConverterGolden, DecimalBase64IsTheMinimalTwosComplementOfTheUnscaledValue) {
  auto c = converter();
  expect_round_trip(*c, "decimal_12_34.json", decimal_schema(2),
                    sdk::Decimal::from_unscaled(1234, 2));
  expect_round_trip(*c, "decimal_minus_0_01.json", decimal_schema(2),
                    sdk::Decimal::from_unscaled(-1, 2));
  expect_round_trip(*c, "decimal_zero.json", decimal_schema(2), sdk::Decimal::from_unscaled(0, 2));
  expect_round_trip(*c, "decimal_1_28.json", decimal_schema(2),
                    sdk::Decimal::from_unscaled(128, 2));
}

TEST(JsonConverterGolden, DecimalNumericKeepsTheScale) {
  auto c = converter({{"decimal.format", "numeric"}});  // case-insensitive
  EXPECT_EQ(c->settings().codec.decimal_format, DecimalFormat::kNumeric);
  expect_round_trip(*c, "decimal_numeric_12_30.json", decimal_schema(2),
                    sdk::Decimal::parse("12.30"));
}

TEST(JsonConverter, DecimalIsReadFromEitherFormatWhateverTheSetting) {
  auto base64 = converter();
  auto numeric = converter({{"decimal.format", "NUMERIC"}});
  EXPECT_EQ(read(*base64, golden("decimal_numeric_12_30.json")).value,
            Value(sdk::Decimal::parse("12.30")));
  EXPECT_EQ(read(*numeric, golden("decimal_12_34.json")).value,
            Value(sdk::Decimal::from_unscaled(1234, 2)));
}

TEST(JsonConverter, DecimalNumberIsRescaledExactlyToTheSchemaScale) {
  auto c = converter();
  const std::string schema =
      R"({"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}})";
  EXPECT_EQ(read(*c, R"({"schema":)" + schema + R"(,"payload":12.3})").value,
            Value(sdk::Decimal::from_unscaled(1230, 2)));
  EXPECT_EQ(read(*c, R"({"schema":)" + schema + R"(,"payload":1E+3})").value,
            Value(sdk::Decimal::from_unscaled(100000, 2)));
  EXPECT_NE(error_of([&] { read(*c, R"({"schema":)" + schema + R"(,"payload":1.234})"); }), "");
  EXPECT_NE(error_of([&] { read(*c, R"({"schema":)" + schema + R"(,"payload":1E-2000000000})"); }),
            "");
  EXPECT_NE(error_of([&] { read(*c, R"({"schema":)" + schema + R"(,"payload":1E+2000000})"); }),
            "");
}

TEST(JsonConverter, DecimalNumericWithNegativeScaleUsesBigDecimalToString) {
  auto c = converter({{"decimal.format", "NUMERIC"}, {"schemas.enable", "false"}});
  EXPECT_EQ(write(*c, decimal_schema(-2), sdk::Decimal::from_unscaled(10, -2)), "1.0E+3");
}

TEST(JsonConverterGolden, DateTimeAndTimestampAreIntegers) {
  auto c = converter();
  expect_round_trip(*c, "date.json", sdk::logical::date().build(),
                    sdk::Date::from_civil(2024, 1, 15));
  expect_round_trip(*c, "time.json", sdk::logical::time().build(), sdk::Time::from_hms(10, 30, 0));
  expect_round_trip(*c, "timestamp.json", sdk::logical::timestamp().build(),
                    sdk::Timestamp{1705314600000});
}

TEST(JsonConverterGolden, LogicalTypesInsideAStructWithPrecisionParameter) {
  const SchemaPtr schema = logical_struct_schema();
  auto base64 = converter();
  expect_round_trip(*base64, "logical_struct.json", schema, logical_row(schema));
  auto numeric = converter({{"decimal.format", "NUMERIC"}});
  expect_round_trip(*numeric, "logical_struct_numeric.json", schema, logical_row(schema));
  auto plain = schemaless();
  EXPECT_EQ(write(*plain, schema, logical_row(schema)), golden("logical_struct_schemaless.json"));
}

// --- Structs ---------------------------------------------------------------------------------

TEST(JsonConverterGolden, WorkedExampleIsThe340ByteJdbcRow) {
  auto c = converter();
  const SchemaPtr schema = categories_schema();
  const std::string expected = golden("categories.json");
  ASSERT_EQ(expected.size(), 340u);
  expect_round_trip(*c, "categories.json", schema, categories_row(schema));
}

TEST(JsonConverterGolden, WorkedExampleWithoutSchemasIsThePayloadAlone) {
  auto c = schemaless();
  const SchemaPtr schema = categories_schema();
  EXPECT_EQ(write(*c, schema, categories_row(schema)), golden("categories_schemaless.json"));
  const auto back = read(*c, golden("categories_schemaless.json"));
  EXPECT_EQ(back.schema, nullptr);
  EXPECT_EQ(back.value, Value(Map{{"category_id", std::int64_t{1}},
                                  {"category_department_id", std::int64_t{2}},
                                  {"category_name", "Football"}}));
}

TEST(JsonConverterGolden, NestedStructKeepsOptionalDocVersionParametersAndDefault) {
  auto c = converter();
  const SchemaPtr schema = person_schema();
  expect_round_trip(*c, "person.json", schema, person(schema));
}

TEST(JsonConverterGolden, NestedStructWithoutSchemasReadsAsMaps) {
  auto c = schemaless();
  const SchemaPtr schema = person_schema();
  EXPECT_EQ(write(*c, schema, person(schema)), golden("person_schemaless.json"));
  const auto back = read(*c, golden("person_schemaless.json"));
  EXPECT_EQ(back.schema, nullptr);
  EXPECT_EQ(back.value, Value(Map{{"id", std::int64_t{7}},
                                  {"email", Value()},
                                  {"address", Map{{"street", "Main St 1"}, {"zip", "12345"}}},
                                  {"tags", Array{"a", "b"}},
                                  {"score", 2.25},
                                  {"code", "XY"}}));
}

TEST(JsonConverterGolden, StructDefaultIsWrittenInTheSchemaAndForANullValue) {
  auto c = converter();
  const SchemaPtr base = SchemaBuilder::struct_().field("city", Schema::string()).build();
  SchemaBuilder builder = SchemaBuilder::struct_();
  builder.name("Place").optional().field("city", Schema::string());
  Struct paris(builder.build());
  paris.put("city", "Paris");
  builder.default_value(paris);
  const SchemaPtr schema = builder.build();
  const std::string expected = golden("struct_default.json");
  EXPECT_EQ(write(*c, schema, Value()), expected);
  const auto back = read(*c, expected);
  ASSERT_TRUE(back.schema);
  EXPECT_EQ(*back.schema, *schema);
  EXPECT_EQ(back.value.as<Struct>().get("city"), Value("Paris"));
}

TEST(JsonConverterGolden, NullFieldIsReplacedByItsDefaultOnlyWhenConfigured) {
  const SchemaPtr schema =
      SchemaBuilder::struct_()
          .field("n", SchemaBuilder::int32().optional().default_value(std::int32_t{42}).build())
          .build();
  const Struct with_null(schema);
  auto replacing = converter();
  EXPECT_EQ(write(*replacing, schema, with_null), golden("null_field_default_replaced.json"));
  EXPECT_EQ(read(*replacing, golden("null_field_default_kept.json")).value.as<Struct>().get("n"),
            Value(std::int32_t{42}));

  auto keeping = converter({{"replace.null.with.default", "false"}});
  EXPECT_EQ(write(*keeping, schema, with_null), golden("null_field_default_kept.json"));
  EXPECT_TRUE(
      read(*keeping, golden("null_field_default_kept.json")).value.as<Struct>().get("n").is_null());
}

// --- Schemaless values -----------------------------------------------------------------------

TEST(JsonConverterGolden, SchemalessMapWithNonStringKeysIsAnArrayOfPairs) {
  auto c = converter();
  const Value value(Map{{std::int32_t{1}, "one"}, {"two", 2.5}});
  EXPECT_EQ(write(*c, nullptr, value), golden("schemaless_map_mixed.json"));
  const auto back = read(*c, golden("schemaless_map_mixed.json"));
  EXPECT_EQ(back.schema, nullptr);
  EXPECT_EQ(back.value, Value(Array{Array{std::int64_t{1}, "one"}, Array{"two", 2.5}}));
}

TEST(JsonConverterGolden, SchemalessValuesInferIntegersAsInt64AndOtherNumbersAsFloat64) {
  auto c = converter();
  const Value value(
      Map{{"a", Array{std::int64_t{1}, 2.5, "x", true, Value()}}, {"b", Map{{"c", Map{}}}}});
  expect_round_trip(*c, "schemaless_nested.json", nullptr, value);
}

TEST(JsonConverter, SchemalessLogicalValuesAndStructsNeedASchema) {
  auto c = converter();
  EXPECT_NE(error_of([&] { write(*c, nullptr, sdk::Decimal::from_unscaled(1, 0)); }), "");
  EXPECT_EQ(error_of([&] { write(*c, nullptr, categories_row(categories_schema())); }),
            "Mismatching schema.");
}

// --- Tombstones and nulls ----------------------------------------------------------------------

TEST(JsonConverter, NullSchemaAndNullValueIsATombstoneBothWays) {
  for (const char* enabled : {"true", "false"}) {
    auto c = converter({{"schemas.enable", enabled}});
    EXPECT_FALSE(c->from_connect_data("t", nullptr, Value()).has_value());
    const auto back = c->to_connect_data("t", std::nullopt);
    EXPECT_EQ(back.schema, nullptr);
    EXPECT_TRUE(back.value.is_null());
  }
}

// The worker's path: the same bytes as from_connect_data, written over what the buffer held and
// in its storage once it is large enough.
TEST(JsonConverter, WritesIntoAReusedBuffer) {
  for (const char* enabled : {"true", "false"}) {
    auto c = converter({{"schemas.enable", enabled}});
    Bytes out;
    ASSERT_TRUE(c->from_connect_data_into("t", Schema::string(), Value("a \"quoted\" line"), out));
    EXPECT_EQ(out, c->from_connect_data("t", Schema::string(), Value("a \"quoted\" line")));
    const std::uint8_t* storage = out.data();
    ASSERT_TRUE(c->from_connect_data_into("t", Schema::int32(), Value(std::int32_t{7}), out));
    EXPECT_EQ(out, c->from_connect_data("t", Schema::int32(), Value(std::int32_t{7})));
    EXPECT_EQ(out.data(), storage);
    EXPECT_FALSE(c->from_connect_data_into("t", nullptr, Value(), out));
    EXPECT_TRUE(out.empty());
  }
}

TEST(JsonConverter, NullValueWithOptionalSchemaIsNotATombstone) {
  EXPECT_EQ(write(*converter(), Schema::optional_int32(), Value()),
            R"({"schema":{"type":"int32","optional":true},"payload":null})");
  EXPECT_EQ(write(*schemaless(), Schema::optional_int32(), Value()), "null");
}

TEST(JsonConverter, EmptyInputIsNullWithoutSchemasAndAnEnvelopeErrorWithThem) {
  const std::string empty = " \n";
  EXPECT_TRUE(read(*schemaless(), empty).value.is_null());
  EXPECT_NE(error_of([&] { read(*converter(), empty); }), "");
}

// --- Errors ----------------------------------------------------------------------------------

constexpr std::string_view kEnvelopeMessage =
    "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not "
    "contain additional fields. If you are trying to deserialize plain JSON data, set "
    "schemas.enable=false in your converter configuration.";

TEST(JsonConverterErrors, EnvelopeMustHaveExactlySchemaAndPayload) {
  auto c = converter();
  EXPECT_EQ(error_of([&] { read(*c, R"({"schema":null})"); }), kEnvelopeMessage);
  EXPECT_EQ(error_of([&] { read(*c, R"({"payload":1})"); }), kEnvelopeMessage);
  EXPECT_EQ(error_of([&] { read(*c, R"({"schema":null,"payload":1,"extra":2})"); }),
            kEnvelopeMessage);
  EXPECT_EQ(error_of([&] { read(*c, R"([1,2])"); }), kEnvelopeMessage);
  EXPECT_EQ(error_of([&] { read(*c, golden("categories_schemaless.json")); }), kEnvelopeMessage);
}

TEST(JsonConverterErrors, NullSchemaInEnvelopeMeansSchemaless) {
  const auto back = read(*converter(), R"({"payload":[1,"a"],"schema":null})");
  EXPECT_EQ(back.schema, nullptr);
  EXPECT_EQ(back.value, Value(Array{std::int64_t{1}, "a"}));
}

TEST(JsonConverterErrors, RequiredNullFieldNamesTheFieldPath) {
  auto c = converter();
  const SchemaPtr address = SchemaBuilder::struct_().field("zip", Schema::string()).build();
  const SchemaPtr schema = SchemaBuilder::struct_().field("address", address).build();
  Struct value(schema);
  value.put("address", Struct(address));
  EXPECT_EQ(error_of([&] { write(*c, schema, value); }),
            "Conversion error: null value for field that is required and has no default value "
            "for field \"address.zip\"");
  EXPECT_EQ(error_of([&] { write(*c, Schema::int32(), Value()); }),
            "Conversion error: null value for field that is required and has no default value");
  const std::string text =
      R"({"schema":{"type":"struct","fields":[{"type":"struct","fields":[{"type":"string","optional":false,"field":"zip"}],"optional":false,"field":"address"}],"optional":false},"payload":{"address":{"zip":null}}})";
  EXPECT_EQ(error_of([&] { read(*c, text); }),
            "Invalid null value for required STRING field for field \"address.zip\"");
}

TEST(JsonConverterErrors, WrongJsonTypeForAFieldNamesTheField) {
  auto c = converter();
  const std::string schema =
      R"({"type":"struct","fields":[{"type":"array","items":{"type":"int32","optional":false},"optional":false,"field":"ids"}],"optional":false})";
  const std::string message =
      error_of([&] { read(*c, R"({"schema":)" + schema + R"(,"payload":{"ids":[1,"two"]}})"); });
  EXPECT_NE(message.find("expected an integer but found STRING"), std::string::npos) << message;
  EXPECT_NE(message.find("\"ids[1]\""), std::string::npos) << message;
}

TEST(JsonConverterErrors, IntegerOutOfRangeIsRefusedNotTruncated) {
  auto c = converter();
  const std::string message =
      error_of([&] { read(*c, R"({"schema":{"type":"int8","optional":false},"payload":300})"); });
  EXPECT_EQ(message, "Value 300 is out of range for INT8");
  EXPECT_NE(
      error_of([&] {
        read(*c, R"({"schema":{"type":"int64","optional":false},"payload":99999999999999999999})");
      }),
      "");
}

TEST(JsonConverterErrors, WrongValueKindForSchemaNamesTheField) {
  auto c = converter();
  const SchemaPtr schema = SchemaBuilder::map(Schema::string(), Schema::int32()).build();
  EXPECT_EQ(error_of([&] {
              write(*c, schema, Map{{"k", "not a number"}});
            }),
            "Invalid type for INT32: STRING for field \"k\"");
}

TEST(JsonConverterErrors, MalformedJsonReportsBoostErrorAndOffset) {
  auto c = schemaless();
  const std::string message = error_of([&] { read(*c, R"({"a":1,})"); });
  EXPECT_NE(message.find("Converting byte[] to Kafka Connect data failed due to serialization "
                         "error: "),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("at byte offset 7"), std::string::npos) << message;
  EXPECT_NE(error_of([&] { read(*c, R"({"a":1} x)"); }).find("at byte offset 8"),
            std::string::npos);
}

TEST(JsonConverterErrors, InvalidUtf8IsRejected) {
  EXPECT_NE(error_of([&] { read(*schemaless(), std::string("\"\xC3\x28\"")); }), "");
}

TEST(JsonConverterErrors, NestingDeeperThanTheLimitIsRejectedBothWays) {
  auto c = schemaless();
  const std::string deep = std::string(600, '[') + std::string(600, ']');
  EXPECT_NE(error_of([&] { read(*c, deep); }), "");
  const std::string ok = std::string(500, '[') + std::string(500, ']');
  EXPECT_TRUE(read(*c, ok).value.is<Array>());
  Value nested = Array{};
  for (int i = 0; i < 600; ++i) nested = Array{std::move(nested)};
  EXPECT_NE(error_of([&] { write(*c, nullptr, nested); }), "");
}

TEST(JsonConverterErrors, SchemaJsonErrorsUseKafkaMessages) {
  auto c = converter();
  EXPECT_EQ(error_of([&] { read(*c, R"({"schema":{"optional":true},"payload":1})"); }),
            "Schema must contain 'type' field");
  EXPECT_EQ(error_of([&] { read(*c, R"({"schema":{"type":"int128"},"payload":1})"); }),
            "Unknown schema type: int128");
  EXPECT_EQ(error_of([&] { read(*c, R"({"schema":{"type":"array"},"payload":[]})"); }),
            "Array schema did not specify the element type");
  EXPECT_EQ(error_of([&] {
              read(*c, R"({"schema":{"type":"struct","fields":[{"type":"int32"}]},"payload":{}})");
            }),
            "Struct schema's field name not specified properly");
  EXPECT_EQ(error_of([&] {
              read(*c, R"({"schema":{"type":"string","parameters":{"a":1}},"payload":"x"})");
            }),
            "Schema parameters must have string values.");
}

TEST(JsonConverterErrors, LogicalTypesCheckTheirJsonRepresentation) {
  auto c = converter();
  const std::string date =
      R"({"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1})";
  EXPECT_EQ(error_of([&] { read(*c, R"({"schema":)" + date + R"(,"payload":1.5})"); }),
            "Invalid type for Date, underlying representation should be integer but was NUMBER");
  EXPECT_EQ(
      error_of([&] {
        read(
            *c,
            R"({"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":true})");
      }),
      "Invalid type for Decimal, underlying representation should be numeric or bytes but was "
      "BOOLEAN");
  EXPECT_NE(
      error_of([&] {
        read(
            *c,
            R"({"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1},"payload":-1})");
      }),
      "");
  EXPECT_EQ(error_of([&] { write(*c, decimal_schema(3), sdk::Decimal::from_unscaled(1234, 2)); }),
            "BigDecimal has mismatching scale value for given Decimal schema");
}

TEST(JsonConverterErrors, StructWithAnotherSchemaIsMismatching) {
  auto c = converter();
  EXPECT_EQ(error_of([&] { write(*c, person_schema(), categories_row(categories_schema())); }),
            "Mismatching schema.");
}

// --- Configuration, caching, headers ---------------------------------------------------------

TEST(JsonConverterConfig, DefaultsMatchKafka) {
  JsonConverter c;
  EXPECT_TRUE(c.settings().schemas_enable);
  EXPECT_EQ(c.settings().schemas_cache_size, 1000);
  EXPECT_EQ(c.settings().codec.decimal_format, DecimalFormat::kBase64);
  EXPECT_TRUE(c.settings().codec.replace_null_with_default);
  c.configure({}, true);
  EXPECT_EQ(c.settings().type, ConverterType::kKey);
  c.configure({});
  EXPECT_EQ(c.settings().type, ConverterType::kHeader);
}

TEST(JsonConverterConfig, InvalidValuesNameTheKeyAndTheValue) {
  auto message_of = [](sdk::ConfigMap configs) {
    try {
      JsonConverter c;
      c.configure(configs, false);
    } catch (const sdk::ConfigException& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  const std::string format = message_of({{"decimal.format", "HEX"}});
  EXPECT_NE(format.find("HEX"), std::string::npos) << format;
  EXPECT_NE(format.find("decimal.format"), std::string::npos) << format;
  const std::string enable = message_of({{"schemas.enable", "maybe"}});
  EXPECT_NE(enable.find("maybe"), std::string::npos) << enable;
  EXPECT_NE(enable.find("schemas.enable"), std::string::npos) << enable;
  const std::string size = message_of({{"schemas.cache.size", "-1"}});
  EXPECT_NE(size.find("schemas.cache.size"), std::string::npos) << size;
  EXPECT_EQ(JsonConverter::config_def().names().size(), 5u);
}

TEST(JsonConverterCache, EqualSchemasFromSeparateObjectsWriteTheSameBytes) {
  auto c = converter();
  for (int i = 0; i < 3; ++i) {
    const SchemaPtr schema = categories_schema();  // a new object each time
    EXPECT_EQ(write(*c, schema, categories_row(schema)), golden("categories.json"));
  }
}

TEST(JsonConverterCache, RepeatedSchemaJsonIsParsedOnce) {
  auto c = converter();
  const auto first = read(*c, golden("categories.json"));
  const auto second = read(*c, golden("person.json"));
  const auto third = read(*c, golden("categories.json"));
  EXPECT_EQ(first.schema.get(), third.schema.get());
  EXPECT_NE(first.schema.get(), second.schema.get());
}

TEST(JsonConverterCache, ZeroAndTinyCachesStillConvertCorrectly) {
  for (const char* size : {"0", "1"}) {
    auto c = converter({{"schemas.cache.size", size}});
    for (int i = 0; i < 3; ++i) {
      expect_round_trip(*c, "categories.json", categories_schema(),
                        categories_row(categories_schema()));
      expect_round_trip(*c, "person.json", person_schema(), person(person_schema()));
    }
  }
}

TEST(JsonConverterHeaders, HeaderPathConvertsLikeData) {
  JsonConverter c;
  c.configure(sdk::ConfigMap{});
  const SchemaPtr schema = categories_schema();
  const auto bytes = c.from_connect_header("t", "h", schema, categories_row(schema));
  EXPECT_EQ(text_of(bytes), golden("categories.json"));
  const auto back = c.to_connect_header("t", "h", view(golden("categories.json")));
  EXPECT_TRUE(sdk::schemas_equal(back.schema, schema));
  EXPECT_EQ(back.value, categories_row(schema));
  EXPECT_FALSE(c.from_connect_header("t", "h", nullptr, Value()).has_value());
}

TEST(JsonConverterSchemas, AsJsonSchemaAndBackAreInverse) {
  JsonConverter c;
  const SchemaPtr schema = person_schema();
  const std::string json = c.as_json_schema(schema);
  const std::string envelope = golden("person.json");
  EXPECT_EQ(json, envelope.substr(10, envelope.find(",\"payload\":") - 10));
  EXPECT_EQ(*c.as_connect_schema(json), *schema);
  EXPECT_EQ(c.as_json_schema(nullptr), "null");
  EXPECT_EQ(c.as_connect_schema("null"), nullptr);
}

TEST(JsonConverter, MembersOutOfOrderAndMissingFieldsAreFound) {
  auto c = converter();
  const std::string envelope = golden("categories.json");
  const std::string schema = envelope.substr(10, envelope.find(",\"payload\":") - 10);
  const auto back = read(
      *c,
      R"({"payload":{"category_name":"Football","category_department_id":2,"category_id":1},"schema":)" +
          schema + "}");
  EXPECT_EQ(back.value, categories_row(categories_schema()));
}

TEST(JsonConverter, DuplicateKeysKeepTheLastValueAsJacksonDoes) {
  const auto back = read(*schemaless(), R"({"a":1,"b":2,"a":3})");
  EXPECT_EQ(back.value, Value(Map{{"a", std::int64_t{3}}, {"b", std::int64_t{2}}}));
}

}  // namespace
}  // namespace ferry::runtime

namespace ferry::runtime {
namespace {

// Inputs shaped to make naive code quadratic: many struct fields, many map keys with a late
// duplicate, many schema parameters. Each must convert in well under a second.
TEST(JsonConverterErrors, WideHostileInputsStayLinear) {
  constexpr int kWidth = 50000;
  std::string fields;
  std::string payload;
  std::string parameters;
  for (int i = 0; i < kWidth; ++i) {
    const std::string name = "f" + std::to_string(i);
    fields +=
        (i ? "," : "") + std::string(R"({"type":"int32","optional":true,"field":")") + name + "\"}";
    payload += (i ? "," : "") + std::string("\"") + name + "\":" + std::to_string(i);
    parameters += (i ? "," : "") + std::string("\"") + name + "\":\"v\"";
  }
  auto c = converter();
  const auto start = std::chrono::steady_clock::now();
  const auto wide = read(*c, R"({"schema":{"type":"struct","fields":[)" + fields +
                                 R"(],"optional":false},"payload":{)" + payload + "}}");
  EXPECT_EQ(wide.value.as<Struct>().get("f49999"), Value(std::int32_t{49999}));
  const auto map = read(*schemaless(), "{" + payload + R"(,"f0":-1})");
  EXPECT_EQ(map.value.as<Map>().size(), static_cast<std::size_t>(kWidth));
  EXPECT_EQ(map.value.as<Map>().front().value, Value(std::int64_t{-1}));
  const auto params = read(
      *c, R"({"schema":{"type":"string","parameters":{)" + parameters + R"(}},"payload":"x"})");
  EXPECT_EQ(params.schema->parameters().size(), static_cast<std::size_t>(kWidth));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace ferry::runtime

namespace ferry::runtime {
namespace {

// The fast path for envelopes that repeat the last schema's text: a converter that has just read
// `learned` (so knows its schema text) must read `text` exactly as a fresh converter does, whose
// first read is always a full parse: the same schema and value, or the same error.
void expect_read_as_fresh(const std::string& learned, const std::string& text) {
  auto warm = converter();
  read(*warm, learned);
  auto fresh = converter();
  std::string warm_error;
  std::string fresh_error;
  sdk::SchemaAndValue warm_result;
  sdk::SchemaAndValue fresh_result;
  try {
    warm_result = read(*warm, text);
  } catch (const DataException& e) {
    warm_error = e.what();
  }
  try {
    fresh_result = read(*fresh, text);
  } catch (const DataException& e) {
    fresh_error = e.what();
  }
  EXPECT_EQ(warm_error, fresh_error) << text;
  EXPECT_TRUE(warm_result == fresh_result) << text;
}

// An envelope with a string schema up to its payload, and one whole such envelope.
const std::string kStringEnvelopeStart =
    R"({"schema":{"type":"string","optional":false},"payload":)";
const std::string kStringEnvelope = kStringEnvelopeStart + R"("x"})";

TEST(JsonConverterKnownSchema, RepeatedSchemaTextReadsAsAFullParse) {
  const std::string& start = kStringEnvelopeStart;
  const std::string& learned = kStringEnvelope;
  for (const std::string& payload : std::vector<std::string>{
           R"("y"})",
           "\"y\"} \n\t\r",
           " \"y\"\n}",
           R"("a}\"b\\ \u00e9 ,\"payload\":"})",
           R"("é"})",
       }) {
    expect_read_as_fresh(learned, start + payload);
  }
  auto c = converter();
  const SchemaPtr first = read(*c, learned).schema;
  const auto again = read(*c, start + R"("y"})");
  EXPECT_EQ(again.schema.get(), first.get());
  EXPECT_EQ(again.value, Value("y"));
}

// Texts that begin like a known envelope but are not one (or not only one) must fall back to the
// full parse: the same errors, Jackson's last-duplicate rule, the members the full parse finds.
TEST(JsonConverterKnownSchema, HostileLookAlikesFallBackToTheFullParse) {
  const std::string& start = kStringEnvelopeStart;
  const std::string& learned = kStringEnvelope;
  for (const std::string& payload : std::vector<std::string>{
           R"("y"} x)",
           R"("y"}})",
           R"("y")",
           R"(})",
           " }",
           "",
           R"("y","extra":1})",
           R"("y","payload":"z"})",
           R"("y","schema":{"type":"int32"}})",
           R"("y"},"payload":"z"})",
           R"(1})",
           R"(null})",
           R"("y" "z"})",
           R"("unterminated})",
           "\"\xC3\x28\"}",
           std::string("\"y\"}\0", 5),
           R"({"schema":null,"payload":1}})",
       }) {
    expect_read_as_fresh(learned, start + payload);
  }
  // The schema text must match exactly, up to the separator.
  for (const std::string& text : std::vector<std::string>{
           R"({"schema":{"type":"string","optional":false} ,"payload":"y"})",
           R"({"schema":{"type":"string","optional":false},"payload" :"y"})",
           R"({"schema":{"type":"string","optional":false},"paylod_":"y"})",
           R"({"schema":{"type":"string","optional":false}:"payload":"y"})",
           R"({"schema":{"type":"string","optional":false,"doc":"d"},"payload":"y"})",
           R"({"schema":{"type":"string","optional":false}})",
           R"({"schema":{"type":"string","optional":false},"payload":"y","schema":null})",
           R"( {"schema":{"type":"string","optional":false},"payload":"y"})",
           R"({"schema":{"type":"string","optional":true},"payload":null})",
           R"({"schema":{"type":"int32"},"payload":"y"})",
           R"({"schema":)",
           R"({"schema":{"type":"string","optional":false})",
           R"({"schema":{"type":"string","optional":false},"payload":)",
       }) {
    expect_read_as_fresh(learned, text);
  }
}

TEST(JsonConverterKnownSchema, NullSchemaAndDepthLimitMatchTheFullParse) {
  const std::string start = R"({"schema":null,"payload":)";
  expect_read_as_fresh(start + "1}", start + R"({"a":[1,2.5,"s"]}})");
  expect_read_as_fresh(start + "1}", start + "}");
  // The envelope is one level of nesting: a payload at the limit, and just past it.
  for (std::size_t depth = JsonDocument::kMaxDepth - 2; depth <= JsonDocument::kMaxDepth + 1;
       ++depth) {
    expect_read_as_fresh(start + "1}",
                         start + std::string(depth, '[') + std::string(depth, ']') + "}");
  }
}

// A schema whose JSON holds ,"payload": itself: its text is still found, or (with more such
// occurrences than are tried) never learned; either way every record reads as a full parse.
TEST(JsonConverterKnownSchema, SchemaTextsHoldingThePayloadSeparator) {
  const std::string one = R"({"type":"string","payload":1})";
  std::string many = R"({"type":"struct","fields":[)";
  for (int i = 0; i < 6; ++i) {
    many += (i ? "," : "") + std::string(R"({"field":"f)") + std::to_string(i) +
            R"(","type":"int32","payload":1})";
  }
  many += "]}";
  for (const std::string& schema : {one, many}) {
    const std::string start = R"({"schema":)" + schema + R"(,"payload":)";
    const std::string payload =
        schema == one ? R"("x")" : R"({"f0":0,"f1":1,"f2":2,"f3":3,"f4":4,"f5":5})";
    expect_read_as_fresh(start + payload + "}", start + payload + "}");
    expect_read_as_fresh(start + payload + "}", start + payload + R"(,"payload":null})");
    expect_read_as_fresh(start + payload + "}", start + "1}");
  }
}

// The known schema is the read cache's answer for its text, so the cache's behaviour is kept:
// after another schema evicts it (a cache of one) it is read again, and without a cache every
// record's schema is read anew.
TEST(JsonConverterKnownSchema, CacheEvictionAndNoCacheAreKept) {
  const std::string a = R"({"schema":{"type":"string"},"payload":"a"})";
  const std::string b = R"({"schema":{"type":"int32"},"payload":1})";
  auto tiny = converter({{"schemas.cache.size", "1"}});
  const SchemaPtr a1 = read(*tiny, a).schema;
  EXPECT_EQ(read(*tiny, a).schema.get(), a1.get());
  read(*tiny, b);
  const SchemaPtr a2 = read(*tiny, a).schema;
  EXPECT_NE(a2.get(), a1.get());
  EXPECT_EQ(*a2, *a1);
  EXPECT_EQ(read(*tiny, a).schema.get(), a2.get());
  // as_connect_schema goes through the same cache.
  tiny->as_connect_schema(R"({"type":"int64"})");
  EXPECT_NE(read(*tiny, a).schema.get(), a2.get());

  auto none = converter({{"schemas.cache.size", "0"}});
  const SchemaPtr n1 = read(*none, a).schema;
  EXPECT_NE(read(*none, a).schema.get(), n1.get());

  // Reconfiguring clears the caches, and with them the known schema.
  auto c = converter();
  const SchemaPtr c1 = read(*c, a).schema;
  c->configure({}, false);
  EXPECT_NE(read(*c, a).schema.get(), c1.get());
}

}  // namespace
}  // namespace ferry::runtime
