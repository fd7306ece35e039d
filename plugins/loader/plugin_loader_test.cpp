// The loader against real shared libraries: the scratch plugin.path <build>/test-plugins that
// plugins/loader/CMakeLists.txt builds (test_plugins/*.cpp), good plugins and bad.
#include "plugins/loader/plugin_loader.h"

#include <filesystem>
#include <string>

#include <dlfcn.h>
#include <gtest/gtest.h>

#include "tests/temp_directory.h"

namespace ferry::loader {
namespace {

namespace fs = std::filesystem;
using ferry::testing::TempDir;

const fs::path kPluginPath = FERRY_TEST_PLUGIN_DIR;

fs::path library_of(const std::string& plugin) {
  return kPluginPath / plugin / ("lib" + plugin + ".so");
}

// The reasons reported for file, in order.
std::vector<std::string> reasons_for(const LoadReport& report, const fs::path& file) {
  std::vector<std::string> reasons;
  for (const LoadProblem& problem : report.problems) {
    if (problem.file == file) reasons.push_back(problem.reason);
  }
  return reasons;
}

class PluginLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override { report_ = load_plugins({kPluginPath}, registry_); }

  PluginRegistry registry_;
  LoadReport report_;
};

TEST_F(PluginLoaderTest, GoodPluginsLoadInFolderOrder) {
  std::vector<std::string> loaded;
  for (const LoadedPlugin& plugin : report_.loaded) {
    loaded.push_back(plugin.name + " " + plugin.version + " " + plugin.file.string());
  }
  EXPECT_EQ(loaded, (std::vector<std::string>{
                        "test-good 1.2.3 " + library_of("test-good").string(),
                        "test-shadow 9.9.9 " + library_of("test-shadow").string(),
                        "test-with-dependency 1.0.0 " + library_of("test-with-dependency").string(),
                    }));
}

TEST_F(PluginLoaderTest, GoodComponentsResolveByFullSimpleAndPrunedName) {
  for (const char* name :
       {"com.example.test.TickSourceConnector", "TickSourceConnector", "TickSource"}) {
    EXPECT_TRUE(registry_.find_source_connector(name).ok()) << name;
    EXPECT_TRUE(registry_.find_connector(name).ok()) << name;
  }
  for (const char* name :
       {"com.example.test.CollectSinkConnector", "CollectSinkConnector", "CollectSink"}) {
    EXPECT_TRUE(registry_.find_sink_connector(name).ok()) << name;
  }
  for (const char* name : {"com.example.test.ShoutConverter", "ShoutConverter", "Shout"}) {
    EXPECT_TRUE(registry_.find_converter(name).ok()) << name;
  }
  for (const char* name :
       {"com.example.test.TopicPrefixTransformation", "TopicPrefixTransformation", "TopicPrefix"}) {
    EXPECT_TRUE(registry_.find_source_transformation(name).ok()) << name;
    EXPECT_TRUE(registry_.find_sink_transformation(name).ok()) << name;
  }
  for (const char* name : {"com.example.test.TopicIsPredicate", "TopicIsPredicate", "TopicIs"}) {
    EXPECT_TRUE(registry_.find_source_predicate(name).ok()) << name;
    EXPECT_TRUE(registry_.find_sink_predicate(name).ok()) << name;
  }
}

TEST_F(PluginLoaderTest, ComponentsWorkAcrossTheLibraryBoundary) {
  std::unique_ptr<sdk::SourceConnector> connector =
      registry_.find_source_connector("TickSource").value()();
  connector->start({{"topic", "ticks"}});
  const std::vector<sdk::ConfigMap> task_configs = connector->task_configs(1);
  ASSERT_EQ(task_configs.size(), 1u);
  std::unique_ptr<sdk::SourceTask> task = connector->create_task();
  task->start(task_configs.front());
  task->poll();
  const std::vector<sdk::SourceRecord> records = task->poll();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].topic, "ticks");
  EXPECT_EQ(records[0].value.as<std::string>(), "tick-2");
  EXPECT_EQ(records[0].source_offset.at("tick").as<std::int64_t>(), 2);
  task->stop();
  connector->stop();

  std::unique_ptr<sdk::Converter> converter = registry_.find_converter("Shout").value()();
  converter->configure({}, false);
  EXPECT_EQ(converter->from_connect_data("t", sdk::Schema::string(), sdk::Value("hi there")),
            (sdk::Bytes{'H', 'I', ' ', 'T', 'H', 'E', 'R', 'E'}));

  auto transformation = registry_.find_transformation<sdk::SinkRecord>("TopicPrefix").value()();
  transformation->configure({{"prefix", "copy-"}});
  sdk::SinkRecord record;
  record.topic = "orders";
  const std::optional<sdk::SinkRecord> transformed = transformation->apply(record);
  ASSERT_TRUE(transformed.has_value());
  EXPECT_EQ(transformed->topic, "copy-orders");

  auto predicate = registry_.find_predicate<sdk::SourceRecord>("TopicIs").value()();
  predicate->configure({{"topic", "ticks"}});
  EXPECT_TRUE(predicate->test(records[0]));
}

TEST_F(PluginLoaderTest, EveryBadLibraryIsReportedWithFileAndReasonAndSkipped) {
  const std::vector<std::string> broken = reasons_for(report_, library_of("test-broken"));
  ASSERT_EQ(broken.size(), 1u);
  EXPECT_TRUE(broken[0].starts_with("cannot load: ")) << broken[0];
  EXPECT_NE(broken[0].find("libtest-broken.so"), std::string::npos) << broken[0];

  EXPECT_EQ(reasons_for(report_, library_of("test-no-entry")),
            std::vector<std::string>{"no ferry_plugin_descriptor symbol: not a Ferry plugin"});
  EXPECT_EQ(reasons_for(report_, library_of("test-wrong-abi")),
            std::vector<std::string>{"ABI version 5, this worker needs 4"});
  EXPECT_EQ(reasons_for(report_, library_of("test-wrong-build-key")),
            std::vector<std::string>{std::string("built against libstdc++-old/c++20, this worker "
                                                 "uses ") +
                                     sdk::kPluginBuildKey});
  EXPECT_EQ(
      reasons_for(report_, library_of("test-throwing")),
      std::vector<std::string>{"register_components threw: database driver libfoo.so.3 not found"});
  EXPECT_EQ(report_.problems.size(), 6u);  // these five and the conflict below

  // Refused before or while registering: nothing of theirs is in the registry.
  EXPECT_EQ(registry_.find_converter("MustNotLoadConverter").status().kind(),
            Status::Kind::kNotFound);
  EXPECT_EQ(registry_.find_converter("HalfRegisteredConverter").status().kind(),
            Status::Kind::kNotFound);
}

TEST_F(PluginLoaderTest, ClassProvidedTwiceKeepsTheFirstPluginsAndUsesTheRestOfTheSecond) {
  EXPECT_EQ(reasons_for(report_, library_of("test-shadow")),
            std::vector<std::string>{
                "sink connector com.example.test.CollectSinkConnector is already provided by "
                "test-good 1.2.3 (" +
                library_of("test-good").string() + "); the one in test-shadow 9.9.9 (" +
                library_of("test-shadow").string() + ") is ignored"});
  EXPECT_EQ(registry_.find_sink_connector("CollectSink").value()()->version(), "1.0.0");
  EXPECT_EQ(registry_.find_sink_connector("ShadowSink").value()()->version(), "9.9.9");
}

TEST_F(PluginLoaderTest, DependencyBesideThePluginIsSkippedQuietly) {
  for (const LoadProblem& problem : report_.problems) {
    EXPECT_EQ(problem.file.string().find("test-with-dependency"), std::string::npos)
        << problem.file << ": " << problem.reason;
  }
  auto greeting = registry_.find_source_transformation("Greeting").value()();
  const std::optional<sdk::SourceRecord> greeted = greeting->apply(sdk::SourceRecord{});
  ASSERT_TRUE(greeted.has_value());
  EXPECT_EQ(greeted->value.as<std::string>(), "hello from helper");
}

TEST_F(PluginLoaderTest, FactoryThatThrowsIsReportedWithClassAndPlugin) {
  const Factory<sdk::SourceConnector> unlicensed =
      registry_.find_source_connector("UnlicensedSource").value();
  try {
    unlicensed();
    FAIL() << "the factory should throw";
  } catch (const sdk::ConnectException& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot create source connector com.example.test.UnlicensedSourceConnector of "
              "plugin test-good 1.2.3 (" +
                  library_of("test-good").string() + "): no license key found");
  }
}

TEST_F(PluginLoaderTest, UnknownConnectorClassListsTheCloseMatchesFirst) {
  const Status status = registry_.find_connector("TickSorce").status();
  EXPECT_EQ(status.kind(), Status::Kind::kNotFound);
  EXPECT_TRUE(status.message().starts_with(
      "Failed to find any class that implements Connector and which name matches TickSorce, "
      "available connectors are: com.example.test.TickSourceConnector, "))
      << status.message();
}

TEST_F(PluginLoaderTest, AmbiguousPrunedNameIsNoAliasButStillFindsTheOnlyConnector) {
  EXPECT_EQ(registry_.find_converter("Echo").status().kind(), Status::Kind::kNotFound);
  EXPECT_TRUE(registry_.find_converter("EchoConverter").ok());
  Result<ConnectorFactory> echo = registry_.find_connector("Echo");
  ASSERT_TRUE(echo.ok()) << echo.status().message();
  EXPECT_EQ(echo->class_name, "com.example.test.EchoConnector");
}

TEST(PluginLoader, PluginFolderItselfIsAPathEntry) {
  PluginRegistry registry;
  const LoadReport report = load_plugins({kPluginPath / "test-good"}, registry);
  EXPECT_TRUE(report.ok()) << report.problems.front().reason;
  ASSERT_EQ(report.loaded.size(), 1u);
  EXPECT_EQ(report.loaded[0].name, "test-good");
}

TEST(PluginLoader, MissingOrNonFolderEntryIsReportedAndTheRestLoads) {
  PluginRegistry registry;
  const fs::path missing = "/nonexistent/ferry-plugins";
  const LoadReport report =
      load_plugins({missing, library_of("test-good"), kPluginPath / "test-good"}, registry);
  EXPECT_EQ(reasons_for(report, missing), std::vector<std::string>{"no such file or directory"});
  EXPECT_EQ(reasons_for(report, library_of("test-good")),
            std::vector<std::string>{"not a directory (plugin.path lists folders of plugins, or "
                                     "plugin folders)"});
  EXPECT_EQ(report.loaded.size(), 1u);
}

TEST(PluginLoader, LibraryReachedTwiceLoadsOnce) {
  TempDir dir;
  fs::create_directories(dir.path() / "linked");
  fs::create_symlink(library_of("test-good"), dir.path() / "linked" / "libtest-good.so");
  fs::create_symlink(library_of("test-good"), dir.path() / "linked" / "libtest-good.so.1");
  PluginRegistry registry;
  const LoadReport report =
      load_plugins({dir.path(), dir.path() / "linked", kPluginPath / "test-good"}, registry);
  EXPECT_TRUE(report.ok()) << report.problems.front().reason;
  EXPECT_EQ(report.loaded.size(), 1u);
  EXPECT_TRUE(registry.conflicts().empty());
}

TEST(PluginLoader, FolderWithoutLibrariesIsIgnored) {
  TempDir dir;
  fs::create_directories(dir.path() / "docs");
  PluginRegistry registry;
  const LoadReport report = load_plugins({dir.path()}, registry);
  EXPECT_TRUE(report.ok());
  EXPECT_TRUE(report.loaded.empty());
}

TEST(PluginLoader, FactoryKeepsItsLibraryLoadedAndTheLastOwnerClosesIt) {
  const fs::path file = library_of("test-good");
  Factory<sdk::SourceConnector> tick;
  {
    PluginRegistry registry;
    ASSERT_TRUE(load_plugins({kPluginPath / "test-good"}, registry).ok());
    tick = registry.find_source_connector("TickSource").value();
  }
  // The registry is gone; the factory still holds the library.
  std::unique_ptr<sdk::SourceConnector> connector = tick();
  EXPECT_EQ(connector->version(), "1.0.0");
  connector.reset();  // objects first (plugin_library.h), then the last owner
  tick = nullptr;
  void* still_loaded = ::dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD);
  EXPECT_EQ(still_loaded, nullptr) << file << " is still loaded";
  if (still_loaded != nullptr) ::dlclose(still_loaded);
}

TEST(PluginLoader, PluginPathValueIsCommaSeparatedAndTrimmed) {
  EXPECT_EQ(parse_plugin_path(" /opt/a ,/opt/b,, \t/opt/c\n"),
            (std::vector<fs::path>{"/opt/a", "/opt/b", "/opt/c"}));
  EXPECT_TRUE(parse_plugin_path("").empty());
  EXPECT_TRUE(parse_plugin_path(" , ").empty());
}

}  // namespace
}  // namespace ferry::loader
