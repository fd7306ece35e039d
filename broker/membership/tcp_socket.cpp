#include "broker/membership/tcp_socket.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ferry::broker::membership {
namespace {

std::string errno_text(int error) { return std::strerror(error); }

// Milliseconds left until the deadline, for poll(): 0 once it has passed.
int remaining_ms(Deadline deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 1'000'000'000));
}

struct AddrinfoDeleter {
  void operator()(addrinfo* info) const { freeaddrinfo(info); }
};

}  // namespace

Result<TcpSocket> TcpSocket::connect(const std::string& address, Deadline deadline) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) {
    return Status::invalid_argument("'" + address + "' is not host:port");
  }
  std::string host = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int error = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); error != 0) {
    return Status::retriable("cannot resolve " + address + ": " + gai_strerror(error));
  }
  const std::unique_ptr<addrinfo, AddrinfoDeleter> addresses(found);

  std::string last_error = "no address";
  for (const addrinfo* candidate = found; candidate != nullptr; candidate = candidate->ai_next) {
    // Non-blocking only while connecting, so that connect() can be bounded by poll().
    const int fd = ::socket(candidate->ai_family, candidate->ai_socktype | SOCK_CLOEXEC,
                            candidate->ai_protocol);
    if (fd < 0) {
      last_error = errno_text(errno);
      continue;
    }
    TcpSocket socket(fd, address);
    const int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    if (::connect(fd, candidate->ai_addr, candidate->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        last_error = errno_text(errno);
        continue;
      }
      pollfd poll_fd{fd, POLLOUT, 0};
      const int ready = ::poll(&poll_fd, 1, remaining_ms(deadline));
      if (ready <= 0) {
        last_error = ready == 0 ? "connect timed out" : errno_text(errno);
        continue;
      }
      int error = 0;
      socklen_t length = sizeof(error);
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
      if (error != 0) {
        last_error = errno_text(error);
        continue;
      }
    }
    // Reads and writes block again, each bounded by poll() before it.
    fcntl(fd, F_SETFL, flags);
    const int no_delay = 1;  // requests are small and each waits for its response
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &no_delay, sizeof(no_delay));
    return socket;
  }
  return Status::retriable("cannot connect to " + address + ": " + last_error);
}

TcpSocket::TcpSocket(TcpSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), address_(std::move(other.address_)) {}

TcpSocket& TcpSocket::operator=(TcpSocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    address_ = std::move(other.address_);
  }
  return *this;
}

TcpSocket::~TcpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

void TcpSocket::shutdown() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

Status TcpSocket::wait(short events, Deadline deadline, const char* what) {
  pollfd poll_fd{fd_, events, 0};
  while (true) {
    const int ready = ::poll(&poll_fd, 1, remaining_ms(deadline));
    if (ready > 0) return Status::ok_status();
    if (ready == 0) return Status::retriable(std::string(what) + " " + address_ + " timed out");
    if (errno != EINTR) {
      return Status::retriable(std::string(what) + " " + address_ + ": " + errno_text(errno));
    }
  }
}

Status TcpSocket::write_all(std::span<const std::uint8_t> bytes, Deadline deadline) {
  while (!bytes.empty()) {
    if (Status ready = wait(POLLOUT, deadline, "writing to"); !ready.ok()) return ready;
    const ssize_t written = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (written < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return Status::retriable("writing to " + address_ + ": " + errno_text(errno));
    }
    bytes = bytes.subspan(static_cast<std::size_t>(written));
  }
  return Status::ok_status();
}

Status TcpSocket::read_exact(std::span<std::uint8_t> bytes, Deadline deadline) {
  while (!bytes.empty()) {
    if (Status ready = wait(POLLIN, deadline, "reading from"); !ready.ok()) return ready;
    const ssize_t got = ::recv(fd_, bytes.data(), bytes.size(), 0);
    if (got == 0) return Status::retriable(address_ + " closed the connection");
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return Status::retriable("reading from " + address_ + ": " + errno_text(errno));
    }
    bytes = bytes.subspan(static_cast<std::size_t>(got));
  }
  return Status::ok_status();
}

}  // namespace ferry::broker::membership
