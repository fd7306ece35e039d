// The ferry command line, driven as a user drives it: the real binary, its exit codes and output.
#include <gtest/gtest.h>

#include "tests/process.h"

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
