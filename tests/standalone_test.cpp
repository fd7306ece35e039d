// `ferry standalone` driven as a user drives it: the real binary, started in the background with a
// worker config, connector configs, a broker data directory, an offsets file and the file
// connectors of the build, in a temporary directory. Lines appended to a source file must come out
// of the sink file, in order, once (or, after a crash, only repeated from the last uncommitted
// interval); stops must be clean; and configs that cannot work must fail with the message a user
// can act on.
//
// Timing: the machine may be slow and shared, so every wait polls with a generous deadline
// (kDeadline) and no assertion depends on a fixed sleep; sleeps only pace the writers and pick
// random moments for kill -9.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/http_call.h"
#include "tests/process.h"
#include "tests/temp_directory.h"
#include "tests/worker_process.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Properties = std::map<std::string, std::string>;

// How long anything may take on a slow, shared machine before a test gives up on it.
constexpr auto kDeadline = 60s;

constexpr std::string_view kStringConverter = "org.apache.kafka.connect.storage.StringConverter";
constexpr std::string_view kJsonConverter = "org.apache.kafka.connect.json.JsonConverter";

fs::path build_dir() { return ferry_binary().parent_path().parent_path(); }

// Appends text to file with one write(2), as a logging program would.
void append(const fs::path& file, std::string_view text) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << file;
  const ssize_t written = ::write(fd, text.data(), text.size());
  ::close(fd);
  ASSERT_EQ(written, static_cast<ssize_t>(text.size())) << file;
}

std::string lines(std::string_view prefix, int first, int count) {
  std::string text;
  for (int i = first; i < first + count; ++i)
    text += std::string(prefix) + std::to_string(i) + "\n";
  return text;
}

class StandaloneTest : public ::testing::Test {
 protected:
  fs::path source_file() const { return dir_.path() / "source.txt"; }
  fs::path sink_file() const { return dir_.path() / "sink.txt"; }
  fs::path offsets_file() const { return dir_.path() / "connect.offsets"; }

  // The sample worker config (config/connect-standalone.properties: JSON with schemas) with this
  // test's data directory, offsets file and plugins; overrides replace or add keys.
  Properties worker_properties(const Properties& overrides = {}) const {
    Properties properties{
        {"bootstrap.servers", "localhost:9092"},
        {"key.converter", std::string(kJsonConverter)},
        {"value.converter", std::string(kJsonConverter)},
        {"key.converter.schemas.enable", "true"},
        {"value.converter.schemas.enable", "true"},
        {"offset.storage.file.filename", offsets_file().string()},
        {"offset.flush.interval.ms", "1000"},
        {"plugin.path", (build_dir() / "plugins").string()},
        {"log.dirs", (dir_.path() / "data").string()},
        // A free port for the REST API: tests run workers side by side (ctest -j).
        {"listeners", "http://127.0.0.1:0"},
    };
    for (const auto& [key, value] : overrides) properties[key] = value;
    return properties;
  }
  Properties string_converters() const {
    return {{"key.converter", std::string(kStringConverter)},
            {"value.converter", std::string(kStringConverter)}};
  }

  fs::path write_worker(const Properties& overrides = {}) {
    return dir_.write("worker.properties", properties_text(worker_properties(overrides)));
  }
  // config/connect-file-source.properties and connect-file-sink.properties with this test's files.
  fs::path write_source_connector() {
    return dir_.write("connect-file-source.properties",
                      properties_text({{"name", "local-file-source"},
                                       {"connector.class", "FileStreamSource"},
                                       {"tasks.max", "1"},
                                       {"file", source_file().string()},
                                       {"topic", "connect-test"}}));
  }
  fs::path write_sink_connector() {
    return dir_.write("connect-file-sink.properties",
                      properties_text({{"name", "local-file-sink"},
                                       {"connector.class", "FileStreamSink"},
                                       {"tasks.max", "1"},
                                       {"file", sink_file().string()},
                                       {"topics", "connect-test"}}));
  }

  // Starts program (ferry, or one of its Kafka script names) with args; every run of a test logs
  // to the same two files.
  std::unique_ptr<WorkerProcess> start(const std::vector<std::string>& args,
                                       const fs::path& program = ferry_binary()) {
    return std::make_unique<WorkerProcess>(program, args, dir_.path() / "ferry.stdout",
                                           dir_.path() / "ferry.stderr");
  }
  std::unique_ptr<WorkerProcess> start_standalone(const fs::path& worker,
                                                  const std::vector<fs::path>& connectors) {
    std::vector<std::string> args{"standalone", worker.string()};
    for (const fs::path& connector : connectors) args.push_back(connector.string());
    return start(args);
  }
  std::unique_ptr<WorkerProcess> start_file_pipeline(const Properties& worker_overrides = {}) {
    const fs::path worker = write_worker(worker_overrides);
    const fs::path source = write_source_connector();
    const fs::path sink = write_sink_connector();
    return start_standalone(worker, {source, sink});
  }

  // The standard error of every run so far: the worker's log.
  std::string log() const { return read_whole_file(dir_.path() / "ferry.stderr"); }

  // Waits until the sink file holds at least as many bytes as expected (or the worker exits, or
  // kDeadline passes), then compares: a line repeated or out of order shows as a difference.
  ::testing::AssertionResult sink_receives(WorkerProcess& worker, const std::string& expected) {
    std::string content;
    const bool reached = wait_until(
        [&] {
          const bool alive = worker.running();
          content = read_whole_file(sink_file());
          return content.size() >= expected.size() || !alive;
        },
        kDeadline);
    if (content == expected) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << (reached ? "" : "timed out: ") << (worker.running() ? "" : "the worker exited: ")
           << "the sink file holds\n"
           << content << "\ninstead of\n"
           << expected << "\nworker log:\n"
           << log();
  }

  // SIGTERM: the worker must exit 0 (within kDeadline).
  ::testing::AssertionResult stops_cleanly(WorkerProcess& worker) {
    worker.signal(SIGTERM);
    const std::optional<int> code = worker.wait(kDeadline);
    if (code == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << (code ? "exit code " + std::to_string(*code) : std::string("still running"))
           << " after SIGTERM; worker log:\n"
           << log();
  }

  // Runs a worker that must fail at start-up: its exit code (-1 if it kept running) and log.
  std::pair<int, std::string> run_to_failure(const std::vector<std::string>& args) {
    auto worker = start(args);
    const std::optional<int> code = worker->wait(kDeadline);
    return {code.value_or(-1), log()};
  }

  void appended_lines_reach_the_sink_in_order_once(const Properties& converters);

  TempDir dir_;
};

// --- Lines flow --------------------------------------------------------------------------------

// Kafka's quickstart: lines written before the start and in several chunks while the worker runs
// (one line in two writes, a partial line waiting for its terminator) all reach the sink file in
// order and once; SIGTERM stops it with exit 0 after committing the source's offset at the end of
// the file.
void StandaloneTest::appended_lines_reach_the_sink_in_order_once(const Properties& converters) {
  std::string expected =
      "first line, written before the worker started\n"
      "ünïcödé ✓ with \"quotes\", {braces} and\ttabs\n";
  append(source_file(), expected);
  auto worker = start_file_pipeline(converters);
  ASSERT_TRUE(sink_receives(*worker, expected));

  append(source_file(), lines("chunk A line ", 0, 5));
  append(source_file(), "a line written in two ");
  std::this_thread::sleep_for(300ms);  // lets the source see the partial line (not asserted on)
  append(source_file(), "parts\n");
  append(source_file(), lines("chunk C line ", 0, 300));
  expected += lines("chunk A line ", 0, 5) + "a line written in two parts\n" +
              lines("chunk C line ", 0, 300);
  ASSERT_TRUE(sink_receives(*worker, expected));

  ASSERT_TRUE(stops_cleanly(*worker));
  EXPECT_EQ(read_whole_file(sink_file()), expected) << "lines written during the stop";
  const std::string offsets = read_whole_file(offsets_file());
  EXPECT_NE(
      offsets.find("[\"local-file-source\",{\"filename\":\"" + source_file().string() + "\"}]"),
      std::string::npos)
      << offsets;
  EXPECT_NE(offsets.find("{\"position\":" + std::to_string(fs::file_size(source_file())) + "}"),
            std::string::npos)
      << "the source offset is not the end of the file: " << offsets;
  EXPECT_NE(log().find("Ferry standalone worker started"), std::string::npos) << log();
}

TEST_F(StandaloneTest, AppendedLinesReachTheSinkInOrderOnceWithStringConverters) {
  appended_lines_reach_the_sink_in_order_once(string_converters());
}

// The sample worker config's converters: JSON envelopes with schemas in the topic.
TEST_F(StandaloneTest, AppendedLinesReachTheSinkInOrderOnceWithJsonConvertersWithSchemas) {
  appended_lines_reach_the_sink_in_order_once({});
}

// A restart after a clean stop resumes both ends: the source from its stored offset (lines
// written while the worker was down arrive, older ones are not read again) and the sink from its
// group's committed offset (nothing it wrote is written again).
TEST_F(StandaloneTest, RestartAfterCleanStopResumesWithoutRepeats) {
  append(source_file(), lines("before the first start ", 0, 10));
  std::string expected = lines("before the first start ", 0, 10);
  {
    auto worker = start_file_pipeline();
    ASSERT_TRUE(sink_receives(*worker, expected));
    ASSERT_TRUE(stops_cleanly(*worker));
  }
  append(source_file(), lines("while stopped ", 0, 10));
  expected += lines("while stopped ", 0, 10);
  for (int run = 2; run <= 3; ++run) {
    auto worker = start_file_pipeline();
    ASSERT_TRUE(sink_receives(*worker, expected)) << "run " << run;
    const std::string prefix = "during run " + std::to_string(run) + ", line ";
    append(source_file(), lines(prefix, 0, 10));
    expected += lines(prefix, 0, 10);
    ASSERT_TRUE(sink_receives(*worker, expected)) << "run " << run;
    ASSERT_TRUE(stops_cleanly(*worker)) << "run " << run;
    ASSERT_EQ(read_whole_file(sink_file()), expected) << "run " << run;
  }
}

// --- kill -9 -----------------------------------------------------------------------------------

// "line 000123": the lines of the crash test, numbered so the sink file can be checked.
constexpr std::string_view kLinePrefix = "line ";
constexpr std::size_t kDigits = 6;
constexpr std::size_t kLineLength = kLinePrefix.size() + kDigits;

std::string numbered_line(int number) {
  char text[32];
  std::snprintf(text, sizeof text, "line %06d", number);
  return text;
}

// The number of a full numbered line, or nullopt.
std::optional<int> number_of(std::string_view line) {
  if (line.size() != kLineLength || !line.starts_with(kLinePrefix)) return std::nullopt;
  int number = 0;
  for (const char c : line.substr(kLinePrefix.size())) {
    if (c < '0' || c > '9') return std::nullopt;
    number = number * 10 + (c - '0');
  }
  return number;
}

// Whether text could be what a cut write leaves of a numbered line: a non-empty prefix of one, up
// to the whole line without its terminator.
bool is_line_prefix(std::string_view text) {
  if (text.empty() || text.size() > kLineLength) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i < kLinePrefix.size() ? text[i] != kLinePrefix[i] : (text[i] < '0' || text[i] > '9')) {
      return false;
    }
  }
  return true;
}

// One line of the sink file. kill -9 may cut the sink's write() of a batch: the file then ends in
// a torn line (a prefix of "line NNNNNN", without its terminator), and what is written after the
// restart is appended to it. A torn line counts as not arrived; a full line glued to it arrived.
struct SinkLine {
  std::optional<int> number;  // the full line at its end, if any
  int torn = 0;               // torn lines before it (or alone)
  bool garbage = false;       // something the writer never wrote
};

SinkLine parse_sink_line(std::string_view line) {
  SinkLine parsed;
  if (line.empty()) parsed.garbage = true;
  // Pieces start where "line " does: all but the last are torn lines.
  while (!line.empty()) {
    const std::size_t next = line.find(kLinePrefix, 1);
    const std::string_view piece = line.substr(0, next);
    line.remove_prefix(piece.size());
    if (line.empty() && number_of(piece)) {
      parsed.number = number_of(piece);
    } else if (is_line_prefix(piece)) {
      ++parsed.torn;
    } else {
      parsed.garbage = true;
    }
  }
  return parsed;
}

// Calls on_line for every complete line of text from offset on; returns the offset after the last
// complete line.
template <typename OnLine>
std::size_t for_each_complete_line(const std::string& text, std::size_t offset, OnLine on_line) {
  for (std::size_t end; (end = text.find('\n', offset)) != std::string::npos; offset = end + 1) {
    on_line(std::string_view(text).substr(offset, end - offset));
  }
  return offset;
}

// When a committed position first reached each value: samples (time, value) taken by polling, so
// a sample's time is no earlier than the commit it shows.
class CommitTimeline {
 public:
  void add(Clock::time_point at, std::int64_t value) {
    std::lock_guard lock(mutex_);
    samples_.emplace_back(at, value);
  }
  // The first sample at least `value`, or nullopt if none was.
  std::optional<Clock::time_point> reached(std::int64_t value) const {
    std::lock_guard lock(mutex_);
    for (const auto& [at, sampled] : samples_) {
      if (sampled >= value) return at;
    }
    return std::nullopt;
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return samples_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<Clock::time_point, std::int64_t>> samples_;  // in time order
};

// The number in the first match of pattern's group 1 in text, or nullopt.
std::optional<std::int64_t> first_number(const std::string& text, const std::regex& pattern) {
  std::smatch match;
  if (!std::regex_search(text, match, pattern)) return std::nullopt;
  return std::stoll(match[1]);
}

// Several kill -9 at random moments (0.2 to 1.5 s after each start) while a writer keeps
// appending numbered lines, each followed by a restart; finally a clean stop once the sink has
// caught up. What users rely on (Kafka Connect's at-least-once delivery):
//   - every line arrives (a torn line does not count: its full line must arrive later);
//   - order: the sink file is a sequence of runs of consecutive numbers, each starting at or below
//     (highest number seen so far + 1). A line is never skipped; the only disorder is a run that
//     goes back, which is re-delivery after a restart;
//   - duplicates are bounded by what was uncommitted at a kill (the bound is explained below).
TEST_F(StandaloneTest, KillNineAtRandomMomentsLosesNoLineAndRepeatsOnlyTheUncommittedTail) {
  constexpr int kKills = 9;
  constexpr auto kFlushInterval = 500ms;
  // The duplicate bound, from commits the test observes rather than from how fast the worker is.
  // The source commits the byte position after the lines the broker acknowledged (the offsets
  // file); the sink commits its group's offset after the records it has put() (they are in the
  // file by then; GET /connectors/<sink>/offsets). A kill after the source's commit covered line n
  // cannot make the source send n again, and a kill after the sink's commit passed a copy of n in
  // the topic cannot make the sink write that copy again. So line n is exposed to the kills in
  // [written(n), committed(n)), where committed(n) is when both ends' commits covered n and every
  // copy of it: K(n) kills. Each exposed kill can add one copy of n to the topic (the source
  // sending it again) and make the sink write each copy then in the topic again, so n is written
  // at most 1 + 2 + ... + (K(n) + 1) = (K+1)(K+2)/2 times; in particular exactly once when
  // K(n) = 0. Commits are seen by polling, no earlier than they happened, which can only widen the
  // window.

  std::mt19937 random(std::random_device{}());
  const unsigned seed = random();
  random.seed(seed);
  RecordProperty("seed", std::to_string(seed));

  const fs::path worker_config =
      write_worker({{"key.converter", std::string(kStringConverter)},
                    {"value.converter", std::string(kStringConverter)},
                    {"offset.flush.interval.ms", std::to_string(kFlushInterval.count())}});
  const fs::path source_config = write_source_connector();
  const fs::path sink_config = write_sink_connector();

  // The writer: chunks of 1 to 8 numbered lines every 10 ms or so (some 400 lines a second).
  std::mutex written_mutex;
  std::vector<Clock::time_point> written_at;  // by line number; guarded by written_mutex
  const auto write_lines = [&](int count) {
    std::string chunk;
    std::lock_guard lock(written_mutex);
    for (int i = 0; i < count; ++i) {
      chunk += numbered_line(static_cast<int>(written_at.size())) + "\n";
      written_at.push_back(Clock::now());  // before the write: K(n) may only grow
    }
    append(source_file(), chunk);
  };
  std::jthread writer([&, writer_random = std::mt19937(seed + 1)](std::stop_token stop) mutable {
    while (!stop.stop_requested()) {
      write_lines(std::uniform_int_distribution(1, 8)(writer_random));
      std::this_thread::sleep_for(10ms);
    }
  });

  // The commit watcher: the source's position in its offsets file (replaced atomically by each
  // flush), and the sink group's committed offset from the running worker's REST API (the port of
  // the newest run; a killed worker's just refuses).
  CommitTimeline source_commits;
  CommitTimeline sink_commits;
  const auto watch_commits = [&] {
    static const std::regex position(R"("position":(\d+))");
    static const std::regex kafka_offset(R"("kafka_offset":(\d+))");
    if (const auto committed = first_number(read_whole_file(offsets_file()), position)) {
      source_commits.add(Clock::now(), *committed);
    }
    const std::optional<unsigned short> port = last_rest_port(log());
    if (!port) return;
    try {
      const HttpAnswer answer = http_call(*port, "GET", "/connectors/local-file-sink/offsets");
      if (answer.status != 200) return;
      if (const auto committed = first_number(answer.body, kafka_offset)) {
        sink_commits.add(Clock::now(), *committed);
      }
    } catch (const std::exception&) {
      // Not up yet, or killed.
    }
  };
  std::jthread watcher([&](std::stop_token stop) {
    while (!stop.stop_requested()) {
      watch_commits();
      std::this_thread::sleep_for(20ms);
    }
  });

  std::vector<Clock::time_point> killed_at;
  const auto start_worker = [&] {
    return start_standalone(worker_config, {source_config, sink_config});
  };
  for (int kill = 0; kill < kKills; ++kill) {
    auto worker = start_worker();
    std::this_thread::sleep_for(std::chrono::milliseconds(
        std::uniform_int_distribution(200, 1500)(random)));  // a random moment, not asserted on
    ASSERT_TRUE(worker->running()) << "the worker exited on its own before kill " << kill << ":\n"
                                   << log();
    killed_at.push_back(Clock::now());
    worker->signal(SIGKILL);
    ASSERT_EQ(worker->wait(kDeadline), 128 + SIGKILL) << log();
  }
  writer.request_stop();
  writer.join();

  // The last run: one more line, written after the start, is the last record of the topic; once
  // it is in the sink file, so is everything.
  auto worker = start_worker();
  write_lines(1);
  const int line_count = static_cast<int>(written_at.size());
  const std::string last_line = numbered_line(line_count - 1) + "\n";
  ASSERT_TRUE(wait_until(
      [&] { return read_whole_file(sink_file()).ends_with(last_line) || !worker->running(); },
      kDeadline))
      << "the sink did not catch up; worker log:\n"
      << log();
  ASSERT_TRUE(stops_cleanly(*worker));
  watcher.request_stop();
  watcher.join();
  const Clock::time_point ended_at = Clock::now();

  // The topic: where each line's copies are.
  const ProcessResult topic = run_process(
      ferry_binary(), {"console-consumer", "--data-dir", (dir_.path() / "data").string(), "--topic",
                       "connect-test", "--partition", "0", "--offset", "earliest", "--property",
                       "print.offset=true", "--timeout-ms", "3000"});
  ASSERT_EQ(topic.exit_code, 0) << topic.standard_error;
  std::vector<std::vector<std::int64_t>> copies_of(line_count);  // line -> its topic offsets
  {
    static const std::regex record(R"(Offset:(\d+)\s+line (\d+))");
    for (auto it = std::sregex_iterator(topic.standard_output.begin(), topic.standard_output.end(),
                                        record);
         it != std::sregex_iterator(); ++it) {
      const int number = std::stoi((*it)[2]);
      ASSERT_LT(number, line_count) << "a line that was never written in the topic";
      copies_of[number].push_back(std::stoll((*it)[1]));
    }
  }

  // Read the sink file: arrivals in order, torn lines apart.
  const std::string content = read_whole_file(sink_file());
  ASSERT_TRUE(content.ends_with(last_line));
  std::vector<int> arrivals;
  int torn = 0;
  std::vector<std::string> strange;
  for_each_complete_line(content, 0, [&](std::string_view line) {
    const SinkLine parsed = parse_sink_line(line);
    torn += parsed.torn;
    if (parsed.garbage || (parsed.number && *parsed.number >= line_count)) {
      strange.emplace_back(line);
    } else if (parsed.number) {
      arrivals.push_back(*parsed.number);
    }
  });
  EXPECT_TRUE(strange.empty()) << strange.size()
                               << " lines that were never written, the first: " << strange.front();

  // Problems are counted, and the first few of each kind described: a broken worker would
  // otherwise print thousands of failures.
  constexpr int kShown = 5;
  const auto describe = [](int& count, std::ostringstream& out, const std::string& problem) {
    if (count++ < kShown) out << "\n  " << problem;
  };

  // Order: runs of consecutive numbers, each starting at or below highest + 1.
  int highest = -1;
  int previous = -1;
  int skips = 0;
  int rewinds = 0;
  int deepest_rewind = 0;
  std::ostringstream skip_report;
  std::ostringstream rewind_report;
  for (std::size_t i = 0; i < arrivals.size(); ++i) {
    const int number = arrivals[i];
    if (number != previous + 1) {
      if (number > highest + 1) {
        describe(skips, skip_report,
                 numbered_line(highest + 1) + " skipped: " + numbered_line(number) + " follows " +
                     numbered_line(previous) + " (arrival " + std::to_string(i) + ")");
      } else if (number <= highest) {
        ++rewinds;
        deepest_rewind = std::max(deepest_rewind, highest + 1 - number);
        rewind_report << " " << highest << "->" << number;
      }
    }
    highest = std::max(highest, number);
    previous = number;
  }
  EXPECT_EQ(skips, 0) << "runs that start above the highest line so far + 1:" << skip_report.str();

  // Every line arrived; duplicates within the bound.
  std::vector<int> deliveries(line_count, 0);
  for (const int number : arrivals) ++deliveries[number];
  int missing = 0;
  int over_bound = 0;
  int duplicates = 0;
  int unexposed_lines = 0;  // K(n) = 0: exactly once
  int uncopied = 0;         // delivered but not in the topic
  std::ostringstream uncopied_report;
  std::map<int, int> lines_by_deliveries;
  std::ostringstream missing_report;
  std::ostringstream over_bound_report;
  for (int n = 0; n < line_count; ++n) {
    ++lines_by_deliveries[deliveries[n]];
    if (deliveries[n] == 0) {
      describe(missing, missing_report, numbered_line(n));
      continue;
    }
    duplicates += deliveries[n] - 1;
    // committed(n): the source's commit past the line, and the sink's past each copy (never seen:
    // the end of the test).
    Clock::time_point committed =
        source_commits.reached(static_cast<std::int64_t>(n + 1) * (kLineLength + 1))
            .value_or(ended_at);
    if (copies_of[n].empty()) describe(uncopied, uncopied_report, numbered_line(n));
    for (const std::int64_t offset : copies_of[n]) {
      committed = std::max(committed, sink_commits.reached(offset + 1).value_or(ended_at));
    }
    const int exposed_kills =
        static_cast<int>(std::count_if(killed_at.begin(), killed_at.end(), [&](auto t) {
          return t >= written_at[n] && t < committed;
        }));
    if (exposed_kills == 0) ++unexposed_lines;
    if (deliveries[n] > (exposed_kills + 1) * (exposed_kills + 2) / 2) {
      describe(over_bound, over_bound_report,
               numbered_line(n) + " arrived " + std::to_string(deliveries[n]) +
                   " times, but only " + std::to_string(exposed_kills) +
                   " kill(s) happened between its write and both ends' commits past it (" +
                   std::to_string(copies_of[n].size()) + " copies in the topic)");
    }
  }
  EXPECT_EQ(missing, 0) << "lines that never arrived:" << missing_report.str();
  EXPECT_EQ(uncopied, 0) << "lines in the sink file but not in the topic:" << uncopied_report.str()
                         << "\nthe console consumer's errors:\n"
                         << topic.standard_error;
  EXPECT_EQ(over_bound, 0) << "lines repeated more than the kills around them explain:"
                           << over_bound_report.str();

  std::ostringstream summary;
  summary << "kill -9 test (seed " << seed << "): " << kKills << " kills, " << line_count
          << " lines, " << arrivals.size() << " arrivals, " << duplicates << " duplicates, " << torn
          << " torn lines, " << missing << " missing; lines by times delivered:";
  for (const auto& [times, count] : lines_by_deliveries) summary << " " << times << "x " << count;
  summary << "; " << unexposed_lines << " lines exposed to no kill; " << rewinds
          << " rewinds (highest->restart):" << rewind_report.str() << ", deepest " << deepest_rewind
          << " lines; " << source_commits.size() << " source and " << sink_commits.size()
          << " sink commit samples\n";
  std::cout << summary.str();
  RecordProperty("lines", line_count);
  RecordProperty("duplicates", duplicates);
  RecordProperty("torn_lines", torn);
  RecordProperty("rewinds", rewinds);
  RecordProperty("deepest_rewind", deepest_rewind);
}

// --- Plugins and connector files ---------------------------------------------------------------

// A plugin that cannot be loaded is reported with its file and the reason, and the worker runs
// the plugins that load.
TEST_F(StandaloneTest, BrokenPluginIsReportedAndTheOthersRun) {
  const fs::path broken =
      dir_.write("broken-plugins/broken/libbroken.so",
                 "This is not a shared library, only a text file named like one: dlopen refuses "
                 "it, and the worker must say so and go on.\n");
  append(source_file(), "a line despite the broken plugin\n");
  auto worker =
      start_file_pipeline({{"plugin.path", (dir_.path() / "broken-plugins").string() + "," +
                                               (build_dir() / "plugins").string()}});
  ASSERT_TRUE(sink_receives(*worker, "a line despite the broken plugin\n"));
  const std::string text = log();
  const std::string reported = "error Skipping plugin " + broken.string() + ": cannot load: ";
  const auto at = text.find(reported);
  ASSERT_NE(at, std::string::npos) << text;
  const std::string reason =
      text.substr(at + reported.size(), text.find('\n', at) - at - reported.size());
  EXPECT_FALSE(reason.empty()) << text;
  EXPECT_TRUE(stops_cleanly(*worker));
}

// A misspelled connector.class stops the worker at start-up with exit 1, naming the file and the
// classes the user probably meant.
TEST_F(StandaloneTest, UnknownConnectorClassFailsNamingTheFileAndTheCloseMatches) {
  const fs::path worker = write_worker();
  const fs::path connector =
      dir_.write("misspelled.properties", properties_text({{"name", "misspelled"},
                                                           {"connector.class", "FileStreamSourc"},
                                                           {"file", source_file().string()},
                                                           {"topic", "connect-test"}}));
  const auto [code, text] = run_to_failure({"standalone", worker.string(), connector.string()});
  EXPECT_EQ(code, 1) << text;
  const std::string expected =
      "ferry standalone: Failed to create connector for " + connector.string() +
      ": Failed to find any class that implements Connector and which name matches "
      "FileStreamSourc, available connectors are: ";
  const auto at = text.find(expected);
  ASSERT_NE(at, std::string::npos) << text;
  const std::size_t begin = at + expected.size();
  const std::string matches = text.substr(begin, text.find('\n', begin) - begin);
  EXPECT_TRUE(matches.starts_with("org.apache.kafka.connect.file.FileStreamSourceConnector"))
      << "the closest match first: " << matches;
}

// A JSON connector file whose value is not a string is refused naming the file and the key, and
// only the kind of value it got: the key may be a password.
TEST_F(StandaloneTest, AJsonConnectorValueThatIsNotAStringIsRefusedWithoutEchoingIt) {
  const fs::path worker = write_worker();
  const fs::path connector = dir_.write("secret.json", R"({"name": "secret", "config": {
  "connector.class": "FileStreamSource", "topic": "connect-test",
  "connection.password": {"value": "S3cr3tXyzJ"}}})");
  const auto [code, text] = run_to_failure({"standalone", worker.string(), connector.string()});
  EXPECT_EQ(code, 1) << text;
  EXPECT_NE(text.find(connector.string() +
                      ": config: the value of \"connection.password\" must be a string, got an "
                      "object"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("S3cr3tXyzJ"), std::string::npos) << text;
}

// The YAML twins of the sample configs and a JSON connector file in the POST /connectors form,
// run through connect-standalone.sh (the link to ferry in <build>/bin), as Kafka users run it.
TEST_F(StandaloneTest, YamlAndJsonConfigsRunThroughConnectStandaloneSh) {
  std::string worker_yaml = "# The YAML twin of connect-standalone.properties.\n";
  for (const auto& [key, value] : worker_properties(string_converters())) {
    worker_yaml += key + ": " + value + "\n";
  }
  const fs::path worker = dir_.write("connect-standalone.yaml", worker_yaml);
  const fs::path source = dir_.write("connect-file-source.yaml",
                                     "name: local-file-source\n"
                                     "connector.class: FileStreamSource\n"
                                     "tasks.max: 1\n"
                                     "file: " +
                                         source_file().string() +
                                         "\n"
                                         "topic: connect-test\n");
  const fs::path sink = dir_.write("connect-file-sink.json",
                                   R"({"name": "local-file-sink", "config": {
  "connector.class": "FileStreamSink", "tasks.max": "1",
  "file": ")" + sink_file().string() + R"(", "topics": "connect-test"},
  "initial_state": "RUNNING"})");
  const fs::path script = build_dir() / "bin" / "connect-standalone.sh";
  ASSERT_TRUE(fs::is_symlink(script)) << script;

  append(source_file(), lines("yaml and json ", 0, 20));
  auto worker_process = start({worker.string(), source.string(), sink.string()}, script);
  ASSERT_TRUE(sink_receives(*worker_process, lines("yaml and json ", 0, 20)));
  append(source_file(), lines("yaml and json ", 20, 20));
  ASSERT_TRUE(sink_receives(*worker_process, lines("yaml and json ", 0, 40)));
  const std::string text = log();
  EXPECT_NE(text.find("info Connector local-file-source is RUNNING"), std::string::npos) << text;
  EXPECT_NE(text.find("info Task local-file-sink-0 is RUNNING"), std::string::npos) << text;
  EXPECT_TRUE(stops_cleanly(*worker_process));
}

// --- Worker configs that cannot work ----------------------------------------------------------

TEST_F(StandaloneTest, WorkerConfigWithoutKeyConverterFailsWithKafkasMessage) {
  Properties properties = worker_properties();
  properties.erase("key.converter");
  const fs::path worker = dir_.write("worker.properties", properties_text(properties));
  const auto [code, text] =
      run_to_failure({"standalone", worker.string(), write_source_connector().string()});
  EXPECT_EQ(code, 1) << text;
  EXPECT_NE(text.find("ferry standalone: " + worker.string() +
                      ": Missing required configuration \"key.converter\" which has no default "
                      "value.\n"),
            std::string::npos)
      << text;
}

TEST_F(StandaloneTest, RemoteBootstrapServersFailsSayingItIsNotThisMachine) {
  const fs::path worker = write_worker({{"bootstrap.servers", "kafka1.example:9092"}});
  const auto [code, text] =
      run_to_failure({"standalone", worker.string(), write_source_connector().string()});
  EXPECT_EQ(code, 1) << text;
  EXPECT_NE(text.find("ferry standalone: " + worker.string() +
                      ": bootstrap.servers: kafka1.example:9092 is not this machine"),
            std::string::npos)
      << text;
  EXPECT_FALSE(fs::exists(dir_.path() / "data")) << "the broker must not start";
}

}  // namespace
}  // namespace ferry::testing
