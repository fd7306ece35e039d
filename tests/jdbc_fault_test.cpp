// The database going away under `ferry standalone`: PostgreSQL (the source's) and MariaDB (the
// sink's) crashed and restarted while rows flow, counted row by row in the sink table. A server
// back within the retry window costs nothing; one that stays away fails the task with a trace
// naming the database and the retry settings, and a REST restart of the task after the server is
// back resumes with every row there once.
//
// The servers are the ferry_fault_databases fixture's own pair (scripts/test-databases.sh kill|
// restart), so crashing them disturbs no other test; the tests take them one at a time.
#include <chrono>
#include <csignal>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "connectors/jdbc/test_databases.h"
#include "tests/http_call.h"
#include "tests/process.h"
#include "tests/temp_directory.h"
#include "tests/worker_process.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;
namespace jdbc = ferry::connectors::jdbc;
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr auto kDeadline = 60s;

class JdbcFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    postgres_ = jdbc::testing::test_database(jdbc::DatabaseKind::kPostgres);
    mariadb_ = jdbc::testing::test_database(jdbc::DatabaseKind::kMysql);
    table_ = jdbc::testing::unique_table("fault");
    sink_table_ = table_;
    source_db_ = jdbc::testing::connect_to(postgres_);
    source_db_->execute("CREATE TABLE " + table_ +
                        " (id SERIAL PRIMARY KEY, name VARCHAR(20) NOT NULL)");
  }
  void TearDown() override {
    worker_.reset();
    try {
      jdbc::testing::connect_to(postgres_)->execute("DROP TABLE IF EXISTS " + table_);
      jdbc::testing::connect_to(mariadb_)->execute("DROP TABLE IF EXISTS " + table_);
      for (const std::string& table : {table_ + "_sink", table_ + "_offsets"})
        jdbc::testing::connect_to(postgres_)->execute("DROP TABLE IF EXISTS " + table);
    } catch (const std::exception&) {
    }
  }

  void start_worker(const std::map<std::string, std::string>& source_extra,
                    const std::map<std::string, std::string>& sink_extra) {
    const fs::path build = ferry_binary().parent_path().parent_path();
    const fs::path worker = dir_.write(
        "worker.properties",
        properties_text({{"bootstrap.servers", "localhost:9092"},
                         {"key.converter", "org.apache.kafka.connect.json.JsonConverter"},
                         {"value.converter", "org.apache.kafka.connect.json.JsonConverter"},
                         {"offset.storage.file.filename", (dir_.path() / "offsets").string()},
                         {"offset.flush.interval.ms", "200"},
                         {"plugin.path", (build / "plugins").string()},
                         {"log.dirs", (dir_.path() / "data").string()},
                         {"listeners", "http://127.0.0.1:0"}}));
    std::map<std::string, std::string> source{
        {"name", "jdbc-source"},
        {"connector.class", "io.confluent.connect.jdbc.JdbcSourceConnector"},
        {"tasks.max", "1"},
        {"connection.url", postgres_.url},
        {"mode", "incrementing"},
        {"incrementing.column.name", "id"},
        {"table.whitelist", table_},
        {"topic.prefix", "pg-"},
        {"batch.max.rows", "100"},
        {"poll.interval.ms", "100"}};
    for (const auto& [key, value] : source_extra) source[key] = value;
    std::map<std::string, std::string> sink{
        {"name", "jdbc-sink"},
        {"connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"},
        {"tasks.max", "1"},
        {"topics", "pg-" + table_},
        {"connection.url", mariadb_.url},
        {"table.name.format", table_},
        {"auto.create", "true"}};
    for (const auto& [key, value] : sink_extra) sink[key] = value;
    const fs::path source_file = dir_.write("source.properties", properties_text(source));
    const fs::path sink_file = dir_.write("sink.properties", properties_text(sink));
    worker_ = std::make_unique<WorkerProcess>(
        ferry_binary(),
        std::vector<std::string>{"standalone", worker.string(), source_file.string(),
                                 sink_file.string()},
        dir_.path() / "ferry.stdout", dir_.path() / "ferry.stderr");
    ASSERT_TRUE(wait_until([&] { return last_rest_port(log()) || !worker_->running(); }, kDeadline))
        << log();
    ASSERT_TRUE(worker_->running()) << log();
    port_ = *last_rest_port(log());
  }

  std::string log() const { return read_whole_file(dir_.path() / "ferry.stderr"); }

  // Inserts count rows into the source table (reconnecting: the server may have restarted).
  void insert_rows(int count) {
    source_db_ = jdbc::testing::connect_to(postgres_);
    source_db_->execute("INSERT INTO " + table_ + " (name) SELECT 'row ' || n FROM " +
                        "generate_series(1, " + std::to_string(count) + ") AS n");
    inserted_ += count;
  }

  // "rows/distinct ids" of the sink table, "" while it cannot be read.
  std::string sink_count() {
    try {
      auto db = jdbc::testing::connect_to(*sink_database_);
      const auto rows = db->query("SELECT COUNT(*), COUNT(DISTINCT id) FROM " + sink_table_, 2);
      return rows.at(0)[0].value_or("") + "/" + rows.at(0)[1].value_or("");
    } catch (const std::exception&) {
      return "";
    }
  }
  std::string all_inserted() const {
    return std::to_string(inserted_) + "/" + std::to_string(inserted_);
  }
  ::testing::AssertionResult sink_holds_every_row() {
    std::string count;
    wait_until([&] { return (count = sink_count()) == all_inserted(); }, kDeadline, 100ms);
    if (count != all_inserted()) {
      return ::testing::AssertionFailure() << "sink rows/distinct ids " << count << ", expected "
                                           << all_inserted() << "; worker log:\n"
                                           << log();
    }
    std::this_thread::sleep_for(500ms);  // and nothing more comes
    if ((count = sink_count()) != all_inserted())
      return ::testing::AssertionFailure() << "then " << count << "; worker log:\n" << log();
    return ::testing::AssertionSuccess();
  }

  // The task's state and trace from GET /connectors/NAME/status.
  std::pair<std::string, std::string> task_status(const std::string& connector) {
    try {
      const json::value status =
          json::parse(http_call(port_, "GET", "/connectors/" + connector + "/status").body);
      const json::object& task = status.at("tasks").as_array().at(0).as_object();
      const json::value* trace = task.if_contains("trace");
      return {std::string(task.at("state").as_string()),
              trace ? std::string(trace->as_string()) : std::string()};
    } catch (const std::exception&) {
      return {};
    }
  }
  ::testing::AssertionResult task_fails(const std::string& connector, std::string& trace) {
    std::pair<std::string, std::string> status;
    wait_until([&] { return (status = task_status(connector)).first == "FAILED"; }, kDeadline,
               100ms);
    trace = status.second;
    if (status.first == "FAILED") return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << connector << " task is " << status.first << "; worker log:\n"
           << log();
  }
  void restart_task(const std::string& connector) {
    http_call(port_, "POST", "/connectors/" + connector + "/tasks/0/restart");
  }

  jdbc::testing::TestDatabase postgres_;
  jdbc::testing::TestDatabase mariadb_;
  std::string table_;
  // Where the sink writes: MariaDB's table_ unless a test says otherwise.
  const jdbc::testing::TestDatabase* sink_database_ = &mariadb_;
  std::string sink_table_;
  std::unique_ptr<jdbc::Connection> source_db_;
  int inserted_ = 0;
  TempDir dir_;
  std::unique_ptr<WorkerProcess> worker_;
  unsigned short port_ = 0;
};

TEST_F(JdbcFaultTest, SourceRetriesAcrossPostgresRestartThenFailsAndRestartResumesLosingNoRow) {
  insert_rows(2000);
  // About 15 s of reconnecting before the task gives up: "back within the window" below must
  // hold for a PostgreSQL restart (crash recovery included) on a loaded machine.
  ASSERT_NO_FATAL_FAILURE(
      start_worker({{"connection.attempts", "150"}, {"connection.backoff.ms", "100"}}, {}));
  ASSERT_TRUE(
      wait_until([&] { return !sink_count().empty() && sink_count() != "0/0"; }, kDeadline, 20ms))
      << log();
  // Back within the window: the task keeps running.
  source_db_.reset();
  jdbc::testing::kill_database(jdbc::DatabaseKind::kPostgres);
  ASSERT_TRUE(worker_->wait_for_log("the connection is lost, reconnecting", kDeadline)) << log();
  jdbc::testing::restart_database(jdbc::DatabaseKind::kPostgres);
  insert_rows(1000);
  ASSERT_TRUE(sink_holds_every_row());
  EXPECT_EQ(task_status("jdbc-source").first, "RUNNING");

  // Away for longer: the task fails, naming the database and the retry settings.
  source_db_.reset();
  jdbc::testing::kill_database(jdbc::DatabaseKind::kPostgres);
  std::string trace;
  ASSERT_TRUE(task_fails("jdbc-source", trace));
  EXPECT_NE(trace.find("postgresql://127.0.0.1:"), std::string::npos) << trace;
  EXPECT_NE(trace.find("connection.attempts"), std::string::npos) << trace;
  EXPECT_NE(trace.find("tried 150 time(s)"), std::string::npos) << trace;
  jdbc::testing::restart_database(jdbc::DatabaseKind::kPostgres);
  insert_rows(500);
  restart_task("jdbc-source");
  ASSERT_TRUE(sink_holds_every_row());
  EXPECT_EQ(task_status("jdbc-source").first, "RUNNING");
}

TEST_F(JdbcFaultTest, SinkRetriesAcrossMariadbRestartThenFailsAndRestartResumesLosingNoRow) {
  insert_rows(1000);
  // About 15 s of retries before the task gives up: "back within the window" below must hold for
  // a MariaDB restart (InnoDB recovery included) on a loaded machine. Redelivered records are
  // upserted by id, so a commit whose answer the crash swallowed cannot double a row.
  ASSERT_NO_FATAL_FAILURE(start_worker({}, {{"max.retries", "150"},
                                            {"retry.backoff.ms", "100"},
                                            {"connection.attempts", "1"},
                                            {"insert.mode", "upsert"},
                                            {"pk.mode", "record_value"},
                                            {"pk.fields", "id"}}));
  ASSERT_TRUE(sink_holds_every_row());
  jdbc::testing::kill_database(jdbc::DatabaseKind::kMysql);
  insert_rows(1000);
  ASSERT_TRUE(worker_->wait_for_log("retries left", kDeadline)) << log();
  jdbc::testing::restart_database(jdbc::DatabaseKind::kMysql);
  ASSERT_TRUE(sink_holds_every_row());
  EXPECT_EQ(task_status("jdbc-sink").first, "RUNNING");

  jdbc::testing::kill_database(jdbc::DatabaseKind::kMysql);
  insert_rows(500);
  std::string trace;
  ASSERT_TRUE(task_fails("jdbc-sink", trace));
  EXPECT_NE(trace.find("mysql://127.0.0.1:"), std::string::npos) << trace;
  EXPECT_NE(trace.find("after 150 retries"), std::string::npos) << trace;
  jdbc::testing::restart_database(jdbc::DatabaseKind::kMysql);
  restart_task("jdbc-sink");
  ASSERT_TRUE(sink_holds_every_row());
  EXPECT_EQ(task_status("jdbc-sink").first, "RUNNING");
}

// The sink into PostgreSQL, whose puts send their transaction and read its outcome later, with
// exactly.once.enabled and plain inserts (a row written twice would show): PostgreSQL crashes
// mid-run, with a transaction sent and unread; nothing is lost and nothing is written twice.
TEST_F(JdbcFaultTest, PostgresSinkCrashedUnderASentTransactionLosesAndDoublesNoRow) {
  sink_database_ = &postgres_;
  sink_table_ = table_ + "_sink";
  ASSERT_NO_FATAL_FAILURE(start_worker({{"connection.attempts", "600"},
                                        {"connection.backoff.ms", "100"},
                                        {"batch.max.rows", "1000"}},
                                       {{"connection.url", postgres_.url},
                                        {"table.name.format", sink_table_},
                                        {"exactly.once.enabled", "true"},
                                        {"exactly.once.offsets.table", table_ + "_offsets"},
                                        {"max.retries", "600"},
                                        {"retry.backoff.ms", "100"},
                                        {"connection.attempts", "1"}}));
  insert_rows(50000);
  ASSERT_TRUE(wait_until(
      [&] {
        const std::string count = sink_count();
        return !count.empty() && count != "0/0";
      },
      kDeadline, 5ms))
      << log();
  source_db_.reset();
  jdbc::testing::kill_database(jdbc::DatabaseKind::kPostgres);
  // The sink retries while the database is away (unless it had written everything already).
  (void)worker_->wait_for_log("retries left", 5s);
  jdbc::testing::restart_database(jdbc::DatabaseKind::kPostgres);
  insert_rows(1000);
  ASSERT_TRUE(sink_holds_every_row());
  EXPECT_EQ(task_status("jdbc-sink").first, "RUNNING");
  EXPECT_EQ(task_status("jdbc-source").first, "RUNNING");
}

}  // namespace
}  // namespace ferry::testing
