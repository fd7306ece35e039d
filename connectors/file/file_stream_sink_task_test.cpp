#include "connectors/file/file_stream_sink_task.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "ferry/sdk/schema.h"
#include "ferry/sdk/schema_builder.h"
#include "tests/temp_directory.h"

namespace ferry::connectors::file {
namespace {

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

class FakeSinkTaskContext : public sdk::SinkTaskContext {
 public:
  const sdk::ConfigMap& configs() const override { return configs_; }
  void offset(const sdk::TopicPartitionId&, std::int64_t) override {}
  void timeout(std::chrono::milliseconds) override {}
  std::set<sdk::TopicPartitionId> assignment() const override { return {}; }
  void pause(const std::set<sdk::TopicPartitionId>&) override {}
  void resume(const std::set<sdk::TopicPartitionId>&) override {}
  void request_commit() override {}

 private:
  sdk::ConfigMap configs_;
};

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

sdk::SinkRecord record(sdk::SchemaPtr schema, sdk::Value value, std::int64_t offset = 0) {
  sdk::SinkRecord record;
  record.topic = "lines";
  record.value_schema = std::move(schema);
  record.value = std::move(value);
  record.kafka_offset = offset;
  return record;
}

sdk::SinkRecord text_record(std::string text) {
  return record(sdk::Schema::string(), sdk::Value(std::move(text)));
}

class FileStreamSinkTaskTest : public ::testing::Test {
 protected:
  std::unique_ptr<FileStreamSinkTask> start_task(const std::filesystem::path& file,
                                                 FileStreamSinkTask::Options options = {}) {
    options.log = [this](std::string_view message) { log.emplace_back(message); };
    auto task = std::make_unique<FileStreamSinkTask>(std::move(options));
    task->initialize(context);
    sdk::ConfigMap props = {{"topics", "lines"}};
    if (!file.empty()) props["file"] = file.string();
    task->start(props);
    return task;
  }

  ferry::testing::TempDir dir;
  FakeSinkTaskContext context;
  std::vector<std::string> log;
};

TEST_F(FileStreamSinkTaskTest, LinesAreWrittenInOrderWhenPutReturns) {
  const auto file = dir.path() / "out.txt";
  auto task = start_task(file);
  EXPECT_TRUE(std::filesystem::exists(file)) << "start() creates the file";

  std::vector<sdk::SinkRecord> records;
  records.push_back(text_record("first"));
  records.push_back(text_record("second"));
  task->put(std::move(records));
  EXPECT_EQ(read_file(file), "first\nsecond\n") << "written when put() returns";
  task->put({text_record("third")});

  task->flush({{{"lines", 0}, 3}});
  EXPECT_EQ(read_file(file), "first\nsecond\nthird\n");
  task->put({text_record("fourth")});
  EXPECT_EQ(task->pre_commit({{{"lines", 0}, 4}}), (sdk::SinkOffsets{{{"lines", 0}, 4}}));
  EXPECT_EQ(read_file(file), "first\nsecond\nthird\nfourth\n");
  task->stop();
}

TEST_F(FileStreamSinkTaskTest, AppendsToAnExistingFile) {
  const auto file = dir.write("out.txt", "kept\n");
  auto task = start_task(file);
  task->put({text_record("added")});
  task->flush({});
  EXPECT_EQ(read_file(file), "kept\nadded\n");
}

TEST_F(FileStreamSinkTaskTest, OtherValuesAreWrittenAsJavaPrintsThem) {
  const auto file = dir.path() / "out.txt";
  auto task = start_task(file);
  const sdk::SchemaPtr schema = sdk::SchemaBuilder::struct_()
                                    .field("a", sdk::Schema::int32())
                                    .field("b", sdk::Schema::optional_string())
                                    .build();
  sdk::Struct value(schema);
  value.put("a", sdk::Value(1)).put("b", sdk::Value("x"));
  std::vector<sdk::SinkRecord> records;
  records.push_back(record(nullptr, sdk::Value()));
  records.push_back(record(sdk::Schema::int64(), sdk::Value(std::int64_t{42})));
  records.push_back(record(sdk::Schema::float64(), sdk::Value(2.5)));
  records.push_back(record(schema, sdk::Value(value)));
  records.push_back(record(nullptr, sdk::Value(sdk::Map{{sdk::Value("k"), sdk::Value(true)}})));
  task->put(std::move(records));
  task->flush({});
  EXPECT_EQ(read_file(file), "null\n42\n2.5\nStruct{a=1,b=x}\n{k=true}\n");
}

TEST_F(FileStreamSinkTaskTest, PutLargerThanTheBufferIsWrittenWhole) {
  const auto file = dir.path() / "out.txt";
  auto task = start_task(file, {.buffer_bytes = 16});
  std::vector<sdk::SinkRecord> records;
  std::string expected;
  for (int i = 0; i < 1000; ++i) {
    records.push_back(text_record("line " + std::to_string(i)));
    expected += "line " + std::to_string(i) + "\n";
  }
  task->put(std::move(records));
  EXPECT_EQ(read_file(file), expected);
}

TEST_F(FileStreamSinkTaskTest, StopWritesWhatIsBufferedAndClosesTheFile) {
  const auto file = dir.path() / "out.txt";
  auto task = start_task(file);
  task->put({text_record("pending")});
  task->stop();
  EXPECT_EQ(read_file(file), "pending\n");
  EXPECT_THROW(task->put({text_record("late")}), sdk::ConnectException);
  task->stop();  // a second stop() is harmless
}

TEST_F(FileStreamSinkTaskTest, NoFileWritesToStandardOutput) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  auto task = start_task({}, {.stdout_fd = fds[1]});
  task->put({text_record("to stdout")});
  task->flush({});
  char text[64] = {};
  EXPECT_EQ(::read(fds[0], text, sizeof text), 10);
  EXPECT_STREQ(text, "to stdout\n");
  task->stop();
  EXPECT_EQ(::write(fds[1], "x", 1), 1) << "stop() leaves standard output open";
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_F(FileStreamSinkTaskTest, UncreatableFileFailsTheStart) {
  const auto file = dir.path() / "missing-directory" / "out.txt";
  try {
    start_task(file);
    FAIL() << "start() succeeded";
  } catch (const sdk::ConnectException& e) {
    EXPECT_EQ(std::string(e.what()), "Couldn't find or create file '" + file.string() +
                                         "' for FileStreamSinkTask: No such file or directory");
  }
}

TEST_F(FileStreamSinkTaskTest, FailedWriteFailsThePut) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  auto task = start_task("/dev/full");
  try {
    task->put({text_record("lost")});
    FAIL() << "put() succeeded on /dev/full";
  } catch (const sdk::ConnectException& e) {
    EXPECT_EQ(std::string(e.what()), "Error writing to /dev/full: No space left on device");
  }
}

// Not a benchmark with a baseline: a rate worth printing for a large stream of string records.
TEST_F(FileStreamSinkTaskTest, LargeStreamIsWrittenThrough) {
  const std::size_t target_bytes = (kSanitized ? 20u : 200u) << 20;
  const auto file = dir.path() / "large.txt";
  auto task = start_task(file);
  const std::string line(99, 'x');
  std::size_t bytes = 0;
  std::size_t records = 0;
  double seconds = 0;
  while (bytes < target_bytes) {
    std::vector<sdk::SinkRecord> batch;
    batch.reserve(2000);
    for (int i = 0; i < 2000; ++i) batch.push_back(text_record(line));
    const auto started = std::chrono::steady_clock::now();
    task->put(std::move(batch));
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    bytes += 2000 * (line.size() + 1);
    records += 2000;
  }
  const auto started = std::chrono::steady_clock::now();
  task->flush({});
  seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(std::filesystem::file_size(file), bytes);
  std::printf(
      "[ throughput ] FileStreamSinkTask: %.0f MiB, %zu records in %.2f s (put + flush, "
      "not building the records): %.0f MiB/s, %.2f M records/s%s\n",
      static_cast<double>(bytes) / (1 << 20), records, seconds,
      static_cast<double>(bytes) / (1 << 20) / seconds,
      static_cast<double>(records) / 1e6 / seconds, kSanitized ? " (sanitized)" : "");
}

}  // namespace
}  // namespace ferry::connectors::file
