// `ferry standalone` with the JDBC plugin, as a Kafka Connect user runs it: property files with
// Confluent's class names, a PostgreSQL table read in incrementing mode into a topic through the
// JSON converter with schemas, and the JDBC sink writing that topic into a MariaDB table it
// creates. Rows inserted while the worker runs arrive too, and a restart resumes from the stored
// source offset without writing a row twice.
#include <chrono>
#include <csignal>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "connectors/jdbc/test_databases.h"
#include "tests/process.h"
#include "tests/temp_directory.h"
#include "tests/worker_process.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;
namespace jdbc = ferry::connectors::jdbc;
using namespace std::chrono_literals;

constexpr auto kDeadline = 60s;

std::string properties_text(const std::map<std::string, std::string>& properties) {
  std::string text;
  for (const auto& [key, value] : properties) text += key + "=" + value + "\n";
  return text;
}

class JdbcStandaloneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    postgres_ = jdbc::testing::test_database(jdbc::DatabaseKind::kPostgres);
    mariadb_ = jdbc::testing::test_database(jdbc::DatabaseKind::kMysql);
    source_db_ = jdbc::testing::connect_to(postgres_);
    sink_db_ = jdbc::testing::connect_to(mariadb_);
    table_ = jdbc::testing::unique_table("categories");
  }
  void TearDown() override {
    source_db_->execute("DROP TABLE IF EXISTS " + table_);
    sink_db_->execute("DROP TABLE IF EXISTS " + table_);
  }

  std::unique_ptr<WorkerProcess> start_worker() {
    const fs::path build = ferry_binary().parent_path().parent_path();
    const fs::path worker = dir_.write(
        "worker.properties",
        properties_text({{"bootstrap.servers", "localhost:9092"},
                         {"key.converter", "org.apache.kafka.connect.json.JsonConverter"},
                         {"value.converter", "org.apache.kafka.connect.json.JsonConverter"},
                         {"key.converter.schemas.enable", "true"},
                         {"value.converter.schemas.enable", "true"},
                         {"offset.storage.file.filename", (dir_.path() / "offsets").string()},
                         {"offset.flush.interval.ms", "500"},
                         {"plugin.path", (build / "plugins").string()},
                         {"log.dirs", (dir_.path() / "data").string()},
                         {"listeners", "http://127.0.0.1:0"}}));
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
};

// Kafka Connect's retail_db walk-through, PostgreSQL to MariaDB.
TEST_F(JdbcStandaloneTest, PostgresTableReachesMariadbTableAndRestartResumes) {
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

}  // namespace
}  // namespace ferry::testing
