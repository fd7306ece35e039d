#include "tests/worker_process.h"

#include <cerrno>
#include <csignal>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace ferry::testing {
namespace {

int exit_code_of(int wait_status) {
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
}

}  // namespace

WorkerProcess::WorkerProcess(const std::filesystem::path& program,
                             const std::vector<std::string>& args,
                             const std::filesystem::path& standard_output_file,
                             const std::filesystem::path& standard_error_file)
    : standard_output_file_(standard_output_file), standard_error_file_(standard_error_file) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, standard_output_file_.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, standard_error_file_.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::vector<std::string> storage{program.string()};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawn_error =
      ::posix_spawn(&pid, storage.front().c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) throw std::runtime_error("cannot start " + program.string());
  pid_ = pid;
}

WorkerProcess::~WorkerProcess() {
  if (pid_ > 0 && !exit_code_) {
    ::kill(pid_, SIGKILL);
    int wait_status = 0;
    while (::waitpid(pid_, &wait_status, 0) < 0 && errno == EINTR) {
    }
  }
}

void WorkerProcess::signal(int sig) {
  if (pid_ > 0 && !exit_code_) ::kill(pid_, sig);
}

bool WorkerProcess::running() {
  if (exit_code_) return false;
  int wait_status = 0;
  const pid_t reaped = ::waitpid(pid_, &wait_status, WNOHANG);
  if (reaped == pid_) {
    exit_code_ = exit_code_of(wait_status);
    return false;
  }
  return true;
}

std::optional<int> WorkerProcess::wait(std::chrono::milliseconds timeout) {
  wait_until([this] { return !running(); }, timeout, std::chrono::milliseconds(10));
  return exit_code_;
}

std::string WorkerProcess::standard_output() const {
  return read_whole_file(standard_output_file_);
}

std::string WorkerProcess::standard_error() const { return read_whole_file(standard_error_file_); }

bool WorkerProcess::wait_for_log(std::string_view text, std::chrono::milliseconds timeout) {
  bool found = false;
  wait_until(
      [&] {
        // Read the log after checking that the child runs: a child that wrote the text and then
        // exited is still seen to have written it.
        const bool alive = running();
        found = standard_error().find(text) != std::string::npos;
        return found || !alive;
      },
      timeout);
  return found;
}

std::string properties_text(const std::map<std::string, std::string>& properties) {
  std::string text;
  for (const auto& [key, value] : properties) text += key + "=" + value + "\n";
  return text;
}

std::string read_whole_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return "";
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll_interval) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(poll_interval);
  }
  return condition();
}

}  // namespace ferry::testing
