// FileStreamSinkTask: Kafka's org.apache.kafka.connect.file.FileStreamSinkTask. Appends one line
// per record to a file (or standard output): the value's Java text (java_text.h: a string as it
// is, null as "null", a Struct as "Struct{a=1,b=x}") and "\n".
//
// start() opens the file for appending, creating it (mode 0666 less the umask) if needed. put()
// formats its records into a buffer, written out whenever it holds buffer_bytes (1 MiB) and when
// put() returns, so the lines of a put() are in the file (in the page cache: neither Kafka nor
// Ferry fsyncs) when it returns, as with Kafka's PrintStream, which writes every line at once;
// writing a whole batch at a time is what lets Ferry write at disk speed. flush() writes out
// whatever is left (nothing, unless a write failed). stop() does the same and closes the file
// (not standard output).
//
// Errors: a failed write throws sdk::ConnectException naming the file and the cause (Kafka's
// PrintStream swallows them), so the worker fails the task instead of committing offsets of
// records that never reached the file.
//
// Threading: put() and flush() run on the task's thread; stop() may be called from another one.
// One mutex guards the buffer and the file, so stop() waits for a put() or flush() in progress.
// put() or flush() after stop() throws sdk::ConnectException.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "connectors/file/log_sink.h"
#include "connectors/file/unique_fd.h"
#include "ferry/sdk/sink_connector.h"

namespace ferry::connectors::file {

class FileStreamSinkTask : public sdk::SinkTask {
 public:
  struct Options {
    // What "no file" writes to (tests pass a pipe).
    int stdout_fd = 1;
    // Formatted lines are written out once this many bytes are buffered.
    std::size_t buffer_bytes = std::size_t{1} << 20;
    LogSink log = log_to_stderr;
  };

  FileStreamSinkTask();
  explicit FileStreamSinkTask(Options options);
  ~FileStreamSinkTask() override;

  FileStreamSinkTask(const FileStreamSinkTask&) = delete;
  FileStreamSinkTask& operator=(const FileStreamSinkTask&) = delete;

  std::string version() const override;
  // Throws sdk::ConnectException if the file cannot be opened or created.
  void start(const sdk::ConfigMap& props) override;
  void put(std::vector<sdk::SinkRecord> records) override;
  void flush(const sdk::SinkOffsets& current_offsets) override;
  void stop() override;

 private:
  // Writes all of buffer_ (the lock held). Throws sdk::ConnectException; what was written is
  // removed from the buffer either way.
  void write_buffer();
  std::string output_name() const;

  const Options options_;
  std::mutex mutex_;
  std::string filename_;  // empty: standard output
  UniqueFd file_;         // not set for standard output
  int output_fd_ = -1;    // guarded by mutex_, as are buffer_ and stopped_
  std::string buffer_;
  bool stopped_ = false;
};

}  // namespace ferry::connectors::file
