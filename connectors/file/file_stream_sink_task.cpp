#include "connectors/file/file_stream_sink_task.h"

#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

#include "connectors/file/file_stream_sink_connector.h"
#include "connectors/file/java_text.h"
#include "connectors/file/version.h"

namespace ferry::connectors::file {

FileStreamSinkTask::FileStreamSinkTask() : FileStreamSinkTask(Options{}) {}

FileStreamSinkTask::FileStreamSinkTask(Options options) : options_(std::move(options)) {}

FileStreamSinkTask::~FileStreamSinkTask() = default;

std::string FileStreamSinkTask::version() const { return kVersion; }

void FileStreamSinkTask::start(const sdk::ConfigMap& props) {
  using Connector = FileStreamSinkConnector;
  std::optional<sdk::ParsedConfig> config;
  try {
    config = Connector::config_def().parse(props);
  } catch (const sdk::ConfigException& e) {
    throw sdk::ConnectException(std::string("Invalid FileStreamSinkTask configuration: ") +
                                e.what());
  }
  std::lock_guard lock(mutex_);
  if (!config->is_null(Connector::kFileConfig)) {
    filename_ = config->get_string(Connector::kFileConfig);
  }
  if (filename_.empty()) {
    output_fd_ = options_.stdout_fd;
  } else {
    file_.reset(::open(filename_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666));
    if (!file_) {
      throw sdk::ConnectException("Couldn't find or create file '" + filename_ +
                                  "' for FileStreamSinkTask: " + std::strerror(errno));
    }
    output_fd_ = file_.get();
  }
  buffer_.reserve(options_.buffer_bytes + options_.buffer_bytes / 4);
}

void FileStreamSinkTask::put(std::vector<sdk::SinkRecord> records) {
  std::lock_guard lock(mutex_);
  if (stopped_) throw sdk::ConnectException("FileStreamSinkTask: put() after stop()");
  for (const sdk::SinkRecord& record : records) {
    append_java_text(buffer_, record.value);
    buffer_ += '\n';
    if (buffer_.size() >= options_.buffer_bytes) write_buffer();
  }
  write_buffer();
}

void FileStreamSinkTask::flush(const sdk::SinkOffsets& /*current_offsets*/) {
  std::lock_guard lock(mutex_);
  if (stopped_) throw sdk::ConnectException("FileStreamSinkTask: flush() after stop()");
  write_buffer();
}

void FileStreamSinkTask::stop() {
  std::lock_guard lock(mutex_);
  if (stopped_) return;
  stopped_ = true;
  try {
    write_buffer();
  } catch (const sdk::ConnectException& e) {
    if (options_.log) options_.log(std::string("FileStreamSinkTask: ") + e.what());
  }
  file_.reset();
  output_fd_ = -1;
}

void FileStreamSinkTask::write_buffer() {
  std::size_t written = 0;
  while (written < buffer_.size()) {
    if (output_fd_ < 0) {
      buffer_.clear();
      throw sdk::ConnectException("FileStreamSinkTask: not started");
    }
    const ssize_t bytes = ::write(output_fd_, buffer_.data() + written, buffer_.size() - written);
    if (bytes < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      buffer_.erase(0, written);
      throw sdk::ConnectException("Error writing to " + output_name() + ": " +
                                  std::strerror(error));
    }
    written += static_cast<std::size_t>(bytes);
  }
  buffer_.clear();
}

std::string FileStreamSinkTask::output_name() const {
  return filename_.empty() ? std::string("stdout") : filename_;
}

}  // namespace ferry::connectors::file
