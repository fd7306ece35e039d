#include "connectors/file/file_stream_source_task.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "connectors/file/file_stream_source_connector.h"
#include "connectors/file/utf8_text.h"
#include "connectors/file/version.h"
#include "ferry/sdk/schema.h"

namespace ferry::connectors::file {
namespace {

std::string error_text(int error) { return std::strerror(error); }

std::int64_t wall_clock_millis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The stored position, which Kafka requires to be a Long. A worker's offset store may hand back
// a narrower integer for a small number, so any integer is taken.
std::optional<std::int64_t> stored_position(const sdk::SourceMap& offset) {
  auto it = offset.find(FileStreamSourceTask::kPositionField);
  if (it == offset.end() || it->second.is_null()) return std::nullopt;
  const sdk::Value& value = it->second;
  std::optional<std::int64_t> position;
  if (const auto* n = value.get_if<std::int64_t>()) position = *n;
  if (const auto* n = value.get_if<std::int32_t>()) position = *n;
  if (const auto* n = value.get_if<std::int16_t>()) position = *n;
  if (const auto* n = value.get_if<std::int8_t>()) position = *n;
  if (!position) throw sdk::ConnectException("Offset position is the incorrect type");
  if (*position < 0) {
    throw sdk::ConnectException("Offset position " + std::to_string(*position) +
                                " is negative; it must be a byte offset in the file");
  }
  return position;
}

}  // namespace

FileStreamSourceTask::FileStreamSourceTask() : FileStreamSourceTask(Options{}) {}

FileStreamSourceTask::FileStreamSourceTask(Options options)
    : options_(std::move(options)), buffer_(options_.buffer_bytes) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw sdk::ConnectException("FileStreamSourceTask: cannot create a pipe: " + error_text(errno));
  }
  wake_read_.reset(fds[0]);
  wake_write_.reset(fds[1]);
}

FileStreamSourceTask::~FileStreamSourceTask() = default;

std::string FileStreamSourceTask::version() const { return kVersion; }

void FileStreamSourceTask::start(const sdk::ConfigMap& props) {
  using Connector = FileStreamSourceConnector;
  std::optional<sdk::ParsedConfig> config;
  try {
    config = Connector::config_def().parse(props);
  } catch (const sdk::ConfigException& e) {
    throw sdk::ConnectException(std::string("Invalid FileStreamSourceTask configuration: ") +
                                e.what());
  }
  if (!config->is_null(Connector::kFileConfig) &&
      !config->get_string(Connector::kFileConfig).empty()) {
    filename_ = config->get_string(Connector::kFileConfig);
  }
  topic_ = config->get_string(Connector::kTopicConfig);
  batch_size_ = static_cast<std::size_t>(config->get_int(Connector::kBatchSizeConfig));
  if (reading_stdin()) return;  // positions of standard input are not tracked
  source_partition_ = {{kFilenameField, sdk::Value(*filename_)}};
  if (std::optional<sdk::SourceMap> offset =
          context().offset_storage_reader().offset(source_partition_)) {
    stored_position_ = stored_position(*offset);
  }
}

std::vector<sdk::SourceRecord> FileStreamSourceTask::poll() {
  if (stopping_.load()) return {};
  if (input_fd_ < 0 && !open_input()) {
    wait_for_data();
    return {};
  }
  std::vector<sdk::SourceRecord> records;
  const bool batch_full = read_available(records);
  if (!batch_full && !is_stream_ && !stopping_.load() && follow_truncation_or_rotation(records)) {
    read_available(records);
  }
  if (records.empty()) wait_for_data();
  return records;
}

void FileStreamSourceTask::stop() {
  stopping_.store(true);
  // Never drained: every later wait returns at once too. A full pipe already wakes the waiter.
  const char byte = 1;
  [[maybe_unused]] const ssize_t written = ::write(wake_write_.get(), &byte, 1);
}

std::string FileStreamSourceTask::input_name() const {
  return filename_ ? *filename_ : std::string("stdin");
}

void FileStreamSourceTask::report(std::string message) const {
  if (options_.log) options_.log("FileStreamSourceTask: " + message);
}

bool FileStreamSourceTask::open_input() {
  if (reading_stdin()) {
    input_fd_ = options_.stdin_fd;
    is_stream_ = true;
    return true;
  }
  // O_NONBLOCK: opening a named pipe must not wait for a writer (no effect on regular files).
  UniqueFd file(::open(filename_->c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!file) {
    const int error = errno;
    if (error != last_open_errno_) {
      last_open_errno_ = error;
      report(error == ENOENT
                 ? "Couldn't find file " + *filename_ + ", waiting for it to be created"
                 : "Couldn't open file " + *filename_ + ": " + error_text(error) + "; retrying");
    }
    return false;
  }
  last_open_errno_ = 0;
  struct stat status {};
  if (::fstat(file.get(), &status) != 0) {
    throw sdk::ConnectException("Cannot stat " + *filename_ + ": " + error_text(errno));
  }
  if (S_ISDIR(status.st_mode)) {
    throw sdk::ConnectException("Cannot read " + *filename_ + ": it is a directory");
  }
  const std::int64_t start = std::exchange(stored_position_, std::nullopt).value_or(0);
  switch_to(std::move(file), status);
  if (start == 0 || is_stream_) return true;
  if (start > status.st_size) {
    report("the stored position " + std::to_string(start) + " of " + *filename_ +
           " is beyond its end (" + std::to_string(status.st_size) +
           " bytes): it was truncated while the task was stopped; reading it from the beginning");
    return true;
  }
  if (::lseek(input_fd_, start, SEEK_SET) < 0) {
    throw sdk::ConnectException("Cannot seek to position " + std::to_string(start) + " of " +
                                *filename_ + ": " + error_text(errno));
  }
  position_ = start;
  return true;
}

void FileStreamSourceTask::switch_to(UniqueFd file, const struct stat& status) {
  file_ = std::move(file);
  input_fd_ = file_.get();
  is_stream_ = !S_ISREG(status.st_mode);
  at_stream_end_ = false;
  device_ = status.st_dev;
  inode_ = status.st_ino;
  buffer_.clear();
  position_ = 0;
}

bool FileStreamSourceTask::read_available(std::vector<sdk::SourceRecord>& records) {
  while (true) {
    while (records.size() < batch_size_) {
      std::optional<LineBuffer::Line> line = buffer_.next_line();
      if (!line) break;
      add_record(records, line->text, line->length);
    }
    if (records.size() >= batch_size_) return true;
    if (stopping_.load()) return false;
    if (is_stream_) {
      // Standard input cannot be made non-blocking (other processes share it): ask first.
      pollfd ready{input_fd_, POLLIN, 0};
      if (::poll(&ready, 1, 0) <= 0) return false;
    }
    const std::span<char> space = buffer_.writable();
    const ssize_t bytes = ::read(input_fd_, space.data(), space.size());
    if (bytes > 0) {
      buffer_.commit(static_cast<std::size_t>(bytes));
      read_timestamp_ = wall_clock_millis();
      at_stream_end_ = false;
      continue;
    }
    if (bytes == 0) {
      at_stream_end_ = true;
      return false;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
    throw sdk::ConnectException("Error reading " + input_name() + ": " + error_text(errno));
  }
}

bool FileStreamSourceTask::follow_truncation_or_rotation(std::vector<sdk::SourceRecord>& records) {
  struct stat open_status {};
  if (::fstat(input_fd_, &open_status) != 0) {
    throw sdk::ConnectException("Cannot stat " + *filename_ + ": " + error_text(errno));
  }
  const std::int64_t read_offset = position_ + static_cast<std::int64_t>(buffer_.size());
  if (open_status.st_size < read_offset) {
    report(*filename_ + " was truncated to " + std::to_string(open_status.st_size) +
           " bytes after " + std::to_string(read_offset) +
           " had been read; reading it again from the beginning");
    if (::lseek(input_fd_, 0, SEEK_SET) < 0) {
      throw sdk::ConnectException("Cannot seek to the beginning of " + *filename_ + ": " +
                                  error_text(errno));
    }
    buffer_.clear();
    position_ = 0;
    return true;
  }

  struct stat path_status {};
  if (::stat(filename_->c_str(), &path_status) != 0) {
    if (errno == ENOENT && !reported_missing_path_) {
      reported_missing_path_ = true;
      report(*filename_ + " was removed or renamed; still reading the open file until a new " +
             *filename_ + " appears");
    }
    return false;
  }
  reported_missing_path_ = false;
  if (path_status.st_dev == device_ && path_status.st_ino == inode_) return false;

  // The path names another file now. What the writer added to the old one since the read above
  // comes first; a full batch leaves the rest of it for the next poll.
  UniqueFd replacement(::open(filename_->c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!replacement) return false;  // gone again: keep reading the old file, retry next time
  if (::fstat(replacement.get(), &path_status) != 0) return false;
  if (read_available(records)) return false;
  // Nothing can follow the old file's last byte any more: a final "\r" ends a line, and an
  // unterminated tail never becomes one.
  if (std::optional<LineBuffer::Line> line = buffer_.next_line(/*end_of_input=*/true)) {
    add_record(records, line->text, line->length);
  }
  std::string dropped;
  if (buffer_.size() > 0) {
    dropped = "; dropped the incomplete last line (" + std::to_string(buffer_.size()) +
              " bytes) of the old file";
  }
  report(*filename_ + " was replaced by a new file (inode " + std::to_string(inode_) + " -> " +
         std::to_string(path_status.st_ino) + "); reading the new file from the beginning" +
         dropped);
  switch_to(std::move(replacement), path_status);
  return true;
}

void FileStreamSourceTask::add_record(std::vector<sdk::SourceRecord>& records,
                                      std::string_view line, std::size_t consumed) {
  position_ += static_cast<std::int64_t>(consumed);
  // Growing one record at a time moves every record about log2(batch.size) times.
  if (records.capacity() == 0) records.reserve(std::min<std::size_t>(batch_size_, 4096));
  sdk::SourceRecord& record = records.emplace_back();
  if (!reading_stdin()) {
    record.source_partition = source_partition_;
    record.source_offset.emplace(kPositionField, sdk::Value(position_));
  }
  record.topic = topic_;
  record.value_schema = value_schema_;
  record.value = sdk::Value(decode_utf8_replacing(line));
  record.timestamp = read_timestamp_;
}

void FileStreamSourceTask::wait_for_data() {
  pollfd fds[2] = {{wake_read_.get(), POLLIN, 0}, {input_fd_, POLLIN, 0}};
  const nfds_t count = input_fd_ >= 0 && is_stream_ && !at_stream_end_ ? 2 : 1;
  // Returns on stop(), on data of a stream, on a signal or after idle_wait: any is fine.
  ::poll(fds, count, static_cast<int>(options_.idle_wait.count()));
}

}  // namespace ferry::connectors::file
