#include "connectors/jdbc/jdbc_sink_task.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <soci/soci.h>

#include "connectors/jdbc/ascii_case.h"
#include "connectors/jdbc/column_mapping.h"
#include "connectors/jdbc/jdbc_config.h"
#include "connectors/jdbc/jdbc_sink_connector.h"
#include "connectors/jdbc/version.h"

namespace ferry::connectors::jdbc {
namespace {

std::string where(const sdk::SinkRecord& record) {
  return "record " + record.topic + "-" + std::to_string(record.kafka_partition) + "@" +
         std::to_string(record.kafka_offset);
}

enum class Source { kTopic, kPartition, kOffset, kWholeKey, kKeyField, kValueField };

struct Column {
  std::string name;
  sdk::SchemaPtr schema;
  Source source = Source::kValueField;
};

enum class Operation { kInsert, kUpsert, kUpdate, kDelete };

// Values bound to one statement at most: both databases take up to 65,535 parameters.
constexpr std::size_t kMaxParameters = 30000;

// PostgreSQL batches of at least this many rows go through COPY and the staging table; smaller
// ones as multi-row INSERTs. The staging table's truncation at each commit costs about as much
// as a 50-row INSERT (docs/performance.md, JDBC section), which is where COPY starts to win.
constexpr std::size_t kCopyMinRows = 100;

// Puts of at least this many records (of one batch) send their transaction and return before
// its outcome (send()): smaller ones wait, their cost is mostly the round trips anyway.
constexpr std::size_t kSendMinRows = kCopyMinRows;

// PostgreSQL upserts COPY a sent batch without repeated keys straight into the table (send());
// when a key was there already (unique_violation) the batch is upserted again, and so are the
// task's next puts, kFirstDirectPause of them, twice as many after each later conflict up to
// kMaxDirectPause: a stream of updates pays for one failed COPY in hundreds of puts.
constexpr const char* kUniqueViolation = "23505";
constexpr int kFirstDirectPause = 8;
constexpr int kMaxDirectPause = 1024;

}  // namespace

struct JdbcSinkTask::Layout {
  TableId table;
  Operation operation = Operation::kInsert;
  std::vector<Column> keys;
  std::vector<Column> values;
  // PostgreSQL inserts and upserts: the session's staging table for COPY (ensure_copy_table),
  // or empty when the batches go as multi-row INSERTs.
  std::string copy_table;
  // PostgreSQL upserts into a table where a COPY of rows with new keys does what the upsert
  // would (see direct_copy_of): the COPY straight into it, else empty.
  std::string direct_copy;

  // The columns a row binds, in parameter order (:c0, :c1, ...): the keys, then the values (a
  // DELETE binds only the keys).
  std::vector<const Column*> columns() const {
    std::vector<const Column*> columns;
    for (const Column& column : keys) columns.push_back(&column);
    if (operation != Operation::kDelete) {
      for (const Column& column : values) columns.push_back(&column);
    }
    return columns;
  }
  // The names of a group of columns (keys or values), as the dialect's statements take them.
  static std::vector<std::string> names_of(const std::vector<Column>& group) {
    std::vector<std::string> names;
    names.reserve(group.size());
    for (const Column& column : group) names.push_back(column.name);
    return names;
  }
  // Inserts or upserts the staging table's rows into the table.
  std::string from_staging_sql(const Dialect& dialect) const {
    return dialect.insert_select_sql(table, names_of(keys), names_of(values), copy_table,
                                     operation == Operation::kUpsert);
  }

  std::string signature() const {
    std::string text = table.qualified() + "|" + std::to_string(static_cast<int>(operation));
    for (const auto* columns : {&keys, &values}) {
      text += "|";
      for (const Column& column : *columns)
        text += column.name + ":" + sdk::to_string(*column.schema) + ",";
    }
    return text;
  }
};

struct JdbcSinkTask::Rows {
  std::vector<const Column*> columns;                    // Layout::columns()
  std::vector<std::vector<std::string>> values;          // by column, then row
  std::vector<std::vector<soci::indicator>> indicators;  // soci::i_null for SQL NULL
  std::size_t count = 0;                                 // rows
};

struct JdbcSinkTask::Batch {
  const Layout* layout = nullptr;
  std::vector<const sdk::SinkRecord*> records;
};

JdbcSinkTask::JdbcSinkTask() = default;
JdbcSinkTask::~JdbcSinkTask() = default;

std::string JdbcSinkTask::version() const { return kVersion; }

void JdbcSinkTask::start(const sdk::ConfigMap& props) {
  config_ = std::make_unique<sdk::ParsedConfig>(JdbcSinkConnector::parse(props));
  insert_mode_ = ascii_lower(config_->get_string("insert.mode"));
  pk_mode_ = ascii_lower(config_->get_string("pk.mode"));
  pk_fields_ = config_->get_list("pk.fields");
  for (const auto& field : config_->get_list("fields.whitelist")) fields_whitelist_.insert(field);
  for (const auto& field : config_->get_list("fields.include")) fields_whitelist_.insert(field);
  remaining_retries_ = config_->get_int("max.retries");
  direct_backoff_ = kFirstDirectPause;
  // errors.tolerance is the worker's key; the connector hands its whole configuration on.
  if (const auto found = props.find("errors.tolerance"); found != props.end())
    tolerate_errors_ = ascii_lower(found->second) == "all";
  db_time_zone_ = db_time_zone(*config_);
  connection_ = connect(*config_);
  dialect_ = std::make_unique<Dialect>(dialect_for(*config_, connection_->kind()));
  default_schema_ = dialect_->default_schema(*connection_);
  offset_store_ = SinkOffsetStore::open(*config_, props, *dialect_, *connection_);
}

void JdbcSinkTask::open(const std::set<sdk::TopicPartitionId>& partitions) {
  if (!offset_store_) return;
  collect_sent();
  ensure_connected();
  // The database's offsets were committed with the rows: they win over the consumer group's.
  for (const auto& [partition, next] : offset_store_->load(*connection_, partitions)) {
    // Records of a failed transaction are read again from there: not written twice.
    std::erase_if(
        redo_, [&topic = partition.topic, id = partition.partition](const sdk::SinkRecord& record) {
          return record.topic == topic && record.kafka_partition == id;
        });
    log("rewinding " + partition.topic + "-" + std::to_string(partition.partition) + " to " +
        std::to_string(next) + ", the offset stored with the rows in " +
        offset_store_->table().qualified());
    context().offset(partition, next);
  }
}

void JdbcSinkTask::ensure_connected() {
  if (connection_) return;
  try {
    copy_tables_.clear();  // temporary tables die with their session
    direct_copies_.clear();
    connection_ = connect(*config_);
    default_schema_ = dialect_->default_schema(*connection_);
  } catch (const sdk::ConnectException& error) {
    // The database is still away: a database error like any other, retried by put().
    connection_.reset();
    throw std::runtime_error(error.what());
  }
}

TableId JdbcSinkTask::table_for(const std::string& topic) {
  std::string name = config_->get_string("table.name.format");
  for (std::size_t at; (at = name.find("${topic}")) != std::string::npos;)
    name.replace(at, 8, topic);
  return TableId::parse(name, default_schema_);
}

JdbcSinkTask::Layout JdbcSinkTask::layout_of(const sdk::SinkRecord& record) const {
  Layout layout;
  const bool tombstone = record.value.is_null();
  if (tombstone) {
    layout.operation = Operation::kDelete;
  } else if (insert_mode_ == "upsert") {
    layout.operation = Operation::kUpsert;
  } else if (insert_mode_ == "update") {
    layout.operation = Operation::kUpdate;
  }
  std::set<std::string> key_names;
  if (pk_mode_ == "kafka") {
    const std::vector<std::string> names =
        pk_fields_.empty()
            ? std::vector<std::string>{"__connect_topic", "__connect_partition", "__connect_offset"}
            : pk_fields_;
    layout.keys = {{names[0], sdk::Schema::string(), Source::kTopic},
                   {names[1], sdk::Schema::int32(), Source::kPartition},
                   {names[2], sdk::Schema::int64(), Source::kOffset}};
  } else if (pk_mode_ == "record_key") {
    if (!record.key_schema) {
      throw sdk::DataException(where(record) +
                               ": pk.mode=record_key needs a key with a schema, and the key "
                               "has none");
    }
    if (record.key_schema->type() == sdk::Type::kStruct) {
      for (const sdk::Field& field : record.key_schema->fields()) {
        if (pk_fields_.empty() ||
            std::find(pk_fields_.begin(), pk_fields_.end(), field.name()) != pk_fields_.end()) {
          layout.keys.push_back({field.name(), field.schema(), Source::kKeyField});
        }
      }
      if (!pk_fields_.empty() && layout.keys.size() != pk_fields_.size()) {
        throw sdk::DataException(where(record) + ": the key struct lacks some of pk.fields");
      }
    } else {
      if (pk_fields_.size() != 1) {
        throw sdk::DataException(where(record) +
                                 ": need exactly one PK column defined since the key schema "
                                 "is primitive (" +
                                 std::string(sdk::type_name(record.key_schema->type())) +
                                 "), but pk.fields has " + std::to_string(pk_fields_.size()));
      }
      layout.keys.push_back({pk_fields_[0], record.key_schema, Source::kWholeKey});
    }
  }
  if (!tombstone) {
    if (!record.value_schema || record.value_schema->type() != sdk::Type::kStruct) {
      throw sdk::DataException(where(record) +
                               ": the JDBC sink needs a STRUCT value with a schema (use a "
                               "converter with schemas, e.g. JsonConverter with "
                               "schemas.enable=true)");
    }
    const bool keys_from_value = pk_mode_ == "record_value";
    for (const sdk::Field& field : record.value_schema->fields()) {
      const bool is_key =
          keys_from_value && (pk_fields_.empty() || std::find(pk_fields_.begin(), pk_fields_.end(),
                                                              field.name()) != pk_fields_.end());
      if (is_key) {
        layout.keys.push_back({field.name(), field.schema(), Source::kValueField});
        continue;
      }
      if (!fields_whitelist_.empty() && !fields_whitelist_.contains(field.name())) continue;
      layout.values.push_back({field.name(), field.schema(), Source::kValueField});
    }
    if (keys_from_value && !pk_fields_.empty() && layout.keys.size() != pk_fields_.size())
      throw sdk::DataException(where(record) + ": the value struct lacks some of pk.fields");
  } else if (layout.keys.empty()) {
    throw sdk::DataException(where(record) + ": a tombstone needs key columns to delete by");
  }
  if (layout.operation == Operation::kUpdate && layout.keys.empty()) {
    throw sdk::DataException(where(record) +
                             ": insert.mode=update needs primary key columns "
                             "(set pk.mode)");
  }
  if (layout.operation == Operation::kUpsert && layout.keys.empty()) {
    throw sdk::DataException(where(record) +
                             ": insert.mode=upsert needs primary key columns "
                             "(set pk.mode)");
  }
  for (const auto* columns : {&layout.keys, &layout.values}) {
    for (const Column& column : *columns) validate_identifier(column.name, "column name");
  }
  return layout;
}

DbTimeZone JdbcSinkTask::zone_of(const TableId& table, const std::string& column) const {
  const auto found = utc_columns_.find(table.qualified());
  if (found != utc_columns_.end() && found->second.contains(column)) return {};
  return db_time_zone_;
}

void JdbcSinkTask::ensure_table(const Layout& layout) {
  const std::vector<ColumnInfo> existing = dialect_->describe_table(*connection_, layout.table);
  std::set<std::string>& utc_columns = utc_columns_[layout.table.qualified()];
  utc_columns.clear();
  for (const ColumnInfo& column : existing) {
    if (connection_->kind() == DatabaseKind::kMysql && column.type == "timestamp")
      utc_columns.insert(column.name);
  }
  const std::string table_name = dialect_->table(layout.table);
  std::vector<const Column*> wanted;
  for (const Column& column : layout.keys) wanted.push_back(&column);
  if (layout.operation != Operation::kDelete) {
    for (const Column& column : layout.values) wanted.push_back(&column);
  }
  if (existing.empty()) {
    if (!config_->get_bool("auto.create")) {
      throw sdk::ConnectException("Table " + layout.table.qualified() +
                                  " is missing and auto-creation is disabled (auto.create)");
    }
    std::string sql = "CREATE TABLE " + table_name + " (";
    for (std::size_t i = 0; i < wanted.size(); ++i) {
      const bool key = i < layout.keys.size();
      sql += (i ? ",\n" : "\n") + dialect_->quote(wanted[i]->name) + " " +
             dialect_->column_type(*wanted[i]->schema, key) +
             (key || !wanted[i]->schema->is_optional() ? " NOT NULL" : " NULL");
    }
    if (!layout.keys.empty()) {
      sql += ",\nPRIMARY KEY(";
      for (std::size_t i = 0; i < layout.keys.size(); ++i)
        sql += (i ? "," : "") + dialect_->quote(layout.keys[i].name);
      sql += ")";
    }
    sql += ")";
    log("creating table " + layout.table.qualified() + ": " + sql);
    connection_->execute(sql);
    return;
  }
  std::vector<const Column*> missing;
  for (const Column* column : wanted) {
    const bool found = std::any_of(existing.begin(), existing.end(), [&](const ColumnInfo& info) {
      return info.name == column->name;
    });
    if (!found) missing.push_back(column);
  }
  if (missing.empty()) return;
  std::string names;
  for (const Column* column : missing) names += (names.empty() ? "" : ", ") + column->name;
  if (!config_->get_bool("auto.evolve")) {
    throw sdk::ConnectException("Table " + layout.table.qualified() + " is missing fields (" +
                                names + ") and auto-evolution is disabled (auto.evolve)");
  }
  std::string sql = "ALTER TABLE " + table_name;
  for (std::size_t i = 0; i < missing.size(); ++i) {
    const Column& column = *missing[i];
    if (!column.schema->is_optional() && !column.schema->default_value()) {
      throw sdk::ConnectException("Cannot ALTER TABLE " + layout.table.qualified() +
                                  " to add missing field " + column.name +
                                  ", as the field is not optional and does not have a default "
                                  "value");
    }
    sql += (i ? ",\n" : "\n") + std::string(" ADD ") + dialect_->quote(column.name) + " " +
           dialect_->column_type(*column.schema, false) + " NULL";
  }
  log("adding columns to table " + layout.table.qualified() + ": " + sql);
  connection_->execute(sql);
}

void JdbcSinkTask::ensure_copy_table(Layout& layout) {
  if (connection_->kind() != DatabaseKind::kPostgres ||
      (layout.operation != Operation::kInsert && layout.operation != Operation::kUpsert)) {
    return;
  }
  // The column list both statements below name, built only when one of them is made.
  const auto column_list = [&] {
    std::string columns;
    for (const auto* group : {&layout.keys, &layout.values}) {
      for (const Column& column : *group)
        columns += (columns.empty() ? "" : ",") + dialect_->quote(column.name);
    }
    return columns;
  };
  const std::string signature = layout.signature();
  const auto [found, added] = copy_tables_.try_emplace(signature);
  if (added) {
    const std::string name =
        "pg_temp." + dialect_->quote("ferry_copy_" + std::to_string(next_copy_table_++));
    // The target's own column types (lengths, precisions): a value COPY takes is one the INSERT
    // from it takes, and the other way round. Created outside the put's transaction, so a rolled
    // back put does not drop it.
    try {
      connection_->execute("CREATE TEMPORARY TABLE " + name + " ON COMMIT DELETE ROWS AS SELECT " +
                           column_list() + " FROM " + dialect_->table(layout.table) +
                           " WITH NO DATA");
      found->second = name;
    } catch (const soci::soci_error& error) {
      log("cannot create a temporary table to COPY the rows for " + layout.table.qualified() +
          " into (" + error.what() + "); writing them as multi-row INSERTs");
    }
  }
  layout.copy_table = found->second;
  if (layout.operation != Operation::kUpsert || layout.copy_table.empty()) return;
  const auto [direct, unknown] = direct_copies_.try_emplace(signature);
  if (unknown) direct->second = direct_copy_of(layout, column_list());
  layout.direct_copy = direct->second;
}

std::string JdbcSinkTask::direct_copy_of(const Layout& layout, const std::string& columns) {
  // Rows with keys the table does not hold yet: the upsert inserts them, and a COPY does the
  // same when nothing else tells them apart: a plain table (no view, no partitions), no rules
  // (COPY ignores them) and no triggers of the user's (the upsert fires UPDATE statement
  // triggers too), no row security (COPY refuses it), the privileges the upsert needs, and a
  // unique index on exactly the key columns that ON CONFLICT takes (valid, immediate, no
  // predicate, no expression): without one the upsert fails, and COPY must not succeed.
  std::string keys;
  for (const Column& column : layout.keys) keys += (keys.empty() ? "" : "\x01") + column.name;
  const std::string sql =
      "SELECT (c.relkind = 'r' AND NOT c.relhasrules AND NOT c.relrowsecurity"
      " AND has_table_privilege(c.oid, 'SELECT') AND has_table_privilege(c.oid, 'INSERT')"
      " AND has_table_privilege(c.oid, 'UPDATE')"
      " AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal)"
      " AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique"
      " AND i.indisvalid AND i.indimmediate AND i.indpred IS NULL AND i.indexprs IS NULL"
      " AND i.indnatts = :p1::int AND (SELECT count(*) FROM pg_attribute a WHERE a.attrelid ="
      " c.oid AND a.attnum = ANY(i.indkey) AND a.attname = ANY(string_to_array(:p2, chr(1))))"
      " = :p1::int))::text FROM pg_class c WHERE c.oid = :p0::regclass";
  try {
    const std::vector<TextRow> rows = connection_->query(
        sql, 1, {dialect_->table(layout.table), std::to_string(layout.keys.size()), keys});
    if (rows.size() == 1 && rows[0][0] == "true") {
      log("upserts into " + layout.table.qualified() +
          " COPY batches without a repeated key straight into the table, upserting them when a "
          "key is there already");
      return "COPY " + dialect_->table(layout.table) + " (" + columns + ") FROM STDIN";
    }
  } catch (const soci::soci_error& error) {
    log("cannot tell whether rows can be COPYed straight into " + layout.table.qualified() + " (" +
        error.what() + "); upserting them from the staging table");
  }
  return "";
}

JdbcSinkTask::Rows JdbcSinkTask::convert(Batch& batch) {
  Rows converted;
  const Layout& layout = *batch.layout;
  converted.columns = layout.columns();
  const std::vector<const Column*>& columns = converted.columns;
  std::size_t rows = batch.records.size();
  std::vector<std::vector<std::string>>& values = converted.values;
  std::vector<std::vector<soci::indicator>>& indicators = converted.indicators;
  values.assign(columns.size(), std::vector<std::string>(rows));
  indicators.assign(columns.size(), std::vector<soci::indicator>(rows, soci::i_ok));
  std::vector<DbTimeZone> zones;  // the zone each column's Timestamps are written in
  for (const Column* column : columns) zones.push_back(zone_of(layout.table, column->name));
  std::size_t kept = 0;  // rows that converted; a bad record's row is written over
  for (std::size_t next = 0; next < rows; ++next) {
    const sdk::SinkRecord& record = *batch.records[next];
    const std::size_t row = kept;
    bool bad = false;
    for (std::size_t i = 0; i < columns.size() && !bad; ++i) {
      const Column& column = *columns[i];
      std::optional<std::string> text;
      try {
        switch (column.source) {
          case Source::kTopic:
            text = record.topic;
            break;
          case Source::kPartition:
            text = std::to_string(record.kafka_partition);
            break;
          case Source::kOffset:
            text = std::to_string(record.kafka_offset);
            break;
          case Source::kWholeKey:
            text = value_to_text(connection_->kind(), *column.schema, record.key, zones[i]);
            break;
          case Source::kKeyField:
            text = value_to_text(connection_->kind(), *column.schema,
                                 record.key.as<sdk::Struct>().get(column.name), zones[i]);
            break;
          case Source::kValueField:
            text = value_to_text(connection_->kind(), *column.schema,
                                 record.value.as<sdk::Struct>().get(column.name), zones[i]);
            break;
        }
      } catch (const sdk::DataException& error) {
        reject(record, where(record) + ", column " + column.name + " of table " +
                           layout.table.qualified() + ": " + error.what());
        bad = true;
        continue;
      }
      if (text) {
        values[i][row] = std::move(*text);
        indicators[i][row] = soci::i_ok;
      } else {
        if (i < layout.keys.size()) {
          reject(record, where(record) + ": the primary key column " + column.name + " of table " +
                             layout.table.qualified() + " is null");
          bad = true;
          continue;
        }
        indicators[i][row] = soci::i_null;
      }
    }
    if (!bad) batch.records[kept++] = &record;
  }
  rows = kept;
  batch.records.resize(rows);
  converted.count = rows;
  for (auto& column : values) column.resize(rows);
  for (auto& column : indicators) column.resize(rows);
  return converted;
}

std::vector<std::size_t> JdbcSinkTask::chosen_rows(const Layout& layout, const Rows& rows) {
  std::vector<std::size_t> chosen;
  chosen.reserve(rows.count);
  if (layout.operation != Operation::kUpsert) {
    for (std::size_t row = 0; row < rows.count; ++row) chosen.push_back(row);
    return chosen;
  }
  std::unordered_set<std::string> keys;
  for (std::size_t row = rows.count; row-- > 0;) {
    std::string key;
    for (std::size_t i = 0; i < layout.keys.size(); ++i)
      key += std::to_string(rows.values[i][row].size()) + ":" + rows.values[i][row];
    if (keys.insert(std::move(key)).second) chosen.push_back(row);
  }
  std::reverse(chosen.begin(), chosen.end());
  return chosen;
}

void JdbcSinkTask::set_copy_rows(const Rows& rows, const std::vector<std::size_t>& chosen) {
  copy_rows_.clear();
  for (const std::size_t row : chosen) {
    for (std::size_t i = 0; i < rows.columns.size(); ++i) {
      if (i > 0) copy_rows_ += '\t';
      if (rows.indicators[i][row] == soci::i_null) {
        copy_rows_ += kCopyNull;
      } else {
        append_copy_text(copy_rows_, rows.values[i][row]);
      }
    }
    copy_rows_ += '\n';
  }
}

std::vector<std::string> JdbcSinkTask::mysql_inserts(const Layout& layout, const Rows& rows,
                                                     const std::vector<std::size_t>& chosen) {
  // The statement's text built here, values escaped as SOCI would bind them: SOCI's
  // placeholders cost more CPU than the server spends on the rows.
  std::vector<std::pair<std::string, std::string>> around;  // each column's value
  for (const Column* column : rows.columns) {
    const std::string placeholder = dialect_->placeholder(*column->schema, "v");
    const std::size_t at = placeholder.find(":v");
    around.emplace_back(placeholder.substr(0, at), placeholder.substr(at + 2));
  }
  const std::vector<std::string> key_names = Layout::names_of(layout.keys);
  const std::vector<std::string> value_names = Layout::names_of(layout.values);
  const std::size_t per_statement = std::max<std::size_t>(1, kMaxParameters / rows.columns.size());
  std::vector<std::string> statements;
  for (std::size_t first = 0; first < chosen.size(); first += per_statement) {
    const std::size_t count = std::min(per_statement, chosen.size() - first);
    std::vector<std::vector<std::string>> literal_rows(count, std::vector<std::string>(1));
    for (std::size_t r = 0; r < count; ++r) {
      const std::size_t row = chosen[first + r];
      std::string& text = literal_rows[r][0];
      for (std::size_t i = 0; i < rows.columns.size(); ++i) {
        if (i > 0) text += ',';
        if (rows.indicators[i][row] == soci::i_null) {
          text += "NULL";
          continue;
        }
        text += around[i].first;
        connection_->append_mysql_string(text, rows.values[i][row]);
        text += around[i].second;
      }
    }
    statements.push_back(dialect_->insert_rows_sql(layout.table, key_names, value_names,
                                                   literal_rows,
                                                   layout.operation == Operation::kUpsert));
  }
  return statements;
}

void JdbcSinkTask::write_batch(Batch& batch) {
  if (batch.records.empty()) return;
  const Layout& layout = *batch.layout;
  Rows converted = convert(batch);
  const std::size_t rows = converted.count;
  if (rows == 0) return;
  const std::vector<const Column*>& columns = converted.columns;  // parameters :c0, :c1, ...
  std::vector<std::vector<std::string>>& values = converted.values;
  std::vector<std::vector<soci::indicator>>& indicators = converted.indicators;
  std::vector<std::string> placeholders;
  std::vector<std::string> key_names;
  std::vector<std::string> value_names;
  std::vector<std::string> key_placeholders;
  std::vector<std::string> value_placeholders;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const std::string placeholder =
        dialect_->placeholder(*columns[i]->schema, "c" + std::to_string(i));
    placeholders.push_back(placeholder);
    if (i < layout.keys.size()) {
      key_names.push_back(columns[i]->name);
      key_placeholders.push_back(placeholder);
    } else {
      value_names.push_back(columns[i]->name);
      value_placeholders.push_back(placeholder);
    }
  }
  std::string sql;
  switch (layout.operation) {
    case Operation::kInsert:
    case Operation::kUpsert:
      sql = dialect_->insert_sql(layout.table, key_names, value_names, placeholders,
                                 layout.operation == Operation::kUpsert);
      break;
    case Operation::kUpdate:
      sql = dialect_->update_sql(layout.table, key_names, value_names, value_placeholders,
                                 key_placeholders);
      break;
    case Operation::kDelete:
      sql = dialect_->delete_sql(layout.table, key_names, key_placeholders);
      break;
  }

  const auto run = [&](std::vector<std::vector<std::string>>& row_values,
                       std::vector<std::vector<soci::indicator>>& row_indicators) {
    soci::statement statement(connection_->session());
    for (std::size_t i = 0; i < columns.size(); ++i)
      statement.exchange(soci::use(row_values[i], row_indicators[i], "c" + std::to_string(i)));
    statement.alloc();
    statement.prepare(sql);
    statement.define_and_bind();
    statement.execute(true);
  };
  const std::string batch_text =
      std::to_string(rows) + " record(s) (" + where(*batch.records.front()) + " to " +
      where(*batch.records.back()) + ") to table " + layout.table.qualified();
  // Rolls back to a savepoint; if the database does not answer, the error is not the records'.
  const auto roll_back_to = [&](const std::string& savepoint, const std::string& error) {
    try {
      connection_->execute("ROLLBACK TO SAVEPOINT " + savepoint);
    } catch (const std::exception&) {
      throw soci::soci_error("Writing " + batch_text + " failed: " + error);
    }
  };
  // Inserts and upserts go as multi-row statements, up to kMaxParameters values each: SOCI runs
  // a statement bound to vectors once per row, a round trip each.
  const auto run_multi_row = [&] {
    const std::vector<std::size_t> chosen = chosen_rows(layout, converted);
    if (!layout.copy_table.empty() && chosen.size() >= kCopyMinRows) {
      set_copy_rows(converted, chosen);
      // Emptied at each commit; a second batch of the layout in one put empties it itself.
      if (!copy_tables_used_.insert(layout.copy_table).second)
        connection_->execute("DELETE FROM " + layout.copy_table);
      connection_->copy_from("COPY " + layout.copy_table + " FROM STDIN", copy_rows_);
      connection_->execute(layout.from_staging_sql(*dialect_));
      return;
    }
    const std::size_t per_statement = std::max<std::size_t>(1, kMaxParameters / columns.size());
    if (connection_->kind() == DatabaseKind::kMysql) {
      for (const std::string& statement : mysql_inserts(layout, converted, chosen))
        connection_->execute_mysql(statement);
      return;
    }
    for (std::size_t first = 0; first < chosen.size(); first += per_statement) {
      const std::size_t count = std::min(per_statement, chosen.size() - first);
      std::vector<std::vector<std::string>> placeholder_rows(count);
      soci::statement statement(connection_->session());
      for (std::size_t r = 0; r < count; ++r) {
        const std::size_t row = chosen[first + r];
        for (std::size_t i = 0; i < columns.size(); ++i) {
          const std::string name = "c" + std::to_string(i) + "_" + std::to_string(r);
          placeholder_rows[r].push_back(dialect_->placeholder(*columns[i]->schema, name));
          statement.exchange(soci::use(values[i][row], indicators[i][row], name));
        }
      }
      statement.alloc();
      statement.prepare(dialect_->insert_rows_sql(layout.table, key_names, value_names,
                                                  placeholder_rows,
                                                  layout.operation == Operation::kUpsert));
      statement.define_and_bind();
      statement.execute(true);
    }
  };
  const bool multi_row =
      layout.operation == Operation::kInsert || layout.operation == Operation::kUpsert;
  std::string batch_error;
  connection_->execute("SAVEPOINT ferry_batch");
  try {
    if (multi_row) {
      run_multi_row();
    } else {
      run(values, indicators);
    }
    connection_->execute("RELEASE SAVEPOINT ferry_batch");
    batch.records.clear();
    return;
  } catch (const soci::soci_error& error) {
    batch_error = error.what();
  }
  roll_back_to("ferry_batch", batch_error);
  // The database answers: some records are bad. Write them one at a time to find which.
  std::vector<std::vector<std::string>> row_values(columns.size(), std::vector<std::string>(1));
  std::vector<std::vector<soci::indicator>> row_indicators(columns.size(),
                                                           std::vector<soci::indicator>(1));
  for (std::size_t row = 0; row < rows; ++row) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      row_values[i][0] = values[i][row];
      row_indicators[i][0] = indicators[i][row];
    }
    connection_->execute("SAVEPOINT ferry_row");
    try {
      run(row_values, row_indicators);
      connection_->execute("RELEASE SAVEPOINT ferry_row");
    } catch (const soci::soci_error& error) {
      roll_back_to("ferry_row", error.what());
      reject(*batch.records[row], where(*batch.records[row]) + ", table " +
                                      layout.table.qualified() +
                                      too_long_column(batch, values, row) + ": " + error.what());
    }
  }
  batch.records.clear();
}

void JdbcSinkTask::reject(const sdk::SinkRecord& record, const std::string& message) {
  if (sdk::ErrantRecordReporter* reporter = context().errant_record_reporter()) {
    // The worker decides: it throws with errors.tolerance=none; with all it logs the record
    // (errors.log.enable) and sends it to the dead letter queue.
    reporter->report(record, sdk::DataException(message));
    return;
  }
  if (!tolerate_errors_) throw sdk::DataException(message);
  log("skipping " + message + " (errors.tolerance=all)");
}

std::string JdbcSinkTask::too_long_column(const Batch& batch,
                                          const std::vector<std::vector<std::string>>& values,
                                          std::size_t row) {
  std::vector<ColumnInfo> described;
  try {
    described = dialect_->describe_table(*connection_, batch.layout->table);
  } catch (const std::exception&) {
    return "";
  }
  const std::vector<const Column*> columns = batch.layout->columns();
  for (std::size_t i = 0; i < columns.size() && i < values.size(); ++i) {
    if (columns[i]->schema->type() != sdk::Type::kString) continue;
    for (const ColumnInfo& info : described) {
      if (info.name != columns[i]->name || info.precision <= 0 ||
          info.type.find("char") == std::string::npos) {
        continue;
      }
      std::size_t characters = 0;  // UTF-8 code points
      for (const char c : values[i][row]) characters += (static_cast<unsigned char>(c) >> 6) != 2;
      if (characters > static_cast<std::size_t>(info.precision)) {
        return ", column " + info.name + " (" + std::to_string(characters) +
               " characters, the column holds " + std::to_string(info.precision) + ")";
      }
    }
  }
  return "";
}

JdbcSinkTask::Plan JdbcSinkTask::plan_of(const std::vector<sdk::SinkRecord>& records) {
  // First each record's layout, and the tables created or evolved, before the transaction opens:
  // MySQL commits on DDL, and the put's rows (and offsets) must commit together.
  Plan plan;
  std::vector<Layout>& layouts = plan.layouts;
  std::unordered_map<std::string, std::size_t> layout_by_signature;
  plan.records.reserve(records.size());
  const bool delete_enabled = config_->get_bool("delete.enabled");
  // A record's layout depends only on its topic, its schemas and whether it is a tombstone, and
  // the converters hand consecutive records the same schema objects: the previous record's
  // layout is reused without working it out again.
  const sdk::SinkRecord* previous = nullptr;
  for (const sdk::SinkRecord& record : records) {
    if (record.value.is_null() && !delete_enabled) continue;  // Confluent too
    if (previous != nullptr && record.value_schema == previous->value_schema &&
        record.key_schema == previous->key_schema &&
        record.value.is_null() == previous->value.is_null() && record.topic == previous->topic) {
      plan.records.emplace_back(&record, plan.records.back().second);
      continue;
    }
    Layout layout;
    try {
      layout = layout_of(record);
      layout.table = table_for(record.topic);
      for (const auto* columns : {&layout.keys, &layout.values}) {
        for (const Column& column : *columns) {
          try {
            dialect_->column_type(*column.schema, false);
          } catch (const sdk::ConnectException& error) {
            throw sdk::DataException(where(record) + ", column " + column.name + " of table " +
                                     layout.table.qualified() + ": " + error.what());
          }
        }
      }
    } catch (const sdk::DataException& error) {
      reject(record, error.what());
      continue;
    }
    std::string signature = layout.signature();
    const auto [found, added] = layout_by_signature.try_emplace(signature, layouts.size());
    if (added) {
      if (!checked_layouts_.contains(signature)) {
        ensure_table(layout);
        checked_layouts_.insert(std::move(signature));
      }
      ensure_copy_table(layout);
      layouts.push_back(std::move(layout));
    }
    plan.records.emplace_back(&record, found->second);
    previous = &record;
  }

  return plan;
}

sdk::SinkOffsets JdbcSinkTask::next_offsets(const std::vector<sdk::SinkRecord>& records) {
  sdk::SinkOffsets next;
  for (const sdk::SinkRecord& record : records) {
    auto& offset = next[{record.topic, record.kafka_partition}];
    offset = std::max(offset, record.kafka_offset + 1);
  }
  return next;
}

void JdbcSinkTask::write(const std::vector<sdk::SinkRecord>& records, const Plan& plan) {
  const std::size_t batch_size = static_cast<std::size_t>(config_->get_int("batch.size"));
  copy_tables_used_.clear();  // a new transaction: every staging table is empty
  soci::transaction transaction(connection_->session());
  Batch batch;
  for (const auto& [record, layout] : plan.records) {
    if (batch.layout != &plan.layouts[layout] || batch.records.size() >= batch_size) {
      write_batch(batch);
      batch.layout = &plan.layouts[layout];
    }
    batch.records.push_back(record);
  }
  write_batch(batch);
  if (offset_store_) {
    const sdk::SinkOffsets next = next_offsets(records);
    std::vector<std::pair<sdk::TopicPartitionId, std::optional<std::int64_t>>> changes(next.begin(),
                                                                                       next.end());
    offset_store_->save(*connection_, changes);
  }
  transaction.commit();
}

bool JdbcSinkTask::send(std::vector<sdk::SinkRecord>& records, const Plan& plan) {
  // One batch of inserts or upserts, written by the statements write() would run (PostgreSQL:
  // when COPYed) without the savepoint: a bad row fails the transaction as a whole, which
  // write() then redoes, row by row if need be.
  if (plan.layouts.size() != 1 || plan.records.size() < kSendMinRows ||
      plan.records.size() > static_cast<std::size_t>(config_->get_int("batch.size"))) {
    return false;
  }
  const Layout& layout = plan.layouts.front();
  const bool postgres = connection_->kind() == DatabaseKind::kPostgres;
  if ((postgres && layout.copy_table.empty()) ||
      (layout.operation != Operation::kInsert && layout.operation != Operation::kUpsert)) {
    return false;
  }
  Batch batch{&layout, {}};
  batch.records.reserve(plan.records.size());
  for (const auto& [record, index] : plan.records) batch.records.push_back(record);
  const Rows rows = convert(batch);
  const std::vector<std::size_t> chosen = chosen_rows(layout, rows);
  std::string script = postgres ? "BEGIN;" : "START TRANSACTION;";
  if (offset_store_) script += offset_store_->save_sql(*connection_, next_offsets(records)) + ";";
  // No key twice in the batch: COPYed straight into the table unless a conflict paused that.
  sent_direct_ = false;
  if (!layout.direct_copy.empty() && chosen.size() == rows.count) {
    sent_direct_ = direct_pause_ == 0;
    if (!sent_direct_) --direct_pause_;
  }
  if (postgres) set_copy_rows(rows, chosen);
  if (sent_direct_) {
    script += layout.direct_copy + ";";
  } else if (postgres) {
    script +=
        "COPY " + layout.copy_table + " FROM STDIN;" + layout.from_staging_sql(*dialect_) + ";";
  } else if (!chosen.empty()) {
    for (const std::string& statement : mysql_inserts(layout, rows, chosen))
      script += statement + ";";
  }
  script += "COMMIT";
  connection_->send_script(script, copy_rows_);
  // Kept to write again should the transaction fail: those converted (the others are reported).
  std::vector<bool> kept(records.size());
  for (const sdk::SinkRecord* record : batch.records)
    kept[static_cast<std::size_t>(record - records.data())] = true;
  std::size_t next = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (kept[i] && next++ != i) records[next - 1] = std::move(records[i]);
  }
  records.resize(next);
  sent_ = std::move(records);
  sending_ = true;
  return true;
}

void JdbcSinkTask::collect_sent() {
  if (!sending_) return;
  sending_ = false;
  try {
    connection_->finish_script();
    sent_.clear();
    if (sent_direct_) direct_backoff_ = kFirstDirectPause;
    return;
  } catch (const std::exception& error) {
    const auto* script_error = dynamic_cast<const ScriptError*>(&error);
    if (sent_direct_ && script_error != nullptr && script_error->sqlstate() == kUniqueViolation) {
      // Rolled back, offsets too: upserted by write_pending() (row by row only if that fails).
      direct_pause_ = direct_backoff_;
      direct_backoff_ = std::min(direct_backoff_ * 2, kMaxDirectPause);
      log("COPY of " + std::to_string(sent_.size()) +
          " record(s) straight into the table met a key it holds (" + error.what() +
          "); upserting them, and the next " + std::to_string(direct_pause_) + " put(s)");
      redo_ = std::move(sent_);
      sent_.clear();
      return;
    }
    log("writing " + std::to_string(sent_.size()) + " record(s) failed: " + error.what() +
        "; writing them again batch by batch");
  }
  if (!connection_->alive()) connection_.reset();
  redo_ = std::move(sent_);
  sent_.clear();
}

void JdbcSinkTask::write_pending() {
  collect_sent();
  if (failure_) std::rethrow_exception(failure_);
  if (redo_.empty()) return;
  ensure_connected();
  if (offset_store_) {
    // A commit whose answer was lost stored its offsets: its records are not written twice.
    std::set<sdk::TopicPartitionId> partitions;
    for (const sdk::SinkRecord& record : redo_)
      partitions.insert({record.topic, record.kafka_partition});
    const sdk::SinkOffsets stored = offset_store_->load(*connection_, partitions);
    std::erase_if(redo_, [&](const sdk::SinkRecord& record) {
      const auto found = stored.find({record.topic, record.kafka_partition});
      return found != stored.end() && record.kafka_offset < found->second;
    });
    if (redo_.empty()) return;
  }
  try {
    write(redo_, plan_of(redo_));
  } catch (const sdk::ConnectException&) {
    // A bad record with errors.tolerance=none: the task fails, and the records stay unwritten.
    failure_ = std::current_exception();
    throw;
  }
  redo_.clear();
}

void JdbcSinkTask::put(std::vector<sdk::SinkRecord> records) {
  if (records.empty()) return;
  try {
    write_pending();
    ensure_connected();
    const Plan plan = plan_of(records);
    if (!send(records, plan)) write(records, plan);
    remaining_retries_ = config_->get_int("max.retries");
  } catch (const sdk::ConnectException&) {
    throw;  // bad records and configuration: retrying cannot help
  } catch (const std::exception& error) {
    checked_layouts_.clear();  // the failed transaction may have rolled back DDL (PostgreSQL)
    connection_.reset();       // reconnect: the database may have gone away
    if (remaining_retries_ <= 0) {
      throw sdk::ConnectException(std::string(error.what()) + " (after " +
                                  std::to_string(config_->get_int("max.retries")) + " retries)");
    }
    --remaining_retries_;
    log(std::string(error.what()) + "; retrying, " + std::to_string(remaining_retries_) +
        " retries left");
    context().timeout(std::chrono::milliseconds(config_->get_int("retry.backoff.ms")));
    throw sdk::RetriableException(error.what());
  }
}

void JdbcSinkTask::flush(const sdk::SinkOffsets& /*current_offsets*/) {
  try {
    write_pending();
  } catch (const sdk::ConnectException&) {
    throw;
  } catch (const std::exception&) {
    checked_layouts_.clear();  // as in put()
    connection_.reset();
    throw;
  }
}

sdk::SinkOffsets JdbcSinkTask::pre_commit(const sdk::SinkOffsets& current_offsets) {
  try {
    flush(current_offsets);
  } catch (const std::exception& error) {
    // The next put() writes them first, with its retries; until then their offsets wait.
    log(std::string("writing the records of a failed transaction again failed: ") + error.what() +
        "; their offsets are not committed");
  }
  sdk::SinkOffsets committed = current_offsets;
  for (const sdk::SinkRecord& record : redo_) {
    const auto found = committed.find({record.topic, record.kafka_partition});
    if (found != committed.end()) found->second = std::min(found->second, record.kafka_offset);
  }
  return committed;
}

void JdbcSinkTask::close(const std::set<sdk::TopicPartitionId>& partitions) {
  collect_sent();
  // Not committed, nor their offsets: the partitions' next owner reads them again.
  std::erase_if(redo_, [&](const sdk::SinkRecord& record) {
    return partitions.contains({record.topic, record.kafka_partition});
  });
}

}  // namespace ferry::connectors::jdbc
