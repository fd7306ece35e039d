#include "plugins/loader/plugin_registry.h"

#include <stdexcept>

#include <gtest/gtest.h>

namespace ferry::loader {
namespace {

using sdk::ConfigDef;
using sdk::ConfigMap;

class FakeSource : public sdk::SourceConnector {
 public:
  explicit FakeSource(std::string version = "1.0") : version_(std::move(version)) {}
  std::string version() const override { return version_; }
  void start(const ConfigMap& /*props*/) override {}
  std::vector<ConfigMap> task_configs(int /*max_tasks*/) override { return {}; }
  void stop() override {}
  ConfigDef config() const override { return ConfigDef(); }
  std::unique_ptr<sdk::SourceTask> create_task() const override { return nullptr; }

 private:
  std::string version_;
};

class FakeSink : public sdk::SinkConnector {
 public:
  std::string version() const override { return "1.0"; }
  void start(const ConfigMap& /*props*/) override {}
  std::vector<ConfigMap> task_configs(int /*max_tasks*/) override { return {}; }
  void stop() override {}
  ConfigDef config() const override { return ConfigDef(); }
  std::unique_ptr<sdk::SinkTask> create_task() const override { return nullptr; }
};

class FakeConverter : public sdk::Converter {
 public:
  void configure(const ConfigMap& /*configs*/, bool /*is_key*/) override {}
  std::optional<sdk::Bytes> from_connect_data(std::string_view /*topic*/,
                                              const sdk::SchemaPtr& /*schema*/,
                                              const sdk::Value& /*value*/) override {
    return std::nullopt;
  }
  sdk::SchemaAndValue to_connect_data(std::string_view /*topic*/,
                                      std::optional<sdk::ByteView> /*bytes*/) override {
    return {};
  }
};

class FakeHeaderConverter : public sdk::HeaderConverter {
 public:
  void configure(const ConfigMap& /*configs*/) override {}
  std::optional<sdk::Bytes> from_connect_header(std::string_view /*topic*/,
                                                std::string_view /*header_key*/,
                                                const sdk::SchemaPtr& /*schema*/,
                                                const sdk::Value& /*value*/) override {
    return std::nullopt;
  }
  sdk::SchemaAndValue to_connect_header(std::string_view /*topic*/, std::string_view /*header_key*/,
                                        std::optional<sdk::ByteView> /*bytes*/) override {
    return {};
  }
};

template <typename Record>
class FakeTransformation : public sdk::Transformation<Record> {
 public:
  void configure(const ConfigMap& /*props*/) override {}
  std::optional<Record> apply(Record record) override { return record; }
  ConfigDef config() const override { return ConfigDef(); }
};

template <typename Record>
class FakePredicate : public sdk::Predicate<Record> {
 public:
  void configure(const ConfigMap& /*props*/) override {}
  bool test(const Record& /*record*/) const override { return true; }
  ConfigDef config() const override { return ConfigDef(); }
};

Factory<sdk::SourceConnector> source(std::string version = "1.0") {
  return [version] { return std::make_unique<FakeSource>(version); };
}
Factory<sdk::SinkConnector> sink() {
  return [] { return std::make_unique<FakeSink>(); };
}
Factory<sdk::Converter> converter() {
  return [] { return std::make_unique<FakeConverter>(); };
}

PluginInfo plugin(const std::string& name, std::string version = "1.0") {
  return {.name = name, .version = std::move(version), .file = "/plugins/" + name};
}

// A registry holding what Kafka ships in its file connector and json modules, plus a plugin
// with a transformation and a predicate.
class PluginRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EXPECT_TRUE(registry_
                    .register_plugin(
                        plugin("file"),
                        [](sdk::PluginRegistrar& r) {
                          r.source_connector(
                              "org.apache.kafka.connect.file.FileStreamSourceConnector", source());
                          r.sink_connector("org.apache.kafka.connect.file.FileStreamSinkConnector",
                                           sink());
                        })
                    .empty());
    EXPECT_TRUE(registry_
                    .register_plugin({.name = "ferry", .version = "0.1.0"},
                                     [](sdk::PluginRegistrar& r) {
                                       r.converter("org.apache.kafka.connect.json.JsonConverter",
                                                   converter());
                                       r.header_converter(
                                           "org.apache.kafka.connect.storage.SimpleHeaderConverter",
                                           [] { return std::make_unique<FakeHeaderConverter>(); });
                                     })
                    .empty());
    EXPECT_TRUE(registry_
                    .register_plugin(plugin("smt", "2.0"),
                                     [](sdk::PluginRegistrar& r) {
                                       r.transformation<FakeTransformation>(
                                           "com.example.TopicPrefixTransformation");
                                       r.predicate<FakePredicate>("com.example.TopicIsPredicate");
                                     })
                    .empty());
  }

  PluginRegistry registry_;
};

TEST_F(PluginRegistryTest, ConnectorResolvesByFullSimpleAndPrunedName) {
  for (const char* name : {"org.apache.kafka.connect.file.FileStreamSourceConnector",
                           "FileStreamSourceConnector", "FileStreamSource"}) {
    Result<ConnectorFactory> found = registry_.find_connector(name);
    ASSERT_TRUE(found.ok()) << name << ": " << found.status().message();
    EXPECT_EQ(found->class_name, "org.apache.kafka.connect.file.FileStreamSourceConnector");
    ASSERT_TRUE(found->source);
    EXPECT_FALSE(found->sink);
    EXPECT_EQ(found->source()->version(), "1.0");
    EXPECT_TRUE(registry_.find_source_connector(name).ok());
  }
  Result<ConnectorFactory> sink_found = registry_.find_connector("FileStreamSink");
  ASSERT_TRUE(sink_found.ok());
  EXPECT_TRUE(sink_found->sink);
  EXPECT_FALSE(sink_found->source);
}

TEST_F(PluginRegistryTest, EveryKindResolvesByItsPrunedName) {
  EXPECT_TRUE(registry_.find_converter("Json").ok());
  EXPECT_TRUE(registry_.find_header_converter("Simple").ok());
  EXPECT_TRUE(registry_.find_source_transformation("TopicPrefix").ok());
  EXPECT_TRUE(registry_.find_sink_transformation("TopicPrefixTransformation").ok());
  EXPECT_TRUE(registry_.find_transformation<sdk::SinkRecord>("TopicPrefix").ok());
  EXPECT_TRUE(registry_.find_source_predicate("TopicIs").ok());
  EXPECT_TRUE(registry_.find_predicate<sdk::SinkRecord>("com.example.TopicIsPredicate").ok());
  EXPECT_EQ(registry_.resolve(ComponentKind::kConverter, "Json").value(),
            "org.apache.kafka.connect.json.JsonConverter");
}

TEST_F(PluginRegistryTest, UnknownConnectorListsTheClosestClassesFirst) {
  Result<ConnectorFactory> found = registry_.find_connector("FileStreamSorce");
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().kind(), Status::Kind::kNotFound);
  EXPECT_EQ(found.status().message(),
            "Failed to find any class that implements Connector and which name matches "
            "FileStreamSorce, available connectors are: "
            "org.apache.kafka.connect.file.FileStreamSourceConnector, "
            "org.apache.kafka.connect.file.FileStreamSinkConnector");
}

TEST_F(PluginRegistryTest, UnknownNameShowsOnlyTheBestFewOfMany) {
  ASSERT_TRUE(registry_
                  .register_plugin(plugin("many"),
                                   [](sdk::PluginRegistrar& r) {
                                     for (int i = 0; i < 10; ++i) {
                                       r.source_connector("com.example.Generated" +
                                                              std::to_string(i) + "Connector",
                                                          source());
                                     }
                                   })
                  .empty());
  const std::string message = registry_.find_connector("Generatd7").status().message();
  EXPECT_NE(message.find("available connectors are: com.example.Generated7Connector, "),
            std::string::npos)
      << message;
  EXPECT_TRUE(message.ends_with(", and 7 more")) << message;
}

TEST_F(PluginRegistryTest, NoConnectorsAtAllSaysNone) {
  PluginRegistry empty;
  EXPECT_EQ(empty.find_connector("FileStreamSource").status().message(),
            "Failed to find any class that implements Connector and which name matches "
            "FileStreamSource, available connectors are: none");
}

TEST_F(PluginRegistryTest, ClassOfAnotherKindIsNamedAsSuch) {
  const Status status = registry_.find_converter("FileStreamSource").status();
  EXPECT_EQ(status.kind(), Status::Kind::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "org.apache.kafka.connect.file.FileStreamSourceConnector is a source connector, not a "
            "converter");
  EXPECT_EQ(registry_.find_source_connector("FileStreamSinkConnector").status().message(),
            "org.apache.kafka.connect.file.FileStreamSinkConnector is a sink connector, not a "
            "source connector");
  EXPECT_EQ(registry_.find_connector("Json").status().message(),
            "org.apache.kafka.connect.json.JsonConverter is a converter, not a connector");
}

TEST_F(PluginRegistryTest, AmbiguousAliasIsDroppedButTheConnectorScanStillFindsTheConnector) {
  ASSERT_TRUE(registry_
                  .register_plugin(plugin("echo"),
                                   [](sdk::PluginRegistrar& r) {
                                     r.source_connector("com.example.EchoConnector", source());
                                     r.converter("com.example.EchoConverter", converter());
                                   })
                  .empty());
  EXPECT_TRUE(registry_.aliases_of("com.example.EchoConverter") ==
              std::vector<std::string>{"EchoConverter"});
  // Converters know no scan: "Echo" names nothing.
  EXPECT_EQ(registry_.find_converter("Echo").status().kind(), Status::Kind::kNotFound);
  // Plugins.newConnector: the only connector whose simple name is "Echo" + "Connector".
  Result<ConnectorFactory> found = registry_.find_connector("Echo");
  ASSERT_TRUE(found.ok()) << found.status().message();
  EXPECT_EQ(found->class_name, "com.example.EchoConnector");
}

TEST_F(PluginRegistryTest, TwoConnectorsWithOneSimpleNameNeedTheFullName) {
  ASSERT_TRUE(registry_
                  .register_plugin(plugin("dups"),
                                   [](sdk::PluginRegistrar& r) {
                                     r.source_connector("com.a.DupConnector", source());
                                     r.sink_connector("com.b.DupConnector", sink());
                                   })
                  .empty());
  EXPECT_TRUE(registry_.aliases_of("com.a.DupConnector").empty());
  const Status status = registry_.find_connector("Dup").status();
  EXPECT_EQ(status.kind(), Status::Kind::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "More than one connector matches alias Dup. Please use full package and class name "
            "instead. Classes found: com.a.DupConnector, com.b.DupConnector");
  EXPECT_FALSE(registry_.find_connector("DupConnector").ok());
  EXPECT_TRUE(registry_.find_connector("com.b.DupConnector").ok());
  // Only one of them is a source connector.
  EXPECT_TRUE(registry_.find_source_connector("Dup").ok());
}

TEST_F(PluginRegistryTest, ClassRegisteredTwiceKeepsTheFirstAndReportsTheSecond) {
  const std::vector<Conflict> conflicts =
      registry_.register_plugin(plugin("copy", "3.0"), [](sdk::PluginRegistrar& r) {
        r.source_connector("org.apache.kafka.connect.file.FileStreamSourceConnector",
                           source("3.0"));
        r.sink_connector("com.example.OtherSinkConnector", sink());
      });
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0].message(),
            "source connector org.apache.kafka.connect.file.FileStreamSourceConnector is already "
            "provided by file 1.0 (/plugins/file); the one in copy 3.0 (/plugins/copy) is ignored");
  EXPECT_EQ(registry_.conflicts().size(), 1u);
  EXPECT_EQ(registry_.find_source_connector("FileStreamSource").value()()->version(), "1.0");
  // The rest of the plugin is used.
  EXPECT_TRUE(registry_.find_sink_connector("OtherSink").ok());
}

TEST_F(PluginRegistryTest, RegistrationThatThrowsAddsNothing) {
  EXPECT_THROW(registry_.register_plugin(plugin("half"),
                                         [](sdk::PluginRegistrar& r) {
                                           r.converter("com.example.HalfConverter", converter());
                                           throw std::runtime_error("driver missing");
                                         }),
               std::runtime_error);
  EXPECT_EQ(registry_.find_converter("com.example.HalfConverter").status().kind(),
            Status::Kind::kNotFound);
  EXPECT_EQ(registry_.plugins().size(), 3u);
}

TEST_F(PluginRegistryTest, EmptyClassNameOrFactoryIsRefused) {
  EXPECT_THROW(registry_.register_plugin(
                   plugin("bad"), [](sdk::PluginRegistrar& r) { r.converter("", converter()); }),
               std::invalid_argument);
  EXPECT_THROW(registry_.register_plugin(
                   plugin("bad"),
                   [](sdk::PluginRegistrar& r) { r.converter("com.example.NoFactory", nullptr); }),
               std::invalid_argument);
}

TEST_F(PluginRegistryTest, FactoryFailureNamesTheClassAndThePlugin) {
  ASSERT_TRUE(registry_
                  .register_plugin(plugin("flaky", "0.9"),
                                   [](sdk::PluginRegistrar& r) {
                                     r.source_connector(
                                         "com.example.FlakySourceConnector",
                                         []() -> std::unique_ptr<sdk::SourceConnector> {
                                           throw std::runtime_error("no license");
                                         });
                                     r.converter("com.example.NullConverter",
                                                 [] { return std::unique_ptr<sdk::Converter>(); });
                                   })
                  .empty());
  const Factory<sdk::SourceConnector> flaky =
      registry_.find_source_connector("FlakySource").value();
  try {
    flaky();
    FAIL() << "the factory should throw";
  } catch (const sdk::ConnectException& e) {
    EXPECT_STREQ(e.what(),
                 "cannot create source connector com.example.FlakySourceConnector of plugin "
                 "flaky 0.9 (/plugins/flaky): no license");
  }
  const Factory<sdk::Converter> null_converter = registry_.find_converter("Null").value();
  EXPECT_THROW(null_converter(), sdk::ConnectException);
}

TEST_F(PluginRegistryTest, ListingIsOneRowPerClassAndKafkaTypeInKafkasOrder) {
  const std::vector<PluginListing> rows = registry_.list();
  std::vector<std::string> summary;
  for (const PluginListing& row : rows) {
    std::string aliases;
    for (const std::string& alias : row.aliases) aliases += " " + alias;
    summary.push_back(row.type + " " + row.class_name + " " + row.version + aliases);
  }
  EXPECT_EQ(summary,
            (std::vector<std::string>{
                "source org.apache.kafka.connect.file.FileStreamSourceConnector 1.0 "
                "FileStreamSource FileStreamSourceConnector",
                "sink org.apache.kafka.connect.file.FileStreamSinkConnector 1.0 FileStreamSink "
                "FileStreamSinkConnector",
                "converter org.apache.kafka.connect.json.JsonConverter 0.1.0 Json JsonConverter",
                "header_converter org.apache.kafka.connect.storage.SimpleHeaderConverter 0.1.0 "
                "Simple SimpleHeaderConverter",
                "transformation com.example.TopicPrefixTransformation 2.0 TopicPrefix "
                "TopicPrefixTransformation",
                "predicate com.example.TopicIsPredicate 2.0 TopicIs TopicIsPredicate",
            }));
  EXPECT_TRUE(rows.front().plugin->file == "/plugins/file");
}

}  // namespace
}  // namespace ferry::loader
