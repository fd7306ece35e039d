// For tests only: a fresh directory under the system temp directory, removed with everything in
// it when the TempDir is destroyed (at the end of the test that owns it). Shared by the unit tests
// of every component that touches files.
#pragma once

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include <unistd.h>

namespace ferry::testing {

class TempDir {
 public:
  TempDir() {
    // pid + counter + random: unique across concurrent test processes (ctest -j) and reruns.
    static std::atomic<int> counter{0};
    std::random_device random;
    for (int attempt = 0; attempt < 100; ++attempt) {
      const auto candidate = std::filesystem::temp_directory_path() /
                             ("ferry-test-" + std::to_string(::getpid()) + "-" +
                              std::to_string(counter++) + "-" + std::to_string(random()));
      if (std::filesystem::create_directory(candidate)) {
        path_ = candidate;
        return;
      }
    }
    throw std::runtime_error("cannot create a temporary directory");
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `content` to path()/relative, creating parent directories; returns the full path.
  std::filesystem::path write(const std::filesystem::path& relative, std::string_view content) {
    const auto file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + file.string());
    return file;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace ferry::testing
