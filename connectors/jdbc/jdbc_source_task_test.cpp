// JdbcSourceTask against the real PostgreSQL and MariaDB of the ferry_databases fixture: every
// mode with rows inserted and updated while the task runs, restart from stored offsets, and the
// schema of the records (struct named after the table, nullability from the catalog).
#include "connectors/jdbc/jdbc_source_task.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <numeric>
#include <string>

#include <gtest/gtest.h>

#include "connectors/jdbc/dialect.h"
#include "connectors/jdbc/jdbc_source_connector.h"
#include "connectors/jdbc/test_databases.h"
#include "ferry/sdk/errors.h"

namespace ferry::connectors::jdbc {
namespace {

using namespace std::chrono_literals;
using testing::TestDatabase;

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

class JdbcSourceTaskTest : public ::testing::TestWithParam<DatabaseKind> {
 protected:
  void SetUp() override {
    database_ = testing::test_database(GetParam());
    admin_ = testing::connect_to(database_);
    table_ = testing::unique_table("source");
  }
  void TearDown() override {
    if (admin_) admin_->execute("DROP TABLE IF EXISTS " + table_);
  }
  bool postgres() const { return GetParam() == DatabaseKind::kPostgres; }
  std::string schema_name() const { return postgres() ? "public" : "ferry"; }

  std::unique_ptr<JdbcSourceTask> start_task(sdk::ConfigMap extra) {
    auto task = std::make_unique<JdbcSourceTask>();
    task->initialize(context_);
    sdk::ConfigMap props = {
        {"connection.url", database_.url},
        {"topic.prefix", "db-"},
        {"poll.interval.ms", "50"},
        {JdbcSourceConnector::kTablesConfig, encode_tables({{schema_name(), table_}})}};
    for (auto& [key, value] : extra) props[key] = value;
    task->start(props);
    return task;
  }

  // Polls until count records came (or 20 s passed); remembers their offsets as the worker would.
  std::vector<sdk::SourceRecord> poll(JdbcSourceTask& task, std::size_t count) {
    std::vector<sdk::SourceRecord> records;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (records.size() < count && std::chrono::steady_clock::now() < deadline) {
      for (auto& record : task.poll()) {
        store(record.source_partition, record.source_offset);
        records.push_back(std::move(record));
      }
    }
    return records;
  }
  // Whatever arrives within a short while (to show that nothing more comes).
  std::vector<sdk::SourceRecord> poll_briefly(JdbcSourceTask& task) {
    std::vector<sdk::SourceRecord> records;
    const auto deadline = std::chrono::steady_clock::now() + 300ms;
    while (std::chrono::steady_clock::now() < deadline) {
      for (auto& record : task.poll()) records.push_back(std::move(record));
    }
    return records;
  }
  void store(const sdk::SourceMap& partition, const sdk::SourceMap& offset) {
    for (auto& [stored_partition, stored_offset] : stored_) {
      if (stored_partition == partition) {
        stored_offset = offset;
        return;
      }
    }
    stored_.emplace_back(partition, offset);
  }
  void restart_context_with_stored_offsets() { context_.reader.offsets = stored_; }

  static std::vector<std::string> names(const std::vector<sdk::SourceRecord>& records) {
    std::vector<std::string> result;
    for (const auto& record : records)
      result.push_back(record.value.as<sdk::Struct>().get("name").as<std::string>());
    return result;
  }

  std::string auto_id() const {
    return postgres() ? "id SERIAL PRIMARY KEY" : "id INT AUTO_INCREMENT PRIMARY KEY";
  }
  std::string timestamp_type() const { return postgres() ? "TIMESTAMP(3)" : "DATETIME(3)"; }
  // A FROM clause of the numbers 1..count as column i.
  std::string numbers(int count) const {
    return postgres()
               ? " FROM generate_series(1, " + std::to_string(count) + ") AS i"
               : " FROM (SELECT seq AS i FROM seq_1_to_" + std::to_string(count) + ") AS numbers";
  }

  TestDatabase database_;
  std::unique_ptr<Connection> admin_;
  std::string table_;
  FakeSourceTaskContext context_;
  std::vector<std::pair<sdk::SourceMap, sdk::SourceMap>> stored_;
};

// catalog.pattern: on MySQL the databases whose tables are read (instead of the URL's); on
// PostgreSQL the current database matches or nothing does.
TEST_P(JdbcSourceTaskTest, CatalogPatternChoosesTheDatabasesTablesAreListedFrom) {
  admin_->execute("CREATE TABLE " + table_ + " (id INT PRIMARY KEY)");
  const std::string other = "ferry_other_" + table_;
  if (!postgres()) {
    admin_->execute("CREATE DATABASE IF NOT EXISTS " + other);
    admin_->execute("CREATE TABLE " + other + "." + table_ + "_far (id INT PRIMARY KEY)");
  }
  const auto tables_listed = [&](const std::string& pattern) {
    JdbcSourceConnector connector;
    connector.start({{"connection.url", database_.url},
                     {"mode", "bulk"},
                     {"topic.prefix", "db-"},
                     {"table.whitelist", table_ + "," + table_ + "_far"},
                     {"catalog.pattern", pattern}});
    std::vector<TableId> tables;
    for (const auto& config : connector.task_configs(1)) {
      for (const TableId& table : decode_tables(config.at(JdbcSourceConnector::kTablesConfig)))
        tables.push_back(table);
    }
    connector.stop();
    return tables;
  };
  if (postgres()) {
    const std::string database = admin_->query("SELECT current_database()", 1).at(0).at(0).value();
    EXPECT_EQ(tables_listed(database), (std::vector<TableId>{{"public", table_}}));
    EXPECT_TRUE(tables_listed("no_such_database%").empty());
  } else {
    EXPECT_EQ(tables_listed("ferry_other_%"), (std::vector<TableId>{{other, table_ + "_far"}}));
    EXPECT_EQ(tables_listed("ferry"), (std::vector<TableId>{{"ferry", table_}}));
    admin_->execute("DROP DATABASE " + other);
  }
}

TEST_P(JdbcSourceTaskTest, IncrementingModeReadsNewRowsAndResumesFromStoredOffsets) {
  admin_->execute("CREATE TABLE " + table_ + " (" + auto_id() +
                  ", name VARCHAR(45) NOT NULL, note TEXT)");
  admin_->execute("INSERT INTO " + table_ + " (name) VALUES ('a'), ('b')");
  {
    auto task = start_task({{"mode", "incrementing"}, {"batch.max.rows", "1"}});
    auto records = poll(*task, 2);
    ASSERT_EQ(names(records), (std::vector<std::string>{"a", "b"}));
    const auto& record = records[1];
    EXPECT_EQ(record.topic, "db-" + table_);
    EXPECT_EQ(record.source_partition,
              (sdk::SourceMap{{"protocol", sdk::Value("1")},
                              {"table", sdk::Value(schema_name() + "." + table_)}}));
    EXPECT_EQ(record.source_offset,
              (sdk::SourceMap{{"incrementing", sdk::Value(std::int64_t{2})}}));
    const auto& schema = *record.value_schema;
    EXPECT_EQ(schema.name(), table_);
    EXPECT_EQ(schema.field("id")->schema()->type(), sdk::Type::kInt32);
    EXPECT_FALSE(schema.field("name")->schema()->is_optional());
    EXPECT_TRUE(schema.field("note")->schema()->is_optional());

    admin_->execute("INSERT INTO " + table_ + " (name) VALUES ('c')");
    EXPECT_EQ(names(poll(*task, 1)), std::vector<std::string>{"c"});
    task->stop();
  }
  admin_->execute("INSERT INTO " + table_ + " (name) VALUES ('d')");
  restart_context_with_stored_offsets();
  auto task = start_task({{"mode", "incrementing"}});
  EXPECT_EQ(names(poll(*task, 1)), std::vector<std::string>{"d"});
  EXPECT_TRUE(poll_briefly(*task).empty());
}

// A table larger than batch.max.rows is handed out a batch per poll (PostgreSQL reads it through
// a cursor, never all at once); rows inserted while the query runs come with the next query, and
// a task restarted after any batch resumes exactly after the last stored offset.
TEST_P(JdbcSourceTaskTest, IncrementingModePagesThroughATableLargerThanABatch) {
  admin_->execute("CREATE TABLE " + table_ + " (" + auto_id() + ", name VARCHAR(45) NOT NULL)");
  const auto insert = [&](int from, int to) {
    std::string values;
    for (int i = from; i <= to; ++i) values += (i > from ? ",('" : "('") + std::to_string(i) + "')";
    admin_->execute("INSERT INTO " + table_ + " (name) VALUES " + values);
  };
  const auto ids = [](const std::vector<sdk::SourceRecord>& records) {
    std::vector<std::int64_t> result;
    for (const auto& record : records) {
      result.push_back(record.source_offset.at("incrementing").as<std::int64_t>());
      EXPECT_EQ(record.value.as<sdk::Struct>().get("name").as<std::string>(),
                std::to_string(result.back()));
    }
    return result;
  };
  const auto range = [](std::int64_t from, std::int64_t to) {
    std::vector<std::int64_t> result;
    for (std::int64_t i = from; i <= to; ++i) result.push_back(i);
    return result;
  };
  insert(1, 250);
  {
    auto task = start_task({{"mode", "incrementing"}, {"batch.max.rows", "100"}});
    auto first = task->poll();
    ASSERT_EQ(ids(first), range(1, 100));
    for (const auto& record : first) store(record.source_partition, record.source_offset);
    insert(251, 300);  // while the query is open: not in it, but in the next one
    auto second = task->poll();
    ASSERT_EQ(ids(second), range(101, 200));
    for (const auto& record : second) store(record.source_partition, record.source_offset);
    // The task goes away in the middle of the result, its offset stored at row 200.
  }
  insert(301, 320);
  restart_context_with_stored_offsets();
  auto task = start_task({{"mode", "incrementing"}, {"batch.max.rows", "100"}});
  std::vector<sdk::SourceRecord> rest;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (rest.size() < 120 && std::chrono::steady_clock::now() < deadline) {
    auto batch = task->poll();
    EXPECT_LE(batch.size(), 100u);
    for (auto& record : batch) rest.push_back(std::move(record));
  }
  EXPECT_EQ(ids(rest), range(201, 320));
  EXPECT_TRUE(poll_briefly(*task).empty());
  insert(321, 321);
  EXPECT_EQ(ids(poll(*task, 1)), range(321, 321));
}

// A query that fails in the middle of its result (while the server still answers) fails the task
// with the database's message, whether the error comes with a FETCH or with a batch read ahead.
// MySQL divides by zero into NULL, so there a function raises the error at the third row, while
// the rows before it are streaming.
TEST_P(JdbcSourceTaskTest, QueryFailingMidResultFailsTheTask) {
  admin_->execute("CREATE TABLE " + table_ + " (" + auto_id() + ", name VARCHAR(45) NOT NULL)");
  admin_->execute("INSERT INTO " + table_ + " (name) VALUES ('a'), ('b'), ('c'), ('d'), ('e')");
  std::string failing_name = "CAST(10 / (id - 3) AS VARCHAR(10))";
  if (!postgres()) {
    failing_name = table_ + "_name(id)";
    admin_->execute(
        "CREATE FUNCTION " + table_ +
        "_name(id INT) RETURNS VARCHAR(10) DETERMINISTIC BEGIN IF id = 3 THEN SIGNAL SQLSTATE "
        "'22012' SET MESSAGE_TEXT = 'division by zero at id 3'; END IF; RETURN "
        "CONCAT(id); END");
  }
  auto task = start_task({{"mode", "incrementing"},
                          {"incrementing.column.name", "id"},
                          {"batch.max.rows", "2"},
                          {"query.retry.attempts", "3"},
                          {"query", "SELECT id, " + failing_name + " AS name FROM " + table_},
                          {JdbcSourceConnector::kTablesConfig, ""}});
  std::size_t rows = 0;
  int polls = 0;
  try {
    for (; polls < 20; ++polls) rows += task->poll().size();
    FAIL() << "no error after " << rows << " rows";
  } catch (const sdk::ConnectException& error) {
    EXPECT_NE(std::string(error.what()).find("division by zero"), std::string::npos)
        << error.what();
    EXPECT_NE(std::string(error.what()).find("failed 3 time(s) in a row: query.retry.attempts"),
              std::string::npos)
        << error.what();
  }
  EXPECT_GE(polls, 3) << "the query was run again before the task failed";
  EXPECT_LE(rows, 2u);
}

// query.retry.attempts=-1 (Confluent's default): a query that fails while the database answers
// is run again at the next poll, until it works.
TEST_P(JdbcSourceTaskTest, AFailingQueryIsRunAgainUntilItWorks) {
  admin_->execute("CREATE TABLE " + table_ + " (" + auto_id() + ", name VARCHAR(45) NOT NULL)");
  admin_->execute("INSERT INTO " + table_ + " (name) VALUES ('a'), ('b')");
  auto task = start_task({{"mode", "incrementing"},
                          {"incrementing.column.name", "id"},
                          {"query", "SELECT id, name, note FROM " + table_},
                          {JdbcSourceConnector::kTablesConfig, ""}});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(task->poll().empty());  // no column note yet
  admin_->execute("ALTER TABLE " + table_ + " ADD note VARCHAR(10)");
  EXPECT_EQ(names(poll(*task, 2)), (std::vector<std::string>{"a", "b"}));
}

// Two results open side by side on one connection, then one inside a transaction the caller
// began: each reads its own rows, and the caller's transaction is neither committed nor ended.
TEST_P(JdbcSourceTaskTest, ResultReadersShareTheConnection) {
  admin_->execute("CREATE TABLE " + table_ + " (" + auto_id() + ", name VARCHAR(45) NOT NULL)");
  admin_->execute("INSERT INTO " + table_ + " (name) VALUES ('a'), ('b'), ('c'), ('d'), ('e')");
  auto connection = testing::connect_to(database_);
  const std::string sql = "SELECT name FROM " + table_ + " WHERE id > :p0 ORDER BY id";
  const auto read_all = [](ResultReader& reader) {
    std::string text;
    while (reader.next_batch()) {
      for (std::size_t row = 0; row < reader.rows(); ++row) text += *reader.value(row, 0);
      text += '|';
    }
    return text;
  };
  {
    ResultReader first(*connection, sql, 1, {"0"}, 2);
    ASSERT_TRUE(first.next_batch());
    EXPECT_EQ(*first.value(0, 0), "a");
    ResultReader second(*connection, sql, 1, {"3"}, 2);
    EXPECT_EQ(read_all(second), "de|");
    EXPECT_TRUE(second.exhausted());
    EXPECT_EQ(read_all(first), "cd|e|");  // after "ab"
  }
  EXPECT_EQ(connection->query("SELECT COUNT(*) FROM " + table_, 1)[0][0], "5");
  connection->execute("BEGIN");
  connection->execute("INSERT INTO " + table_ + " (name) VALUES ('f')");
  {
    ResultReader reader(*connection, sql, 1, {"4"}, 10);
    EXPECT_EQ(read_all(reader), "ef|");
  }
  connection->execute("ROLLBACK");  // still the caller's transaction: 'f' goes away
  EXPECT_EQ(connection->query("SELECT COUNT(*) FROM " + table_, 1)[0][0], "5");
}

// PostgreSQL's reader sends its next FETCH before its rows are due, and MySQL's result streams
// while it is read: statements that use the connection meanwhile (execute, query, another reader)
// read those rows (MySQL: the rest of the result) for it, and a result of several FETCHes
// (10,000 rows at most each) comes whole and in order.
TEST_P(JdbcSourceTaskTest, ResultReaderKeepsItsRowsWhileTheConnectionRunsOtherStatements) {
  admin_->execute("CREATE TABLE " + table_ + " (" + auto_id() + ", name VARCHAR(45) NOT NULL)");
  admin_->execute("INSERT INTO " + table_ + " (name) SELECT CONCAT('row ', i)" + numbers(25000));
  auto connection = testing::connect_to(database_);
  const std::string sql = "SELECT id, name FROM " + table_ + " WHERE id > :p0 ORDER BY id";
  ResultReader reader(*connection, sql, 2, {"0"}, 1000);
  std::int64_t next = 1;
  int batches = 0;
  while (reader.next_batch()) {
    for (std::size_t row = 0; row < reader.rows(); ++row, ++next) {
      ASSERT_EQ(*reader.value(row, 0), std::to_string(next));
      ASSERT_EQ(*reader.value(row, 1), "row " + std::to_string(next));
    }
    switch (++batches % 4) {
      case 1:
        EXPECT_EQ(connection->query("SELECT COUNT(*) FROM " + table_, 1)[0][0], "25000");
        break;
      case 2:
        connection->execute(postgres() ? "SET application_name = 'ferry-test'"
                                       : "SET @ferry_test = 'ferry-test'");
        break;
      case 3: {
        ResultReader other(*connection, sql, 2, {"24998"}, 100);
        ASSERT_TRUE(other.next_batch());
        EXPECT_EQ(other.rows(), 2u);
        EXPECT_EQ(*other.value(1, 1), "row 25000");
        break;
      }
    }
  }
  EXPECT_EQ(next, 25001);
  EXPECT_TRUE(reader.exhausted());
  EXPECT_EQ(connection->query("SELECT COUNT(*) FROM " + table_, 1)[0][0], "25000");
}

// The resident memory of this process, in bytes.
std::size_t resident_bytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmRSS:")) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// A reader holds a batch of rows, not the whole result: reading the first 100 rows of a 50 MB
// result leaves the process's memory as it was (PostgreSQL: a cursor; MySQL: a streamed result).
TEST_P(JdbcSourceTaskTest, AReaderHoldsABatchNotTheWholeResult) {
  admin_->execute("CREATE TABLE " + table_ + " (" + auto_id() + ", body TEXT NOT NULL)");
  admin_->execute("INSERT INTO " + table_ + " (body) SELECT repeat('x', 1000)" + numbers(50000));
  auto connection = testing::connect_to(database_);
  const std::size_t before = resident_bytes();
  ResultReader reader(*connection, "SELECT id, body FROM " + table_ + " ORDER BY id", 2, {}, 100);
  ASSERT_TRUE(reader.next_batch());
  ASSERT_EQ(reader.rows(), 100u);
  EXPECT_EQ(reader.value(99, 1)->size(), 1000u);
  const std::size_t after = resident_bytes();
  EXPECT_LT(after, before + 20 * 1024 * 1024)
      << "the first batch of a 50 MB result took " << (after - before) / 1024 << " KiB";
  std::size_t rows = reader.rows();
  while (reader.next_batch()) rows += reader.rows();
  EXPECT_EQ(rows, 50000u);
}

// A reader left in the middle of a large result does not read the rest: PostgreSQL closes its
// cursor and the connection goes on; MySQL ends the connection (a streamed result can only be
// left by reading it to its end), so a task stopping in the middle of a table stops at once.
TEST_P(JdbcSourceTaskTest, AReaderLeftMidResultDoesNotReadTheRest) {
  admin_->execute("CREATE TABLE " + table_ + " (" + auto_id() + ", body TEXT NOT NULL)");
  admin_->execute("INSERT INTO " + table_ + " (body) SELECT repeat('x', 1000)" + numbers(50000));
  auto connection = testing::connect_to(database_);
  {
    ResultReader reader(*connection, "SELECT id, body FROM " + table_ + " ORDER BY id", 2, {}, 100);
    ASSERT_TRUE(reader.next_batch());
  }
  EXPECT_EQ(connection->alive(), postgres());
  EXPECT_EQ(testing::connect_to(database_)->query("SELECT COUNT(*) FROM " + table_, 1).at(0).at(0),
            "50000");
}

// The task's session killed in the middle of a large result (PostgreSQL: the cursor's transaction;
// MySQL: a result still streaming): the task reconnects and queries again from its offset, and
// every row comes once, in order.
TEST_P(JdbcSourceTaskTest, ASessionKilledMidResultReconnectsAndResumesAfterTheOffset) {
  admin_->execute("CREATE TABLE " + table_ + " (" + auto_id() + ", body TEXT NOT NULL)");
  // 20 MB: more than the socket buffers hold, so the server is still sending when it is killed.
  admin_->execute("INSERT INTO " + table_ + " (body) SELECT repeat('x', 400)" + numbers(50000));
  // The task's session alone: tests of other processes share the database.
  auto task = start_task({{"connection.url", database_.url + "&ApplicationName=" + table_},
                          {"mode", "incrementing"},
                          {"incrementing.column.name", "id"},
                          {"batch.max.rows", "100"},
                          {"connection.backoff.ms", "100"}});
  auto records = poll(*task, 100);
  ASSERT_EQ(records.size(), 100u);
  if (postgres()) {
    EXPECT_EQ(admin_
                  ->query("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                          "application_name = '" +
                              table_ + "'",
                          1)
                  .at(0)
                  .at(0),
              "1");
  } else {
    const auto sessions =
        admin_->query("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE '%" + table_ +
                          "%' AND ID <> CONNECTION_ID()",
                      1);
    ASSERT_EQ(sessions.size(), 1u) << "the task's query is not streaming";
    admin_->execute("KILL CONNECTION " + sessions.at(0).at(0).value());
  }
  for (auto& record : poll(*task, 50000 - records.size())) records.push_back(std::move(record));
  ASSERT_EQ(records.size(), 50000u);
  for (std::size_t i = 0; i < records.size(); ++i) {
    ASSERT_EQ(records[i].value.as<sdk::Struct>().get("id").as<std::int32_t>(),
              static_cast<std::int32_t>(i + 1));
  }
}

// TLS asked for in the URL against the test servers, which have none: PostgreSQL's libpq refuses
// to go on without it; a MySQL URL that requires TLS is refused before connecting; TLS turned
// off connects.
TEST_P(JdbcSourceTaskTest, TlsRequiredByTheUrlIsNeverDroppedSilently) {
  if (postgres()) {
    try {
      Connection::open(ConnectionSettings::parse(database_.url + "&sslmode=require"));
      ADD_FAILURE() << "connected without TLS although sslmode=require";
    } catch (const sdk::ConnectException& error) {
      EXPECT_NE(std::string(error.what()).find("SSL"), std::string::npos) << error.what();
    }
    EXPECT_NO_THROW(
        Connection::open(ConnectionSettings::parse(database_.url + "&sslmode=disable")));
  } else {
    EXPECT_THROW(ConnectionSettings::parse(database_.url + "&sslMode=REQUIRED"),
                 sdk::ConfigException);
    EXPECT_NO_THROW(Connection::open(ConnectionSettings::parse(database_.url + "&useSSL=false")));
  }
}

TEST_P(JdbcSourceTaskTest, TimestampIncrementingModeSeesUpdates) {
  admin_->execute("CREATE TABLE " + table_ + " (" + auto_id() +
                  ", name VARCHAR(45) NOT NULL, updated " + timestamp_type() + " NOT NULL)");
  admin_->execute("INSERT INTO " + table_ +
                  " (name, updated) VALUES ('a', '2024-01-01 00:00:00'),"
                  " ('b', '2024-01-01 00:00:00'), ('c', '2024-01-02 00:00:00.5')");
  auto task = start_task({{"mode", "timestamp+incrementing"},
                          {"incrementing.column.name", "id"},
                          {"timestamp.column.name", "updated"}});
  auto records = poll(*task, 3);
  ASSERT_EQ(names(records), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(records[2].source_offset,
            (sdk::SourceMap{{"incrementing", sdk::Value(std::int64_t{3})},
                            {"timestamp", sdk::Value(std::int64_t{1704153600500})},
                            {"timestamp_nanos", sdk::Value(std::int64_t{500000000})}}));
  admin_->execute("UPDATE " + table_ +
                  " SET name = 'a2', updated = '2024-01-03 00:00:00' WHERE id = 1");
  EXPECT_EQ(names(poll(*task, 1)), std::vector<std::string>{"a2"});
  EXPECT_TRUE(poll_briefly(*task).empty());
}

TEST_P(JdbcSourceTaskTest, TimestampModeHonoursInitialAndDelay) {
  admin_->execute("CREATE TABLE " + table_ + " (" + auto_id() +
                  ", name VARCHAR(45) NOT NULL, updated " + timestamp_type() + " NOT NULL)");
  admin_->execute("INSERT INTO " + table_ +
                  " (name, updated) VALUES ('old', '2000-01-01 00:00:00'),"
                  " ('new', '2024-01-01 00:00:00'), ('future', '2999-01-01 00:00:00')");
  auto task = start_task({{"mode", "timestamp"},
                          {"timestamp.column.name", "updated"},
                          {"timestamp.initial", "946771200000"}});  // 2000-01-02
  EXPECT_EQ(names(poll(*task, 1)), std::vector<std::string>{"new"});
  EXPECT_TRUE(poll_briefly(*task).empty()) << "rows newer than now - delay wait";
}

TEST_P(JdbcSourceTaskTest, BulkModeRereadsTheWholeTable) {
  admin_->execute("CREATE TABLE " + table_ + " (" + auto_id() + ", name VARCHAR(45) NOT NULL)");
  admin_->execute("INSERT INTO " + table_ + " (name) VALUES ('a'), ('b')");
  auto task = start_task({{"mode", "bulk"}});
  auto first = poll(*task, 2);
  EXPECT_EQ(first[0].source_partition, (sdk::SourceMap{{"table", sdk::Value(table_)}}));
  EXPECT_TRUE(first[0].source_offset.empty());
  admin_->execute("INSERT INTO " + table_ + " (name) VALUES ('c')");
  auto second = poll(*task, 3);
  EXPECT_EQ(names(second), (std::vector<std::string>{"a", "b", "c"}));
}

// A table of many batches and several PostgreSQL FETCHes (about 4 MiB each, which would not be a
// whole number of 300-row batches) in bulk mode: one pass publishes every row, once.
TEST_P(JdbcSourceTaskTest, BulkModePublishesEveryRowOfABigTableOnce) {
  admin_->execute("CREATE TABLE " + table_ + " (" + auto_id() + ", body TEXT NOT NULL)");
  admin_->execute("INSERT INTO " + table_ + " (body) SELECT repeat('x', 500)" + numbers(30000));
  auto task = start_task({{"mode", "bulk"}, {"batch.max.rows", "300"}});
  const auto records = poll(*task, 30000);
  std::vector<std::int64_t> ids;
  for (const auto& record : records) {
    ids.push_back(record.value.as<sdk::Struct>().get("id").as<std::int32_t>());
  }
  std::sort(ids.begin(), ids.end());
  std::vector<std::int64_t> expected(30000);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_TRUE(ids == expected) << ids.size() << " records, "
                               << std::distance(ids.begin(), std::unique(ids.begin(), ids.end()))
                               << " distinct ids";
}

TEST_P(JdbcSourceTaskTest, CustomQueryWritesToThePrefixTopic) {
  admin_->execute("CREATE TABLE " + table_ + " (" + auto_id() + ", name VARCHAR(45) NOT NULL)");
  admin_->execute("INSERT INTO " + table_ + " (name) VALUES ('a'), ('b'), ('c')");
  auto task = start_task({{"mode", "incrementing"},
                          {"incrementing.column.name", "id"},
                          {"query", "SELECT id, UPPER(name) AS name FROM " + table_},
                          {"topic.prefix", "custom"},
                          {JdbcSourceConnector::kTablesConfig, ""}});
  auto records = poll(*task, 3);
  EXPECT_EQ(names(records), (std::vector<std::string>{"A", "B", "C"}));
  EXPECT_EQ(records[0].topic, "custom");
  EXPECT_EQ(records[0].source_partition, (sdk::SourceMap{{"query", sdk::Value("query")}}));
}

// query.masked is query under a PASSWORD key (hidden in logs and REST); both at once are refused.
TEST_P(JdbcSourceTaskTest, MaskedQueryRunsAsTheQuery) {
  admin_->execute("CREATE TABLE " + table_ + " (" + auto_id() + ", name VARCHAR(45) NOT NULL)");
  admin_->execute("INSERT INTO " + table_ + " (name) VALUES ('a'), ('b')");
  auto task = start_task({{"mode", "incrementing"},
                          {"incrementing.column.name", "id"},
                          {"query.masked", "SELECT id, UPPER(name) AS name FROM " + table_},
                          {"topic.prefix", "masked"},
                          {JdbcSourceConnector::kTablesConfig, ""}});
  const auto records = poll(*task, 2);
  EXPECT_EQ(names(records), (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(records[0].topic, "masked");
  EXPECT_THROW(JdbcSourceConnector::parse({{"connection.url", database_.url},
                                           {"mode", "bulk"},
                                           {"query", "SELECT 1"},
                                           {"query.masked", "SELECT 2"}}),
               sdk::ConfigException);
}

// A failing masked query: the database's message can quote the query (PostgreSQL's LINE excerpt,
// MySQL's "near '...'"), so neither the log nor the task's error holds any of it.
TEST_P(JdbcSourceTaskTest, AFailingMaskedQueryIsQuotedNowhere) {
  const std::string secret = "S3cr3tXyzQ";
  ::testing::internal::CaptureStderr();
  std::string failure;
  try {
    auto task = start_task({{"mode", "bulk"},
                            {"query.retry.attempts", "2"},
                            {"query.masked", "SELECT '" + secret + "' AS token FROM no_such_table"},
                            {JdbcSourceConnector::kTablesConfig, ""}});
    for (int polls = 0; polls < 20 && failure.empty(); ++polls) (void)task->poll();
  } catch (const sdk::ConnectException& error) {
    failure = error.what();
  }
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_NE(failure.find("failed 2 time(s) in a row"), std::string::npos) << failure;
  EXPECT_NE(failure.find("query.masked"), std::string::npos) << failure;
  EXPECT_EQ(failure.find(secret), std::string::npos) << failure;
  EXPECT_NE(log.find("running it again"), std::string::npos) << log;
  EXPECT_EQ(log.find(secret), std::string::npos) << log;
}

// transaction.isolation.mode sets the session's level on each database; DEFAULT leaves it.
TEST_P(JdbcSourceTaskTest, TransactionIsolationModeSetsTheSessionLevel) {
  const Dialect dialect(GetParam(), true);
  const std::string show = postgres() ? "SHOW transaction_isolation" : "SELECT @@tx_isolation";
  const std::string before = admin_->query(show, 1).at(0).at(0).value();
  EXPECT_EQ(dialect.isolation_sql("DEFAULT"), "");
  admin_->execute(dialect.isolation_sql("SERIALIZABLE"));
  EXPECT_EQ(admin_->query(show, 1).at(0).at(0).value(),
            postgres() ? "serializable" : "SERIALIZABLE");
  admin_->execute(dialect.isolation_sql("READ_COMMITTED"));
  EXPECT_EQ(admin_->query(show, 1).at(0).at(0).value(),
            postgres() ? "read committed" : "READ-COMMITTED");
  EXPECT_NE(before, "");
  // A task with the option starts and reads.
  admin_->execute("CREATE TABLE " + table_ + " (" + auto_id() + ", name VARCHAR(45) NOT NULL)");
  admin_->execute("INSERT INTO " + table_ + " (name) VALUES ('a')");
  auto task = start_task({{"mode", "incrementing"},
                          {"incrementing.column.name", "id"},
                          {"transaction.isolation.mode", "REPEATABLE_READ"}});
  EXPECT_EQ(names(poll(*task, 1)), (std::vector<std::string>{"a"}));
  EXPECT_THROW(JdbcSourceConnector::parse({{"connection.url", database_.url},
                                           {"mode", "bulk"},
                                           {"transaction.isolation.mode", "SQL_SERVER_SNAPSHOT"}}),
               sdk::ConfigException);
}

TEST_P(JdbcSourceTaskTest, TimestampGranularityShapesTimestampColumns) {
  admin_->execute("CREATE TABLE " + table_ + " (id INT PRIMARY KEY, at " +
                  (postgres() ? "TIMESTAMP(6)" : "DATETIME(6)") + " NOT NULL)");
  admin_->execute("INSERT INTO " + table_ + " VALUES (1, '2024-02-29 23:59:59.123456')");
  auto task = start_task({{"mode", "bulk"}, {"timestamp.granularity", "micros_long"}});
  const auto records = poll(*task, 1);
  ASSERT_EQ(records.size(), 1u);
  const auto& value = records[0].value.as<sdk::Struct>();
  EXPECT_EQ(value.schema()->field("at")->schema()->type(), sdk::Type::kInt64);
  EXPECT_EQ(value.get("at").as<std::int64_t>(), 1709251199123456);
}

TEST_P(JdbcSourceTaskTest, NullableIncrementingColumnIsRefused) {
  admin_->execute("CREATE TABLE " + table_ + " (id INT, name VARCHAR(45))");
  try {
    start_task({{"mode", "incrementing"}, {"incrementing.column.name", "id"}});
    FAIL() << "started";
  } catch (const sdk::ConnectException& error) {
    EXPECT_NE(std::string(error.what()).find("nullable"), std::string::npos) << error.what();
  }
}

// db.timezone: a column without a time zone holds the zone's wall-clock times. Its values are
// read as the instants they name there, and the timestamp mode's bounds are compared in the
// zone: a row stamped a minute before the database's "now" in Tokyo is read at once (with UTC
// bounds it would wait nine hours), and a restart from the stored offset repeats nothing.
TEST_P(JdbcSourceTaskTest, DbTimezoneReadsAndBoundsWallClockColumnsInTheZone) {
  admin_->execute("CREATE TABLE " + table_ + " (id INT PRIMARY KEY, name VARCHAR(45), at " +
                  timestamp_type() + " NOT NULL)");
  const std::string tokyo_now_minus = postgres() ? "(now() AT TIME ZONE 'Asia/Tokyo') - interval "
                                                 : "UTC_TIMESTAMP(3) + INTERVAL 9 HOUR - INTERVAL ";
  const auto seconds_ago = [&](int seconds) {
    return tokyo_now_minus + (postgres() ? "'" + std::to_string(seconds) + " seconds'"
                                         : std::to_string(seconds) + " SECOND");
  };
  admin_->execute("INSERT INTO " + table_ + " VALUES (1, 'summer', '2024-07-01 12:00:00.250')");
  admin_->execute("INSERT INTO " + table_ + " VALUES (2, 'recent', " + seconds_ago(60) + ")");
  const sdk::ConfigMap config = {
      {"mode", "timestamp"}, {"timestamp.column.name", "at"}, {"db.timezone", "Asia/Tokyo"}};
  auto task = start_task(config);
  const auto records = poll(*task, 2);
  ASSERT_EQ(names(records), (std::vector<std::string>{"summer", "recent"}));
  // 12:00:00.250 in Tokyo (+09:00, no summer time) is 03:00:00.250 UTC.
  EXPECT_EQ(records[0].value.as<sdk::Struct>().get("at"),
            sdk::Value(sdk::Timestamp{1719802800250}));
  EXPECT_EQ(records[0].source_offset.at("timestamp"), sdk::Value(std::int64_t{1719802800250}));
  const std::int64_t recent =
      records[1].value.as<sdk::Struct>().get("at").as<sdk::Timestamp>().millis_since_epoch;
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  EXPECT_NEAR(static_cast<double>(recent), static_cast<double>(now - 60'000), 30'000.0);
  task->stop();

  restart_context_with_stored_offsets();
  auto restarted = start_task(config);
  EXPECT_TRUE(poll_briefly(*restarted).empty());
  admin_->execute("INSERT INTO " + table_ + " VALUES (3, 'later', " + seconds_ago(2) + ")");
  EXPECT_EQ(names(poll(*restarted, 1)), (std::vector<std::string>{"later"}));
}

TEST_P(JdbcSourceTaskTest, UnknownDbTimezoneIsAConfigError) {
  admin_->execute("CREATE TABLE " + table_ + " (id INT PRIMARY KEY, name VARCHAR(45))");
  try {
    start_task({{"mode", "bulk"}, {"db.timezone", "Mars/Olympus"}});
    FAIL() << "started";
  } catch (const sdk::ConfigException& error) {
    EXPECT_NE(
        std::string(error.what()).find("Invalid value Mars/Olympus for configuration db.timezone"),
        std::string::npos)
        << error.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Databases, JdbcSourceTaskTest,
                         ::testing::Values(DatabaseKind::kPostgres, DatabaseKind::kMysql),
                         [](const auto& info) {
                           return info.param == DatabaseKind::kPostgres ? "Postgres" : "MariaDB";
                         });

}  // namespace
}  // namespace ferry::connectors::jdbc
