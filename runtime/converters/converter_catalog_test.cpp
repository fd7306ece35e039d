#include "runtime/converters/converter_catalog.h"

#include <gtest/gtest.h>

#include "runtime/converters/json_converter.h"
#include "runtime/converters/simple_header_converter.h"
#include "runtime/converters/string_converter.h"

namespace ferry::runtime {
namespace {

TEST(ConverterCatalog, FullNamesSimpleNamesAndPrunedNamesResolve) {
  const ConverterCatalog catalog = ConverterCatalog::with_builtins("1.0");
  for (const std::string_view name :
       {"org.apache.kafka.connect.json.JsonConverter", "JsonConverter", "Json"}) {
    auto converter = catalog.new_converter(name);
    ASSERT_TRUE(converter.ok()) << name << ": " << converter.status().message();
    EXPECT_NE(dynamic_cast<JsonConverter*>(converter->get()), nullptr) << name;
  }
  for (const std::string_view name :
       {"org.apache.kafka.connect.storage.StringConverter", "StringConverter", "String"}) {
    auto header = catalog.new_header_converter(name);
    ASSERT_TRUE(header.ok()) << name;
    EXPECT_NE(dynamic_cast<StringConverter*>(header->get()), nullptr);
  }
  for (const std::string_view name : {"org.apache.kafka.connect.storage.SimpleHeaderConverter",
                                      "SimpleHeaderConverter", "Simple"}) {
    auto header = catalog.new_header_converter(name);
    ASSERT_TRUE(header.ok()) << name;
    EXPECT_NE(dynamic_cast<SimpleHeaderConverter*>(header->get()), nullptr);
  }
  for (const std::string_view name :
       {"ByteArray", "Integer", "LongConverter", "Short", "Float",
        "org.apache.kafka.connect.converters.DoubleConverter", "Boolean"}) {
    EXPECT_TRUE(catalog.new_converter(name).ok()) << name;
  }
}

TEST(ConverterCatalog, UnknownNamesListWhatThereIs) {
  const ConverterCatalog catalog = ConverterCatalog::with_builtins("1.0");
  const auto missing = catalog.new_converter("io.confluent.connect.avro.AvroConverter");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().kind(), Status::Kind::kNotFound);
  EXPECT_NE(missing.status().message().find("io.confluent.connect.avro.AvroConverter"),
            std::string::npos);
  EXPECT_NE(missing.status().message().find("org.apache.kafka.connect.json.JsonConverter"),
            std::string::npos);
  const auto wrong_kind = catalog.new_converter("SimpleHeaderConverter");
  ASSERT_FALSE(wrong_kind.ok());
  EXPECT_EQ(wrong_kind.status().kind(), Status::Kind::kInvalidArgument);
}

TEST(ConverterCatalog, AnAliasTwoClassesShareIsDropped) {
  ConverterCatalog catalog = ConverterCatalog::with_builtins("1.0");
  ASSERT_TRUE(catalog
                  .add({.class_name = "com.example.JsonConverter",
                        .version = "2.0",
                        .new_converter = [] { return std::make_unique<JsonConverter>(); }})
                  .ok());
  EXPECT_EQ(catalog.find("JsonConverter"), nullptr);
  EXPECT_EQ(catalog.find("Json"), nullptr);
  ASSERT_NE(catalog.find("com.example.JsonConverter"), nullptr);
  EXPECT_EQ(catalog.find("org.apache.kafka.connect.json.JsonConverter")->version, "1.0");
  EXPECT_FALSE(catalog.add({.class_name = "com.example.JsonConverter"}).ok());
}

TEST(ConverterCatalog, ListsAliasesPerPlugin) {
  const ConverterCatalog catalog = ConverterCatalog::with_builtins("1.0");
  const ConverterPlugin* json = catalog.find("Json");
  ASSERT_NE(json, nullptr);
  EXPECT_EQ(catalog.aliases_of(*json), (std::vector<std::string>{"Json", "JsonConverter"}));
  EXPECT_EQ(catalog.plugins().size(), 10u);
}

}  // namespace
}  // namespace ferry::runtime
