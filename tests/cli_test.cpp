// The ferry command line, driven as a user drives it: the real binary, its exit codes and output.
#include <filesystem>

#include <gtest/gtest.h>

#include "tests/process.h"
#include "tests/temp_directory.h"

namespace ferry::testing {
namespace {

TEST(Cli, VersionPrintsVersionAndCommit) {
  const ProcessResult result = run_process(ferry_binary(), {"version"});
  EXPECT_EQ(result.exit_code, 0) << result.standard_error;
  EXPECT_TRUE(result.standard_output.starts_with("ferry 0.")) << result.standard_output;
  EXPECT_NE(result.standard_output.find("(commit "), std::string::npos);
}

TEST(Cli, PluginsListsTheBuiltInConvertersWithTheirAliases) {
  const ProcessResult result = run_process(ferry_binary(), {"plugins"});
  ASSERT_EQ(result.exit_code, 0) << result.standard_error;
  const std::string& out = result.standard_output;
  for (const char* expected :
       {"org.apache.kafka.connect.json.JsonConverter",
        "org.apache.kafka.connect.storage.StringConverter",
        "org.apache.kafka.connect.converters.ByteArrayConverter",
        "org.apache.kafka.connect.storage.SimpleHeaderConverter", "Json, JsonConverter"}) {
    EXPECT_NE(out.find(expected), std::string::npos) << expected << " missing from\n" << out;
  }
  // A class that is both kinds is listed once per kind.
  const std::string json = "org.apache.kafka.connect.json.JsonConverter";
  const std::size_t first = out.find(json);
  EXPECT_NE(out.find(json, first + 1), std::string::npos);
  EXPECT_NE(out.find("header_converter"), std::string::npos);
}

// The build under test (ferry_binary() is <build_dir>/bin/ferry).
std::filesystem::path build_dir() { return ferry_binary().parent_path().parent_path(); }

// <build>/plugins is a plugin.path: every plugin the build makes loads from it (the file
// connectors among them), and the built-in converters are still listed beside them.
TEST(Cli, PluginsListsThePluginsOfTheBuildsPluginFolder) {
  const std::string plugins = (build_dir() / "plugins").string();
  const ProcessResult result = run_process(ferry_binary(), {"plugins", "--plugin-path", plugins});
  ASSERT_EQ(result.exit_code, 0) << result.standard_error;
  EXPECT_EQ(result.standard_error, "");
  const std::string& out = result.standard_output;
  EXPECT_TRUE(out.starts_with("TYPE ")) << out;
  for (const char* expected :
       {"org.apache.kafka.connect.file.FileStreamSourceConnector",
        "FileStreamSource, FileStreamSourceConnector",
        "org.apache.kafka.connect.file.FileStreamSinkConnector",
        "FileStreamSink, FileStreamSinkConnector", "org.apache.kafka.connect.json.JsonConverter"}) {
    EXPECT_NE(out.find(expected), std::string::npos) << expected << " missing from\n" << out;
  }
  // Kafka's type order: sources, then sinks, then converters.
  EXPECT_TRUE(out.find("\nsource ") < out.find("\nsink ") &&
              out.find("\nsink ") < out.find("\nconverter "))
      << out;
}

// A plugin.path with broken plugins: the good ones are listed, each refused library is one line
// on standard error naming the file and the reason, and the command still succeeds.
TEST(Cli, PluginsReportsRefusedLibrariesAndListsTheRest) {
  const std::filesystem::path test_plugins = build_dir() / "test-plugins";
  const ProcessResult result =
      run_process(ferry_binary(), {"plugins", "--plugin-path=" + test_plugins.string()});
  ASSERT_EQ(result.exit_code, 0) << result.standard_error;
  EXPECT_NE(result.standard_output.find("com.example.test.TickSourceConnector"), std::string::npos)
      << result.standard_output;
  EXPECT_NE(result.standard_output.find("TickSource, TickSourceConnector"), std::string::npos);
  EXPECT_NE(result.standard_output.find("transformation    com.example.test.TopicPrefix"),
            std::string::npos)
      << result.standard_output;
  const std::string wrong_abi =
      "ferry plugins: " + (test_plugins / "test-wrong-abi" / "libtest-wrong-abi.so").string() +
      ": ABI version 5, this worker needs 4\n";
  EXPECT_NE(result.standard_error.find(wrong_abi), std::string::npos) << result.standard_error;
  EXPECT_NE(result.standard_error.find("libtest-broken.so: cannot load: "), std::string::npos)
      << result.standard_error;
}

TEST(Cli, PluginsReadsPluginPathFromAWorkerConfig) {
  TempDir dir;
  const std::filesystem::path config = dir.write(
      "worker.properties", "bootstrap.servers=localhost:9092\nplugin.path = " +
                               (build_dir() / "test-plugins" / "test-good").string() + "\n");
  const ProcessResult result = run_process(ferry_binary(), {"plugins", config.string()});
  ASSERT_EQ(result.exit_code, 0) << result.standard_error;
  EXPECT_EQ(result.standard_error, "");
  EXPECT_NE(result.standard_output.find("com.example.test.ShoutConverter"), std::string::npos)
      << result.standard_output;
}

TEST(Cli, PluginsWithAMissingWorkerConfigFails) {
  const ProcessResult result =
      run_process(ferry_binary(), {"plugins", "/nonexistent/worker.properties"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.standard_error.find("/nonexistent/worker.properties"), std::string::npos)
      << result.standard_error;
}

TEST(Cli, PluginsWithAnUnknownOptionIsAUsageError) {
  const ProcessResult result = run_process(ferry_binary(), {"plugins", "--plugin-dir", "x"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.standard_error.find("--plugin-dir is not a recognized option"),
            std::string::npos)
      << result.standard_error;
  EXPECT_NE(result.standard_error.find("usage: ferry plugins"), std::string::npos);
}

TEST(Cli, UnknownCommandIsAUsageErrorNamingTheCommand) {
  const ProcessResult result = run_process(ferry_binary(), {"frobnicate"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.standard_error.find("unknown command 'frobnicate'"), std::string::npos)
      << result.standard_error;
  EXPECT_NE(result.standard_error.find("usage: ferry"), std::string::npos);
}

TEST(Cli, NoArgumentsPrintsUsage) {
  const ProcessResult result = run_process(ferry_binary(), {});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.standard_error.find("usage: ferry"), std::string::npos);
}

}  // namespace
}  // namespace ferry::testing
