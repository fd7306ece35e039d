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
  sdk::ErrantRecordReporter* errant_record_reporter() override { return reporter; }
  std::chrono::milliseconds last_timeout{-1};
  sdk::SinkOffsets requested_offsets;
  sdk::ErrantRecordReporter* reporter = nullptr;

 private:
  sdk::ConfigMap configs_;
};

// The worker's reporter with errors.tolerance=all: what it was given, in order.
class RecordingReporter : public sdk::ErrantRecordReporter {
 public:
  void report(const sdk::SinkRecord& record, const std::exception& error) override {
    reported.emplace_back(record.kafka_offset, error.what());
  }
  std::vector<std::pair<std::int64_t, std::string>> reported;
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

// Values that break naive COPY text or SQL quoting: COPY's separators and escapes, its NULL and
// end-of-data markers, quotes, non-ASCII text.
const std::vector<std::string>& hostile_texts() {
  static const std::vector<std::string> texts = {"tab\there",
                                                 "new\nline",
                                                 "carriage\rreturn",
                                                 "back\\slash",
                                                 "\\N",
                                                 "\\.",
                                                 "\\\\N",
                                                 "ends in \\",
                                                 "'single' \"double\"",
                                                 "",
                                                 "ünï ßé",
                                                 "a\\tb\\nc",
                                                 "\\x41",
                                                 ";\n\\.\n",
                                                 "trailing\t"};
  return texts;
}

sdk::SinkRecord hostile_row(const std::string& topic, std::int64_t id, std::int64_t offset,
                            int version) {
  static const auto schema = sdk::SchemaBuilder::struct_()
                                 .name("hostile")
                                 .field("id", sdk::Schema::int64())
                                 .field("body", sdk::Schema::optional_string())
                                 .field("raw", sdk::Schema::optional_bytes())
                                 .field("flag", sdk::Schema::boolean())
                                 .field("ratio", sdk::Schema::float64())
                                 .field("price", sdk::logical::decimal(2).build())
                                 .field("stamp", sdk::logical::timestamp().optional().build())
                                 .field("version", sdk::Schema::int32())
                                 .build();
  const auto& texts = hostile_texts();
  sdk::Struct value(schema);
  value.put("id", id)
      .put("flag", (id + version) % 2 == 0)
      .put("ratio", static_cast<double>(id) / 8 + version)
      .put("price", sdk::Decimal::from_unscaled(id * 101 - 5000 + version, 2))
      .put("version", static_cast<std::int32_t>(version));
  if (id % 7 != 3) {
    value.put("body", texts[static_cast<std::size_t>(id + version) % texts.size()] + " #" +
                          std::to_string(id));
  }
  if (id % 5 != 1) {
    value.put("raw", sdk::Bytes{0x00, 0x5c, 0x09, 0x0a, 0x0d, 0x4e, static_cast<std::uint8_t>(id),
                                static_cast<std::uint8_t>(version)});
  }
  if (id % 3 != 2) value.put("stamp", sdk::Timestamp{1709251199999 + id * 1001 + version});
  sdk::SinkRecord record;
  record.topic = topic;
  record.kafka_offset = offset;
  record.value_schema = schema;
  record.value = std::move(value);
  return record;
}

// Batches of 100 rows and more go through COPY on PostgreSQL: the same puts written in batches
// of 10 (multi-row INSERTs) and of 150 or 1000 give the same table, value for value, whatever
// the text holds; an upsert keeps a key's last row, within a batch and across batches of a put.
TEST_P(JdbcSinkTaskTest, LargeBatchesWriteHostileValuesExactlyAsSmallOnesDo) {
  const auto puts = [&](const std::string& topic) {
    std::vector<std::vector<sdk::SinkRecord>> result(2);
    // Batches of 150: ids 0-149, then 150-199 and 0-99 again (updated by the second batch).
    for (std::int64_t i = 0; i < 300; ++i) result[0].push_back(hostile_row(topic, i % 200, i, 1));
    // One batch in which every key comes two or three times: the last one wins.
    for (std::int64_t i = 0; i < 300; ++i)
      result[1].push_back(hostile_row(topic, i % 120, 300 + i, 2 + static_cast<int>(i / 120)));
    return result;
  };
  const sdk::ConfigMap upsert = {{"auto.create", "true"},
                                 {"insert.mode", "upsert"},
                                 {"pk.mode", "record_value"},
                                 {"pk.fields", "id"}};
  const auto write = [&](const std::string& topic, const std::string& batch_size) {
    sdk::ConfigMap props = upsert;
    props["batch.size"] = batch_size;
    props["topics"] = topic;
    auto task = start_task(props);
    auto all = puts(topic);
    task->put(all[0]);
    if (postgres()) {
      // The staging table exists while the task's session lives (visible in the catalog).
      EXPECT_GE(admin_
                    ->query("SELECT count(*) FROM pg_class WHERE relname LIKE 'ferry_copy_%' "
                            "AND relpersistence = 't'",
                            1)
                    .at(0)
                    .at(0)
                    .value_or("0"),
                "1");
    }
    task->put(all[1]);
  };
  write(table_, "150");
  write(table_ + "_copy", "10");
  // The second put also runs with batch.size 1000 in the first table: one batch, keys repeated.
  {
    sdk::ConfigMap props = upsert;
    props["batch.size"] = "1000";
    auto task = start_task(props);
    task->put(puts(table_)[1]);
    task->flush({});
  }
  const std::string all = "id, body, " +
                          std::string(postgres() ? "encode(raw, 'hex')" : "HEX(raw)") +
                          ", flag, ratio, price, stamp, version";
  const auto written = rows(table_, all, 8);
  ASSERT_EQ(written.size(), 200u);
  if (postgres()) {
    // Each batch wrote its rows in its one subtransaction (savepoint): a row the database
    // refused would have sent the batch to the one-row-at-a-time fallback, a subtransaction a row.
    EXPECT_EQ(rows("(SELECT DISTINCT xmin::text FROM " + table_ + ") AS x", "count(*)", 1),
              (std::vector<std::string>{"3"}));
  }
  EXPECT_EQ(rows(table_ + "_copy", all, 8), written);
  // Keys 0-119 hold the second put's last row of each, 120-199 the first put's.
  // Keys 0-59 come three times in the second put, 60-119 twice.
  const auto versions = rows(table_, "id, version", 2);
  EXPECT_EQ(versions.at(0), "0|4");
  EXPECT_EQ(versions.at(59), "59|4");
  EXPECT_EQ(versions.at(60), "60|3");
  EXPECT_EQ(versions.at(119), "119|3");
  EXPECT_EQ(versions.at(150), "150|1");
  // Each hostile text arrived byte for byte, and NULLs stayed NULL.
  for (std::int64_t id = 0; id < 200; ++id) {
    const sdk::SinkRecord expected = hostile_row(table_, id, 0, id < 60 ? 4 : id < 120 ? 3 : 1);
    const sdk::Value body = expected.value.as<sdk::Struct>().get("body");
    const auto found = admin_->query(
        body.is_null() ? "SELECT count(*) FROM " + table_ + " WHERE id = :p0 AND body IS NULL"
                       : "SELECT count(*) FROM " + table_ + " WHERE id = :p0 AND body = :p1",
        1,
        body.is_null()
            ? std::vector<std::optional<std::string>>{std::to_string(id)}
            : std::vector<std::optional<std::string>>{std::to_string(id), body.as<std::string>()});
    EXPECT_EQ(found.at(0).at(0).value_or(""), "1") << "id " << id;
  }
  EXPECT_EQ(
      rows(table_, "id, " + std::string(postgres() ? "encode(raw, 'hex')" : "LOWER(HEX(raw))"), 2)
          .at(150),
      "150|005c090a0d4e9601");
}

// A bad record among hundreds: the COPY batch (a value too long fails the COPY; a CHECK
// violation fails the INSERT from the staging table) falls back to one row at a time and names
// the record; the offsets of an exactly-once put commit with its rows or not at all.
TEST_P(JdbcSinkTaskTest, BadRecordInACopySizedBatchIsNamedExactly) {
  admin_->execute("CREATE TABLE " + table_ +
                  " (id INT PRIMARY KEY, name VARCHAR(8) NOT NULL, age INT CHECK (age >= 0))");
  const auto batch = [&](std::int64_t first, std::int64_t bad_long, std::int64_t bad_check) {
    std::vector<sdk::SinkRecord> records;
    for (std::int64_t offset = first; offset < first + 250; ++offset) {
      const auto id = static_cast<std::int32_t>(offset);
      records.push_back(person(table_, id,
                               offset == bad_long ? "much too long" : "p\t\\" + std::to_string(id),
                               offset == bad_check ? -1 : 20, offset));
    }
    return records;
  };
  const sdk::ConfigMap exactly_once = {{"name", "eos-" + table_},
                                       {"exactly.once.enabled", "true"},
                                       {"exactly.once.offsets.table", table_ + "_offsets"}};
  {
    auto task = start_task(exactly_once);
    task->put(batch(0, -1, -1));
    task->flush({});
  }
  for (const auto& [bad_long, bad_check, named] :
       {std::tuple{377, -1, "@377"}, std::tuple{-1, 412, "@412"}}) {
    // A task whose put failed has failed: each case has its own.
    auto task = start_task(exactly_once);
    try {
      // The outcome of a put of 100 records or more is read at the next put or flush.
      task->put(batch(250, bad_long, bad_check));
      task->flush({});
      FAIL() << "accepted " << named;
    } catch (const sdk::RetriableException& error) {
      FAIL() << "retried a bad record: " << error.what();
    } catch (const sdk::ConnectException& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find("record " + table_ + "-0" + named + ","), std::string::npos)
          << message;
      EXPECT_NE(message.find("table " + std::string(postgres() ? "public." : "ferry.") + table_),
                std::string::npos)
          << message;
      if (bad_long >= 0) {
        EXPECT_NE(message.find("column name"), std::string::npos) << message;
      }
    }
    EXPECT_EQ(rows(table_, "count(*)", 1), (std::vector<std::string>{"250"}));
    EXPECT_EQ(rows(table_ + "_offsets", "next_offset", 1), (std::vector<std::string>{"250"}));
  }

  auto tolerant = start_task({{"errors.tolerance", "all"}});
  ::testing::internal::CaptureStderr();
  tolerant->put(batch(250, 377, 412));
  tolerant->flush({});
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(rows(table_, "count(*)", 1), (std::vector<std::string>{"498"}));
  EXPECT_TRUE(rows(table_ + " WHERE id IN (377, 412)", "id", 1).empty());
  EXPECT_EQ(rows(table_ + " WHERE id = 499", "id, name, age", 3),
            (std::vector<std::string>{"499|p\t\\499|20"}));
  EXPECT_NE(log.find("skipping record " + table_ + "-0@377"), std::string::npos) << log;
  EXPECT_NE(log.find("column name (13 characters, the column holds 8)"), std::string::npos) << log;
  EXPECT_NE(log.find("skipping record " + table_ + "-0@412"), std::string::npos) << log;
}

// The staging table lives as long as the task's session: after the session is lost (the put
// fails and is retried), the next session makes it again, and COPY goes on.
TEST_P(JdbcSinkTaskTest, StagingTableIsMadeAgainAfterTheSessionIsLost) {
  if (!postgres()) GTEST_SKIP() << "MySQL has no staging table";
  auto task = start_task({{"connection.url", database_.url + "&ApplicationName=" + table_},
                          {"auto.create", "true"},
                          {"insert.mode", "upsert"},
                          {"pk.mode", "record_value"},
                          {"pk.fields", "id"}});
  std::vector<sdk::SinkRecord> first;
  std::vector<sdk::SinkRecord> second;
  for (std::int32_t id = 0; id < 300; ++id)
    (id < 150 ? first : second).push_back(person(table_, id, "p" + std::to_string(id), 20, id));
  task->put(first);
  task->flush({});
  // The task's session alone (tests of other processes share the database).
  const std::string others = " FROM pg_stat_activity WHERE application_name = '" + table_ + "'";
  EXPECT_EQ(admin_->query("SELECT count(pg_terminate_backend(pid))" + others, 1).at(0).at(0), "1");
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (admin_->query("SELECT count(*)" + others, 1).at(0).at(0) != "0" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_THROW(task->put(second), sdk::RetriableException);
  task->put(second);
  task->flush({});
  EXPECT_EQ(rows(table_, "count(*)", 1), (std::vector<std::string>{"300"}));
  // One subtransaction a batch: both went through COPY, not the row-at-a-time fallback.
  EXPECT_EQ(rows("(SELECT DISTINCT xmin::text FROM " + table_ + ") AS x", "count(*)", 1),
            (std::vector<std::string>{"2"}));
}

sdk::SinkRecord on_partition(sdk::SinkRecord record, std::int32_t partition) {
  record.kafka_partition = partition;
  return record;
}

// A put of one batch of 100 records or more sends its transaction and returns; the next put,
// flush or pre_commit reads its outcome. A bad record in it is found then, exactly as in a put that
// waits: the transaction is written again batch by batch, a failed batch row by row, and the record
// is named (errors.tolerance=none: the task fails, and pre_commit never reports its offset) or
// reported and skipped (all: the worker's reporter, for the dead letter queue).
TEST_P(JdbcSinkTaskTest, BadRecordInASentTransactionIsFoundAtTheNextPutAndNamed) {
  admin_->execute("CREATE TABLE " + table_ +
                  " (id INT PRIMARY KEY, name VARCHAR(8) NOT NULL, age INT)");
  const auto put = [&](std::int64_t first, std::int64_t bad) {
    std::vector<sdk::SinkRecord> records;
    for (std::int64_t offset = first; offset < first + 200; ++offset) {
      records.push_back(person(table_, static_cast<std::int32_t>(offset),
                               offset == bad ? "much too long" : "p" + std::to_string(offset), 20,
                               offset));
    }
    return records;
  };
  const sdk::TopicPartitionId partition{table_, 0};
  {
    auto task = start_task({});
    task->put(put(0, -1));
    task->put(put(200, 250));  // sent: the put does not see the bad row
    try {
      task->put(put(400, -1));
      FAIL() << "the bad record of the sent transaction went unnoticed";
    } catch (const sdk::ConnectException& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find("record " + table_ + "-0@250,"), std::string::npos) << message;
      EXPECT_NE(message.find("column name"), std::string::npos) << message;
    }
    EXPECT_EQ(rows(table_, "count(*)", 1), (std::vector<std::string>{"200"}));
    // The failed transaction's records are not committed, nor anything after them.
    EXPECT_EQ(task->pre_commit({{partition, 600}}), (sdk::SinkOffsets{{partition, 200}}));
    EXPECT_THROW(task->put(put(400, -1)), sdk::ConnectException) << "the task has failed";
    EXPECT_THROW(task->flush({}), sdk::ConnectException);
    admin_->execute("DELETE FROM " + table_);
  }
  RecordingReporter reporter;
  context_.reporter = &reporter;
  auto tolerant = start_task({{"errors.tolerance", "all"}});
  tolerant->put(put(0, -1));
  tolerant->put(put(200, 250));
  tolerant->put(put(400, 420));
  EXPECT_EQ(tolerant->pre_commit({{partition, 600}}), (sdk::SinkOffsets{{partition, 600}}));
  context_.reporter = nullptr;
  EXPECT_EQ(rows(table_, "count(*)", 1), (std::vector<std::string>{"598"}));
  ASSERT_EQ(reporter.reported.size(), 2u);
  EXPECT_EQ(reporter.reported[0].first, 250);
  EXPECT_EQ(reporter.reported[1].first, 420);
  EXPECT_NE(reporter.reported[0].second.find("record " + table_ + "-0@250, table "),
            std::string::npos)
      << reporter.reported[0].second;
}

// The session lost while the sent transaction waits (here for a lock): nothing of it committed,
// and it is written again once the database answers; put() did not wait for it. With
// exactly.once.enabled a task started after such a loss is rewound to the last committed offset.
TEST_P(JdbcSinkTaskTest, SentTransactionLostWithTheSessionIsWrittenAgainExactlyOnce) {
  if (!postgres()) GTEST_SKIP() << "the session is ended through PostgreSQL's application_name";
  const sdk::ConfigMap exactly_once = {
      {"connection.url", database_.url + "&ApplicationName=" + table_},
      {"name", "eos-" + table_},
      {"auto.create", "true"},
      {"exactly.once.enabled", "true"},
      {"exactly.once.offsets.table", table_ + "_offsets"}};
  const auto put = [&](std::int64_t first) {
    std::vector<sdk::SinkRecord> records;
    for (std::int64_t offset = first; offset < first + 200; ++offset)
      records.push_back(person(table_, static_cast<std::int32_t>(offset), "p", 20, offset));
    return records;
  };
  const sdk::TopicPartitionId partition{table_, 0};
  const auto lose_session_while_locked = [&](JdbcSinkTask& task, std::int64_t first) {
    auto locker = testing::connect_to(database_);
    locker->execute("BEGIN");
    locker->execute("LOCK TABLE " + table_ + " IN EXCLUSIVE MODE");
    task.put(put(first));  // returns while its INSERT waits for the lock
    const std::string session = " FROM pg_stat_activity WHERE application_name = '" + table_ + "'";
    EXPECT_EQ(admin_->query("SELECT count(pg_terminate_backend(pid))" + session, 1).at(0).at(0),
              "1");
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (admin_->query("SELECT count(*)" + session, 1).at(0).at(0) != "0" &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    locker->execute("ROLLBACK");
  };
  {
    auto task = start_task(exactly_once);
    task->open({partition});
    task->put(put(0));
    task->flush({});
    lose_session_while_locked(*task, 200);
    EXPECT_EQ(rows(table_, "count(*)", 1), (std::vector<std::string>{"200"}));
    // Read, failed, written again in a new session.
    EXPECT_EQ(task->pre_commit({{partition, 400}}), (sdk::SinkOffsets{{partition, 400}}));
    EXPECT_EQ(rows(table_, "count(*), count(DISTINCT id)", 2),
              (std::vector<std::string>{"400|400"}));
    lose_session_while_locked(*task, 400);
  }  // the task dies with its transaction unread (a crash of the worker)
  EXPECT_EQ(rows(table_ + "_offsets", "next_offset", 1), (std::vector<std::string>{"400"}));
  auto restarted = start_task(exactly_once);
  restarted->open({partition});
  EXPECT_EQ(context_.requested_offsets, (sdk::SinkOffsets{{partition, 400}}));
  restarted->put(put(400));
  restarted->flush({});
  EXPECT_EQ(rows(table_, "count(*), count(DISTINCT id)", 2), (std::vector<std::string>{"600|600"}));
  EXPECT_EQ(rows(table_ + "_offsets", "next_offset", 1), (std::vector<std::string>{"600"}));
}

// PostgreSQL upserts COPY a sent batch straight into the table when no key repeats in it; a key
// the table holds (unique_violation) rolls that back, offsets too, and the batch is upserted,
// as are the next puts (no second failed COPY). The rows are the upsert's in every case.
TEST_P(JdbcSinkTaskTest, UpsertCopiesNewKeysStraightInAndUpsertsWhenAKeyIsThere) {
  if (!postgres()) GTEST_SKIP() << "PostgreSQL's COPY";
  admin_->execute("CREATE TABLE " + table_ +
                  " (id INT PRIMARY KEY, name VARCHAR(8) NOT NULL, age INT)");
  RecordingReporter reporter;
  context_.reporter = &reporter;
  auto task = start_task({{"insert.mode", "upsert"},
                          {"pk.mode", "record_value"},
                          {"pk.fields", "id"},
                          {"errors.tolerance", "all"},
                          {"name", "eos-" + table_},
                          {"exactly.once.enabled", "true"},
                          {"exactly.once.offsets.table", table_ + "_offsets"}});
  const sdk::TopicPartitionId partition{table_, 0};
  task->open({partition});
  std::int64_t offset = 0;
  // 200 records with ids first.. (each id + step), name "<tag><id>", age; one id may repeat.
  const auto put = [&](std::int32_t first, std::int32_t step, const std::string& tag,
                       std::optional<std::int32_t> repeated = std::nullopt) {
    std::vector<sdk::SinkRecord> records;
    for (std::int32_t i = 0; i < 200; ++i) {
      const std::int32_t id = repeated && i == 199 ? *repeated : first + i * step;
      records.push_back(person(table_, id, tag + std::to_string(id), i, offset++));
    }
    task->put(std::move(records));
  };
  ::testing::internal::CaptureStderr();
  put(0, 1, "a");           // new keys: COPYed
  put(200, 1, "b");         // new keys: COPYed
  put(300, 1, "c");         // 300..399 are there: the COPY fails, the batch is upserted
  put(0, 2, "d");           // updates, upserted (paused)
  put(1000, 1, "e", 1000);  // 1000 twice: upserted, its last record wins
  task->flush({});
  std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("COPY batches without a repeated key straight into the table"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("met a key it holds"), log.rfind("met a key it holds")) << log;
  EXPECT_NE(log.find("met a key it holds"), std::string::npos) << log;
  const auto row = [&](std::int32_t id) {
    return rows(table_ + " WHERE id = " + std::to_string(id), "id, name, age", 3).at(0);
  };
  EXPECT_EQ(rows(table_, "count(*)", 1), (std::vector<std::string>{"699"}));
  EXPECT_EQ(row(1), "1|a1|1");
  EXPECT_EQ(row(2), "2|d2|1");
  EXPECT_EQ(row(1000), "1000|e1000|199");
  EXPECT_EQ(row(251), "251|b251|51");
  EXPECT_EQ(row(351), "351|c351|51");
  EXPECT_EQ(row(499), "499|c499|199");
  EXPECT_EQ(row(1198), "1198|e1198|198");
  EXPECT_EQ(rows(table_ + "_offsets", "next_offset", 1), (std::vector<std::string>{"1000"}));

  // The conflict paused the COPY for 8 puts; the one with a repeated key did not count. The
  // rest of the pause upserts (no second conflict), then a batch of new keys with a bad record
  // is COPYed, fails on it (not a conflict) and is upserted row by row, the bad record reported;
  // the next batch's COPY meets keys that are there again.
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 7; ++i) put(0, 1, "f");
  std::vector<sdk::SinkRecord> records;
  const std::int64_t bad = offset + 100;
  for (std::int32_t id = 3000; id < 3200; ++id) {
    records.push_back(person(table_, id, offset == bad ? "much too long" : "h", 1, offset));
    ++offset;
  }
  task->put(std::move(records));
  put(0, 1, "g");
  EXPECT_EQ(task->pre_commit({{partition, offset}}), (sdk::SinkOffsets{{partition, offset}}));
  log = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("met a key it holds"), std::string::npos) << log;
  EXPECT_EQ(log.find("met a key it holds"), log.rfind("met a key it holds")) << log;
  context_.reporter = nullptr;
  ASSERT_EQ(reporter.reported.size(), 1u);
  EXPECT_EQ(reporter.reported[0].first, bad);
  EXPECT_EQ(row(0), "0|g0|0");
  EXPECT_EQ(row(3000), "3000|h|1");
  EXPECT_EQ(rows(table_, "count(*)", 1), (std::vector<std::string>{"898"}));
  EXPECT_EQ(rows(table_ + "_offsets", "next_offset", 1),
            (std::vector<std::string>{std::to_string(offset)}));
}

// A key another transaction inserts while the COPY runs: the COPY waits for it, fails once it
// commits, and the batch is upserted over that row, as the upsert alone would have.
TEST_P(JdbcSinkTaskTest, UpsertCopyMeetingAConcurrentWritersKeyUpsertsOverIt) {
  if (!postgres()) GTEST_SKIP() << "PostgreSQL's COPY";
  admin_->execute("CREATE TABLE " + table_ +
                  " (id INT PRIMARY KEY, name VARCHAR(8) NOT NULL, age INT)");
  auto task =
      start_task({{"insert.mode", "upsert"}, {"pk.mode", "record_value"}, {"pk.fields", "id"}});
  auto writer = testing::connect_to(database_);
  writer->execute("BEGIN");
  writer->execute("INSERT INTO " + table_ + " VALUES (150, 'writer', 0)");
  std::vector<sdk::SinkRecord> records;
  for (std::int32_t id = 0; id < 200; ++id)
    records.push_back(person(table_, id, "p" + std::to_string(id), id, id));
  task->put(std::move(records));  // sent: its COPY waits for the writer's row 150
  writer->execute("COMMIT");
  task->flush({});
  EXPECT_EQ(rows(table_, "count(*)", 1), (std::vector<std::string>{"200"}));
  EXPECT_EQ(rows(table_ + " WHERE id = 150", "name, age", 2),
            (std::vector<std::string>{"p150|150"}));
}

// Where a COPY of new keys is not what the upsert does, the upsert runs: a trigger of the user's
// sees the upsert's statements, and without a unique index on the key the upsert fails (a COPY
// would have succeeded).
TEST_P(JdbcSinkTaskTest, UpsertIsNotCopiedStraightInWhereTheTableWouldTellTheDifference) {
  if (!postgres()) GTEST_SKIP() << "PostgreSQL's COPY";
  const sdk::ConfigMap upsert = {
      {"insert.mode", "upsert"}, {"pk.mode", "record_value"}, {"pk.fields", "id"}};
  const auto records = [&] {
    std::vector<sdk::SinkRecord> records;
    for (std::int32_t id = 0; id < 200; ++id) records.push_back(person(table_, id, "p", id, id));
    return records;
  };
  admin_->execute("CREATE TABLE " + table_ + " (id INT PRIMARY KEY, name TEXT, age INT)");
  admin_->execute("CREATE TABLE " + table_ + "_copy (op TEXT)");
  admin_->execute("CREATE FUNCTION " + table_ + "_note() RETURNS trigger LANGUAGE plpgsql AS $$" +
                  " BEGIN INSERT INTO " + table_ + "_copy VALUES (TG_OP); RETURN NULL; END $$");
  admin_->execute("CREATE TRIGGER note AFTER INSERT OR UPDATE ON " + table_ +
                  " FOR EACH STATEMENT EXECUTE FUNCTION " + table_ + "_note()");
  ::testing::internal::CaptureStderr();
  {
    auto task = start_task(upsert);
    task->put(records());
    task->flush({});
  }
  std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(log.find("straight into"), std::string::npos) << log;
  EXPECT_EQ(rows(table_ + "_copy", "op", 1), (std::vector<std::string>{"INSERT", "UPDATE"}));
  EXPECT_EQ(rows(table_, "count(*)", 1), (std::vector<std::string>{"200"}));
  admin_->execute("DROP TABLE " + table_);
  admin_->execute("DROP FUNCTION " + table_ + "_note()");

  admin_->execute("CREATE TABLE " + table_ + " (id INT, name TEXT, age INT)");
  ::testing::internal::CaptureStderr();
  auto task = start_task(upsert);
  task->put(records());
  EXPECT_THROW(task->flush({}), sdk::ConnectException);
  log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(log.find("straight into"), std::string::npos) << log;
  EXPECT_EQ(rows(table_, "count(*)", 1), (std::vector<std::string>{"0"}));
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
