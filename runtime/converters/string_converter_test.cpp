#include "runtime/converters/string_converter.h"

#include <gtest/gtest.h>

#include "ferry/sdk/errors.h"
#include "ferry/sdk/schema_builder.h"

namespace ferry::runtime {
namespace {

using sdk::Schema;
using sdk::Value;

std::string text_of(const std::optional<sdk::Bytes>& bytes) {
  return bytes ? std::string(bytes->begin(), bytes->end()) : "<null>";
}

TEST(StringConverter, WritesJavaToStringIgnoringTheSchema) {
  StringConverter converter;
  converter.configure({}, false);
  EXPECT_EQ(text_of(converter.from_connect_data("t", Schema::string(), Value("héllo"))), "héllo");
  EXPECT_EQ(text_of(converter.from_connect_data("t", Schema::int32(), Value(std::int32_t{42}))),
            "42");
  EXPECT_EQ(text_of(converter.from_connect_data("t", nullptr, Value(0.1))), "0.1");
  EXPECT_EQ(text_of(converter.from_connect_data(
                "t", nullptr, Value(sdk::Array{Value("a"), Value(std::int8_t{1}), Value()}))),
            "[a, 1, null]");
  EXPECT_EQ(
      text_of(converter.from_connect_data(
          "t", nullptr, Value(sdk::Map{{Value("k"), Value(true)}, {Value("n"), Value(2.0f)}}))),
      "{k=true, n=2.0}");
  const sdk::SchemaPtr schema = sdk::SchemaBuilder::struct_()
                                    .field("id", Schema::int32())
                                    .field("note", Schema::optional_string())
                                    .field("name", Schema::string())
                                    .build();
  sdk::Struct row(schema);
  row.put("id", std::int32_t{1}).put("name", "x");
  EXPECT_EQ(text_of(converter.from_connect_data("t", schema, Value(row))), "Struct{id=1,name=x}");
  EXPECT_EQ(text_of(converter.from_connect_data("t", nullptr, Value(sdk::Timestamp{0}))),
            "Thu Jan 01 00:00:00 UTC 1970");
  EXPECT_EQ(text_of(converter.from_connect_data("t", nullptr, Value(sdk::Date{19737}))),
            "Mon Jan 15 00:00:00 UTC 2024");
  EXPECT_EQ(converter.from_connect_data("t", Schema::optional_string(), Value()), std::nullopt);
}

TEST(StringConverter, ReadsOptionalStrings) {
  StringConverter converter;
  converter.configure({}, true);
  const std::string text = "{\"not\":\"parsed\"}";
  const sdk::Bytes bytes(text.begin(), text.end());
  const sdk::SchemaAndValue read = converter.to_connect_data("t", bytes);
  EXPECT_EQ(read.schema, Schema::optional_string());
  EXPECT_EQ(read.value, Value(text));
  const sdk::SchemaAndValue null = converter.to_connect_data("t", std::nullopt);
  EXPECT_EQ(null.schema, Schema::optional_string());
  EXPECT_TRUE(null.value.is_null());
  EXPECT_EQ(converter.type(), ConverterType::kKey);
}

TEST(StringConverter, HonoursConverterEncoding) {
  StringConverter converter;
  converter.configure({{"converter.encoding", "ISO-8859-1"}}, false);
  EXPECT_EQ(converter.from_connect_data("t", nullptr, Value("é")), sdk::Bytes{0xE9});
  const sdk::Bytes latin1{0x63, 0x61, 0x66, 0xE9};
  EXPECT_EQ(converter.to_connect_data("t", latin1).value, Value("café"));
}

TEST(StringConverter, UnknownEncodingIsAConfigErrorNamingIt) {
  StringConverter converter;
  try {
    converter.configure({{"converter.encoding", "KOI8-R"}}, false);
    FAIL() << "expected ConfigException";
  } catch (const sdk::ConfigException& e) {
    EXPECT_NE(std::string(e.what()).find("KOI8-R"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("converter.encoding"), std::string::npos) << e.what();
  }
}

// The worker's path: the same bytes as from_connect_data, written over what the buffer held and
// in its storage.
TEST(StringConverter, WritesIntoAReusedBuffer) {
  StringConverter converter;
  converter.configure({{"converter.encoding", "ISO-8859-1"}}, false);
  sdk::Bytes out;
  out.reserve(64);
  const std::uint8_t* storage = out.data();
  ASSERT_TRUE(converter.from_connect_data_into("t", nullptr, Value("café"), out));
  EXPECT_EQ(out, converter.from_connect_data("t", nullptr, Value("café")));
  ASSERT_TRUE(converter.from_connect_data_into("t", nullptr, Value(std::int32_t{42}), out));
  EXPECT_EQ(out, (sdk::Bytes{'4', '2'}));
  ASSERT_TRUE(converter.from_connect_data_into("t", nullptr, Value(sdk::Bytes{1, 2, 3}), out));
  EXPECT_EQ(out, (sdk::Bytes{1, 2, 3}));
  EXPECT_EQ(out.data(), storage);
  EXPECT_FALSE(converter.from_connect_data_into("t", Schema::optional_string(), Value(), out));
  EXPECT_TRUE(out.empty());
}

TEST(StringConverter, AsAHeaderConverter) {
  StringConverter converter;
  converter.configure(sdk::ConfigMap{});
  EXPECT_EQ(converter.type(), ConverterType::kHeader);
  EXPECT_EQ(text_of(converter.from_connect_header("t", "h", nullptr, Value(std::int64_t{-7}))),
            "-7");
  const sdk::Bytes bytes{'4', '2'};
  EXPECT_EQ(converter.to_connect_header("t", "h", bytes).value, Value("42"));
}

}  // namespace
}  // namespace ferry::runtime
