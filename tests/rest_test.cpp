// The REST API of `ferry standalone` driven as a user drives it with curl: the real binary runs
// the file connectors of the build with its REST server on a free loopback port (read from the
// log), and an HTTP client (Beast) creates, watches, pauses, resumes, restarts, stops and deletes
// a connector, and sends everything a client can get wrong.
//
// Timing: the machine may be slow and shared; every wait polls with a generous deadline.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
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
namespace http = boost::beast::http;
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr auto kDeadline = 60s;

// An answer whose body the tests read as JSON.
struct JsonAnswer : HttpAnswer {
  json::value json() const { return json::parse(body); }
};

void append(const fs::path& file, std::string_view text) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << file;
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fd);
}

class RestTest : public ::testing::Test {
 protected:
  fs::path build_dir() const { return ferry_binary().parent_path().parent_path(); }

  fs::path write_worker(const std::string& listeners) {
    return dir_.write("worker.properties",
                      "bootstrap.servers=localhost:9092\n"
                      "key.converter=org.apache.kafka.connect.storage.StringConverter\n"
                      "value.converter=org.apache.kafka.connect.storage.StringConverter\n"
                      "offset.storage.file.filename=" +
                          (dir_.path() / "connect.offsets").string() +
                          "\n"
                          "offset.flush.interval.ms=500\n"
                          "plugin.path=" +
                          (build_dir() / "plugins").string() + "\nlog.dirs=" +
                          (dir_.path() / "data").string() + "\nlisteners=" + listeners + "\n");
  }
  fs::path write_sink() {
    return dir_.write("sink.properties",
                      "name=local-file-sink\nconnector.class=FileStreamSink\ntasks.max=1\nfile=" +
                          (dir_.path() / "sink.txt").string() + "\ntopics=connect-test\n");
  }

  // Starts a worker with the sink connector and waits for its REST port. A restart waits for
  // the new run's "started" line.
  void start_worker(bool with_sink = true) {
    const std::size_t started_before = count_started();
    std::vector<std::string> args{"standalone", write_worker("http://127.0.0.1:0").string()};
    if (with_sink) args.push_back(write_sink().string());
    worker_ =
        std::make_unique<WorkerProcess>(ferry_binary(), std::move(args),
                                        dir_.path() / "ferry.stdout", dir_.path() / "ferry.stderr");
    ASSERT_TRUE(wait_until([&] { return count_started() > started_before || !worker_->running(); },
                           kDeadline) &&
                worker_->running())
        << log();
    const std::optional<unsigned short> port = last_rest_port(log());
    ASSERT_TRUE(port) << log();
    port_ = *port;
  }

  std::string log() const { return read_whole_file(dir_.path() / "ferry.stderr"); }
  std::size_t count_started() const {
    const std::string text = log();
    std::size_t count = 0;
    for (auto at = text.find("Ferry standalone worker started"); at != std::string::npos;
         at = text.find("Ferry standalone worker started", at + 1)) {
      ++count;
    }
    return count;
  }

  JsonAnswer call(http::verb method, const std::string& target, const std::string& body = "") {
    return {http_call(port_, http::to_string(method), target, body)};
  }

  // Waits until the connector and its tasks (at least one) are all in state.
  bool reaches(const std::string& name, std::string_view state) {
    return wait_until(
        [&] {
          const JsonAnswer answer = call(http::verb::get, "/connectors/" + name + "/status");
          if (answer.status != 200) return false;
          const json::object status = answer.json().as_object();
          if (status.at("connector").at("state").as_string() != state) return false;
          const json::array& tasks = status.at("tasks").as_array();
          if (tasks.empty()) return false;
          for (const json::value& task : tasks) {
            if (task.at("state").as_string() != state) return false;
          }
          return true;
        },
        kDeadline, 50ms);
  }

  std::string source_body(const std::string& name) const {
    json::object config{{"connector.class", "FileStreamSource"},
                        {"tasks.max", "1"},
                        {"file", (dir_.path() / "source.txt").string()},
                        {"topic", "connect-test"}};
    return json::serialize(json::object{{"name", name}, {"config", config}});
  }

  TempDir dir_;
  std::unique_ptr<WorkerProcess> worker_;
  unsigned short port_ = 0;
};

// create → RUNNING (lines flow) → pause → PAUSED → resume → RUNNING → restart → stop → STOPPED
// → delete → 404, and SIGTERM still stops the worker cleanly.
TEST_F(RestTest, ConnectorLifecycleThroughTheApi) {
  ASSERT_NO_FATAL_FAILURE(start_worker());
  const JsonAnswer root = call(http::verb::get, "/");
  EXPECT_EQ(root.status, 200);
  EXPECT_EQ(root.header("Content-Type"), "application/json");
  EXPECT_TRUE(root.json().as_object().contains("version")) << root.body;
  EXPECT_TRUE(root.json().as_object().contains("commit")) << root.body;
  // The embedded broker's cluster id, kept in its data directory as Kafka keeps it.
  const std::string meta = read_whole_file(dir_.path() / "data" / "meta.properties");
  EXPECT_EQ(root.json().at("kafka_cluster_id").as_string().size(), 22u) << root.body;
  EXPECT_NE(meta.find("cluster.id=" + std::string(root.json().at("kafka_cluster_id").as_string())),
            std::string::npos)
      << meta << root.body;

  append(dir_.path() / "source.txt", "one\ntwo\n");
  const JsonAnswer created =
      call(http::verb::post, "/connectors", source_body("local-file-source"));
  ASSERT_EQ(created.status, 201) << created.body << log();
  EXPECT_EQ(created.header("Location"),
            "http://127.0.0.1:" + std::to_string(port_) + "/connectors/local-file-source");
  EXPECT_EQ(created.json().at("name").as_string(), "local-file-source");
  EXPECT_EQ(created.json().at("type").as_string(), "source");
  ASSERT_TRUE(reaches("local-file-source", "RUNNING")) << log();
  EXPECT_TRUE(wait_until([&] { return read_whole_file(dir_.path() / "sink.txt") == "one\ntwo\n"; },
                         kDeadline))
      << read_whole_file(dir_.path() / "sink.txt") << log();

  EXPECT_EQ(call(http::verb::get, "/connectors").body,
            R"(["local-file-sink","local-file-source"])");
  const JsonAnswer config = call(http::verb::get, "/connectors/local-file-source/config");
  EXPECT_EQ(config.status, 200);
  EXPECT_EQ(config.json(),
            json::parse(R"({"connector.class":"FileStreamSource","file":)" +
                        json::serialize(json::value((dir_.path() / "source.txt").string())) +
                        R"(,"name":"local-file-source","tasks.max":"1","topic":"connect-test"})"));
  const JsonAnswer status = call(http::verb::get, "/connectors/local-file-source/status");
  EXPECT_EQ(status.json().at("type").as_string(), "source");
  EXPECT_NE(
      status.json().at("connector").at("worker_id").as_string().find(":" + std::to_string(port_)),
      std::string::npos)
      << status.body;
  const JsonAnswer task = call(http::verb::get, "/connectors/local-file-source/tasks/0/status");
  EXPECT_EQ(task.status, 200);
  EXPECT_EQ(task.json().at("state").as_string(), "RUNNING");
  const JsonAnswer tasks = call(http::verb::get, "/connectors/local-file-source/tasks");
  EXPECT_EQ(tasks.json().at(0).at("id"),
            json::parse(R"({"connector":"local-file-source","task":0})"));

  EXPECT_EQ(call(http::verb::put, "/connectors/local-file-source/pause").status, 202);
  EXPECT_TRUE(reaches("local-file-source", "PAUSED")) << log();
  EXPECT_EQ(call(http::verb::put, "/connectors/local-file-source/resume").status, 202);
  EXPECT_TRUE(reaches("local-file-source", "RUNNING")) << log();
  append(dir_.path() / "source.txt", "three\n");
  EXPECT_TRUE(wait_until(
      [&] { return read_whole_file(dir_.path() / "sink.txt") == "one\ntwo\nthree\n"; }, kDeadline))
      << read_whole_file(dir_.path() / "sink.txt") << log();

  const JsonAnswer restarted =
      call(http::verb::post, "/connectors/local-file-source/restart?includeTasks=true");
  EXPECT_EQ(restarted.status, 202) << restarted.body;
  EXPECT_EQ(restarted.json().at("connector").at("state").as_string(), "RESTARTING");
  EXPECT_TRUE(reaches("local-file-source", "RUNNING")) << log();
  EXPECT_EQ(call(http::verb::post, "/connectors/local-file-source/tasks/0/restart").status, 204);
  EXPECT_TRUE(reaches("local-file-source", "RUNNING")) << log();

  // Offsets: the sink's committed group offsets; the source's only change while STOPPED.
  EXPECT_TRUE(wait_until(
      [&] {
        return call(http::verb::get, "/connectors/local-file-sink/offsets").body ==
               R"({"offsets":[{"partition":{"kafka_partition":0,"kafka_topic":"connect-test"},)"
               R"("offset":{"kafka_offset":3}}]})";
      },
      kDeadline))
      << call(http::verb::get, "/connectors/local-file-sink/offsets").body;
  const std::string source_partition =
      R"({"filename":)" + json::serialize(json::value((dir_.path() / "source.txt").string())) + "}";
  const std::string rewind =
      R"({"offsets":[{"partition":)" + source_partition + R"(,"offset":{"position":4}}]})";
  const JsonAnswer running =
      call(http::verb::patch, "/connectors/local-file-source/offsets", rewind);
  EXPECT_EQ(running.status, 400);
  EXPECT_NE(running.body.find("must be in the STOPPED state"), std::string::npos) << running.body;

  EXPECT_EQ(call(http::verb::put, "/connectors/local-file-source/stop").status, 204);
  const JsonAnswer stopped = call(http::verb::get, "/connectors/local-file-source/status");
  EXPECT_EQ(stopped.json().at("connector").at("state").as_string(), "STOPPED") << stopped.body;
  EXPECT_EQ(stopped.json().at("tasks").as_array().size(), 0u);
  EXPECT_EQ(call(http::verb::get, "/connectors/local-file-source/offsets").body,
            R"({"offsets":[{"partition":)" + source_partition + R"(,"offset":{"position":14}}]})");
  EXPECT_EQ(call(http::verb::patch, "/connectors/local-file-source/offsets", rewind).status, 200);
  EXPECT_EQ(call(http::verb::get, "/connectors/local-file-source/offsets").body,
            R"({"offsets":[{"partition":)" + source_partition + R"(,"offset":{"position":4}}]})");
  EXPECT_EQ(call(http::verb::delete_, "/connectors/local-file-source/offsets").status, 200);
  EXPECT_EQ(call(http::verb::get, "/connectors/local-file-source/offsets").body,
            R"({"offsets":[]})");

  EXPECT_EQ(call(http::verb::delete_, "/connectors/local-file-source").status, 204);
  const JsonAnswer gone = call(http::verb::get, "/connectors/local-file-source");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.body, R"({"error_code":404,"message":"Connector local-file-source not found"})");

  worker_->signal(SIGTERM);
  EXPECT_EQ(worker_->wait(kDeadline), 0) << log();
}

// The value of one sample in GET /metrics' text, or nullopt when it is not there.
std::optional<double> metric(const std::string& text, const std::string& sample) {
  const std::string prefix = "\n" + sample + " ";
  const std::size_t at = text.find(prefix);
  if (at == std::string::npos) return std::nullopt;
  return std::stod(text.substr(at + prefix.size()));
}

// What the tasks did shows in /connectors/{c}/topics and /metrics: the topic each used, the
// records polled, written, read and put, the offset commits and the sink's lag; a reset forgets
// the topics until the next record, and a deleted connector has none.
TEST_F(RestTest, ActiveTopicsAndMetricsFollowTheRecordsThroughTheWorker) {
  ASSERT_NO_FATAL_FAILURE(start_worker());
  append(dir_.path() / "source.txt", "a\nb\nc\nd\ne\n");
  ASSERT_EQ(call(http::verb::post, "/connectors", source_body("local-file-source")).status, 201);
  ASSERT_TRUE(wait_until(
      [&] { return read_whole_file(dir_.path() / "sink.txt") == "a\nb\nc\nd\ne\n"; }, kDeadline))
      << log();
  EXPECT_EQ(call(http::verb::get, "/connectors/local-file-source/topics").body,
            R"({"local-file-source":{"topics":["connect-test"]}})");
  EXPECT_EQ(call(http::verb::get, "/connectors/local-file-sink/topics").body,
            R"({"local-file-sink":{"topics":["connect-test"]}})");

  const std::string source = R"({connector="local-file-source",task="0"})";
  const std::string sink = R"({connector="local-file-sink",task="0"})";
  std::string text;
  // Acknowledgements, commits (every 500 ms) and the lag (every second) come a little later.
  EXPECT_TRUE(wait_until(
      [&] {
        const JsonAnswer answer = call(http::verb::get, "/metrics");
        text = answer.body;
        return answer.status == 200 &&
               metric(text, "kafka_connect_source_task_source_record_write_total" + source) ==
                   5.0 &&
               metric(text, "kafka_connect_task_offset_commit_success_total" + source) >= 1.0 &&
               metric(text, "kafka_connect_task_offset_commit_success_total" + sink) >= 1.0 &&
               metric(text, "kafka_connect_sink_task_partition_count" + sink) == 1.0;
      },
      kDeadline))
      << text;
  EXPECT_EQ(metric(text, "kafka_connect_source_task_source_record_poll_total" + source), 5.0);
  EXPECT_EQ(metric(text, "kafka_connect_sink_task_sink_record_read_total" + sink), 5.0);
  EXPECT_EQ(metric(text, "kafka_connect_sink_task_sink_record_send_total" + sink), 5.0);
  EXPECT_EQ(metric(text, "kafka_connect_sink_task_sink_record_lag" + sink), 0.0);
  EXPECT_GE(metric(text, "kafka_connect_sink_task_put_batch_time_seconds_count" + sink), 1.0);
  EXPECT_EQ(metric(text, "kafka_connect_task_error_record_errors_total" + source), 0.0);
  EXPECT_EQ(metric(text, "kafka_connect_worker_connector_count"), 2.0);
  EXPECT_EQ(metric(text, R"(kafka_connect_worker_connector_tasks{connector="local-file-source",)"
                         R"(state="running"})"),
            1.0);
  EXPECT_GT(metric(text, "process_resident_memory_bytes").value_or(0), 1e6);
  EXPECT_GT(metric(text, "process_threads").value_or(0), 3.0);

  EXPECT_EQ(call(http::verb::put, "/connectors/local-file-source/topics/reset").status, 202);
  EXPECT_EQ(call(http::verb::get, "/connectors/local-file-source/topics").body,
            R"({"local-file-source":{"topics":[]}})");
  append(dir_.path() / "source.txt", "f\n");
  EXPECT_TRUE(wait_until(
      [&] {
        return call(http::verb::get, "/connectors/local-file-source/topics").body ==
               R"({"local-file-source":{"topics":["connect-test"]}})";
      },
      kDeadline))
      << log();
  EXPECT_EQ(call(http::verb::delete_, "/connectors/local-file-source").status, 204);
  EXPECT_EQ(call(http::verb::get, "/connectors/local-file-source/topics").body,
            R"({"local-file-source":{"topics":[]}})");
}

// As with Kafka 3.5 and later, a standalone worker starts with no connector file at all, and
// takes its connectors through REST.
TEST_F(RestTest, AWorkerStartsWithoutConnectorFilesAndTakesThemThroughRest) {
  ASSERT_NO_FATAL_FAILURE(start_worker(/*with_sink=*/false));
  EXPECT_EQ(call(http::verb::get, "/connectors").body, "[]");
  append(dir_.path() / "source.txt", "x\n");
  ASSERT_EQ(call(http::verb::post, "/connectors", source_body("local-file-source")).status, 201);
  EXPECT_TRUE(reaches("local-file-source", "RUNNING")) << log();
  worker_->signal(SIGTERM);
  EXPECT_EQ(worker_->wait(kDeadline), 0) << log();
}

// Everything a client can get wrong gets Kafka's status and error body, and the server serves on.
TEST_F(RestTest, BadRequestsGetTheirErrorsAndTheServerServesOn) {
  ASSERT_NO_FATAL_FAILURE(start_worker());
  const auto expect_error = [&](const JsonAnswer& answer, int status, std::string_view message) {
    EXPECT_EQ(answer.status, status) << answer.body;
    EXPECT_EQ(answer.header("Content-Type"), "application/json");
    const json::value body = json::parse(answer.body);
    EXPECT_EQ(body.at("error_code").as_int64(), status) << answer.body;
    EXPECT_NE(std::string(body.at("message").as_string()).find(message), std::string::npos)
        << answer.body;
  };
  expect_error(call(http::verb::post, "/connectors", source_body("local-file-sink")), 409,
               "Connector local-file-sink already exists");
  expect_error(call(http::verb::post, "/connectors", R"({"name":"x","config":)"), 400,
               "Malformed JSON");
  expect_error(
      call(http::verb::post, "/connectors", R"({"name":"x","config":{"connector.class":"Nope"}})"),
      400, "Nope");
  expect_error(call(http::verb::post, "/connectors",
                    R"({"name":"x","config":{"connector.class":"FileStreamSource"}})"),
               400,
               "Connector configuration is invalid and contains the following 1 error(s):\n"
               "Missing required configuration \"topic\" which has no default value.");
  expect_error(call(http::verb::get, "/connectors/nope/status"), 404, "Connector nope not found");
  expect_error(call(http::verb::get, "/no/such/path"), 404, "HTTP 404 Not Found");
  expect_error(call(http::verb::delete_, "/connector-plugins"), 405, "Method Not Allowed");
  expect_error(call(http::verb::put, "/connectors", std::string(2 * 1024 * 1024, ' ')), 413,
               "larger than the limit");

  const JsonAnswer plugins = call(http::verb::get, "/connector-plugins");
  EXPECT_EQ(plugins.status, 200);
  EXPECT_NE(
      plugins.body.find(
          R"({"class":"org.apache.kafka.connect.file.FileStreamSinkConnector","type":"sink")"),
      std::string::npos)
      << plugins.body;
  EXPECT_EQ(plugins.body.find("converter"), std::string::npos) << plugins.body;
  EXPECT_NE(call(http::verb::get, "/connector-plugins?connectorsOnly=false")
                .body.find(R"("type":"converter")"),
            std::string::npos);
  EXPECT_EQ(call(http::verb::get, "/connectors").body, R"(["local-file-sink"])");

  EXPECT_EQ(call(http::verb::get, "/health").json().at("status").as_string(), "healthy");
  EXPECT_EQ(call(http::verb::get, "/admin/loggers").body,
            R"({"root":{"level":"INFO","last_modified":null}})");
  EXPECT_EQ(call(http::verb::put, "/admin/loggers/root", R"({"level":"DEBUG"})").body,
            R"(["root"])");
  EXPECT_EQ(call(http::verb::get, "/admin/loggers/root").json().at("level").as_string(), "DEBUG");
  EXPECT_EQ(call(http::verb::get, "/connectors/local-file-sink/tasks-config")
                .json()
                .at("local-file-sink-0")
                .at("topics")
                .as_string(),
            "connect-test");
  const JsonAnswer definition = call(http::verb::get, "/connector-plugins/FileStreamSink/config");
  EXPECT_EQ(definition.status, 200) << definition.body;
  EXPECT_EQ(definition.json().at(0).at("name").as_string(), "file") << definition.body;
  const JsonAnswer validated =
      call(http::verb::put, "/connector-plugins/FileStreamSource/config/validate",
           R"({"connector.class":"FileStreamSource","tasks.max":"x"})");
  EXPECT_EQ(validated.status, 200) << validated.body;
  EXPECT_GE(validated.json().at("error_count").as_int64(), 2)
      << validated.body;  // tasks.max, topic
  EXPECT_NE(validated.body.find("Not a number of type INT"), std::string::npos) << validated.body;
  expect_error(call(http::verb::put, "/connector-plugins/FileStreamSink/config/validate",
                    R"({"connector.class":"FileStreamSource"})"),
               400, "does not match request type");
  const JsonAnswer patched = call(http::verb::patch, "/connectors/local-file-sink/config",
                                  R"({"tasks.max":"1","unused.key":"x"})");
  EXPECT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json().at("config").at("unused.key").as_string(), "x");
  EXPECT_TRUE(reaches("local-file-sink", "RUNNING")) << log();
}

// Connectors created through REST come back after a restart in their target state; a connector
// of the command line comes back as its file says, whatever REST changed.
TEST_F(RestTest, ConnectorsCreatedThroughRestSurviveARestart) {
  ASSERT_NO_FATAL_FAILURE(start_worker());
  ASSERT_EQ(call(http::verb::post, "/connectors", source_body("kept")).status, 201) << log();
  ASSERT_TRUE(reaches("kept", "RUNNING")) << log();
  EXPECT_EQ(call(http::verb::put, "/connectors/kept/pause").status, 202);
  const JsonAnswer changed = call(http::verb::patch, "/connectors/local-file-sink/config",
                                  R"({"unused.key":"from REST"})");
  EXPECT_EQ(changed.status, 200) << changed.body;
  ASSERT_TRUE(fs::exists(dir_.path() / "ferry-connectors.json"));

  worker_->signal(SIGTERM);
  ASSERT_EQ(worker_->wait(kDeadline), 0) << log();
  ASSERT_NO_FATAL_FAILURE(start_worker());
  EXPECT_EQ(call(http::verb::get, "/connectors").body, R"(["kept","local-file-sink"])");
  EXPECT_TRUE(reaches("kept", "PAUSED")) << log();
  EXPECT_FALSE(call(http::verb::get, "/connectors/local-file-sink/config")
                   .json()
                   .as_object()
                   .contains("unused.key"));
  EXPECT_EQ(call(http::verb::delete_, "/connectors/kept").status, 204);
  worker_->signal(SIGTERM);
  ASSERT_EQ(worker_->wait(kDeadline), 0) << log();
  ASSERT_NO_FATAL_FAILURE(start_worker());
  EXPECT_EQ(call(http::verb::get, "/connectors").body, R"(["local-file-sink"])");
}

// A listener whose port is taken stops the start with the address in the message.
TEST_F(RestTest, APortInUseFailsTheStartNamingTheListener) {
  ASSERT_NO_FATAL_FAILURE(start_worker());
  TempDir other;
  const std::string listener = "http://127.0.0.1:" + std::to_string(port_);
  const fs::path worker = other.write(
      "worker.properties",
      "key.converter=org.apache.kafka.connect.storage.StringConverter\n"
      "value.converter=org.apache.kafka.connect.storage.StringConverter\n"
      "offset.storage.file.filename=" +
          (other.path() / "offsets").string() + "\nlog.dirs=" + (other.path() / "data").string() +
          "\nlisteners=" + listener + "\n");
  const ProcessResult result =
      run_process(ferry_binary(), {"standalone", worker.string(), write_sink().string()});
  EXPECT_EQ(result.exit_code, 1) << result.standard_error;
  EXPECT_NE(result.standard_error.find("Cannot listen on " + listener), std::string::npos)
      << result.standard_error;
}

}  // namespace
}  // namespace ferry::testing
