// A long-running program driven by an end-to-end test, such as `ferry standalone`: started in the
// background with its standard output and standard error going to files (so the test can read the
// log so far at any time, and no pipe can fill up and block the child), stopped with a signal of
// the test's choosing (SIGTERM for a clean stop, SIGKILL for a crash), and waited for with a
// deadline, so a hung child fails the test instead of hanging it.
//
// Thread-safety: one thread drives a WorkerProcess; the log files may be read from any thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace ferry::testing {

class WorkerProcess {
 public:
  // Starts program with args (no shell; args exclude argv[0], which is the program) and standard
  // input from /dev/null. Standard output and standard error are appended to the two files, which
  // are created if needed: a test that restarts a worker can keep one log for every run. Throws
  // std::runtime_error if the program cannot be started.
  WorkerProcess(const std::filesystem::path& program, const std::vector<std::string>& args,
                const std::filesystem::path& standard_output_file,
                const std::filesystem::path& standard_error_file);
  // Kills the child (SIGKILL) if it is still running, and reaps it.
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Sends sig to the child; does nothing once it has been reaped.
  void signal(int sig);

  // Waits up to timeout for the child to exit. Returns its exit code (128 + the signal number if a
  // signal ended it), or nullopt if it is still running at the deadline.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // Whether the child is still running (reaps it if it has exited).
  bool running();
  // The exit code once wait() or running() saw the child exit.
  std::optional<int> exit_code() const { return exit_code_; }

  // Everything the child wrote so far (of the whole file, if several runs share it).
  std::string standard_output() const;
  std::string standard_error() const;

  // Waits until the standard error holds text, the child exits, or timeout passes; true if the
  // text was found.
  bool wait_for_log(std::string_view text, std::chrono::milliseconds timeout);

 private:
  std::filesystem::path standard_output_file_;
  std::filesystem::path standard_error_file_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// The key=value lines of a properties file, as the tests write worker and connector files.
std::string properties_text(const std::map<std::string, std::string>& properties);

// The whole content of file, or "" if it cannot be read (does not exist yet).
std::string read_whole_file(const std::filesystem::path& file);

// Calls condition every poll_interval until it returns true (returns true) or timeout passes
// (returns false after one last call). For tests on a slow, shared machine: deadlines are
// generous, and a test never asserts on a fixed sleep.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll_interval = std::chrono::milliseconds(20));

}  // namespace ferry::testing
