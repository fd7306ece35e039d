// JdbcSourceTask against the real PostgreSQL and MariaDB of the ferry_databases fixture: every
// mode with rows inserted and updated while the task runs, restart from stored offsets, and the
// schema of the records (struct named after the table, nullability from the catalog).
#include "connectors/jdbc/jdbc_source_task.h"

#include <chrono>

#include <gtest/gtest.h>

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

  TestDatabase database_;
  std::unique_ptr<Connection> admin_;
  std::string table_;
  FakeSourceTaskContext context_;
  std::vector<std::pair<sdk::SourceMap, sdk::SourceMap>> stored_;
};

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

TEST_P(JdbcSourceTaskTest, NullableIncrementingColumnIsRefused) {
  admin_->execute("CREATE TABLE " + table_ + " (id INT, name VARCHAR(45))");
  try {
    start_task({{"mode", "incrementing"}, {"incrementing.column.name", "id"}});
    FAIL() << "started";
  } catch (const sdk::ConnectException& error) {
    EXPECT_NE(std::string(error.what()).find("nullable"), std::string::npos) << error.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Databases, JdbcSourceTaskTest,
                         ::testing::Values(DatabaseKind::kPostgres, DatabaseKind::kMysql),
                         [](const auto& info) {
                           return info.param == DatabaseKind::kPostgres ? "Postgres" : "MariaDB";
                         });

}  // namespace
}  // namespace ferry::connectors::jdbc
