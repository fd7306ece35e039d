#include "plugins/loader/plugin_aliases.h"

#include <vector>

#include <gtest/gtest.h>

namespace ferry::loader {
namespace {

TEST(PluginAliases, SimpleNameIsAfterTheLastDotOrNestedClassMark) {
  EXPECT_EQ(simple_name("org.apache.kafka.connect.file.FileStreamSourceConnector"),
            "FileStreamSourceConnector");
  EXPECT_EQ(simple_name("org.apache.kafka.connect.transforms.Cast$Value"), "Value");
  EXPECT_EQ(simple_name("Uppercase"), "Uppercase");
}

TEST(PluginAliases, PrunedNameCutsBeforeTheLastOccurrenceOfTheTypeSuffix) {
  EXPECT_EQ(pruned_name("a.FileStreamSourceConnector", ComponentKind::kSourceConnector),
            "FileStreamSource");
  EXPECT_EQ(pruned_name("a.FileStreamSinkConnector", ComponentKind::kSinkConnector),
            "FileStreamSink");
  EXPECT_EQ(pruned_name("a.JsonConverter", ComponentKind::kConverter), "Json");
  // The suffix is the kind's: as a converter SimpleHeaderConverter is "SimpleHeader", as a
  // header converter "Simple".
  EXPECT_EQ(pruned_name("a.SimpleHeaderConverter", ComponentKind::kConverter), "SimpleHeader");
  EXPECT_EQ(pruned_name("a.SimpleHeaderConverter", ComponentKind::kHeaderConverter), "Simple");
  EXPECT_EQ(pruned_name("a.TopicPrefixTransformation", ComponentKind::kSinkTransformation),
            "TopicPrefix");
  EXPECT_EQ(pruned_name("a.TopicIsPredicate", ComponentKind::kSourcePredicate), "TopicIs");
}

TEST(PluginAliases, PrunedNameUsesTheLastOccurrenceAndNeverPosition0) {
  // lastIndexOf: the last "Connector", and everything after it goes too.
  EXPECT_EQ(pruned_name("a.ConnectorConnector", ComponentKind::kSourceConnector), "Connector");
  EXPECT_EQ(pruned_name("a.FooConnectorBar", ComponentKind::kSinkConnector), "Foo");
  // pos > 0: a name that is only the suffix keeps it.
  EXPECT_EQ(pruned_name("a.Connector", ComponentKind::kSourceConnector), "Connector");
  EXPECT_EQ(pruned_name("a.Converter", ComponentKind::kConverter), "Converter");
  // No suffix: the simple name.
  EXPECT_EQ(pruned_name("a.Cast$Value", ComponentKind::kSourceTransformation), "Value");
}

TEST(PluginAliases, SimpleAndPrunedNamesOfOneClassAreAliases) {
  const std::vector<RegisteredClass> classes = {
      {"org.apache.kafka.connect.file.FileStreamSourceConnector", ComponentKind::kSourceConnector}};
  const auto aliases = compute_aliases(classes);
  EXPECT_EQ(aliases.at("FileStreamSourceConnector"),
            "org.apache.kafka.connect.file.FileStreamSourceConnector");
  EXPECT_EQ(aliases.at("FileStreamSource"),
            "org.apache.kafka.connect.file.FileStreamSourceConnector");
  EXPECT_EQ(aliases.size(), 2u);
}

TEST(PluginAliases, AliasSharedByClassesOfDifferentKindsIsDropped) {
  const std::vector<RegisteredClass> classes = {
      {"com.example.EchoConnector", ComponentKind::kSourceConnector},
      {"com.example.EchoConverter", ComponentKind::kConverter}};
  const auto aliases = compute_aliases(classes);
  EXPECT_FALSE(aliases.contains("Echo"));
  EXPECT_EQ(aliases.at("EchoConnector"), "com.example.EchoConnector");
  EXPECT_EQ(aliases.at("EchoConverter"), "com.example.EchoConverter");
}

TEST(PluginAliases, OneClassRegisteredAsTwoKindsKeepsItsAliases) {
  const std::vector<RegisteredClass> classes = {
      {"org.apache.kafka.connect.json.JsonConverter", ComponentKind::kConverter},
      {"org.apache.kafka.connect.json.JsonConverter", ComponentKind::kHeaderConverter}};
  const auto aliases = compute_aliases(classes);
  EXPECT_EQ(aliases.at("Json"), "org.apache.kafka.connect.json.JsonConverter");
  EXPECT_EQ(aliases.at("JsonConverter"), "org.apache.kafka.connect.json.JsonConverter");
}

TEST(PluginAliases, NestedTransformsShareValueSoItIsNoAlias) {
  const std::vector<RegisteredClass> classes = {
      {"org.apache.kafka.connect.transforms.Cast$Value", ComponentKind::kSourceTransformation},
      {"org.apache.kafka.connect.transforms.ReplaceField$Value",
       ComponentKind::kSourceTransformation}};
  EXPECT_TRUE(compute_aliases(classes).empty());
}

}  // namespace
}  // namespace ferry::loader
