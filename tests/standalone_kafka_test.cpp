// `ferry standalone` serves the Kafka protocol from its embedded broker, as a Kafka Connect user
// expects of the broker at bootstrap.servers: the file source connector writes lines to a topic
// and kcat (Debian's, on librdkafka 2.0.2) reads them back from that address. The worker's
// bootstrap.servers names 127.0.0.1:0, so the broker binds a free port (logged), and parallel
// tests do not collide; the REST API is on a free port too.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

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

class StandaloneKafkaTest : public ::testing::Test {
 protected:
  fs::path write_worker(const Properties& overrides = {}) {
    Properties properties{
        {"bootstrap.servers", "127.0.0.1:0"},
        {"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
        {"value.converter", "org.apache.kafka.connect.storage.StringConverter"},
        {"offset.storage.file.filename", (dir_.path() / "connect.offsets").string()},
        {"offset.flush.interval.ms", "1000"},
        {"plugin.path", (build_dir() / "plugins").string()},
        {"log.dirs", (dir_.path() / "data").string()},
        {"listeners", "http://127.0.0.1:0"},
    };
    for (const auto& [key, value] : overrides) properties[key] = value;
    return dir_.write("worker.properties", properties_text(properties));
  }
  fs::path write_source() {
    return dir_.write("connect-file-source.properties",
                      properties_text({{"name", "local-file-source"},
                                       {"connector.class", "FileStreamSource"},
                                       {"tasks.max", "1"},
                                       {"file", (dir_.path() / "source.txt").string()},
                                       {"topic", "connect-test"}}));
  }
  std::unique_ptr<WorkerProcess> start(const std::vector<std::string>& args) {
    return std::make_unique<WorkerProcess>(ferry_binary(), args, dir_.path() / "ferry.stdout",
                                           dir_.path() / "ferry.stderr");
  }

  TempDir dir_;
};

TEST_F(StandaloneKafkaTest, KcatReadsWhatTheFileSourceProducedFromBootstrapServers) {
  const std::optional<fs::path> kcat = find_program({"kcat", "kafkacat"});
  if (!kcat) GTEST_SKIP() << "kcat is not installed (Debian package kcat)";
  std::string lines;
  for (int i = 0; i < 200; ++i) lines += "line " + std::to_string(i) + "\n";
  dir_.write("source.txt", lines);

  auto worker = start({"standalone", write_worker().string(), write_source().string()});
  ASSERT_TRUE(worker->wait_for_log("Ferry standalone worker started", kDeadline))
      << worker->standard_error();
  std::smatch match;
  const std::string log = worker->standard_error();
  ASSERT_TRUE(std::regex_search(log, match,
                                std::regex("Kafka protocol listening on (127\\.0\\.0\\.1:[0-9]+)")))
      << log;
  const std::string address = match[1];
  EXPECT_NE(log.find("(advertised as 127.0.0.1:" + address.substr(address.find(':') + 1) + ")"),
            std::string::npos)
      << log;

  // The source task polls the file on its own schedule: read until every line is there.
  ProcessResult consumed;
  EXPECT_TRUE(wait_until(
      [&] {
        consumed = run_process(*kcat, {"-b", address, "-C", "-t", "connect-test", "-o", "beginning",
                                       "-e", "-q", "-f", "%s\n"});
        return consumed.exit_code == 0 && consumed.standard_output == lines;
      },
      kDeadline, 200ms))
      << consumed.standard_output.size() << " bytes read; " << consumed.standard_error;

  worker->signal(SIGTERM);
  EXPECT_EQ(worker->wait(kDeadline), 0) << worker->standard_error();
}

TEST_F(StandaloneKafkaTest, AnAddressInUseIsAWarningAndTheWorkerRuns) {
  // A first worker holds a port; a second one with the same bootstrap.servers runs without the
  // listener and says so.
  auto first = start({"standalone", write_worker().string()});
  ASSERT_TRUE(first->wait_for_log("Ferry standalone worker started", kDeadline))
      << first->standard_error();
  std::smatch match;
  const std::string log = first->standard_error();
  ASSERT_TRUE(std::regex_search(log, match,
                                std::regex("Kafka protocol listening on (127\\.0\\.0\\.1:[0-9]+)")))
      << log;
  const std::string address = match[1];

  TempDir other;
  const fs::path worker = other.write(
      "worker.properties",
      properties_text({{"bootstrap.servers", address},
                       {"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
                       {"value.converter", "org.apache.kafka.connect.storage.StringConverter"},
                       {"offset.storage.file.filename", (other.path() / "offsets").string()},
                       {"log.dirs", (other.path() / "data").string()},
                       {"listeners", "http://127.0.0.1:0"}}));
  WorkerProcess second(ferry_binary(), {"standalone", worker.string()}, other.path() / "out",
                       other.path() / "err");
  ASSERT_TRUE(second.wait_for_log("Ferry standalone worker started", kDeadline))
      << second.standard_error();
  EXPECT_NE(second.standard_error().find(
                "The embedded broker does not serve the Kafka protocol: Cannot listen on "
                "PLAINTEXT://127.0.0.1:"),
            std::string::npos)
      << second.standard_error();
  second.signal(SIGTERM);
  EXPECT_EQ(second.wait(kDeadline), 0) << second.standard_error();
  first->signal(SIGTERM);
  EXPECT_EQ(first->wait(kDeadline), 0) << first->standard_error();
}

}  // namespace
}  // namespace ferry::testing
