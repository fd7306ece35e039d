#include "connectors/jdbc/jdbc_source_task.h"

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include <pthread.h>

#include "connectors/jdbc/jdbc_config.h"
#include "connectors/jdbc/jdbc_source_connector.h"
#include "connectors/jdbc/version.h"
#include "ferry/sdk/schema_builder.h"

namespace ferry::connectors::jdbc {
namespace {

constexpr const char* kIncrementingField = "incrementing";
constexpr const char* kTimestampField = "timestamp";
constexpr const char* kTimestampNanosField = "timestamp_nanos";

std::optional<std::int64_t> integer_of(const sdk::SourceMap& map, std::string_view key) {
  const auto found = map.find(key);
  if (found == map.end()) return std::nullopt;
  const sdk::Value& value = found->second;
  if (const auto* v = value.get_if<std::int64_t>()) return *v;
  if (const auto* v = value.get_if<std::int32_t>()) return *v;
  if (const auto* v = value.get_if<std::int16_t>()) return *v;
  if (const auto* v = value.get_if<std::int8_t>()) return *v;
  if (const auto* v = value.get_if<std::string>()) {
    try {
      return std::stoll(*v);
    } catch (const std::exception&) {
    }
  }
  return std::nullopt;
}

}  // namespace

struct JdbcSourceTask::Querier {
  std::optional<TableId> table;  // nullopt: the custom query
  std::string query;
  std::string topic;
  sdk::SourcePartition partition;  // shared by the records of the table
  std::optional<std::int64_t> incrementing;
  std::optional<SqlTimestamp> timestamp;

  // Set when a query starts.
  std::vector<std::optional<ColumnMapping>> columns;  // per result column; nullopt: skipped
  std::set<std::string> reported_skips;
  sdk::SchemaPtr schema;
  int incrementing_index = -1;
  std::vector<int> timestamp_indexes;
  std::unique_ptr<ResultReader> reader;
  Clock::time_point next_poll{};
  int failed_queries = 0;  // in a row, for query.retry.attempts
  // query.masked: the query is a secret, and a database's error message can quote it.
  bool masked = false;

  std::string name() const { return table ? table->qualified() : "query"; }
};

// One job at a time on a thread of its own; the task thread starts a job and later waits for it.
class JdbcSourceTask::ReadAhead {
 public:
  ReadAhead() : thread_([this](std::stop_token stop) { run(stop); }) {}
  // Waits for a job in progress (the thread is joined).
  ~ReadAhead() = default;
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // Starts a job; the previous one must have been waited for.
  void start(std::function<void()> job) {
    {
      std::scoped_lock lock(mutex_);
      job_ = std::move(job);
    }
    changed_.notify_all();
  }
  // Waits for the job started last; rethrows what it threw.
  void wait() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !job_; });
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

 private:
  void run(std::stop_token stop) {
    // The plugin has no ferry_common: named directly (15 bytes at most).
    pthread_setname_np(pthread_self(), "jdbc-read-ahead");
    std::unique_lock lock(mutex_);
    while (changed_.wait(lock, stop, [this] { return static_cast<bool>(job_); })) {
      lock.unlock();
      std::exception_ptr error;
      try {
        job_();  // job_ is not written while it is set
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      error_ = error;
      job_ = nullptr;
      changed_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable_any changed_;
  std::function<void()> job_;  // set: a job to run or running
  std::exception_ptr error_;
  std::jthread thread_;  // last: joined before the members it uses go
};

JdbcSourceTask::JdbcSourceTask() : read_ahead_(std::make_unique<ReadAhead>()) {}
JdbcSourceTask::~JdbcSourceTask() {
  // A batch still being read uses the connection and a querier: let it finish first.
  read_ahead_.reset();
}

std::string JdbcSourceTask::version() const { return kVersion; }

void JdbcSourceTask::start(const sdk::ConfigMap& props) {
  config_ = std::make_unique<sdk::ParsedConfig>(JdbcSourceConnector::parse(props));
  mode_ = config_->get_string("mode");
  if (config_->is_null("numeric.mapping")) {
    numeric_mapping_ = config_->get_bool("numeric.precision.mapping")
                           ? NumericMapping::kPrecisionOnly
                           : NumericMapping::kNone;
  } else {
    numeric_mapping_ = parse_numeric_mapping(config_->get_string("numeric.mapping"));
  }
  db_time_zone_ = db_time_zone(*config_);
  connection_ = connect(*config_);
  dialect_ = std::make_unique<Dialect>(dialect_for(*config_, connection_->kind()));
  set_isolation();

  const std::string& prefix = config_->get_string("topic.prefix");
  const std::string query = source_query(*config_);
  std::vector<std::unique_ptr<Querier>> queriers;
  if (!query.empty()) {
    auto querier = std::make_unique<Querier>();
    querier->query = query;
    querier->masked = config_->get_string("query").empty();
    querier->topic = prefix;
    querier->partition = {{"query", sdk::Value("query")}};
    queriers.push_back(std::move(querier));
  } else {
    const auto found = props.find(JdbcSourceConnector::kTablesConfig);
    if (found == props.end() || found->second.empty())
      throw sdk::ConnectException("Invalid configuration: the task has no tables assigned");
    for (TableId& table : decode_tables(found->second)) {
      validate_identifier(table.name, "table name");
      auto querier = std::make_unique<Querier>();
      querier->topic = prefix + table.name;
      querier->partition = mode_ == "bulk"
                               ? sdk::SourceMap{{"table", sdk::Value(table.name)}}
                               : sdk::SourceMap{{"protocol", sdk::Value("1")},
                                                {"table", sdk::Value(table.qualified())}};
      querier->table = std::move(table);
      queriers.push_back(std::move(querier));
    }
  }

  std::optional<SqlTimestamp> initial;
  for (auto& querier : queriers) {
    if (mode_ != "bulk") {
      std::optional<sdk::SourceMap> offset =
          context().offset_storage_reader().offset(querier->partition);
      if (!offset && querier->table) {  // Confluent's protocol v0 partition
        offset =
            context().offset_storage_reader().offset({{"table", sdk::Value(querier->table->name)}});
      }
      if (offset) {
        querier->incrementing = integer_of(*offset, kIncrementingField);
        if (const auto millis = integer_of(*offset, kTimestampField)) {
          querier->timestamp = SqlTimestamp::from_millis_and_nanos(
              *millis,
              static_cast<std::int32_t>(
                  integer_of(*offset, kTimestampNanosField).value_or(*millis % 1000 * 1'000'000)));
        }
      }
      if (mode_ != "incrementing" && !querier->timestamp) {
        if (!initial) {
          if (config_->is_null("timestamp.initial")) {
            initial = SqlTimestamp{0, 0};
          } else if (config_->get_long("timestamp.initial") == -1) {
            initial = parse_timestamp(dialect_->current_timestamp(*connection_));
          } else {
            const std::int64_t millis = config_->get_long("timestamp.initial");
            initial = SqlTimestamp::from_millis_and_nanos(
                millis, static_cast<std::int32_t>((millis % 1000 + 1000) % 1000 * 1'000'000));
          }
        }
        querier->timestamp = initial;
      }
    }
    if (querier->table && mode_ != "bulk" && config_->get_bool("validate.non.null")) {
      const auto columns = dialect_->describe_table(*connection_, *querier->table);
      if (columns.empty())
        throw sdk::ConnectException("Table " + querier->table->qualified() + " does not exist");
      auto check = [&](const std::string& name) {
        for (const ColumnInfo& column : columns) {
          if (column.name == name && column.nullable) {
            throw sdk::ConnectException(
                "Cannot make incremental queries using timestamp or "
                "incrementing columns that are nullable: column " +
                name + " of table " + querier->table->qualified() +
                " is nullable (or set validate.non.null=false)");
          }
        }
      };
      if (mode_ != "incrementing") {
        for (const std::string& column : config_->get_list("timestamp.column.name")) check(column);
      }
      if (mode_ != "timestamp" && !config_->get_string("incrementing.column.name").empty())
        check(config_->get_string("incrementing.column.name"));
    }
  }
  queriers_ = std::move(queriers);
}

void JdbcSourceTask::start_query(Querier& querier) {
  std::vector<ColumnInfo> described = querier.table
                                          ? dialect_->describe_table(*connection_, *querier.table)
                                          : dialect_->describe_query(*connection_, querier.query);
  if (described.empty()) {
    throw sdk::ConnectException("Table " + querier.name() +
                                " has no columns or does not exist any more");
  }
  querier.columns.clear();
  querier.incrementing_index = -1;
  querier.timestamp_indexes.clear();
  sdk::SchemaBuilder builder = sdk::SchemaBuilder::struct_();
  if (querier.table) builder.name(querier.table->name);
  std::vector<std::string> selected;
  const std::string& incrementing_name = config_->get_string("incrementing.column.name");
  const auto& timestamp_names = config_->get_list("timestamp.column.name");
  std::string incrementing_column = incrementing_name;
  if (incrementing_column.empty() && mode_.find("incrementing") != std::string::npos) {
    for (const ColumnInfo& column : described) {
      if (column.auto_increment) incrementing_column = column.name;
    }
    if (incrementing_column.empty()) {
      throw sdk::ConnectException("Cannot find an auto-incrementing column in " + querier.name() +
                                  "; set incrementing.column.name");
    }
  }
  for (const ColumnInfo& column : described) {
    std::optional<ColumnMapping> mapping = map_column(
        connection_->kind(), column, numeric_mapping_,
        parse_timestamp_granularity(config_->get_string("timestamp.granularity")), db_time_zone_);
    const bool needed = column.name == incrementing_column ||
                        std::find(timestamp_names.begin(), timestamp_names.end(), column.name) !=
                            timestamp_names.end();
    if (!mapping && needed) {
      throw sdk::ConnectException("Column " + column.name + " of " + querier.name() +
                                  " has the type " + column.type +
                                  ", which cannot be an incrementing or timestamp column");
    }
    if (!mapping) {
      if (querier.reported_skips.insert(column.name).second) {
        log("skipping column " + column.name + " of " + querier.name() + ": its type " +
            column.type + " has no Connect mapping");
      }
      if (!querier.table) querier.columns.push_back(std::nullopt);  // SELECT * keeps it
      continue;
    }
    validate_identifier(column.name, "column name");
    const int index = static_cast<int>(querier.columns.size());
    if (column.name == incrementing_column) querier.incrementing_index = index;
    if (std::find(timestamp_names.begin(), timestamp_names.end(), column.name) !=
        timestamp_names.end()) {
      querier.timestamp_indexes.push_back(index);
    }
    builder.field(column.name, mapping->schema);
    selected.push_back(dialect_->quote(column.name));
    querier.columns.push_back(std::move(mapping));
  }
  if (mode_ != "bulk" && mode_ != "incrementing" &&
      querier.timestamp_indexes.size() != timestamp_names.size()) {
    throw sdk::ConnectException("Not every column of timestamp.column.name is a column of " +
                                querier.name());
  }
  if (mode_.find("incrementing") != std::string::npos && querier.incrementing_index < 0) {
    throw sdk::ConnectException("The incrementing column " + incrementing_column +
                                " is not a column of " + querier.name());
  }
  querier.schema = builder.build();

  std::string sql;
  if (querier.table) {
    std::string columns;
    for (std::size_t i = 0; i < selected.size(); ++i) columns += (i ? "," : "") + selected[i];
    sql = "SELECT " + columns + " FROM " + dialect_->table(*querier.table);
  } else {
    sql = querier.query;
  }
  std::string timestamp_expression;
  if (!timestamp_names.empty()) {
    if (timestamp_names.size() == 1) {
      timestamp_expression = dialect_->quote(timestamp_names[0]);
    } else {
      timestamp_expression = "COALESCE(";
      for (std::size_t i = 0; i < timestamp_names.size(); ++i)
        timestamp_expression += (i ? "," : "") + dialect_->quote(timestamp_names[i]);
      timestamp_expression += ")";
    }
  }
  std::vector<std::optional<std::string>> parameters;
  std::optional<std::string> upper;
  // The bounds are instants; a column without a time zone compares them as db.timezone's
  // wall-clock times (with several columns, the first one's kind decides).
  const DbTimeZone bound_zone =
      querier.timestamp_indexes.empty()
          ? DbTimeZone()
          : querier.columns[static_cast<std::size_t>(querier.timestamp_indexes[0])]->text_zone();
  if (mode_ == "timestamp" || mode_ == "timestamp+incrementing") {
    auto now = parse_timestamp(dialect_->current_timestamp(*connection_));
    if (!now) throw sdk::ConnectException("Cannot read the database's current time");
    const std::int64_t delay = config_->get_long("timestamp.delay.interval.ms");
    SqlTimestamp bound = *now;
    bound.epoch_seconds -= delay / 1000;
    bound.nanos -= static_cast<std::int32_t>(delay % 1000 * 1'000'000);
    if (bound.nanos < 0) {
      bound.nanos += 1'000'000'000;
      bound.epoch_seconds -= 1;
    }
    upper = format_timestamp(bound_zone.to_wall_clock(bound));
  }
  const std::string lower = querier.timestamp
                                ? format_timestamp(bound_zone.to_wall_clock(*querier.timestamp))
                                : std::string();
  const std::string last_id = std::to_string(querier.incrementing.value_or(-1));
  if (mode_ == "incrementing") {
    const std::string inc = dialect_->quote(incrementing_column);
    sql += " WHERE " + inc + " > :p0 ORDER BY " + inc + " ASC";
    parameters = {last_id};
  } else if (mode_ == "timestamp") {
    sql += " WHERE " + timestamp_expression + " > :p0 AND " + timestamp_expression +
           " < :p1 ORDER BY " + timestamp_expression + " ASC";
    parameters = {lower, upper};
  } else if (mode_ == "timestamp+incrementing") {
    const std::string inc = dialect_->quote(incrementing_column);
    sql += " WHERE " + timestamp_expression + " < :p0 AND ((" + timestamp_expression +
           " = :p1 AND " + inc + " > :p2) OR " + timestamp_expression + " > :p3) ORDER BY " +
           timestamp_expression + "," + inc + " ASC";
    parameters = {upper, lower, last_id, lower};
  }
  if (!config_->get_string("query.suffix").empty())
    sql += " " + config_->get_string("query.suffix");
  querier.reader = std::make_unique<ResultReader>(*connection_, sql, querier.columns.size(),
                                                  parameters, config_->get_int("batch.max.rows"));
}

std::vector<sdk::SourceRecord> JdbcSourceTask::read_batch(Querier& querier) {
  std::vector<sdk::SourceRecord> records;
  ResultReader& reader = *querier.reader;
  if (!reader.next_batch()) {
    querier.reader.reset();
    return records;
  }
  const std::size_t rows = reader.rows();
  records.reserve(rows);
  for (std::size_t row = 0; row < rows; ++row) {
    sdk::Struct value(querier.schema);
    std::size_t field = 0;
    for (std::size_t i = 0; i < querier.columns.size(); ++i) {
      if (!querier.columns[i]) continue;
      if (const auto text = reader.value(row, i)) {
        value.put(field, text_to_value(*querier.columns[i], *text));
      }
      ++field;
    }
    sdk::SourceRecord& record = records.emplace_back();
    record.source_partition = querier.partition;
    record.topic = querier.topic;
    if (mode_ != "bulk") {
      if (querier.incrementing_index >= 0) {
        const auto text = reader.value(row, static_cast<std::size_t>(querier.incrementing_index));
        std::int64_t incrementing = 0;
        const auto [end, error] =
            text ? std::from_chars(text->data(), text->data() + text->size(), incrementing)
                 : std::from_chars_result{nullptr, std::errc::invalid_argument};
        if (error != std::errc() || end != text->data() + text->size()) {
          throw sdk::DataException("The incrementing column of " + querier.name() + " holds '" +
                                   std::string(text.value_or("NULL")) +
                                   "', which is not an integer");
        }
        querier.incrementing = incrementing;
        record.source_offset.emplace(kIncrementingField, incrementing);
      }
      if (!querier.timestamp_indexes.empty()) {
        for (int index : querier.timestamp_indexes) {
          if (const auto text = reader.value(row, static_cast<std::size_t>(index))) {
            querier.timestamp = parse_timestamp(*text);
            if (querier.timestamp)
              querier.timestamp =
                  querier.columns[static_cast<std::size_t>(index)]->text_zone().to_instant(
                      *querier.timestamp);
            break;
          }
        }
        if (querier.timestamp) {
          record.source_offset[kTimestampField] = querier.timestamp->millis();
          record.source_offset[kTimestampNanosField] =
              static_cast<std::int64_t>(querier.timestamp->nanos);
        }
      }
    }
    record.value_schema = querier.schema;
    record.value = sdk::Value(std::move(value));
  }
  if (reader.exhausted()) querier.reader.reset();  // the cursor is closed already
  return records;
}

void JdbcSourceTask::set_isolation() {
  const std::string sql =
      dialect_->isolation_sql(config_->get_string("transaction.isolation.mode"));
  if (!sql.empty()) connection_->execute(sql);
}

bool JdbcSourceTask::reconnect() {
  using namespace std::chrono_literals;
  const int attempts = config_->get_int("connection.attempts");
  const auto backoff = std::chrono::milliseconds(config_->get_long("connection.backoff.ms"));
  try {
    connection_ = Connection::open(connection_settings(*config_));
    set_isolation();
    log("reconnected to " + connection_->settings().describe() + " after " +
        std::to_string(failed_connection_attempts_ + 1) + " attempt(s)");
    failed_connection_attempts_ = 0;
    return true;
  } catch (const std::exception& error) {
    ++failed_connection_attempts_;
    if (failed_connection_attempts_ >= attempts) {
      throw sdk::ConnectException(std::string(error.what()) + " (tried " +
                                  std::to_string(failed_connection_attempts_) + " time(s), " +
                                  std::to_string(backoff.count()) +
                                  " ms apart: connection.attempts, connection.backoff.ms); the "
                                  "connection was lost on: " +
                                  connection_lost_error_);
    }
    log(std::string(error.what()) + "; retrying in " + std::to_string(backoff.count()) + " ms (" +
        std::to_string(attempts - failed_connection_attempts_) + " attempt(s) left)");
  }
  for (const auto until = Clock::now() + backoff; !stopping_ && Clock::now() < until;)
    std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(), 50ms));
  return false;
}

bool JdbcSourceTask::read(Querier& querier, const std::function<void()>& reading) {
  try {
    reading();
    querier.failed_queries = 0;
    return true;
  } catch (const sdk::ConnectException&) {
    querier.reader.reset();
    throw;
  } catch (const std::exception& error) {
    querier.reader.reset();
    const std::string message =
        "Failed to read " + querier.name() + " from " + connection_->settings().describe() + ": " +
        (querier.masked ? "the database's message is hidden, as it may quote the query "
                          "(query.masked); run the query by hand to see it"
                        : error.what());
    if (connection_->alive()) {
      // The database answers: the query failed (Confluent's query.retry.attempts; -1 and 0
      // retry for ever, a later poll running the query again from the querier's offset).
      const int attempts = config_->get_int("query.retry.attempts");
      if (attempts > 0 && ++querier.failed_queries >= attempts) {
        throw sdk::ConnectException(message + " (failed " + std::to_string(attempts) +
                                    " time(s) in a row: query.retry.attempts)");
      }
      log(message + "; running it again after poll.interval.ms");
      querier.next_poll =
          Clock::now() + std::chrono::milliseconds(config_->get_int("poll.interval.ms"));
      return false;
    }
    // The server went away: reconnect on the next polls and run the query again from the
    // querier's offset (the rows returned so far are behind it).
    log(message + "; the connection is lost, reconnecting");
    connection_lost_error_ = message;
    // Every open result lived on that connection: the other tables run their queries again
    // too, from their own offsets.
    for (auto& other : queriers_) other->reader.reset();
    connection_.reset();
    return false;
  }
}

std::vector<sdk::SourceRecord> JdbcSourceTask::poll() {
  using namespace std::chrono_literals;
  const auto give_up = Clock::now() + 1s;
  while (!stopping_ && !queriers_.empty()) {
    std::vector<sdk::SourceRecord> records;
    Querier* querier = std::exchange(read_ahead_querier_, nullptr);
    if (querier != nullptr) {
      // The batch read while the worker sent the previous one.
      if (!read(*querier, [&] {
            read_ahead_->wait();
            records = std::move(read_ahead_records_);
          })) {
        return {};
      }
    } else {
      if (!connection_ && !reconnect()) return {};
      querier =
          std::min_element(queriers_.begin(), queriers_.end(), [](const auto& a, const auto& b) {
            return a->next_poll < b->next_poll;
          })->get();
      const auto now = Clock::now();
      if (querier->next_poll > now) {
        if (now >= give_up) return {};
        std::this_thread::sleep_for(std::min<Clock::duration>({querier->next_poll - now, 100ms}));
        continue;
      }
      if (!read(*querier, [&] {
            if (!querier->reader) start_query(*querier);
            records = read_batch(*querier);
          })) {
        return {};
      }
    }
    if (!querier->reader) {
      querier->next_poll =
          Clock::now() + std::chrono::milliseconds(config_->get_int("poll.interval.ms"));
    } else if (!records.empty() && !stopping_) {
      // The result goes on: read its next batch on the read-ahead thread while the worker
      // converts and sends this one. Nothing else touches the connection or this querier until
      // the next poll() takes that batch (first thing, above).
      read_ahead_querier_ = querier;
      read_ahead_->start([this, querier] { read_ahead_records_ = read_batch(*querier); });
    }
    if (!records.empty()) return records;
  }
  return {};
}

}  // namespace ferry::connectors::jdbc
