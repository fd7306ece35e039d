#include "tests/process.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
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

// A temporary file for a child's output, already unlinked.
int output_file() {
  char name[] = "/tmp/ferry-test-out-XXXXXX";
  const int fd = ::mkstemp(name);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  ::unlink(name);
  return fd;
}

// Waits for pid to exit, killing it after timeout; its exit code as run_process reports it.
int wait_for(pid_t pid, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int wait_status = 0;
  while (::waitpid(pid, &wait_status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &wait_status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
}

}  // namespace

BackgroundProcess::BackgroundProcess(const std::filesystem::path& program,
                                     const std::vector<std::string>& args) {
  // A socket rather than a pipe: send() with MSG_NOSIGNAL cannot kill the test with SIGPIPE
  // when the child has exited.
  int input[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, input) != 0) {
    throw std::runtime_error("socketpair failed");
  }
  output_fd_ = output_file();
  error_fd_ = output_file();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, input[1], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, output_fd_, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, error_fd_, STDERR_FILENO);
  std::vector<std::string> storage{program.string()};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawn_error =
      ::posix_spawn(&pid, storage.front().c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(input[1]);
  input_fd_ = input[0];
  if (spawn_error != 0) throw std::runtime_error("cannot start " + program.string());
  pid_ = pid;
}

BackgroundProcess::~BackgroundProcess() {
  if (!finished_ && pid_ > 0) {
    ::shutdown(input_fd_, SHUT_WR);
    (void)wait_for(pid_, std::chrono::seconds(5));
  }
  for (const int fd : {input_fd_, output_fd_, error_fd_}) {
    if (fd >= 0) ::close(fd);
  }
}

void BackgroundProcess::write(const std::string& text) {
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::send(input_fd_, text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;  // it has exited: finish() reports how
    done += static_cast<std::size_t>(n);
  }
}

ProcessResult BackgroundProcess::finish() {
  ProcessResult result;
  if (finished_) return result;
  finished_ = true;
  ::shutdown(input_fd_, SHUT_WR);
  result.exit_code = wait_for(pid_, std::chrono::seconds(60));
  result.standard_output = slurp(output_fd_);
  result.standard_error = slurp(error_fd_);
  return result;
}

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

std::optional<std::filesystem::path> find_program(const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    for (const char* dir : {"/usr/bin", "/usr/local/bin", "/bin"}) {
      const std::filesystem::path candidate = std::filesystem::path(dir) / name;
      if (std::filesystem::exists(candidate)) return candidate;
    }
  }
  return std::nullopt;
}

int free_loopback_port() {
  // Binds port on 127.0.0.1 (port 0: any free one) and returns the bound port, or -1.
  const auto bind_loopback = [](int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    socklen_t length = sizeof address;
    const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                       ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    ::close(fd);
    return bound ? static_cast<int>(ntohs(address.sin_port)) : -1;
  };
  // Below the kernel's ephemeral range, where connect() picks the local ports of outgoing
  // connections: while the server is down between a kill and its restart, its clients' reconnects
  // (or another test's) could otherwise take the port, and the restarted server could not bind it.
  // Below 20000 too, where scripts/test-databases.sh picks the ports of the servers it restarts.
  int ephemeral_low = 32768;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> ephemeral_low;
  constexpr int kLowest = 10000;
  const int highest = std::min(ephemeral_low - 1, 19999);
  if (highest > kLowest) {
    std::random_device random;
    std::uniform_int_distribution<int> pick(kLowest, highest);
    // Never the same port twice in one test process (a test may ask for two before binding).
    static std::mutex mutex;
    static std::set<int> given;
    std::scoped_lock lock(mutex);
    for (int attempt = 0; attempt < 100; ++attempt) {
      const int port = bind_loopback(pick(random));
      if (port > 0 && given.insert(port).second) return port;
    }
  }
  return bind_loopback(0);
}

}  // namespace ferry::testing
