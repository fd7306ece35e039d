// The SDK is all a plugin author needs (DESIGN.md, "Plugins"): install the SDK of this build
// with `cmake --install --component sdk`, build plugins/examples/uppercase out of tree against
// that prefix through find_package(FerrySDK), load the library as a worker does and use what it
// provides.
//
// The plugin is built with this build's compiler and its sanitizer flags (FERRY_EXAMPLE_CXX_FLAGS,
// from tests/CMakeLists.txt), so under ASan+UBSan the plugin is instrumented like the worker.
// An uninstrumented plugin would load too (its allocations still go through ASan's malloc), but
// ASan could not check its memory accesses, and UBSan's vptr checks would see its objects
// half-way; building it the way a sanitizer build of Ferry expects keeps the test meaningful
// there, and nothing is skipped.
//
// Everything happens under <build>/example-plugin-test/, wiped first: the SDK prefix (sdk/) and
// the plugin's build folder (build/). Takes 10-40 s, most of it compiling the plugin.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "plugins/loader/plugin_loader.h"
#include "tests/process.h"
#include "tests/temp_directory.h"
#include "tests/worker_process.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;

// Runs a command and fails the test with its output if it does not exit 0.
void run_step(const std::string& what, const fs::path& program,
              const std::vector<std::string>& args) {
  const ProcessResult result = run_process(program, args);
  ASSERT_EQ(result.exit_code, 0) << what << " failed:\n"
                                 << result.standard_output << result.standard_error;
}

class FakeOffsets : public sdk::OffsetStorageReader {
 public:
  explicit FakeOffsets(std::optional<sdk::SourceMap> stored = std::nullopt)
      : stored_(std::move(stored)) {}
  std::optional<sdk::SourceMap> offset(const sdk::SourceMap& partition) const override {
    partitions_asked.push_back(partition);
    return stored_;
  }
  mutable std::vector<sdk::SourceMap> partitions_asked;

 private:
  std::optional<sdk::SourceMap> stored_;
};

class FakeTaskContext : public sdk::SourceTaskContext {
 public:
  FakeTaskContext(sdk::ConfigMap configs, const sdk::OffsetStorageReader& offsets)
      : configs_(std::move(configs)), offsets_(offsets) {}
  const sdk::ConfigMap& configs() const override { return configs_; }
  const sdk::OffsetStorageReader& offset_storage_reader() const override { return offsets_; }

 private:
  sdk::ConfigMap configs_;
  const sdk::OffsetStorageReader& offsets_;
};

class FakeConnectorContext : public sdk::ConnectorContext {
 public:
  void request_task_reconfiguration() override {}
  void raise_error(const std::string& message) override { ADD_FAILURE() << message; }
};

std::vector<std::string> values_of(sdk::SourceTask& task, int polls) {
  std::vector<std::string> values;
  for (int i = 0; i < polls; ++i) {
    for (const sdk::SourceRecord& record : task.poll()) {
      values.push_back(record.value.as<std::string>());
    }
  }
  return values;
}

TEST(ExamplePlugin, BuildsOutOfTreeAgainstTheInstalledSdkAndRuns) {
  const fs::path work = fs::path(FERRY_BINARY_DIR) / "example-plugin-test";
  const fs::path prefix = work / "sdk";
  const fs::path build = work / "build";
  fs::remove_all(work);
  const fs::path cmake = FERRY_CMAKE_COMMAND;

  run_step("installing the SDK", cmake,
           {"--install", FERRY_BINARY_DIR, "--component", "sdk", "--prefix", prefix.string()});
  ASSERT_TRUE(fs::exists(prefix / "include" / "ferry" / "sdk" / "plugin.h"));

  std::vector<std::string> configure = {
      "-S",
      std::string(FERRY_SOURCE_DIR) + "/plugins/examples/uppercase",
      "-B",
      build.string(),
      "-G",
      FERRY_CMAKE_GENERATOR,
      "-DCMAKE_BUILD_TYPE=Debug",
      "-DCMAKE_CXX_COMPILER=" FERRY_CXX_COMPILER,
      "-DCMAKE_CXX_FLAGS=" FERRY_EXAMPLE_CXX_FLAGS,
      "-DCMAKE_PREFIX_PATH=" + prefix.string()};
  if (!std::string(FERRY_CXX_COMPILER_LAUNCHER).empty()) {
    configure.push_back("-DCMAKE_CXX_COMPILER_LAUNCHER=" FERRY_CXX_COMPILER_LAUNCHER);
  }
  run_step("configuring the example plugin", cmake, configure);
  run_step("building the example plugin", cmake, {"--build", build.string()});

  // Objects a plugin created are destroyed before the registry (plugin_library.h): the registry
  // is declared first.
  loader::PluginRegistry registry;
  const loader::LoadReport report = loader::load_plugins({build / "plugins"}, registry);
  ASSERT_TRUE(report.ok()) << report.problems.front().file << ": "
                           << report.problems.front().reason;
  ASSERT_EQ(report.loaded.size(), 1u);
  EXPECT_EQ(report.loaded[0].name, "uppercase");
  EXPECT_EQ(report.loaded[0].version, "1.0.0");

  // The transformation, by its simple name, on both record kinds.
  auto uppercase = registry.find_source_transformation("Uppercase").value()();
  uppercase->configure({});
  sdk::SourceRecord record;
  record.topic = "greetings";
  record.key = "k";
  record.value = "hello, world";
  std::optional<sdk::SourceRecord> shouted = uppercase->apply(record);
  ASSERT_TRUE(shouted.has_value());
  EXPECT_EQ(shouted->value.as<std::string>(), "HELLO, WORLD");
  EXPECT_EQ(shouted->key.as<std::string>(), "k");
  auto key_uppercase = registry.find_sink_transformation("com.example.Uppercase").value()();
  key_uppercase->configure({{"uppercase.target", "key"}});
  sdk::SinkRecord sink_record;
  sink_record.key = "key";
  EXPECT_EQ(key_uppercase->apply(sink_record)->key.as<std::string>(), "KEY");
  // Its ConfigDef is enforced.
  EXPECT_THROW(uppercase->configure({{"uppercase.target", "headers"}}), sdk::ConfigException);

  // The source connector, by its pruned name, through its task.
  loader::ConnectorFactory counter = registry.find_connector("CounterSource").value();
  EXPECT_EQ(counter.class_name, "com.example.CounterSourceConnector");
  ASSERT_TRUE(counter.source);
  std::unique_ptr<sdk::SourceConnector> connector = counter.source();
  FakeConnectorContext connector_context;
  connector->initialize(connector_context);
  connector->start({{"topic", "numbers"}, {"poll.interval.ms", "0"}});
  const std::vector<sdk::ConfigMap> task_configs = connector->task_configs(4);
  ASSERT_EQ(task_configs.size(), 1u);

  FakeOffsets fresh;
  FakeTaskContext fresh_context(task_configs[0], fresh);
  std::unique_ptr<sdk::SourceTask> task = connector->create_task();
  task->initialize(fresh_context);
  task->start(task_configs[0]);
  EXPECT_EQ(values_of(*task, 3), (std::vector<std::string>{"1", "2", "3"}));
  ASSERT_EQ(fresh.partitions_asked.size(), 1u);
  EXPECT_EQ(fresh.partitions_asked[0], (sdk::SourceMap{{"counter", "numbers"}}));
  task->stop();

  // A restarted task goes on after the stored offset.
  FakeOffsets stored(sdk::SourceMap{{"position", std::int64_t{41}}});
  FakeTaskContext stored_context(task_configs[0], stored);
  std::unique_ptr<sdk::SourceTask> restarted = connector->create_task();
  restarted->initialize(stored_context);
  restarted->start(task_configs[0]);
  const std::vector<sdk::SourceRecord> records = restarted->poll();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].value.as<std::string>(), "42");
  EXPECT_EQ(records[0].source_offset, (sdk::SourceMap{{"position", std::int64_t{42}}}));
  EXPECT_EQ(records[0].topic, "numbers");
  restarted->stop();
  connector->stop();

  // The worker loads it from plugin.path beside the file connectors and runs it: lines of a file
  // go through the example's Uppercase transform into another file, and its counter source
  // writes its numbers to a topic.
  TempDir dir;
  const fs::path data = dir.path() / "data";
  const fs::path worker_file =
      dir.write("worker.properties",
                "key.converter=org.apache.kafka.connect.storage.StringConverter\n"
                "value.converter=org.apache.kafka.connect.storage.StringConverter\n"
                "offset.storage.file.filename=" +
                    (dir.path() / "offsets").string() +
                    "\n"
                    "offset.flush.interval.ms=200\n"
                    // A free port: other tests' workers may be running (ctest -j).
                    "listeners=http://127.0.0.1:0\n"
                    "log.dirs=" +
                    data.string() +
                    "\n"
                    "plugin.path=" +
                    (build / "plugins").string() + "," + FERRY_BINARY_DIR + "/plugins\n");
  const fs::path input = dir.write("in.txt", "hello\nworld\n");
  const fs::path output = dir.path() / "out.txt";
  const fs::path source_file = dir.write(
      "source.properties", "name=words\nconnector.class=FileStreamSource\nfile=" + input.string() +
                               "\ntopic=words\ntransforms=up\ntransforms.up.type=Uppercase\n");
  const fs::path sink_file = dir.write(
      "sink.properties",
      "name=shouts\nconnector.class=FileStreamSink\nfile=" + output.string() + "\ntopics=words\n");
  const fs::path counter_file =
      dir.write("counter.properties",
                "name=counter\nconnector.class=CounterSource\ntopic=numbers\n"
                "poll.interval.ms=10\n");
  const fs::path ferry = fs::path(FERRY_BINARY_DIR) / "bin" / "ferry";
  WorkerProcess worker(ferry,
                       {"standalone", worker_file.string(), source_file.string(),
                        sink_file.string(), counter_file.string()},
                       dir.path() / "stdout.txt", dir.path() / "stderr.txt");
  EXPECT_TRUE(wait_until([&] { return read_whole_file(output) == "HELLO\nWORLD\n"; },
                         std::chrono::seconds(60)))
      << read_whole_file(output) << worker.standard_error();
  EXPECT_TRUE(worker.wait_for_log("Task counter-0 is RUNNING", std::chrono::seconds(60)))
      << worker.standard_error();
  EXPECT_NE(worker.standard_error().find("Loaded plugin uppercase 1.0.0"), std::string::npos)
      << worker.standard_error();
  // Read beside the running worker, as a user would watch a topic.
  ProcessResult numbers;
  EXPECT_TRUE(wait_until(
      [&] {
        numbers = run_process(
            ferry, {"console-consumer", "--data-dir", data.string(), "--topic", "numbers",
                    "--from-beginning", "--max-messages", "3", "--timeout-ms", "2000"});
        return numbers.standard_output == "1\n2\n3\n";
      },
      std::chrono::seconds(60)))
      << numbers.standard_output << numbers.standard_error;
  worker.signal(SIGTERM);
  EXPECT_EQ(worker.wait(std::chrono::seconds(60)), 0) << worker.standard_error();
}

}  // namespace
}  // namespace ferry::testing
