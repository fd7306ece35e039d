// Runs a program to completion and captures what it printed: how end-to-end tests drive the real
// ferry binary. Paths come from FERRY_BUILD_DIR (set by ctest) so tests run from any directory.
#pragma once

#include <filesystem>
#include <optional>
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

// A program left running while the test goes on, such as a broker that holds a data directory:
// its standard input is a socket the test writes to, and its output is gathered as
// run_process gathers it. finish() ends its input and waits for it; the destructor does the
// same if the test did not (killing it if it does not exit within a few seconds).
class BackgroundProcess {
 public:
  BackgroundProcess(const std::filesystem::path& program, const std::vector<std::string>& args);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // Writes text to its standard input (ignored once it has exited).
  void write(const std::string& text);
  // Ends its standard input and waits for it to exit (at most 60 s, then kills it).
  ProcessResult finish();

 private:
  int pid_ = -1;
  int input_fd_ = -1;
  int output_fd_ = -1;
  int error_fd_ = -1;
  bool finished_ = false;
};

// The first of names found in /usr/bin, /usr/local/bin or /bin (a Debian package's client such as
// kcat), or nullopt.
std::optional<std::filesystem::path> find_program(const std::vector<std::string>& names);

// A loopback TCP port nobody listens on now, or -1: for a server that must come back on the same
// port after a restart (a port picked by the server itself would change). Picked below the
// ephemeral range when there is room, so no outgoing connection takes it while the server is down.
int free_loopback_port();

// <build>/bin/ferry of the build under test.
std::filesystem::path ferry_binary();

}  // namespace ferry::testing
