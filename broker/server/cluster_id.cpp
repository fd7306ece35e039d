#include "broker/server/cluster_id.h"

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <random>
#include <string_view>

#include <fcntl.h>
#include <unistd.h>

namespace ferry::broker {
namespace {

constexpr std::string_view kFileName = "meta.properties";

// Kafka's Uuid.toString: the 16 bytes in URL-safe base64, without padding.
std::string random_cluster_id() {
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::random_device random;
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t i = 0; i < bytes.size(); i += 4) {
    const std::uint32_t word = random();
    std::memcpy(bytes.data() + i, &word, 4);
  }
  std::string id;
  std::uint32_t bits = 0;
  int pending = 0;
  for (const std::uint8_t byte : bytes) {
    bits = (bits << 8) | byte;
    pending += 8;
    while (pending >= 6) {
      pending -= 6;
      id += kAlphabet[(bits >> pending) & 0x3F];
    }
  }
  if (pending > 0) id += kAlphabet[(bits << (6 - pending)) & 0x3F];
  return id;  // 22 characters
}

Status write_atomically(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path temporary = path.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::fatal(temporary.string() + ": cannot create: " + std::strerror(errno));
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  const int write_error = errno;
  ::close(fd);
  if (!written)
    return Status::fatal(temporary.string() + ": cannot write: " + std::strerror(write_error));
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) return Status::fatal(path.string() + ": cannot replace: " + error.message());
  return Status::ok_status();
}

}  // namespace

Result<std::string> load_or_create_cluster_id(const std::filesystem::path& data_directory,
                                              bool may_create) {
  const std::filesystem::path path = data_directory / kFileName;
  std::ifstream in(path);
  if (in) {
    for (std::string line; std::getline(in, line);) {
      constexpr std::string_view kKey = "cluster.id=";
      if (line.starts_with(kKey)) {
        std::string id = line.substr(kKey.size());
        while (!id.empty() && (id.back() == '\r' || id.back() == ' ')) id.pop_back();
        if (!id.empty()) return id;
      }
    }
    return Status::corruption(path.string() + ": no cluster.id");
  }
  if (!may_create) return std::string();
  std::string id = random_cluster_id();
  const std::string text = "#\n#Written by Ferry\nnode.id=0\nversion=1\ncluster.id=" + id + "\n";
  if (Status written = write_atomically(path, text); !written.ok()) return written;
  return id;
}

}  // namespace ferry::broker
