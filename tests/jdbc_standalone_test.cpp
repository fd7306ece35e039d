// `ferry standalone` with the JDBC plugin, as a Kafka Connect user runs it: property files with
// Confluent's class names, a PostgreSQL table read in incrementing mode into a topic through the
// JSON converter with schemas, and the JDBC sink writing that topic into a MariaDB table it
// creates. Rows inserted while the worker runs arrive too, and a restart resumes from the stored
// source offset without writing a row twice. The sink's exactly-once option survives kill -9
// between the database's commit and the worker's offset commit without writing a row twice.
// Every case runs twice: on the worker's embedded broker, and with embedded.broker.enable=false
// against a `ferry broker` over the Kafka protocol.
#include <chrono>
#include <csignal>
#include <map>
#include <optional>
#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "connectors/jdbc/test_databases.h"
#include "tests/broker_process.h"
#include "tests/process.h"
#include "tests/temp_directory.h"
#include "tests/worker_process.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;
namespace jdbc = ferry::connectors::jdbc;
using namespace std::chrono_literals;

constexpr auto kDeadline = 60s;

using Properties = std::map<std::string, std::string>;

enum class BrokerKind { kEmbedded, kNetwork };

class JdbcStandaloneTest : public ::testing::TestWithParam<BrokerKind> {
 protected:
  void SetUp() override {
    if (GetParam() == BrokerKind::kNetwork) {
      fs::create_directories(dir_.path() / "broker");
      broker_ = std::make_unique<BrokerProcess>(dir_.path() / "broker");
      ASSERT_FALSE(broker_->address().empty());
    }
    postgres_ = jdbc::testing::test_database(jdbc::DatabaseKind::kPostgres);
    mariadb_ = jdbc::testing::test_database(jdbc::DatabaseKind::kMysql);
    source_db_ = jdbc::testing::connect_to(postgres_);
    sink_db_ = jdbc::testing::connect_to(mariadb_);
    table_ = jdbc::testing::unique_table("categories");
  }
  void TearDown() override {
    source_db_->execute("DROP TABLE IF EXISTS " + table_);
    sink_db_->execute("DROP TABLE IF EXISTS " + table_);
    sink_db_->execute("DROP TABLE IF EXISTS " + table_ + "_offsets");
  }

  // The worker keys saying which broker it runs on: its own on a free port, or ferry broker's.
  Properties broker_properties() const {
    if (broker_)
      return {{"bootstrap.servers", broker_->address()}, {"embedded.broker.enable", "false"}};
    return {{"bootstrap.servers", "127.0.0.1:0"}};
  }

  // A worker with only a JDBC sink of topic items-<table> into a MariaDB table in insert mode
  // without a key (a record written twice is two rows), whose consumer group never commits
  // during the test (offset.flush.interval.ms of an hour). Its broker binds a free port.
  // Each run logs to its own file, ferry-<run>.stderr.
  std::unique_ptr<WorkerProcess> start_sink_worker(bool exactly_once, const std::string& run,
                                                   const Properties& extra = {}) {
    const fs::path build = ferry_binary().parent_path().parent_path();
    Properties worker_properties{
        {"key.converter", "org.apache.kafka.connect.json.JsonConverter"},
        {"value.converter", "org.apache.kafka.connect.json.JsonConverter"},
        {"offset.storage.file.filename", (dir_.path() / "offsets").string()},
        {"offset.flush.interval.ms", "3600000"},
        // After a kill -9 the group waits for the dead member's session to end: keep it short.
        {"consumer.session.timeout.ms", "6000"},
        {"consumer.heartbeat.interval.ms", "1000"},
        {"plugin.path", (build / "plugins").string()},
        {"log.dirs", (dir_.path() / "data").string()},
        {"listeners", "http://127.0.0.1:0"}};
    worker_properties.merge(broker_properties());
    const fs::path worker =
        dir_.write("sink-worker.properties", properties_text(worker_properties));
    Properties sink_properties{{"name", "jdbc-sink"},
                               {"connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"},
                               {"topics", "items-" + table_},
                               {"connection.url", mariadb_.url},
                               {"table.name.format", table_},
                               {"auto.create", "true"},
                               {"exactly.once.enabled", exactly_once ? "true" : "false"},
                               {"exactly.once.offsets.table", table_ + "_offsets"}};
    for (const auto& [key, value] : extra) sink_properties[key] = value;
    const fs::path sink = dir_.write("jdbc-sink.properties", properties_text(sink_properties));
    return std::make_unique<WorkerProcess>(
        ferry_binary(), std::vector<std::string>{"standalone", worker.string(), sink.string()},
        dir_.path() / "ferry.stdout", dir_.path() / ("ferry-" + run + ".stderr"));
  }

  // The address of the broker the worker runs on, for Kafka clients.
  std::string broker_address(WorkerProcess& worker) {
    EXPECT_TRUE(worker.wait_for_log("Ferry standalone worker started", kDeadline))
        << worker.standard_error();
    if (broker_) return broker_->address();
    const std::string log = worker.standard_error();
    std::smatch match;
    if (!std::regex_search(log, match,
                           std::regex("Kafka protocol listening on (127\\.0\\.0\\.1:[0-9]+)"))) {
      ADD_FAILURE() << "no Kafka protocol address in\n" << log;
      return "";
    }
    return match[1];
  }

  // An item as JsonConverter with schemas reads it.
  static std::string item_json(int id, const std::string& name) {
    return R"({"schema":{"type":"struct","name":"item","optional":false,"fields":[)"
           R"({"field":"id","type":"int32","optional":false},)"
           R"({"field":"name","type":"string","optional":false}]},)"
           R"("payload":{"id":)" +
           std::to_string(id) + R"(,"name":")" + name + "\"}}";
  }

  // Produces items first..last named "item <id>" (or the names given) with kcat.
  void produce_items(const fs::path& kcat, const std::string& address, int first, int last,
                     const std::map<int, std::string>& names = {}) {
    std::string lines;
    for (int id = first; id <= last; ++id) {
      const auto name = names.find(id);
      lines +=
          item_json(id, name == names.end() ? "item " + std::to_string(id) : name->second) + "\n";
    }
    const ProcessResult produced =
        run_process(kcat, {"-b", address, "-P", "-t", "items-" + table_, "-X", "acks=all"}, lines);
    ASSERT_EQ(produced.exit_code, 0) << produced.standard_error;
  }

  // Rows of the sink table, and distinct ids among them, once the item id is there.
  std::pair<int, int> sink_counts_once_written(int id) {
    std::pair<int, int> counts{-1, -1};
    wait_until(
        [&] {
          try {
            if (sink_db_->query("SELECT 1 FROM " + table_ + " WHERE id = " + std::to_string(id), 1)
                    .empty()) {
              return false;
            }
            const auto row =
                sink_db_->query("SELECT COUNT(*), COUNT(DISTINCT id) FROM " + table_, 2).at(0);
            counts = {std::stoi(row[0].value_or("-1")), std::stoi(row[1].value_or("-1"))};
            return true;
          } catch (const std::exception&) {
            return false;  // not created yet
          }
        },
        kDeadline, 100ms);
    return counts;
  }

  // Items 0..49 written, the worker killed before any offset commit of the consumer group,
  // restarted, items 50..74 produced: the sink table's rows and distinct ids once item 74 is in.
  std::pair<int, int> kill_after_writing_and_restart(bool exactly_once) {
    const std::optional<fs::path> kcat = find_program({"kcat", "kafkacat"});
    if (!kcat) return {-1, -1};
    {
      auto worker = start_sink_worker(exactly_once, "first");
      produce_items(*kcat, broker_address(*worker), 0, 49);
      const auto written = sink_counts_once_written(49);
      EXPECT_EQ(written, std::make_pair(50, 50)) << worker->standard_error();
      worker->signal(SIGKILL);
      worker->wait(kDeadline);
    }
    auto worker = start_sink_worker(exactly_once, "second");
    produce_items(*kcat, broker_address(*worker), 50, 74);
    const auto counts = sink_counts_once_written(74);
    worker->signal(SIGTERM);
    EXPECT_EQ(worker->wait(kDeadline), 0) << worker->standard_error();
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "after the kill:\n" << worker->standard_error();
    }
    return counts;
  }

  std::unique_ptr<WorkerProcess> start_worker() {
    const fs::path build = ferry_binary().parent_path().parent_path();
    Properties worker_properties{
        {"key.converter", "org.apache.kafka.connect.json.JsonConverter"},
        {"value.converter", "org.apache.kafka.connect.json.JsonConverter"},
        {"key.converter.schemas.enable", "true"},
        {"value.converter.schemas.enable", "true"},
        {"offset.storage.file.filename", (dir_.path() / "offsets").string()},
        {"offset.flush.interval.ms", "500"},
        {"plugin.path", (build / "plugins").string()},
        {"log.dirs", (dir_.path() / "data").string()},
        {"listeners", "http://127.0.0.1:0"}};
    worker_properties.merge(broker_properties());
    const fs::path worker = dir_.write("worker.properties", properties_text(worker_properties));
    const fs::path source = dir_.write(
        "jdbc-source.properties",
        properties_text({{"name", "jdbc-source"},
                         {"connector.class", "io.confluent.connect.jdbc.JdbcSourceConnector"},
                         {"tasks.max", "1"},
                         {"connection.url", postgres_.url},
                         {"mode", "incrementing"},
                         {"incrementing.column.name", "category_id"},
                         {"table.whitelist", table_},
                         {"topic.prefix", "pg-"},
                         {"poll.interval.ms", "200"}}));
    const fs::path sink = dir_.write(
        "jdbc-sink.properties",
        properties_text({{"name", "jdbc-sink"},
                         {"connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"},
                         {"tasks.max", "1"},
                         {"topics", "pg-" + table_},
                         {"connection.url", mariadb_.url},
                         {"table.name.format", table_},
                         {"auto.create", "true"},
                         {"insert.mode", "upsert"},
                         {"pk.mode", "record_value"},
                         {"pk.fields", "category_id"}}));
    return std::make_unique<WorkerProcess>(
        ferry_binary(),
        std::vector<std::string>{"standalone", worker.string(), source.string(), sink.string()},
        dir_.path() / "ferry.stdout", dir_.path() / "ferry.stderr");
  }

  // The sink table's rows "id|department|name", or empty while it does not exist.
  std::vector<std::string> sink_rows() {
    std::vector<std::string> rows;
    try {
      for (const auto& row :
           sink_db_->query("SELECT category_id, category_department_id, category_name FROM " +
                               table_ + " ORDER BY 1",
                           3)) {
        rows.push_back(row[0].value_or("NULL") + "|" + row[1].value_or("NULL") + "|" +
                       row[2].value_or("NULL"));
      }
    } catch (const std::exception&) {
    }
    return rows;
  }

  ::testing::AssertionResult sink_holds(const std::vector<std::string>& expected) {
    std::vector<std::string> rows;
    wait_until([&] { return (rows = sink_rows()) == expected; }, kDeadline, 100ms);
    if (rows == expected) return ::testing::AssertionSuccess();
    std::string shown;
    for (const auto& row : rows) shown += row + "\n";
    return ::testing::AssertionFailure() << "the sink table holds\n"
                                         << shown << "worker log:\n"
                                         << read_whole_file(dir_.path() / "ferry.stderr");
  }

  jdbc::testing::TestDatabase postgres_;
  jdbc::testing::TestDatabase mariadb_;
  std::unique_ptr<jdbc::Connection> source_db_;
  std::unique_ptr<jdbc::Connection> sink_db_;
  std::string table_;
  TempDir dir_;
  std::unique_ptr<BrokerProcess> broker_;  // BrokerKind::kNetwork only
};

// Kafka Connect's retail_db walk-through, PostgreSQL to MariaDB.
TEST_P(JdbcStandaloneTest, PostgresTableReachesMariadbTableAndRestartResumes) {
  source_db_->execute("CREATE TABLE " + table_ +
                      " (category_id SERIAL PRIMARY KEY, category_department_id INT NOT NULL, "
                      "category_name VARCHAR(45) NOT NULL)");
  source_db_->execute("INSERT INTO " + table_ +
                      " (category_department_id, category_name) VALUES (2, 'Football'), "
                      "(2, 'Soccer')");
  std::vector<std::string> expected{"1|2|Football", "2|2|Soccer"};
  {
    auto worker = start_worker();
    ASSERT_TRUE(sink_holds(expected));
    source_db_->execute("INSERT INTO " + table_ +
                        " (category_department_id, category_name) VALUES (3, 'Baseball')");
    expected.push_back("3|3|Baseball");
    ASSERT_TRUE(sink_holds(expected));
    worker->signal(SIGTERM);
    ASSERT_EQ(worker->wait(kDeadline), 0) << read_whole_file(dir_.path() / "ferry.stderr");
  }
  source_db_->execute("INSERT INTO " + table_ +
                      " (category_department_id, category_name) VALUES (4, 'Tennis')");
  expected.push_back("4|4|Tennis");
  // A row the sink wrote before would come back changed if the source re-read it.
  sink_db_->execute("UPDATE " + table_ + " SET category_name = 'kept' WHERE category_id = 1");
  expected[0] = "1|2|kept";
  auto worker = start_worker();
  ASSERT_TRUE(sink_holds(expected));
  worker->signal(SIGTERM);
  EXPECT_EQ(worker->wait(kDeadline), 0);
  const std::string offsets = read_whole_file(dir_.path() / "offsets");
  EXPECT_NE(offsets.find("\"protocol\":\"1\""), std::string::npos) << offsets;
  EXPECT_NE(offsets.find("{\"incrementing\":4}"), std::string::npos) << offsets;
}

TEST_P(JdbcStandaloneTest, ExactlyOnceSinkWritesNothingTwiceAfterAKill) {
  if (!find_program({"kcat", "kafkacat"})) GTEST_SKIP() << "kcat is not installed";
  EXPECT_EQ(kill_after_writing_and_restart(true), std::make_pair(75, 75));
  EXPECT_EQ(sink_db_->query("SELECT next_offset FROM " + table_ + "_offsets", 1).at(0).at(0), "75");
}

// The same kill without the option: the group never committed, so the restarted sink writes the
// first 50 items again (Kafka Connect's at-least-once) - what the option is for.
TEST_P(JdbcStandaloneTest, WithoutExactlyOnceAKillWritesTheUncommittedRecordsAgain) {
  if (!find_program({"kcat", "kafkacat"})) GTEST_SKIP() << "kcat is not installed";
  EXPECT_EQ(kill_after_writing_and_restart(false), std::make_pair(125, 75));
}

// A record the database refuses (a name too long for its column) goes to the dead letter queue
// with errors.tolerance=all, as consumed, with headers saying which record, table and column;
// the others are written.
TEST_P(JdbcStandaloneTest, RefusedRecordGoesToTheDeadLetterQueue) {
  const std::optional<fs::path> kcat = find_program({"kcat", "kafkacat"});
  if (!kcat) GTEST_SKIP() << "kcat is not installed";
  sink_db_->execute("CREATE TABLE " + table_ + " (id INT PRIMARY KEY, name VARCHAR(8) NOT NULL)");
  auto worker = start_sink_worker(false, "dlq",
                                  {{"errors.tolerance", "all"},
                                   {"errors.deadletterqueue.topic.name", "dlq-" + table_},
                                   {"errors.deadletterqueue.context.headers.enable", "true"}});
  const std::string address = broker_address(*worker);
  produce_items(*kcat, address, 0, 9, {{5, "a name much too long"}});
  EXPECT_EQ(sink_counts_once_written(9), std::make_pair(9, 9)) << worker->standard_error();

  ProcessResult dead;
  EXPECT_TRUE(wait_until(
      [&] {
        dead = run_process(*kcat, {"-b", address, "-C", "-t", "dlq-" + table_, "-o", "beginning",
                                   "-e", "-q", "-f", "%s\n%h\n"});
        return dead.exit_code == 0 && !dead.standard_output.empty();
      },
      kDeadline, 200ms))
      << dead.standard_error;
  const std::string& text = dead.standard_output;
  EXPECT_EQ(text.find(item_json(5, "a name much too long") + "\n"), 0u) << text;
  for (const std::string& expected :
       {"__connect.errors.topic=items-" + table_, std::string("__connect.errors.offset=5"),
        std::string("__connect.errors.stage=TASK_PUT"),
        std::string("__connect.errors.exception.class.name=org.apache.kafka.connect.errors."
                    "DataException"),
        "__connect.errors.exception.message=record items-" + table_ + "-0@5, table ferry." +
            table_ + ", column name (20 characters, the column holds 8)"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << " in\n" << text;
  }
  worker->signal(SIGTERM);
  EXPECT_EQ(worker->wait(kDeadline), 0) << worker->standard_error();
}

INSTANTIATE_TEST_SUITE_P(Broker, JdbcStandaloneTest,
                         ::testing::Values(BrokerKind::kEmbedded, BrokerKind::kNetwork),
                         [](const auto& info) {
                           return info.param == BrokerKind::kEmbedded ? "Embedded" : "Network";
                         });

}  // namespace
}  // namespace ferry::testing
