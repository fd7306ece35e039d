// JdbcSinkTask against the real PostgreSQL and MariaDB of the ferry_databases fixture: insert,
// upsert and update, the pk.modes, auto.create and auto.evolve, deletes, and the type round trip
// table -> records -> table compared row by row.
#include "connectors/jdbc/jdbc_sink_task.h"

#include <gtest/gtest.h>

#include "connectors/jdbc/jdbc_sink_connector.h"
#include "connectors/jdbc/jdbc_source_connector.h"
#include "connectors/jdbc/jdbc_source_task.h"
#include "connectors/jdbc/test_databases.h"
#include "ferry/sdk/errors.h"
#include "ferry/sdk/logical_types.h"
#include "ferry/sdk/schema_builder.h"

namespace ferry::connectors::jdbc {
namespace {

using namespace std::chrono_literals;

class FakeSinkTaskContext : public sdk::SinkTaskContext {
 public:
  const sdk::ConfigMap& configs() const override { return configs_; }
  void offset(const sdk::TopicPartitionId& partition, std::int64_t offset) override {
    requested_offsets[partition] = offset;
  }
  void timeout(std::chrono::milliseconds backoff) override { last_timeout = backoff; }
  std::set<sdk::TopicPartitionId> assignment() const override { return {}; }
  void pause(const std::set<sdk::TopicPartitionId>&) override {}
  void resume(const std::set<sdk::TopicPartitionId>&) override {}
  void request_commit() override {}
  std::chrono::milliseconds last_timeout{-1};
  sdk::SinkOffsets requested_offsets;

 private:
  sdk::ConfigMap configs_;
};

class FakeOffsetStorageReader : public sdk::OffsetStorageReader {
 public:
  std::optional<sdk::SourceMap> offset(const sdk::SourceMap&) const override {
    return std::nullopt;
  }
};

class FakeSourceTaskContext : public sdk::SourceTaskContext {
 public:
  const sdk::ConfigMap& configs() const override { return configs_; }
  const sdk::OffsetStorageReader& offset_storage_reader() const override { return reader_; }

 private:
  sdk::ConfigMap configs_;
  FakeOffsetStorageReader reader_;
};

sdk::SchemaPtr person_schema(bool with_email = false) {
  auto builder = sdk::SchemaBuilder::struct_()
                     .name("person")
                     .field("id", sdk::Schema::int32())
                     .field("name", sdk::Schema::string())
                     .field("age", sdk::Schema::optional_int32());
  if (with_email) builder.field("email", sdk::Schema::optional_string());
  return builder.build();
}

sdk::SinkRecord person(const std::string& topic, std::int32_t id, const std::string& name,
                       std::optional<std::int32_t> age, std::int64_t offset,
                       const std::optional<std::string>& email = std::nullopt) {
  const auto schema = person_schema(email.has_value());
  sdk::Struct value(schema);
  value.put("id", id).put("name", name);
  if (age) value.put("age", *age);
  if (email) value.put("email", *email);
  sdk::SinkRecord record;
  record.topic = topic;
  record.kafka_offset = offset;
  record.key_schema = sdk::Schema::int32();
  record.key = id;
  record.value_schema = schema;
  record.value = std::move(value);
  return record;
}

class JdbcSinkTaskTest : public ::testing::TestWithParam<DatabaseKind> {
 protected:
  void SetUp() override {
    database_ = testing::test_database(GetParam());
    admin_ = testing::connect_to(database_);
    table_ = testing::unique_table("sink");
  }
  void TearDown() override {
    if (admin_) {
      for (const auto& table : {table_, table_ + "_copy", table_ + "_offsets"})
        admin_->execute("DROP TABLE IF EXISTS " + table);
    }
  }
  bool postgres() const { return GetParam() == DatabaseKind::kPostgres; }

  std::unique_ptr<JdbcSinkTask> start_task(sdk::ConfigMap extra) {
    auto task = std::make_unique<JdbcSinkTask>();
    task->initialize(context_);
    sdk::ConfigMap props = {{"connection.url", database_.url}, {"topics", table_}};
    for (auto& [key, value] : extra) props[key] = value;
    task->start(props);
    return task;
  }

  // The table's rows, every column as text ("NULL" for null), ordered by the first column.
  std::vector<std::string> rows(const std::string& table, const std::string& columns,
                                std::size_t count) {
    std::vector<std::string> result;
    for (const TextRow& row :
         admin_->query("SELECT " + columns + " FROM " + table + " ORDER BY 1", count)) {
      std::string line;
      for (const auto& cell : row) line += (line.empty() ? "" : "|") + cell.value_or("NULL");
      result.push_back(line);
    }
    return result;
  }

  testing::TestDatabase database_;
  std::unique_ptr<Connection> admin_;
  std::string table_;
  FakeSinkTaskContext context_;
};

TEST_P(JdbcSinkTaskTest, AutoCreateInsertsRows) {
  auto task = start_task({{"auto.create", "true"}});
  task->put({person(table_, 1, "ann", 30, 0), person(table_, 2, "bob", std::nullopt, 1)});
  EXPECT_EQ(rows(table_, "id, name, age", 3), (std::vector<std::string>{"1|ann|30", "2|bob|NULL"}));
}

TEST_P(JdbcSinkTaskTest, UpsertByRecordKeyAndDeleteOnTombstone) {
  auto task = start_task({{"auto.create", "true"},
                          {"insert.mode", "upsert"},
                          {"pk.mode", "record_key"},
                          {"pk.fields", "pid"},
                          {"delete.enabled", "true"},
                          {"batch.size", "2"}});
  task->put({person(table_, 1, "ann", 30, 0), person(table_, 2, "bob", 40, 1),
             person(table_, 3, "cy", 50, 2), person(table_, 1, "ann2", 31, 3)});
  EXPECT_EQ(rows(table_, "pid, name, age", 3),
            (std::vector<std::string>{"1|ann2|31", "2|bob|40", "3|cy|50"}));
  sdk::SinkRecord tombstone;
  tombstone.topic = table_;
  tombstone.kafka_offset = 4;
  tombstone.key_schema = sdk::Schema::int32();
  tombstone.key = std::int32_t{2};
  task->put({tombstone, person(table_, 3, "cy2", 51, 5)});
  EXPECT_EQ(rows(table_, "pid, name, age", 3), (std::vector<std::string>{"1|ann2|31", "3|cy2|51"}));
}

TEST_P(JdbcSinkTaskTest, UpdateModeChangesExistingRowsOnly) {
  auto task =
      start_task({{"auto.create", "true"}, {"pk.mode", "record_value"}, {"pk.fields", "id"}});
  task->put({person(table_, 1, "ann", 30, 0)});
  auto updater =
      start_task({{"insert.mode", "update"}, {"pk.mode", "record_value"}, {"pk.fields", "id"}});
  updater->put({person(table_, 1, "ann2", 31, 1), person(table_, 9, "nobody", 1, 2)});
  EXPECT_EQ(rows(table_, "id, name, age", 3), (std::vector<std::string>{"1|ann2|31"}));
}

TEST_P(JdbcSinkTaskTest, KafkaPrimaryKeyAndAutoEvolve) {
  auto task = start_task({{"auto.create", "true"},
                          {"auto.evolve", "true"},
                          {"pk.mode", "kafka"},
                          {"insert.mode", "upsert"}});
  task->put({person(table_, 1, "ann", 30, 7)});
  task->put(
      {person(table_, 2, "bob", 40, 8, "bob@example.com"), person(table_, 2, "bob", 40, 8, "b@x")});
  EXPECT_EQ(
      rows(table_, "__connect_offset, __connect_topic, __connect_partition, name, email", 5),
      (std::vector<std::string>{"7|" + table_ + "|0|ann|NULL", "8|" + table_ + "|0|bob|b@x"}));
}

TEST_P(JdbcSinkTaskTest, MissingTableWithoutAutoCreateFailsNamingIt) {
  auto task = start_task({});
  try {
    task->put({person(table_, 1, "ann", 30, 0)});
    FAIL() << "wrote to a missing table";
  } catch (const sdk::ConnectException& error) {
    EXPECT_NE(std::string(error.what()).find(table_), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("auto.create"), std::string::npos) << error.what();
  }
}

TEST_P(JdbcSinkTaskTest, HostileTopicNamesCannotInjectSql) {
  auto task = start_task({{"auto.create", "true"}, {"table.name.format", "${topic}"}});
  sdk::SinkRecord record = person("x\"; DROP TABLE t; --", 1, "ann", 30, 0);
  EXPECT_THROW(task->put({record}), sdk::ConnectException);
}

// A record with a field of a type no column can hold (a MAP).
sdk::SinkRecord unmappable(const std::string& topic, std::int32_t id, std::int64_t offset) {
  const auto schema =
      sdk::SchemaBuilder::struct_()
          .field("id", sdk::Schema::int32())
          .field("tags", sdk::SchemaBuilder::map(sdk::Schema::string(), sdk::Schema::string())
                             .optional()
                             .build())
          .build();
  sdk::Struct value(schema);
  value.put("id", id);
  sdk::SinkRecord record;
  record.topic = topic;
  record.kafka_offset = offset;
  record.value_schema = schema;
  record.value = std::move(value);
  return record;
}

TEST_P(JdbcSinkTaskTest, BadRecordFailsThePutNamingTableColumnAndOffset) {
  admin_->execute("CREATE TABLE " + table_ +
                  " (id INT PRIMARY KEY, name VARCHAR(3) NOT NULL, age INT)");
  auto task = start_task({{"max.retries", "5"}});
  try {
    task->put({person(table_, 1, "ann", 30, 0), person(table_, 2, "much too long", 30, 1)});
    FAIL() << "accepted a value too long";
  } catch (const sdk::RetriableException& error) {
    FAIL() << "retried a bad record: " << error.what();
  } catch (const sdk::ConnectException& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(table_ + "-0@1"), std::string::npos) << message;
    EXPECT_NE(message.find("table " + std::string(postgres() ? "public." : "ferry.") + table_),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("column name"), std::string::npos) << message;
  }
  EXPECT_TRUE(rows(table_, "id", 1).empty()) << "the put is one transaction";
}

TEST_P(JdbcSinkTaskTest, BadRecordsAreSkippedAndLoggedWithErrorsToleranceAll) {
  admin_->execute("CREATE TABLE " + table_ +
                  " (id INT PRIMARY KEY, name VARCHAR(3) NOT NULL, age INT CHECK (age >= 0))");
  auto task = start_task({{"errors.tolerance", "all"}, {"batch.size", "100"}});
  ::testing::internal::CaptureStderr();
  task->put({person(table_, 1, "ann", 30, 0), person(table_, 2, "much too long", 30, 1),
             person(table_, 1, "dup", 31, 2), person(table_, 3, "neg", -1, 3),
             unmappable(table_, 4, 4), person(table_, 5, "bob", 40, 5)});
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(rows(table_, "id, name, age", 3), (std::vector<std::string>{"1|ann|30", "5|bob|40"}));
  for (const std::string offset : {"@1", "@2", "@3", "@4"}) {
    EXPECT_NE(log.find("skipping record " + table_ + "-0" + offset), std::string::npos)
        << offset << " in\n"
        << log;
  }
  EXPECT_NE(log.find("column name (13 characters, the column holds 3)"), std::string::npos) << log;
  EXPECT_NE(log.find("column tags"), std::string::npos) << log;
  EXPECT_EQ(log.find("-0@0"), std::string::npos) << log;
  EXPECT_EQ(log.find("-0@5"), std::string::npos) << log;
}

// Every common column type: a table read by the source task, its records written by the sink
// task into a second table, and both tables compared row by row as the database prints them.
TEST_P(JdbcSinkTaskTest, TypeRoundTripTableToRecordsToTable) {
  const std::string columns =
      postgres() ? "id INT PRIMARY KEY, small SMALLINT, big BIGINT, price NUMERIC(10,2), "
                   "ratio REAL, measure DOUBLE PRECISION, flag BOOLEAN, code CHAR(3), "
                   "label VARCHAR(20), body TEXT, raw BYTEA, day DATE, at_time TIME(3), "
                   "stamp TIMESTAMP(3), stamp_tz TIMESTAMPTZ(3), doc JSONB, uid UUID"
                 : "id INT PRIMARY KEY, small SMALLINT, big BIGINT, price DECIMAL(10,2), "
                   "ratio FLOAT, measure DOUBLE, flag TINYINT, code CHAR(3), label VARCHAR(20), "
                   "body TEXT, raw BLOB, day DATE, at_time TIME(3), stamp DATETIME(3), "
                   "stamp_tz TIMESTAMP(3) NULL, doc JSON, uid VARCHAR(36)";
  admin_->execute("CREATE TABLE " + table_ + " (" + columns + ")");
  const std::string flag_true = postgres() ? "true" : "1";
  admin_->execute(
      "INSERT INTO " + table_ +
      " VALUES (1, -32768, 9223372036854775807, -12345678.90, 1.5, 2.25, " + flag_true +
      ", 'abc', 'ünïcödé', 'long text', " + (postgres() ? "'\\x00ff10'" : "X'00FF10'") +
      ", '1969-07-20', '20:17:40.123', '2024-02-29 23:59:59.999', '2024-01-01 00:00:00.001', "
      "'{\"a\": 1}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')");
  admin_->execute("INSERT INTO " + table_ + " (id) VALUES (2)");

  FakeSourceTaskContext source_context;
  JdbcSourceTask source;
  source.initialize(source_context);
  const std::string schema = postgres() ? "public" : "ferry";
  source.start({{"connection.url", database_.url},
                {"mode", "bulk"},
                {"topic.prefix", ""},
                {JdbcSourceConnector::kTablesConfig, encode_tables({{schema, table_}})}});
  std::vector<sdk::SinkRecord> records;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (records.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    for (auto& source_record : source.poll()) {
      sdk::SinkRecord record;
      record.topic = source_record.topic;
      record.kafka_offset = static_cast<std::int64_t>(records.size());
      record.value_schema = source_record.value_schema;
      record.value = source_record.value;
      records.push_back(std::move(record));
    }
  }
  ASSERT_EQ(records.size(), 2u);
  source.stop();

  admin_->execute("CREATE TABLE " + table_ + "_copy (" + columns + ")");
  auto task = start_task({{"table.name.format", "${topic}_copy"}});
  task->put(records);
  const std::string all = "id, small, big, price, ratio, measure, flag, code, label, body, " +
                          std::string(postgres() ? "encode(raw, 'hex')" : "HEX(raw)") +
                          ", day, at_time, stamp, stamp_tz, doc, uid";
  const auto original = rows(table_, all, 17);
  ASSERT_EQ(original.size(), 2u);
  EXPECT_EQ(rows(table_ + "_copy", all, 17), original);
}

sdk::SinkRecord on_partition(sdk::SinkRecord record, std::int32_t partition) {
  record.kafka_partition = partition;
  return record;
}

// exactly.once.enabled: the offsets go into a table in the rows' transaction, and a task
// started later is rewound to them when its partitions are assigned.
TEST_P(JdbcSinkTaskTest, ExactlyOnceStoresOffsetsWithTheRowsAndRewindsToThem) {
  const sdk::ConfigMap exactly_once = {{"name", "eos-" + table_},
                                       {"auto.create", "true"},
                                       {"exactly.once.enabled", "true"},
                                       {"exactly.once.offsets.table", table_ + "_offsets"}};
  const std::set<sdk::TopicPartitionId> partitions = {{table_, 0}, {table_, 1}};
  {
    auto task = start_task(exactly_once);
    task->open(partitions);
    EXPECT_TRUE(context_.requested_offsets.empty()) << "nothing stored yet";
    task->put({person(table_, 1, "ann", 30, 0), person(table_, 2, "bob", 40, 1),
               on_partition(person(table_, 3, "cy", 50, 7), 1)});
    task->put({person(table_, 4, "dan", 20, 2)});
  }
  EXPECT_EQ(rows(table_ + "_offsets", "kafka_partition, topic, next_offset", 3),
            (std::vector<std::string>{"0|" + table_ + "|3", "1|" + table_ + "|8"}));
  auto restarted = start_task(exactly_once);
  restarted->open(partitions);
  EXPECT_EQ(context_.requested_offsets, (sdk::SinkOffsets{{{table_, 0}, 3}, {{table_, 1}, 8}}));

  // Another connector's offsets are its own.
  context_.requested_offsets.clear();
  sdk::ConfigMap other = exactly_once;
  other["name"] = "other-" + table_;
  start_task(other)->open(partitions);
  EXPECT_TRUE(context_.requested_offsets.empty());
}

TEST_P(JdbcSinkTaskTest, ExactlyOncePutThatFailsStoresNeitherRowsNorOffsets) {
  admin_->execute("CREATE TABLE " + table_ +
                  " (id INT PRIMARY KEY, name VARCHAR(3) NOT NULL, age INT)");
  auto task = start_task({{"name", "eos-" + table_},
                          {"exactly.once.enabled", "true"},
                          {"exactly.once.offsets.table", table_ + "_offsets"}});
  task->put({person(table_, 1, "ann", 30, 0)});
  EXPECT_THROW(task->put({person(table_, 2, "bob", 30, 1), person(table_, 3, "too long", 30, 2)}),
               sdk::ConnectException);
  EXPECT_EQ(rows(table_, "id", 1), (std::vector<std::string>{"1"}));
  EXPECT_EQ(rows(table_ + "_offsets", "next_offset", 1), (std::vector<std::string>{"1"}));
}

TEST_P(JdbcSinkTaskTest, ExactlyOnceNeedsTheConnectorsName) {
  auto task = std::make_unique<JdbcSinkTask>();
  task->initialize(context_);
  EXPECT_THROW(task->start({{"connection.url", database_.url},
                            {"topics", table_},
                            {"exactly.once.enabled", "true"},
                            {"exactly.once.offsets.table", table_ + "_offsets"}}),
               sdk::ConnectException);
}

// REST's PATCH/DELETE /connectors/{c}/offsets reach the table through alterOffsets.
TEST_P(JdbcSinkTaskTest, ExactlyOnceOffsetsAreAlteredThroughTheConnector) {
  sdk::ConfigMap config = {{"name", "eos-" + table_},
                           {"connection.url", database_.url},
                           {"topics", table_},
                           {"exactly.once.enabled", "true"},
                           {"exactly.once.offsets.table", table_ + "_offsets"}};
  JdbcSinkConnector connector;
  EXPECT_TRUE(connector.alter_offsets(config, {{{table_, 0}, 5}, {{table_, 1}, 9}}));
  EXPECT_TRUE(connector.alter_offsets(config, {{{table_, 1}, std::nullopt}, {{table_, 0}, 6}}));
  EXPECT_EQ(rows(table_ + "_offsets", "topic, kafka_partition, next_offset", 3),
            (std::vector<std::string>{table_ + "|0|6"}));
  config["exactly.once.enabled"] = "false";
  EXPECT_FALSE(connector.alter_offsets(config, {{{table_, 0}, 1}}));
  EXPECT_EQ(rows(table_ + "_offsets", "next_offset", 1), (std::vector<std::string>{"6"}));
}

// db.timezone on the sink: a Timestamp goes to a column without a time zone (PostgreSQL's
// timestamp, MySQL's DATETIME) as the zone's wall-clock time, to one with a time zone
// (timestamptz, MySQL's TIMESTAMP) as the same instant.
TEST_P(JdbcSinkTaskTest, DbTimezoneWritesWallClockColumnsInTheZone) {
  admin_->execute("CREATE TABLE " + table_ + " (id INT PRIMARY KEY, local_at " +
                  (postgres() ? "TIMESTAMP(3)" : "DATETIME(3)") + " NULL, instant_at " +
                  (postgres() ? "TIMESTAMPTZ(3)" : "TIMESTAMP(3)") + " NULL)");
  const auto schema = sdk::SchemaBuilder::struct_()
                          .name("event")
                          .field("id", sdk::Schema::int32())
                          .field("local_at", sdk::logical::timestamp().optional().build())
                          .field("instant_at", sdk::logical::timestamp().optional().build())
                          .build();
  sdk::Struct value(schema);
  const sdk::Timestamp at{1705314600123};  // 2024-01-15 10:30:00.123 UTC
  value.put("id", 1).put("local_at", at).put("instant_at", at);
  sdk::SinkRecord record;
  record.topic = table_;
  record.value_schema = schema;
  record.value = std::move(value);
  auto task = start_task({{"db.timezone", "Asia/Tokyo"}});
  task->put({record});
  // The admin session's time zone is UTC.
  const std::string columns =
      postgres() ? "id, to_char(local_at, 'YYYY-MM-DD HH24:MI:SS.MS'), "
                   "to_char(instant_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')"
                 : "id, DATE_FORMAT(local_at, '%Y-%m-%d %H:%i:%s.%f'), "
                   "DATE_FORMAT(instant_at, '%Y-%m-%d %H:%i:%s.%f')";
  const std::string fraction = postgres() ? "123" : "123000";
  EXPECT_EQ(rows(table_, columns, 3),
            (std::vector<std::string>{"1|2024-01-15 19:30:00." + fraction +
                                      "|2024-01-15 10:30:00." + fraction}));
}

INSTANTIATE_TEST_SUITE_P(Databases, JdbcSinkTaskTest,
                         ::testing::Values(DatabaseKind::kPostgres, DatabaseKind::kMysql),
                         [](const auto& info) {
                           return info.param == DatabaseKind::kPostgres ? "Postgres" : "MariaDB";
                         });

}  // namespace
}  // namespace ferry::connectors::jdbc
