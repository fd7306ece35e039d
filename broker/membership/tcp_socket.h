// A blocking TCP client socket whose every operation ends by a deadline: what the group membership
// client needs to talk to a Kafka broker without an event loop, and without hanging forever on a
// broker that stopped answering (each call fails with the address it was talking to instead).
//
// Thread-safety: one thread does I/O at a time; shutdown() may be called from any other thread to
// make that I/O fail promptly.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>

#include "common/result.h"

namespace ferry::broker::membership {

using Deadline = std::chrono::steady_clock::time_point;

class TcpSocket {
 public:
  // Resolves "host:port" ("[::1]:9092" for IPv6 literals) and connects to the first address
  // that accepts before the deadline. retriable naming the address on failure (refused,
  // unreachable, timed out), invalid_argument if it is not host:port. Name resolution itself is
  // the system's getaddrinfo and is not bounded by the deadline.
  static Result<TcpSocket> connect(const std::string& address, Deadline deadline);

  TcpSocket(TcpSocket&& other) noexcept;
  TcpSocket& operator=(TcpSocket&& other) noexcept;
  TcpSocket(const TcpSocket&) = delete;  // one owner per file descriptor
  TcpSocket& operator=(const TcpSocket&) = delete;
  ~TcpSocket();

  // All of bytes, or retriable (peer closed, I/O error, deadline passed).
  Status write_all(std::span<const std::uint8_t> bytes, Deadline deadline);
  // Exactly bytes.size() bytes, or retriable as above.
  Status read_exact(std::span<std::uint8_t> bytes, Deadline deadline);

  // Makes blocked and later reads and writes fail (the descriptor stays open until destruction).
  void shutdown();

  const std::string& address() const { return address_; }

 private:
  TcpSocket(int fd, std::string address) : fd_(fd), address_(std::move(address)) {}
  // Waits until fd_ is ready for events (POLLIN or POLLOUT) or the deadline passes.
  Status wait(short events, Deadline deadline, const char* what);

  int fd_ = -1;
  std::string address_;
};

}  // namespace ferry::broker::membership
