// FileStreamSourceTask: Kafka's org.apache.kafka.connect.file.FileStreamSourceTask. Tails one file
// (or reads standard input) and returns each line as a SourceRecord:
//
//   topic             the connector's `topic`
//   key, key schema   null
//   value schema      STRING (required); value: the line without its terminator ("\n", "\r\n" or
//                     a lone "\r"), as valid UTF-8 (malformed bytes become U+FFFD, as Java
//                     decodes them)
//   timestamp         wall clock at read time
//   source partition  {"filename": <file as configured>}
//   source offset     {"position": <int64 byte offset just after the line's terminator>}
//
// Reading from standard input carries empty source partition and offset maps (Kafka sends
// {"filename": null} / {"position": null}): positions of a stream cannot be resumed.
//
// Offsets and restarts: start() asks the offset reader for {"filename": file}; the first open
// seeks to the stored position, so a restart emits exactly the lines after the last committed
// one. Positions count bytes (Kafka counts UTF-16 chars but seeks by bytes, which only agree for
// ASCII). A stored position beyond the end of the file means it was truncated while the task was
// down: reading starts again from the beginning.
//
// Tailing: poll() reads what is there, in 1 MiB reads, and returns up to batch.size records; an
// incomplete last line waits for its terminator. With nothing new, poll() waits up to idle_wait
// (default 100 ms; Kafka sleeps 1 s) and returns no records. A file that does not exist yet is
// retried on every poll (reported once).
//
// Truncation and rotation, checked whenever the file has no more data: if the file became
// shorter than what was read (truncated in place, e.g. logrotate's copytruncate), reading starts
// again from its beginning. If the path now names another file (renamed away and recreated, e.g.
// logrotate's create), the old file is read to its end first, then the new one from its
// beginning; an incomplete last line of the old file is dropped. Both are reported through the
// log sink. Offsets keep the partition {"filename": file}, so after a rotation positions refer to
// the new file. Not detectable: a truncation followed by more writes than had been read before
// the check, or a rotation while the task is stopped (the stored position is then applied to
// the new file).
//
// Threading: start() and poll() run on the task's thread; stop() may be called from any thread
// at any time and makes a waiting poll() return at once (it writes to a pipe the wait watches).
// After stop(), poll() returns no records. Files are closed by the destructor.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <sys/stat.h>

#include "connectors/file/line_buffer.h"
#include "connectors/file/log_sink.h"
#include "connectors/file/unique_fd.h"
#include "ferry/sdk/source_connector.h"

namespace ferry::connectors::file {

class FileStreamSourceTask : public sdk::SourceTask {
 public:
  static constexpr const char* kFilenameField = "filename";
  static constexpr const char* kPositionField = "position";

  struct Options {
    // How long poll() waits for data before returning no records.
    std::chrono::milliseconds idle_wait{100};
    // What "no file" reads (tests pass a pipe).
    int stdin_fd = 0;
    // Size of the read buffer, and so of each read(2).
    std::size_t buffer_bytes = std::size_t{1} << 20;
    LogSink log = log_to_stderr;
  };

  FileStreamSourceTask();
  explicit FileStreamSourceTask(Options options);
  ~FileStreamSourceTask() override;

  FileStreamSourceTask(const FileStreamSourceTask&) = delete;
  FileStreamSourceTask& operator=(const FileStreamSourceTask&) = delete;

  std::string version() const override;
  // Parses the properties (throws sdk::ConnectException naming every bad key) and reads the stored
  // offset (throws sdk::ConnectException if its position is not a non-negative integer).
  void start(const sdk::ConfigMap& props) override;
  // Throws sdk::ConnectException when the input cannot be read (an I/O error, a directory).
  std::vector<sdk::SourceRecord> poll() override;
  void stop() override;

 private:
  bool reading_stdin() const { return !filename_.has_value(); }
  std::string input_name() const;
  void report(std::string message) const;

  // Opens the file (or takes standard input) and seeks to the stored position; false if the
  // file cannot be opened yet.
  bool open_input();
  // Makes file (whose fstat is status) the input, to be read from its beginning.
  void switch_to(UniqueFd file, const struct stat& status);
  // Reads and splits until records holds batch.size records (returns true) or no more data is
  // available now (returns false).
  bool read_available(std::vector<sdk::SourceRecord>& records);
  // At the end of the file: restarts from the beginning if it was truncated, moves to the new
  // file if the path was given to another one. True if reading should go on at once.
  bool follow_truncation_or_rotation(std::vector<sdk::SourceRecord>& records);
  void add_record(std::vector<sdk::SourceRecord>& records, std::string_view line,
                  std::size_t consumed);
  // Waits up to idle_wait for stop() or, on a stream, for data.
  void wait_for_data();

  const Options options_;
  // The wake-up pipe: stop() writes to it, wait_for_data() watches it. Made in the constructor,
  // so stop() can use it whenever it is called.
  UniqueFd wake_read_;
  UniqueFd wake_write_;
  std::atomic<bool> stopping_{false};

  // Configuration, from start().
  std::optional<std::string> filename_;  // nullopt: standard input
  std::string topic_;
  std::size_t batch_size_ = 0;
  sdk::SourcePartition source_partition_;        // shared by every record
  std::optional<std::int64_t> stored_position_;  // applied at the first open only
  // Schema::string() under a reference count of this task's own: that schema's count is shared
  // with every thread that converts strings (a sink's converter), and a count that two cores
  // change for every record moves its cache line between them each time.
  const sdk::SchemaPtr value_schema_{sdk::Schema::string().get(),
                                     [keep = sdk::Schema::string()](const sdk::Schema*) {}};

  // The input. input_fd_ is file_.get() or options_.stdin_fd.
  UniqueFd file_;
  int input_fd_ = -1;
  bool is_stream_ = false;  // stdin, a pipe or a device: no seeking, poll before reading
  bool at_stream_end_ = false;
  dev_t device_ = 0;  // identity of the open file, to notice its path given to another
  ino_t inode_ = 0;
  LineBuffer buffer_;
  std::int64_t position_ = 0;  // file offset of the first byte not yet returned in a line
  std::int64_t read_timestamp_ = 0;
  int last_open_errno_ = 0;  // what the last failed open reported, to report each cause once
  bool reported_missing_path_ = false;
};

}  // namespace ferry::connectors::file
