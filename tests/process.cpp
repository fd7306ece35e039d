#include "tests/process.h"

#include <cstdlib>
#include <stdexcept>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace ferry::testing {
namespace {

// Reads a file the child wrote, so no pipe can fill up and block it.
std::string slurp(int fd) {
  std::string text;
  char buffer[4096];
  ::lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) text.append(buffer, n);
  return text;
}

}  // namespace

ProcessResult run_process(const std::filesystem::path& program,
                          const std::vector<std::string>& args, const std::string& standard_input) {
  char in_name[] = "/tmp/ferry-test-in-XXXXXX";
  char out_name[] = "/tmp/ferry-test-out-XXXXXX";
  char err_name[] = "/tmp/ferry-test-err-XXXXXX";
  const int in_fd = ::mkstemp(in_name);
  const int out_fd = ::mkstemp(out_name);
  const int err_fd = ::mkstemp(err_name);
  if (in_fd < 0 || out_fd < 0 || err_fd < 0) throw std::runtime_error("mkstemp failed");
  ::unlink(in_name);
  ::unlink(out_name);
  ::unlink(err_name);
  // The input goes through a file too, so a child that does not read it cannot block the test.
  for (std::size_t done = 0; done < standard_input.size();) {
    const ssize_t n = ::write(in_fd, standard_input.data() + done, standard_input.size() - done);
    if (n <= 0) throw std::runtime_error("cannot write the child's input");
    done += static_cast<std::size_t>(n);
  }
  ::lseek(in_fd, 0, SEEK_SET);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_fd, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);

  std::vector<std::string> storage{program.string()};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : storage) argv.push_back(arg.data());
  argv.push_back(nullptr);

  pid_t pid = 0;
  const int spawn_error =
      ::posix_spawn(&pid, storage.front().c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in_fd);
  if (spawn_error != 0) {
    ::close(out_fd);
    ::close(err_fd);
    throw std::runtime_error("cannot start " + program.string());
  }
  int wait_status = 0;
  ::waitpid(pid, &wait_status, 0);

  ProcessResult result;
  result.exit_code =
      WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
  result.standard_output = slurp(out_fd);
  result.standard_error = slurp(err_fd);
  ::close(out_fd);
  ::close(err_fd);
  return result;
}

std::filesystem::path ferry_binary() {
  const char* build_dir = std::getenv("FERRY_BUILD_DIR");
  if (build_dir == nullptr) throw std::runtime_error("FERRY_BUILD_DIR is not set (run via ctest)");
  return std::filesystem::path(build_dir) / "bin" / "ferry";
}

}  // namespace ferry::testing
