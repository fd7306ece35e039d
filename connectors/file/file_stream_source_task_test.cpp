#include "connectors/file/file_stream_source_task.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <thread>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ferry/sdk/schema.h"
#include "tests/temp_directory.h"

namespace ferry::connectors::file {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

class FakeOffsetStorageReader : public sdk::OffsetStorageReader {
 public:
  std::optional<sdk::SourceMap> offset(const sdk::SourceMap& partition) const override {
    for (const auto& [stored_partition, stored_offset] : offsets) {
      if (stored_partition == partition) return stored_offset;
    }
    return std::nullopt;
  }

  std::vector<std::pair<sdk::SourceMap, sdk::SourceMap>> offsets;
};

class FakeSourceTaskContext : public sdk::SourceTaskContext {
 public:
  const sdk::ConfigMap& configs() const override { return configs_; }
  const sdk::OffsetStorageReader& offset_storage_reader() const override { return reader; }

  FakeOffsetStorageReader reader;

 private:
  sdk::ConfigMap configs_;
};

void append(const std::filesystem::path& file, std::string_view text) {
  std::ofstream out(file, std::ios::binary | std::ios::app);
  out << text;
  ASSERT_TRUE(out.good()) << file;
}

std::int64_t position_of(const sdk::SourceRecord& record) {
  return record.source_offset.at(FileStreamSourceTask::kPositionField).as<std::int64_t>();
}

struct Line {
  std::string value;
  std::int64_t position;
  friend bool operator==(const Line&, const Line&) = default;
  friend std::ostream& operator<<(std::ostream& out, const Line& line) {
    return out << '{' << line.value << ", " << line.position << '}';
  }
};

std::vector<Line> lines_of(const std::vector<sdk::SourceRecord>& records) {
  std::vector<Line> lines;
  for (const sdk::SourceRecord& record : records) {
    lines.push_back({record.value.as<std::string>(), position_of(record)});
  }
  return lines;
}

class FileStreamSourceTaskTest : public ::testing::Test {
 protected:
  // A started task reading file (empty: standard input) into topic "lines".
  std::unique_ptr<FileStreamSourceTask> start_task(const std::string& file,
                                                   sdk::ConfigMap extra = {},
                                                   FileStreamSourceTask::Options options = {
                                                       .idle_wait = 10ms}) {
    options.log = [this](std::string_view message) { log.emplace_back(message); };
    auto task = std::make_unique<FileStreamSourceTask>(std::move(options));
    task->initialize(context);
    sdk::ConfigMap props = {{"topic", "lines"}};
    if (!file.empty()) props["file"] = file;
    props.merge(extra);
    task->start(props);
    return task;
  }

  // Polls until count records came or a second passed.
  static std::vector<sdk::SourceRecord> poll_records(FileStreamSourceTask& task,
                                                     std::size_t count) {
    std::vector<sdk::SourceRecord> records;
    const auto deadline = Clock::now() + 1s;
    while (records.size() < count && Clock::now() < deadline) {
      for (sdk::SourceRecord& record : task.poll()) records.push_back(std::move(record));
    }
    return records;
  }

  bool logged(std::string_view fragment) const {
    for (const std::string& message : log) {
      if (message.find(fragment) != std::string::npos) return true;
    }
    return false;
  }

  ferry::testing::TempDir dir;
  FakeSourceTaskContext context;
  std::vector<std::string> log;
};

TEST_F(FileStreamSourceTaskTest, AppendedLinesComeOutInOrderWithBytePositions) {
  const auto file = dir.write("in.txt", "alpha\nbeta\r\ngamma\rdelta\n");
  auto task = start_task(file.string());

  const std::vector<sdk::SourceRecord> records = poll_records(*task, 4);
  EXPECT_EQ(lines_of(records),
            (std::vector<Line>{{"alpha", 6}, {"beta", 12}, {"gamma", 18}, {"delta", 24}}));
  const sdk::SourceRecord& first = records.at(0);
  EXPECT_EQ(first.topic, "lines");
  EXPECT_EQ(first.source_partition, (sdk::SourceMap{{"filename", sdk::Value(file.string())}}));
  EXPECT_EQ(first.key_schema, nullptr);
  EXPECT_TRUE(first.key.is_null());
  ASSERT_NE(first.value_schema, nullptr);
  EXPECT_EQ(*first.value_schema, *sdk::Schema::string());
  EXPECT_FALSE(first.kafka_partition.has_value());
  ASSERT_TRUE(first.timestamp.has_value());
  EXPECT_GT(*first.timestamp, 1'600'000'000'000);

  EXPECT_TRUE(task->poll().empty());
  append(file, "epsilon\nzeta\n");
  EXPECT_EQ(lines_of(poll_records(*task, 2)), (std::vector<Line>{{"epsilon", 32}, {"zeta", 37}}));
}

TEST_F(FileStreamSourceTaskTest, PartialLineWaitsForItsNewline) {
  const auto file = dir.write("in.txt", "complete\nparti");
  auto task = start_task(file.string());
  EXPECT_EQ(lines_of(poll_records(*task, 1)), (std::vector<Line>{{"complete", 9}}));
  EXPECT_TRUE(task->poll().empty());
  EXPECT_TRUE(task->poll().empty());

  append(file, "al");
  EXPECT_TRUE(task->poll().empty());
  append(file, "\r");  // could still become "\r\n"
  EXPECT_TRUE(task->poll().empty());
  append(file, "\nnext\n");
  EXPECT_EQ(lines_of(poll_records(*task, 2)), (std::vector<Line>{{"partial", 18}, {"next", 23}}));
}

TEST_F(FileStreamSourceTaskTest, RestartFromStoredOffsetEmitsExactlyTheRemainingLines) {
  const auto file = dir.write("in.txt", "one\ntwo\nthree\nfour\nfive\n");
  std::vector<sdk::SourceRecord> first_run;
  {
    auto task = start_task(file.string());
    first_run = poll_records(*task, 5);
    ASSERT_EQ(first_run.size(), 5u);
    task->stop();
  }
  // The worker committed the offset of "two" before the restart.
  context.reader.offsets.emplace_back(first_run[1].source_partition, first_run[1].source_offset);
  auto task = start_task(file.string());
  EXPECT_EQ(lines_of(poll_records(*task, 3)),
            (std::vector<Line>{{"three", 14}, {"four", 19}, {"five", 24}}));
  EXPECT_TRUE(task->poll().empty());
  append(file, "six\n");
  EXPECT_EQ(lines_of(poll_records(*task, 1)), (std::vector<Line>{{"six", 28}}));
}

TEST_F(FileStreamSourceTaskTest, StoredOffsetAtTheEndEmitsOnlyNewLines) {
  const auto file = dir.write("in.txt", "old\n");
  context.reader.offsets.push_back(
      {{{"filename", sdk::Value(file.string())}}, {{"position", sdk::Value(std::int64_t{4})}}});
  auto task = start_task(file.string());
  EXPECT_TRUE(task->poll().empty());
  append(file, "new\n");
  EXPECT_EQ(lines_of(poll_records(*task, 1)), (std::vector<Line>{{"new", 8}}));
}

TEST_F(FileStreamSourceTaskTest, StoredOffsetBeyondTheEndRereadsTheFileFromTheBeginning) {
  const auto file = dir.write("in.txt", "short\n");
  context.reader.offsets.push_back(
      {{{"filename", sdk::Value(file.string())}}, {{"position", sdk::Value(std::int64_t{999})}}});
  auto task = start_task(file.string());
  EXPECT_EQ(lines_of(poll_records(*task, 1)), (std::vector<Line>{{"short", 6}}));
  EXPECT_TRUE(logged("beyond its end")) << ::testing::PrintToString(log);
}

TEST_F(FileStreamSourceTaskTest, StoredOffsetOfTheWrongTypeFailsTheStart) {
  const auto file = dir.write("in.txt", "x\n");
  context.reader.offsets.push_back(
      {{{"filename", sdk::Value(file.string())}}, {{"position", sdk::Value("12")}}});
  try {
    start_task(file.string());
    FAIL() << "start() accepted a string position";
  } catch (const sdk::ConnectException& e) {
    EXPECT_STREQ(e.what(), "Offset position is the incorrect type");
  }
}

TEST_F(FileStreamSourceTaskTest, StoredOffsetOfANarrowerIntegerIsAccepted) {
  const auto file = dir.write("in.txt", "one\ntwo\n");
  context.reader.offsets.push_back(
      {{{"filename", sdk::Value(file.string())}}, {{"position", sdk::Value(std::int32_t{4})}}});
  auto task = start_task(file.string());
  EXPECT_EQ(lines_of(poll_records(*task, 1)), (std::vector<Line>{{"two", 8}}));
}

TEST_F(FileStreamSourceTaskTest, TruncatedFileIsReadAgainFromTheBeginning) {
  const auto file = dir.write("in.txt", "first line\nsecond line\n");
  auto task = start_task(file.string());
  ASSERT_EQ(poll_records(*task, 2).size(), 2u);

  dir.write("in.txt", "new\n");  // truncates in place, as logrotate's copytruncate does
  EXPECT_EQ(lines_of(poll_records(*task, 1)), (std::vector<Line>{{"new", 4}}));
  EXPECT_TRUE(logged("was truncated to 4 bytes after 23 had been read"))
      << ::testing::PrintToString(log);
}

TEST_F(FileStreamSourceTaskTest, ReplacedFileIsReadFromItsBeginningAfterTheOldOneEnds) {
  const auto file = dir.write("app.log", "one\ntwo\n");
  auto task = start_task(file.string());
  ASSERT_EQ(poll_records(*task, 2).size(), 2u);

  // Rotation: the old file is renamed, the writer adds to it before moving to the new file.
  const auto rotated = dir.path() / "app.log.1";
  std::filesystem::rename(file, rotated);
  append(rotated, "three\ntail-without-newline");
  dir.write("app.log", "fresh\n");

  EXPECT_EQ(lines_of(poll_records(*task, 2)), (std::vector<Line>{{"three", 14}, {"fresh", 6}}));
  EXPECT_TRUE(logged("was replaced by a new file")) << ::testing::PrintToString(log);
  EXPECT_TRUE(logged("dropped the incomplete last line (20 bytes)"))
      << ::testing::PrintToString(log);
  append(file, "more\n");
  EXPECT_EQ(lines_of(poll_records(*task, 1)), (std::vector<Line>{{"more", 11}}));
}

TEST_F(FileStreamSourceTaskTest, RemovedFileIsReadUntilANewOneAppears) {
  const auto file = dir.write("app.log", "one\n");
  auto task = start_task(file.string());
  ASSERT_EQ(poll_records(*task, 1).size(), 1u);

  const auto moved = dir.path() / "app.log.old";
  std::filesystem::rename(file, moved);
  EXPECT_TRUE(task->poll().empty());
  EXPECT_TRUE(logged("was removed or renamed")) << ::testing::PrintToString(log);
  append(moved, "two\n");  // still followed: the writer has not switched yet
  EXPECT_EQ(lines_of(poll_records(*task, 1)), (std::vector<Line>{{"two", 8}}));

  dir.write("app.log", "new\n");
  EXPECT_EQ(lines_of(poll_records(*task, 1)), (std::vector<Line>{{"new", 4}}));
}

TEST_F(FileStreamSourceTaskTest, MissingFileIsWaitedFor) {
  const auto file = dir.path() / "later.txt";
  auto task = start_task(file.string());
  EXPECT_TRUE(task->poll().empty());
  EXPECT_TRUE(task->poll().empty());
  EXPECT_EQ(log.size(), 1u) << "reported once, not on every poll";
  EXPECT_TRUE(logged("Couldn't find file")) << ::testing::PrintToString(log);

  append(file, "finally\n");
  EXPECT_EQ(lines_of(poll_records(*task, 1)), (std::vector<Line>{{"finally", 8}}));
}

TEST_F(FileStreamSourceTaskTest, DirectoryFailsThePoll) {
  auto task = start_task(dir.path().string());
  EXPECT_THROW(task->poll(), sdk::ConnectException);
}

TEST_F(FileStreamSourceTaskTest, BatchSizeIsHonoured) {
  std::string text;
  for (int i = 0; i < 10; ++i) text += "line " + std::to_string(i) + "\n";
  const auto file = dir.write("in.txt", text);
  auto task = start_task(file.string(), {{"batch.size", "3"}});
  std::vector<std::size_t> sizes;
  for (int i = 0; i < 5; ++i) sizes.push_back(task->poll().size());
  EXPECT_EQ(sizes, (std::vector<std::size_t>{3, 3, 3, 1, 0}));
}

TEST_F(FileStreamSourceTaskTest, MalformedUtf8IsReplacedAndPositionsCountBytes) {
  const auto file = dir.write("in.txt", "caf\xC3\xA9\nbad \xFF byte\n");
  auto task = start_task(file.string());
  EXPECT_EQ(lines_of(poll_records(*task, 2)),
            (std::vector<Line>{{"caf\xC3\xA9", 6}, {"bad \xEF\xBF\xBD byte", 17}}));
}

// Starts task.poll() on another thread and returns once that thread sleeps in poll(2) or
// ppoll(2), which the task calls only to wait for data (its check for readable input does not
// sleep): a test can then write or stop knowing that the wait, not the read before it, sees it.
// Reads the thread's state and current system call from /proc; gives up after 30 s.
std::future<std::vector<sdk::SourceRecord>> poll_until_it_waits(FileStreamSourceTask& task) {
  std::promise<pid_t> thread_id;
  auto started = thread_id.get_future();
  auto polled = std::async(std::launch::async, [&task, thread_id = std::move(thread_id)]() mutable {
    thread_id.set_value(static_cast<pid_t>(::syscall(SYS_gettid)));
    return task.poll();
  });
  const std::string task_dir = "/proc/self/task/" + std::to_string(started.get());
  const auto sleeps_in_poll = [&task_dir] {
    std::ifstream stat(task_dir + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto name_end = line.rfind(')');  // "pid (name) S ...": the name may hold spaces
    if (name_end == std::string::npos || name_end + 2 >= line.size() || line[name_end + 2] != 'S')
      return false;
    std::ifstream syscall_file(task_dir + "/syscall");
    long number = -1;
    syscall_file >> number;
#ifdef SYS_poll
    if (number == SYS_poll) return true;
#endif
    return number == SYS_ppoll;
  };
  const auto give_up = Clock::now() + 30s;
  while (!sleeps_in_poll() && Clock::now() < give_up) std::this_thread::sleep_for(1ms);
  EXPECT_TRUE(sleeps_in_poll()) << "the poll did not reach its wait";
  return polled;
}

TEST_F(FileStreamSourceTaskTest, StopInterruptsAWaitingPollQuickly) {
  const auto file = dir.write("in.txt", "");
  auto task = start_task(file.string(), {}, {.idle_wait = 10s});
  auto polled = poll_until_it_waits(*task);
  const auto stop_called = Clock::now();
  task->stop();
  ASSERT_EQ(polled.wait_for(5s), std::future_status::ready);
  const auto latency = Clock::now() - stop_called;
  EXPECT_TRUE(polled.get().empty());
  // The wait is a poll() that stop() wakes, so the latency is the scheduler's: far below the 10 s
  // idle wait, but not a few milliseconds (nor always below a second) on a loaded machine under
  // a sanitizer.
  EXPECT_LT(latency, 3s);
  std::cout << "[ stop latency ] "
            << std::chrono::duration_cast<std::chrono::microseconds>(latency).count()
            << " us after stop()\n";
  EXPECT_TRUE(task->poll().empty()) << "poll() after stop() returns at once";
}

class Pipe {
 public:
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    read_end = fds[0];
    write_end = fds[1];
  }
  ~Pipe() {
    if (read_end >= 0) ::close(read_end);
    close_write_end();
  }
  void write(std::string_view text) const {
    ASSERT_EQ(::write(write_end, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
  void close_write_end() {
    if (write_end >= 0) ::close(write_end);
    write_end = -1;
  }

  int read_end = -1;
  int write_end = -1;
};

TEST_F(FileStreamSourceTaskTest, StandardInputIsReadWithoutOffsets) {
  Pipe stdin_pipe;
  auto task = start_task("", {}, {.idle_wait = 10ms, .stdin_fd = stdin_pipe.read_end});
  EXPECT_TRUE(task->poll().empty());
  stdin_pipe.write("typed\nin");
  std::vector<sdk::SourceRecord> records = poll_records(*task, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].value, sdk::Value("typed"));
  EXPECT_TRUE(records[0].source_partition.empty());
  EXPECT_TRUE(records[0].source_offset.empty());

  stdin_pipe.write("put\n");
  records = poll_records(*task, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].value, sdk::Value("input"));

  stdin_pipe.close_write_end();  // end of input: polls keep returning nothing, without spinning
  const auto started = Clock::now();
  EXPECT_TRUE(task->poll().empty());
  EXPECT_GE(Clock::now() - started, 5ms);
}

TEST_F(FileStreamSourceTaskTest, StopInterruptsAPollWaitingOnStandardInput) {
  Pipe stdin_pipe;
  auto task = start_task("", {}, {.idle_wait = 10s, .stdin_fd = stdin_pipe.read_end});
  auto polled = poll_until_it_waits(*task);
  const auto stop_called = Clock::now();
  task->stop();
  ASSERT_EQ(polled.wait_for(5s), std::future_status::ready);
  EXPECT_LT(Clock::now() - stop_called, 3s);  // not the 10 s idle wait (as above)
}

TEST_F(FileStreamSourceTaskTest, DataOnStandardInputEndsTheWaitAtOnce) {
  Pipe stdin_pipe;
  auto task = start_task("", {}, {.idle_wait = 10s, .stdin_fd = stdin_pipe.read_end});
  auto polled = poll_until_it_waits(*task);
  stdin_pipe.write("wake\n");
  ASSERT_EQ(polled.wait_for(5s), std::future_status::ready);  // not the 10 s idle wait
  EXPECT_TRUE(polled.get().empty()) << "the wait ends; the next poll reads";
  EXPECT_EQ(poll_records(*task, 1).at(0).value, sdk::Value("wake"));
}

TEST_F(FileStreamSourceTaskTest, MissingTopicFailsTheStart) {
  FileStreamSourceTask task;
  task.initialize(context);
  try {
    task.start({{"file", "x"}});
    FAIL() << "start() accepted a configuration without topic";
  } catch (const sdk::ConnectException& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "Missing required configuration \"topic\" which has no default value."),
              std::string::npos)
        << e.what();
  }
}

// Not a benchmark with a baseline: a check that a large file streams through at a rate worth
// printing. The file is fresh in the page cache, so this measures the task, not the disk.
TEST_F(FileStreamSourceTaskTest, LargeFileStreamsThrough) {
  const std::size_t target_bytes = (kSanitized ? 20u : 200u) << 20;
  const auto file = dir.path() / "large.txt";
  std::size_t lines = 0;
  std::size_t bytes = 0;
  {
    std::string chunk;
    std::ofstream out(file, std::ios::binary);
    while (bytes < target_bytes) {
      chunk.clear();
      while (chunk.size() < (1u << 20)) {
        // 60-140 byte lines, like log lines.
        const std::size_t length = 60 + (lines * 7919) % 81;
        const std::string prefix = "line " + std::to_string(lines) + " ";
        chunk += prefix;
        chunk.append(length - prefix.size(), 'x');
        chunk.push_back('\n');
        ++lines;
      }
      out << chunk;
      bytes += chunk.size();
    }
    ASSERT_TRUE(out.good());
  }

  auto task = start_task(file.string());
  std::size_t records = 0;
  std::size_t value_bytes = 0;
  std::int64_t last_position = 0;
  const auto started = Clock::now();
  while (records < lines) {
    std::vector<sdk::SourceRecord> batch = task->poll();
    if (batch.empty()) break;
    EXPECT_LE(batch.size(), 2000u);
    records += batch.size();
    for (const sdk::SourceRecord& record : batch) {
      value_bytes += record.value.as<std::string>().size();
    }
    last_position = position_of(batch.back());
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  EXPECT_EQ(records, lines);
  EXPECT_EQ(static_cast<std::size_t>(last_position), bytes);
  EXPECT_EQ(value_bytes + lines, bytes);
  std::printf(
      "[ throughput ] FileStreamSourceTask: %.0f MiB, %zu lines in %.2f s: %.0f MiB/s, "
      "%.2f M records/s%s\n",
      static_cast<double>(bytes) / (1 << 20), lines, seconds,
      static_cast<double>(bytes) / (1 << 20) / seconds,
      static_cast<double>(records) / 1e6 / seconds, kSanitized ? " (sanitized)" : "");
}

}  // namespace
}  // namespace ferry::connectors::file
