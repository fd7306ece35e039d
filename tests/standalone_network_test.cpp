// `ferry standalone` with embedded.broker.enable=false: the worker starts no broker of its own
// and runs its connectors through the Kafka-protocol client (broker/network, librdkafka) against
// the real `ferry broker` on a free loopback port. The file source writes lines to a topic, the
// file sink reads them back, and both ends resume after a restart: the source from its offsets
// file, the sink from its group's offsets committed on the broker.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/broker_process.h"
#include "tests/process.h"
#include "tests/temp_directory.h"
#include "tests/worker_process.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Properties = std::map<std::string, std::string>;

constexpr auto kDeadline = 60s;

fs::path build_dir() { return ferry_binary().parent_path().parent_path(); }

std::string lines(const std::string& prefix, int count) {
  std::string text;
  for (int i = 0; i < count; ++i) text += prefix + std::to_string(i) + "\n";
  return text;
}

class StandaloneNetworkTest : public ::testing::Test {
 protected:
  fs::path source_file() const { return dir_.path() / "source.txt"; }
  fs::path sink_file() const { return dir_.path() / "sink.txt"; }

  fs::path write_worker(const std::string& bootstrap, const Properties& overrides = {}) {
    Properties properties{
        {"bootstrap.servers", bootstrap},
        {"embedded.broker.enable", "false"},
        {"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
        {"value.converter", "org.apache.kafka.connect.storage.StringConverter"},
        {"offset.storage.file.filename", (dir_.path() / "connect.offsets").string()},
        {"offset.flush.interval.ms", "1000"},
        {"plugin.path", (build_dir() / "plugins").string()},
        {"log.dirs", (dir_.path() / "worker-data").string()},
        {"listeners", "http://127.0.0.1:0"},
    };
    for (const auto& [key, value] : overrides) properties[key] = value;
    return dir_.write("worker.properties", properties_text(properties));
  }
  std::vector<std::string> pipeline_args(const fs::path& worker) {
    const fs::path source =
        dir_.write("source.properties", properties_text({{"name", "local-file-source"},
                                                         {"connector.class", "FileStreamSource"},
                                                         {"tasks.max", "1"},
                                                         {"file", source_file().string()},
                                                         {"topic", "connect-test"}}));
    const fs::path sink =
        dir_.write("sink.properties", properties_text({{"name", "local-file-sink"},
                                                       {"connector.class", "FileStreamSink"},
                                                       {"tasks.max", "1"},
                                                       {"file", sink_file().string()},
                                                       {"topics", "connect-test"}}));
    return {"standalone", worker.string(), source.string(), sink.string()};
  }
  std::unique_ptr<WorkerProcess> start(const std::vector<std::string>& args) {
    return std::make_unique<WorkerProcess>(ferry_binary(), args, dir_.path() / "ferry.stdout",
                                           dir_.path() / "ferry.stderr");
  }
  std::string log() const { return read_whole_file(dir_.path() / "ferry.stderr"); }

  ::testing::AssertionResult sink_receives(WorkerProcess& worker, const std::string& expected) {
    std::string content;
    wait_until(
        [&] {
          const bool alive = worker.running();
          content = read_whole_file(sink_file());
          return content.size() >= expected.size() || !alive;
        },
        kDeadline);
    if (content == expected) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "the sink file holds\n"
                                         << content << "\ninstead of\n"
                                         << expected << "\nworker log:\n"
                                         << log();
  }
  ::testing::AssertionResult stops_cleanly(WorkerProcess& worker) {
    worker.signal(SIGTERM);
    const std::optional<int> code = worker.wait(kDeadline);
    if (code == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "exit " << (code ? std::to_string(*code) : "none") << "; worker log:\n"
           << log();
  }

  TempDir dir_;
};

TEST_F(StandaloneNetworkTest, FilePipelineRunsOnFerryBrokerAndResumesAfterRestart) {
  TempDir broker_dir;
  BrokerProcess broker(broker_dir.path());
  ASSERT_FALSE(broker.address().empty()) << broker.log();
  const fs::path worker = write_worker(broker.address());

  dir_.write("source.txt", lines("first run, line ", 20));
  std::string expected = lines("first run, line ", 20);
  {
    auto process = start(pipeline_args(worker));
    ASSERT_TRUE(sink_receives(*process, expected));
    EXPECT_NE(log().find("Using the Kafka cluster"), std::string::npos) << log();
    EXPECT_EQ(log().find("Embedded broker open"), std::string::npos) << log();
    ASSERT_TRUE(stops_cleanly(*process));
  }
  EXPECT_FALSE(fs::exists(dir_.path() / "worker-data")) << "the worker must not open a broker";

  // Lines written while the worker was down arrive once; none before them is read again.
  std::string more = lines("while stopped, line ", 10);
  dir_.write("source.txt", read_whole_file(source_file()) + more);
  expected += more;
  auto process = start(pipeline_args(worker));
  ASSERT_TRUE(sink_receives(*process, expected));
  ASSERT_TRUE(stops_cleanly(*process));
  EXPECT_EQ(read_whole_file(sink_file()), expected);
}

TEST_F(StandaloneNetworkTest, UnreachableClusterFailsTheStartNamingTheAddress) {
  // Nothing listens on port 1 of loopback; a short admin timeout keeps the test quick.
  const fs::path worker = write_worker("127.0.0.1:1", {{"admin.default.api.timeout.ms", "2000"}});
  const ProcessResult result = run_process(ferry_binary(), {"standalone", worker.string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.standard_error.find(worker.string() +
                                       ": Cannot reach the Kafka cluster at 127.0.0.1:1"),
            std::string::npos)
      << result.standard_error;
}

}  // namespace
}  // namespace ferry::testing
