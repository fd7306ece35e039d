#include "broker/server/cluster_id.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <random>
#include <string_view>

#include "broker/storage/file.h"

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
  if (Status written = write_file_atomically(path, text); !written.ok()) return written;
  return id;
}

}  // namespace ferry::broker
