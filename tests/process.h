// Runs a program to completion and captures what it printed: how end-to-end tests drive the real
// ferry binary. Paths come from FERRY_BUILD_DIR (set by ctest) so tests run from any directory.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace ferry::testing {

struct ProcessResult {
  int exit_code = -1;
  std::string standard_output;
  std::string standard_error;
};

// Runs program with args (no shell) and standard_input as its stdin, waits for it, and returns
// its exit code and output.
ProcessResult run_process(const std::filesystem::path& program,
                          const std::vector<std::string>& args,
                          const std::string& standard_input = "");

// <build>/bin/ferry of the build under test.
std::filesystem::path ferry_binary();

}  // namespace ferry::testing
