// The producer that partition_log_crash_test.cpp kills with SIGKILL at random moments:
//   partition_log_crash_child <log directory> <run id>
// Opens the partition log at the directory as after a crash (it never knows whether the last
// run shut down cleanly), prints the recovery notes to stderr, then appends batches of 1..20
// records until it is killed. Record i of the run has the value "run-<run>-seq-<i>", followed by
// ":" and (i % 97) filler bytes so that batch sizes vary. After every acknowledged append it
// writes one line to stdout with a single write(2), so a line exists only for an append that
// returned:
//   <base offset> <last offset> <first seq> <last seq>
// Small segments and index intervals make rolls and index entries frequent, so kills land in
// the middle of those too. Exits 1 (after saying why on stderr) if the log cannot be opened or
// an append fails: the test expects nothing but death by SIGKILL.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "broker/storage/partition_log.h"
#include "broker/storage/record_batch.h"

namespace {

using ferry::broker::Compression;
using ferry::broker::LogConfig;
using ferry::broker::PartitionLog;
using ferry::broker::RecordBatchBuilder;
using ferry::broker::RecordBatchOptions;

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    write_all(STDERR_FILENO, "usage: partition_log_crash_child <log directory> <run id>\n");
    return 2;
  }
  const std::string directory = argv[1];
  const std::string run = argv[2];

  LogConfig config;
  config.segment_bytes = 64 * 1024;
  config.index_interval_bytes = 256;
  std::vector<std::string> notes;
  auto opened = PartitionLog::open(directory, config, /*clean_shutdown=*/false, notes);
  for (const std::string& note : notes) write_all(STDERR_FILENO, "note: " + note + "\n");
  if (!opened.ok()) {
    write_all(STDERR_FILENO, "open failed: " + opened.status().message() + "\n");
    return 1;
  }
  PartitionLog& log = **opened;
  write_all(STDERR_FILENO,
            "opened at log end offset " + std::to_string(log.log_end_offset()) + "\n");

  std::mt19937_64 random(std::random_device{}() ^ static_cast<std::uint64_t>(::getpid()));
  std::uniform_int_distribution<int> count_of(1, 20);
  std::uniform_int_distribution<int> percent(0, 99);
  const Compression codecs[] = {Compression::kGzip, Compression::kSnappy, Compression::kLz4,
                                Compression::kZstd};
  std::int64_t seq = 0;
  for (;;) {
    const int count = count_of(random);
    RecordBatchOptions options;
    // Mostly uncompressed; now and then each codec, so recovery also meets compressed batches.
    if (percent(random) < 20) options.compression = codecs[percent(random) % 4];
    RecordBatchBuilder builder(options);
    const std::int64_t timestamp = now_ms();
    for (int i = 0; i < count; ++i) {
      const std::int64_t n = seq + i;
      const std::string key = "k" + std::to_string(n);
      const std::string value = "run-" + run + "-seq-" + std::to_string(n) + ":" +
                                std::string(static_cast<std::size_t>(n % 97), 'x');
      if (auto status = builder.append(timestamp, ferry::broker::as_bytes(key),
                                       ferry::broker::as_bytes(value));
          !status.ok()) {
        write_all(STDERR_FILENO, "cannot build a batch: " + status.message() + "\n");
        return 1;
      }
    }
    auto batch = builder.build();
    if (!batch.ok()) {
      write_all(STDERR_FILENO, "cannot build a batch: " + batch.status().message() + "\n");
      return 1;
    }
    auto appended = log.append(*batch, timestamp);
    if (!appended.ok()) {
      write_all(STDERR_FILENO, "append failed: " + appended.status().message() + "\n");
      return 1;
    }
    // One write(2) per acknowledged append: the line is the acknowledgement.
    write_all(STDOUT_FILENO, std::to_string(appended->base_offset) + " " +
                                 std::to_string(appended->last_offset) + " " + std::to_string(seq) +
                                 " " + std::to_string(seq + count - 1) + "\n");
    seq += count;
  }
}
