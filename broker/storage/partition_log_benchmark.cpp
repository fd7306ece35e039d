// PartitionLog throughput (issue 4): append N records of 100-byte values (8-byte keys) to one
// partition in producer-sized batches, and read them all back as a consumer's fetches would,
// beside plain write()/read() of the same bytes to a file in the same run. Goal: append and read
// each within 1.5x of the plain file I/O, and >= 2M records/s appended per core.
//
//   BM_Append      PartitionLog::append, one batch per call (what one partition of a produce
//                  request carries), into a fresh log in a fresh directory per pass.
//   BM_AppendOneSegment  the same with segment.bytes at Kafka's maximum (2 GiB - 1), so that no
//                  pass rolls a segment (see below).
//   BM_FileWrite   baseline: write() of the same batches, in the same sizes and order, to a fresh
//                  file opened O_APPEND.
//   BM_Read        PartitionLog::read from offset 0 with max_bytes 1 MiB per call, hopping to the
//                  next offset with read_batch_header over the returned bytes (the broker hands
//                  bytes out; it does not decode them).
//   BM_ReadDecode  the same, plus decode_batch on every batch: what a consumer adds on its side.
//   BM_FileRead    baseline: read() of the baseline file in 1 MiB chunks into one buffer.
//   BM_SegmentFileRead  baseline: the same read() loop over the log's own .log files, so the
//                  very page-cache pages PartitionLog::read copies from. On a VM the speed of
//                  reading page cache depends on which physical memory holds it (the first
//                  gigabyte a process writes reads back up to twice as slowly: see
//                  docs/performance.md), and the log and the baseline file are written one
//                  after the other; reading the same pages takes that out of the comparison.
//
// Why the baselines are fair: the batches are built before any timing (the producer's cost is
// not the broker's) and held in memory; append rewrites base offsets in place, so each append
// first copies its batch into a reused buffer, and the write() baseline makes the same memcpy
// before each write(). Nothing is fsynced in either: the log runs with flush.ms and
// flush.messages at their maximum, and the file is never synced. The one exception is Kafka's
// rule that a segment is synced when it is rolled: at the default segment.bytes (1 GiB) a 10M
// record run (about 1.2 GB) rolls once and that fsync is inside the timed append. Both sides
// write a fresh file of the same size per pass (creating and deleting it is not timed), so they
// allocate the same page cache (after one untimed warm-up write, see warm_up); and both read
// sides read files that were written without fsync just before, so every read is served from the
// page cache. The slowest_call_ms counter is the longest single append or write(): the roll's
// fsync shows there.
//
// Run-time flag (besides Google Benchmark's): --records=N, the records per pass (default 1M so
// that a quick run is quick; docs/performance.md quotes --records=10000000). Each pass is timed
// by hand (UseManualTime) around the appends or reads only. After the run a summary on stderr
// gives, for each case, the median time per pass of every pass measured and the ratio to its
// baseline. A 10M-record run needs about 5 GB of memory (the batches and the page cache of the
// files) and 3.6 GB free in the temporary directory; everything it creates there is removed.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include "broker/storage/log_config.h"
#include "broker/storage/partition_log.h"
#include "broker/storage/record_batch.h"

namespace {

namespace fs = std::filesystem;
using ferry::broker::LogConfig;
using ferry::broker::PartitionLog;

constexpr std::size_t kKeyBytes = 8;
constexpr std::size_t kValueBytes = 100;
constexpr int kDistinctValues = 1024;
// An upper bound on one encoded record (length, attributes, deltas, key, value, no headers):
// the producer starts a new batch when the next record might not fit in batch.size.
constexpr std::size_t kRecordBound = 5 + 1 + 10 + 5 + 5 + kKeyBytes + 5 + kValueBytes + 5;
constexpr std::uint64_t kFetchBytes = 1 << 20;  // a consumer's max.partition.fetch.bytes
constexpr std::size_t kMaxDecompressed = 64 << 20;
constexpr std::int64_t kStartMs = 1'767'225'600'000;  // 2026-01-01; records are 1 µs apart

std::int64_t g_records = 1'000'000;
fs::path g_scratch;

// ---------------------------------------------------------------------------------------------
// Prebuilt batches: all records of a pass, back to back, as a producer with batch.size
// `batch_bytes` and linger long enough to fill every batch would send them.

struct Batches {
  std::int64_t records = 0;
  std::size_t batch_bytes = 0;
  std::vector<std::uint8_t> bytes;
  std::vector<std::pair<std::size_t, std::size_t>> spans;  // offset and size of each batch
  std::size_t largest = 0;
};

std::vector<std::string> make_values() {
  std::vector<std::string> values;
  std::mt19937 random(12345);
  for (int i = 0; i < kDistinctValues; ++i) {
    std::string value = "{\"id\":" + std::to_string(i) + ",\"amount\":";
    while (value.size() < kValueBytes) value += static_cast<char>('0' + random() % 10);
    value.resize(kValueBytes);
    values.push_back(std::move(value));
  }
  return values;
}

void warm_up(const Batches& input);

// The batches for (records, batch_bytes); one set is kept at a time, since the 10M-record sets
// are about 1.2 GB each.
const Batches& batches(std::int64_t records, std::size_t batch_bytes) {
  static std::unique_ptr<Batches> cached;
  if (cached && cached->records == records && cached->batch_bytes == batch_bytes) return *cached;
  cached.reset();
  auto built = std::make_unique<Batches>();
  built->records = records;
  built->batch_bytes = batch_bytes;
  built->bytes.reserve(static_cast<std::size_t>(records) * (kRecordBound - 20));
  const std::vector<std::string> values = make_values();
  char key[32];
  std::int64_t next = 0;
  while (next < records) {
    ferry::broker::RecordBatchBuilder builder({.base_offset = 0});
    while (next < records && (builder.record_count() == 0 ||
                              builder.uncompressed_size() + kRecordBound <= batch_bytes)) {
      std::snprintf(key, sizeof key, "%08lld", static_cast<long long>(next % 100'000'000));
      const ferry::Status status = builder.append(
          kStartMs + next / 1000, ferry::broker::as_bytes(std::string_view(key, kKeyBytes)),
          ferry::broker::as_bytes(values[static_cast<std::size_t>(next % kDistinctValues)]));
      if (!status.ok()) {
        std::fprintf(stderr, "building the batches: %s\n", status.message().c_str());
        std::abort();
      }
      ++next;
    }
    auto batch = builder.build();
    if (!batch.ok()) {
      std::fprintf(stderr, "building the batches: %s\n", batch.status().message().c_str());
      std::abort();
    }
    built->spans.emplace_back(built->bytes.size(), batch->size());
    built->largest = std::max(built->largest, batch->size());
    built->bytes.insert(built->bytes.end(), batch->begin(), batch->end());
  }
  cached = std::move(built);
  warm_up(*cached);
  return *cached;
}

// ---------------------------------------------------------------------------------------------
// Scratch files and the two writers, shared by the append passes and the read setup.

fs::path fresh_path(const char* kind) {
  static int counter = 0;
  return g_scratch / (std::string(kind) + "-" + std::to_string(counter++));
}

// Ferry's defaults, but no fsync from flush.ms or flush.messages.
LogConfig no_fsync_config(bool one_segment) {
  LogConfig config;
  config.flush_ms = std::numeric_limits<std::int64_t>::max();
  config.flush_messages = std::numeric_limits<std::int64_t>::max();
  // Kafka's largest segment.bytes (an int32): a 10M-record pass then never rolls.
  if (one_segment) config.segment_bytes = std::numeric_limits<std::int32_t>::max();
  return config;
}

std::unique_ptr<PartitionLog> open_log(const fs::path& directory, bool one_segment = false) {
  std::vector<std::string> notes;
  auto log = PartitionLog::open(directory, no_fsync_config(one_segment), true, notes);
  if (!log.ok()) {
    std::fprintf(stderr, "%s\n", log.status().message().c_str());
    std::abort();
  }
  return std::move(*log);
}

// Appends every batch, one per call, through `buffer`; false (with the reason) on failure. The
// slowest call's seconds go to *slowest: a roll's fsync shows there as a producer would see it
// (two clock reads per call, about 40 ns beside the 10-20 µs an append of these batches takes).
bool append_all(PartitionLog& log, const Batches& input, std::vector<std::uint8_t>& buffer,
                std::string* error, double* slowest) {
  const std::int64_t now_ms = kStartMs + input.records / 1000;
  std::chrono::steady_clock::duration longest{};
  for (const auto& [offset, size] : input.spans) {
    const auto start = std::chrono::steady_clock::now();
    std::memcpy(buffer.data(), input.bytes.data() + offset, size);
    auto result = log.append(std::span<std::uint8_t>(buffer.data(), size), now_ms);
    if (!result.ok()) {
      *error = result.status().message();
      return false;
    }
    longest = std::max(longest, std::chrono::steady_clock::now() - start);
  }
  *slowest = std::chrono::duration<double>(longest).count();
  return true;
}

// The baseline of append_all, with the same memcpy and the same clock reads.
bool write_all(int fd, const Batches& input, std::vector<std::uint8_t>& buffer, std::string* error,
               double* slowest) {
  std::chrono::steady_clock::duration longest{};
  for (const auto& [offset, size] : input.spans) {
    const auto start = std::chrono::steady_clock::now();
    std::memcpy(buffer.data(), input.bytes.data() + offset, size);
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::write(fd, buffer.data() + done, size - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        *error = std::string("write: ") + std::strerror(errno);
        return false;
      }
      done += static_cast<std::size_t>(n);
    }
    longest = std::max(longest, std::chrono::steady_clock::now() - start);
  }
  *slowest = std::chrono::duration<double>(longest).count();
  return true;
}

int create_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), std::strerror(errno));
    std::abort();
  }
  return fd;
}

// ---------------------------------------------------------------------------------------------
// Timing: every pass's seconds, for the summary printed after the run.

std::map<std::string, std::vector<double>>& pass_times() {
  static std::map<std::string, std::vector<double>> times;
  return times;
}

std::string case_key(const char* name, std::int64_t records, std::size_t batch_bytes) {
  return std::string(name) + "/" + std::to_string(batch_bytes / 1024) + " KiB batches/" +
         std::to_string(records) + " records";
}

class PassTimer {
 public:
  void start() { start_ = std::chrono::steady_clock::now(); }
  double stop() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

void report(benchmark::State& state, const Batches& input) {
  state.SetItemsProcessed(state.iterations() * input.records);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(input.bytes.size()));
  state.counters["batches"] = static_cast<double>(input.spans.size());
  state.counters["records/batch"] =
      static_cast<double>(input.records) / static_cast<double>(input.spans.size());
}

// ---------------------------------------------------------------------------------------------
// Append and its baseline.

void append_benchmark(benchmark::State& state, bool one_segment) {
  const Batches& input = batches(state.range(0), static_cast<std::size_t>(state.range(1)));
  const char* name = one_segment ? "append (one segment)" : "append";
  std::vector<std::uint8_t> buffer(input.largest);
  std::string error;
  double slowest_ms = 0;
  for (auto _ : state) {
    const fs::path directory = fresh_path("append") / "topic-0";
    std::unique_ptr<PartitionLog> log = open_log(directory, one_segment);
    PassTimer timer;
    timer.start();
    double slowest = 0;
    const bool ok = append_all(*log, input, buffer, &error, &slowest);
    const double seconds = timer.stop();
    state.SetIterationTime(seconds);
    pass_times()[case_key(name, input.records, input.batch_bytes)].push_back(seconds);
    slowest_ms = std::max(slowest_ms, slowest * 1e3);
    if (log->log_end_offset() != input.records && ok) error = "wrong log end offset";
    (void)log->remove();  // remove() drops the segments, so the destructor does not fsync
    log.reset();
    fs::remove_all(directory.parent_path());
    if (!error.empty()) {
      state.SkipWithError(error.c_str());
      break;
    }
  }
  report(state, input);
  state.counters["slowest_call_ms"] = slowest_ms;
}

void BM_Append(benchmark::State& state) { append_benchmark(state, false); }
void BM_AppendOneSegment(benchmark::State& state) { append_benchmark(state, true); }

void BM_FileWrite(benchmark::State& state) {
  const Batches& input = batches(state.range(0), static_cast<std::size_t>(state.range(1)));
  std::vector<std::uint8_t> buffer(input.largest);
  std::string error;
  double slowest_ms = 0;
  for (auto _ : state) {
    const fs::path path = fresh_path("write");
    const int fd = create_file(path);
    PassTimer timer;
    timer.start();
    double slowest = 0;
    write_all(fd, input, buffer, &error, &slowest);
    const double seconds = timer.stop();
    state.SetIterationTime(seconds);
    pass_times()[case_key("write()", input.records, input.batch_bytes)].push_back(seconds);
    slowest_ms = std::max(slowest_ms, slowest * 1e3);
    ::close(fd);
    fs::remove(path);
    if (!error.empty()) {
      state.SkipWithError(error.c_str());
      break;
    }
  }
  report(state, input);
  state.counters["slowest_call_ms"] = slowest_ms;
}

// The first 1.2 GB a process writes to the page cache can cost several times what the next does
// (the VM faults fresh memory in from the host: the machine notes on "first touch"),
// which would land on whichever benchmark runs first. One untimed write of the same bytes,
// deleted at once, takes that cost before anything is timed.
void warm_up(const Batches& input) {
  std::vector<std::uint8_t> buffer(input.largest);
  std::string error;
  const fs::path path = fresh_path("warm-up");
  const int fd = create_file(path);
  double slowest = 0;
  if (!write_all(fd, input, buffer, &error, &slowest)) {
    std::fprintf(stderr, "warm-up: %s\n", error.c_str());
    std::abort();
  }
  ::close(fd);
  fs::remove(path);
}

// ---------------------------------------------------------------------------------------------
// Read and its baseline: one log and one file per (records, batch size), written the same way
// (no fsync) before the first read pass and kept until the batch size changes.

struct ReadSetup {
  std::int64_t records = 0;
  std::size_t batch_bytes = 0;
  fs::path directory;
  std::unique_ptr<PartitionLog> log;
  fs::path file;
  std::uint64_t bytes = 0;

  ~ReadSetup() {
    if (log) (void)log->remove();
    log.reset();
    std::error_code ignored;
    if (!directory.empty()) fs::remove_all(directory.parent_path(), ignored);
    if (!file.empty()) fs::remove(file, ignored);
  }
};

std::unique_ptr<ReadSetup>& read_setup_slot() {
  static std::unique_ptr<ReadSetup> setup;
  return setup;
}

const ReadSetup& read_setup(std::int64_t records, std::size_t batch_bytes) {
  std::unique_ptr<ReadSetup>& slot = read_setup_slot();
  if (slot && slot->records == records && slot->batch_bytes == batch_bytes) return *slot;
  slot.reset();
  const Batches& input = batches(records, batch_bytes);
  auto setup = std::make_unique<ReadSetup>();
  setup->records = records;
  setup->batch_bytes = batch_bytes;
  setup->bytes = input.bytes.size();
  std::vector<std::uint8_t> buffer(input.largest);
  std::string error;
  setup->directory = fresh_path("read") / "topic-0";
  setup->log = open_log(setup->directory);
  double slowest = 0;
  if (!append_all(*setup->log, input, buffer, &error, &slowest)) {
    std::fprintf(stderr, "read setup: %s\n", error.c_str());
    std::abort();
  }
  setup->file = fresh_path("read-file");
  const int fd = create_file(setup->file);
  if (!write_all(fd, input, buffer, &error, &slowest)) {
    std::fprintf(stderr, "read setup: %s\n", error.c_str());
    std::abort();
  }
  ::close(fd);
  slot = std::move(setup);
  return *slot;
}

// One pass over the partition: fetches of kFetchBytes from offset 0 to the end. Returns the
// records seen (counted from the batch headers, or from the decoded batches when decode).
std::int64_t read_partition(const PartitionLog& log, bool decode, std::uint64_t* bytes,
                            std::string* error) {
  const std::int64_t end = log.log_end_offset();
  std::int64_t offset = 0;
  std::int64_t records = 0;
  while (offset < end) {
    auto fetched = log.read(offset, kFetchBytes);
    if (!fetched.ok()) {
      *error = fetched.status().message();
      return -1;
    }
    const std::span<const std::uint8_t> data = fetched->records;
    if (data.empty()) {
      *error = "empty fetch at offset " + std::to_string(offset);
      return -1;
    }
    for (std::size_t position = 0; position < data.size();) {
      auto header = ferry::broker::read_batch_header(data.subspan(position));
      if (!header.ok()) {
        *error = header.status().message();
        return -1;
      }
      if (decode) {
        auto decoded =
            ferry::broker::decode_batch(data.subspan(position, header->size()), kMaxDecompressed);
        if (!decoded.ok()) {
          *error = decoded.status().message();
          return -1;
        }
        records += static_cast<std::int64_t>(decoded->records().size());
        benchmark::DoNotOptimize(decoded->records().data());
      } else {
        records += header->records_count;
      }
      offset = header->last_offset() + 1;
      position += header->size();
    }
    *bytes += data.size();
  }
  return records;
}

void read_benchmark(benchmark::State& state, bool decode) {
  const auto batch_bytes = static_cast<std::size_t>(state.range(1));
  const ReadSetup& setup = read_setup(state.range(0), batch_bytes);
  const Batches& input = batches(state.range(0), batch_bytes);
  const char* name = decode ? "read+decode" : "read";
  std::string error;
  for (auto _ : state) {
    std::uint64_t bytes = 0;
    PassTimer timer;
    timer.start();
    const std::int64_t records = read_partition(*setup.log, decode, &bytes, &error);
    const double seconds = timer.stop();
    state.SetIterationTime(seconds);
    pass_times()[case_key(name, input.records, batch_bytes)].push_back(seconds);
    if (error.empty() && (records != input.records || bytes != setup.bytes)) {
      error =
          "read " + std::to_string(records) + " records and " + std::to_string(bytes) + " bytes";
    }
    if (!error.empty()) {
      state.SkipWithError(error.c_str());
      break;
    }
  }
  report(state, input);
}

void BM_Read(benchmark::State& state) { read_benchmark(state, false); }
void BM_ReadDecode(benchmark::State& state) { read_benchmark(state, true); }

void BM_FileRead(benchmark::State& state) {
  const auto batch_bytes = static_cast<std::size_t>(state.range(1));
  const ReadSetup& setup = read_setup(state.range(0), batch_bytes);
  const Batches& input = batches(state.range(0), batch_bytes);
  std::vector<std::uint8_t> buffer(kFetchBytes, 1);
  std::string error;
  for (auto _ : state) {
    const int fd = ::open(setup.file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      state.SkipWithError(std::strerror(errno));
      break;
    }
    std::uint64_t bytes = 0;
    PassTimer timer;
    timer.start();
    while (true) {
      const ssize_t n = ::read(fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) error = std::string("read: ") + std::strerror(errno);
      if (n <= 0) break;
      bytes += static_cast<std::uint64_t>(n);
      benchmark::DoNotOptimize(buffer.data());
    }
    const double seconds = timer.stop();
    state.SetIterationTime(seconds);
    pass_times()[case_key("read()", input.records, batch_bytes)].push_back(seconds);
    ::close(fd);
    if (error.empty() && bytes != setup.bytes) error = "short read";
    if (!error.empty()) {
      state.SkipWithError(error.c_str());
      break;
    }
  }
  report(state, input);
}

// The baseline read() loop over the log's own segment files, in offset order.
void BM_SegmentFileRead(benchmark::State& state) {
  const auto batch_bytes = static_cast<std::size_t>(state.range(1));
  const ReadSetup& setup = read_setup(state.range(0), batch_bytes);
  const Batches& input = batches(state.range(0), batch_bytes);
  std::vector<fs::path> segments;
  for (const auto& entry : fs::directory_iterator(setup.directory)) {
    if (entry.path().extension() == ".log") segments.push_back(entry.path());
  }
  std::sort(segments.begin(), segments.end());
  std::vector<std::uint8_t> buffer(kFetchBytes, 1);
  std::string error;
  for (auto _ : state) {
    std::vector<int> fds;
    for (const fs::path& segment : segments) {
      fds.push_back(::open(segment.c_str(), O_RDONLY | O_CLOEXEC));
      if (fds.back() < 0) error = std::string("open: ") + std::strerror(errno);
    }
    std::uint64_t bytes = 0;
    PassTimer timer;
    timer.start();
    for (const int fd : fds) {
      while (error.empty()) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) error = std::string("read: ") + std::strerror(errno);
        if (n <= 0) break;
        bytes += static_cast<std::uint64_t>(n);
        benchmark::DoNotOptimize(buffer.data());
      }
    }
    const double seconds = timer.stop();
    state.SetIterationTime(seconds);
    pass_times()[case_key("read() of the segments", input.records, batch_bytes)].push_back(seconds);
    for (const int fd : fds) ::close(fd);
    if (error.empty() && bytes != setup.bytes) error = "short read";
    if (!error.empty()) {
      state.SkipWithError(error.c_str());
      break;
    }
  }
  report(state, input);
}

// Recovery after a crash that lost the recovery point: every segment of the partition (one
// segment of the whole run, over 1 GiB at 10M records) is read, each batch's CRC checked and the
// indexes rebuilt, as at a start after kill -9 before any fsync. The baseline is read() of the
// same amount of segment bytes (BM_SegmentFileRead).
void BM_Recovery(benchmark::State& state) {
  const auto batch_bytes = static_cast<std::size_t>(state.range(1));
  const Batches& input = batches(state.range(0), batch_bytes);
  const fs::path directory = fresh_path("recovery") / "topic-0";
  {
    std::unique_ptr<PartitionLog> log = open_log(directory, true);
    std::vector<std::uint8_t> buffer(input.largest);
    std::string error;
    double slowest = 0;
    if (!append_all(*log, input, buffer, &error, &slowest)) {
      state.SkipWithError(error.c_str());
      return;
    }
  }
  for (auto _ : state) {
    std::error_code ignored;
    fs::remove(directory / ferry::broker::kRecoveryPointFile, ignored);
    std::vector<std::string> notes;
    PassTimer timer;
    timer.start();
    auto log = PartitionLog::open(directory, no_fsync_config(true), false, notes);
    const double seconds = timer.stop();
    if (!log.ok() || (*log)->log_end_offset() != input.records) {
      state.SkipWithError(log.ok() ? "recovery lost records" : log.status().message().c_str());
      break;
    }
    state.SetIterationTime(seconds);
    pass_times()[case_key("recovery", input.records, batch_bytes)].push_back(seconds);
  }
  std::error_code ignored;
  fs::remove_all(directory.parent_path(), ignored);
  report(state, input);
}

// ---------------------------------------------------------------------------------------------

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

void print_summary() {
  const auto& times = pass_times();
  if (times.empty()) return;
  std::fprintf(stderr, "\nMedian time per pass over every pass measured, and ratio to baseline:\n");
  const std::pair<const char*, const char*> pairs[] = {{"append", "write()"},
                                                       {"append (one segment)", "write()"},
                                                       {"read", "read()"},
                                                       {"read", "read() of the segments"},
                                                       {"read+decode", "read()"},
                                                       {"read+decode", "read() of the segments"},
                                                       {"recovery", "read() of the segments"}};
  for (const auto& [name, baseline] : pairs) {
    for (const auto& [key, seconds] : times) {
      if (key.rfind(std::string(name) + "/", 0) != 0) continue;
      const std::string rest = key.substr(std::strlen(name));
      const double ours = median(seconds);
      std::fprintf(stderr, "  %-56s %8.1f ms (%3zu passes) %6.2f M records/s", key.c_str(),
                   ours * 1e3, seconds.size(), static_cast<double>(g_records) / ours / 1e6);
      const auto base = times.find(baseline + rest);
      if (base != times.end()) {
        const double theirs = median(base->second);
        std::fprintf(stderr, "   %-22s %8.1f ms (%3zu passes)   ratio %.2fx", baseline,
                     theirs * 1e3, base->second.size(), ours / theirs);
      }
      std::fprintf(stderr, "\n");
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Take --records=N out of argv before Google Benchmark sees it.
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.rfind("--records=", 0) == 0) {
      g_records = std::strtoll(argv[i] + std::strlen("--records="), nullptr, 10);
      if (g_records <= 0) {
        std::fprintf(stderr, "--records wants a positive count\n");
        return 2;
      }
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  std::random_device seed;
  g_scratch =
      fs::temp_directory_path() / ("ferry-partition-log-benchmark-" + std::to_string(::getpid()) +
                                   "-" + std::to_string(seed()));
  fs::create_directories(g_scratch);

  for (const std::int64_t batch_bytes : {16 * 1024, 64 * 1024}) {
    const std::vector<std::int64_t> args = {g_records, batch_bytes};
    const std::vector<std::string> names = {"records", "batch_bytes"};
    for (const auto& [name, function] :
         {std::pair{"BM_FileWrite", &BM_FileWrite}, std::pair{"BM_Append", &BM_Append},
          std::pair{"BM_AppendOneSegment", &BM_AppendOneSegment},
          std::pair{"BM_FileRead", &BM_FileRead},
          std::pair{"BM_SegmentFileRead", &BM_SegmentFileRead}, std::pair{"BM_Read", &BM_Read},
          std::pair{"BM_ReadDecode", &BM_ReadDecode}, std::pair{"BM_Recovery", &BM_Recovery}}) {
      benchmark::RegisterBenchmark(name, function)
          ->Args(args)
          ->ArgNames(names)
          ->UseManualTime()
          ->Unit(benchmark::kMillisecond);
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  print_summary();
  read_setup_slot().reset();
  benchmark::Shutdown();
  std::error_code ignored;
  fs::remove_all(g_scratch, ignored);
  return 0;
}
