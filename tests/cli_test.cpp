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
