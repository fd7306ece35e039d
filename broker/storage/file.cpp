#include "broker/storage/file.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ferry::broker {

Result<File> File::open(const std::filesystem::path& path, Mode mode) {
  const int flags = mode == Mode::kReadWrite ? (O_RDWR | O_CREAT) : O_RDONLY;
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::not_found(path.string() + ": cannot open: " + std::strerror(errno));
  }
  return File(fd, path);
}

File::~File() {
  if (fd_ >= 0) ::close(fd_);
}

File::File(File&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

Status File::error(const char* operation) const {
  const int code = errno;
  std::string message = path_.string() + ": " + operation + " failed: " + std::strerror(code);
  if (code == ENOSPC) return Status::retriable(message + " (the disk is full)");
  return Status::fatal(message);
}

Result<std::uint64_t> File::size() const {
  struct stat info {};
  if (::fstat(fd_, &info) != 0) return error("stat");
  return static_cast<std::uint64_t>(info.st_size);
}

Result<FileIdentity> File::identity() const {
  struct stat info {};
  if (::fstat(fd_, &info) != 0) return error("stat");
  return FileIdentity{static_cast<std::uint64_t>(info.st_dev),
                      static_cast<std::uint64_t>(info.st_ino)};
}

Result<std::size_t> File::read_at(std::uint64_t position, std::span<std::uint8_t> out) const {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n =
        ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(position + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return error("read");
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

Status File::write_at(std::uint64_t position, std::span<const std::uint8_t> bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done,
                               static_cast<off_t>(position + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return error("write");
    }
    done += static_cast<std::size_t>(n);
  }
  return Status::ok_status();
}

Status File::truncate(std::uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return error("truncate");
  return Status::ok_status();
}

Status File::sync() {
  if (::fdatasync(fd_) != 0) return error("fsync");
  return Status::ok_status();
}

Result<FileIdentity> file_identity(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return Status::not_found(path.string() + ": cannot stat: " + std::strerror(errno));
  }
  return FileIdentity{static_cast<std::uint64_t>(info.st_dev),
                      static_cast<std::uint64_t>(info.st_ino)};
}

Status write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  const std::filesystem::path temporary = path.string() + ".tmp";
  {
    auto file = File::open(temporary);
    if (!file.ok()) return file.status();
    if (Status status = file->truncate(0); !status.ok()) return status;
    const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(content.data()),
                                              content.size());
    if (Status status = file->write_at(0, bytes); !status.ok()) return status;
    if (Status status = file->sync(); !status.ok()) return status;
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) return Status::fatal(path.string() + ": cannot replace: " + error.message());
  return sync_directory(path.parent_path());
}

Status sync_directory(const std::filesystem::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return Status::fatal(directory.string() + ": cannot open directory: " + std::strerror(errno));
  }
  const int result = ::fsync(fd);
  const int code = errno;
  ::close(fd);
  if (result != 0) {
    return Status::fatal(directory.string() + ": fsync failed: " + std::strerror(code));
  }
  return Status::ok_status();
}

}  // namespace ferry::broker
