// An open file of the log (a segment or an index): RAII over a POSIX descriptor, with positional
// reads and writes so that many readers can share one descriptor with one appender, and every
// error naming the file and the operation.
//
// Thread-safety: read_at may run concurrently with itself and with append (pread/pwrite do not
// share a file position); append, truncate and sync must be serialised by the owner.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ferry::broker {

// Which file an open descriptor or a path is (device and inode): a reader that keeps segments
// open tells a file replaced under its name (a compaction renames new segments over old ones)
// from the one it holds.
struct FileIdentity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  friend bool operator==(const FileIdentity&, const FileIdentity&) = default;
};

class File {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens (creating it if need be, in kReadWrite mode) the file at path.
  static Result<File> open(const std::filesystem::path& path, Mode mode = Mode::kReadWrite);

  File() = default;
  ~File();
  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  const std::filesystem::path& path() const { return path_; }
  bool is_open() const { return fd_ >= 0; }

  Result<std::uint64_t> size() const;
  Result<FileIdentity> identity() const;

  // Reads up to out.size() bytes at position; returns how many were read (fewer only at the end
  // of the file).
  Result<std::size_t> read_at(std::uint64_t position, std::span<std::uint8_t> out) const;

  // Writes all of bytes at position (retrying short writes); a full disk is an error naming it.
  Status write_at(std::uint64_t position, std::span<const std::uint8_t> bytes);

  Status truncate(std::uint64_t size);
  // fdatasync: the data (and the size) reach the disk.
  Status sync();

  int descriptor() const { return fd_; }

 private:
  File(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  Status error(const char* operation) const;

  int fd_ = -1;
  std::filesystem::path path_;
};

// The identity of the file at path now; not_found if there is none.
Result<FileIdentity> file_identity(const std::filesystem::path& path);

// Makes a rename or a new file in directory durable.
Status sync_directory(const std::filesystem::path& directory);

// Replaces path's content durably: a temporary file beside it, fsync, rename, directory fsync. A
// crash leaves the old content or the new, never a mix.
Status write_file_atomically(const std::filesystem::path& path, std::string_view content);

}  // namespace ferry::broker
