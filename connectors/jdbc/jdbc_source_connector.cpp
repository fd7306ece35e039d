#include "connectors/jdbc/jdbc_source_connector.h"

#include <algorithm>
#include <chrono>
#include <regex>

#include "connectors/jdbc/jdbc_config.h"
#include "connectors/jdbc/jdbc_source_task.h"
#include "connectors/jdbc/version.h"

namespace ferry::connectors::jdbc {
namespace {

void escape_into(std::string& out, const std::string& part) {
  for (char c : part) {
    if (c == '.' || c == ',' || c == '\\') out += '\\';
    out += c;
  }
}

bool in_list(const std::vector<std::string>& list, const TableId& table) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& entry) {
    return entry == table.name || entry == table.qualified();
  });
}

std::vector<std::regex> compile(const std::vector<std::string>& patterns, const char* key) {
  std::vector<std::regex> regexes;
  for (const std::string& pattern : patterns) {
    try {
      regexes.emplace_back(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& error) {
      throw sdk::ConfigException("Invalid value " + pattern + " for configuration " + key +
                                 ": not a valid regular expression (" + error.what() + ")");
    }
  }
  return regexes;
}

bool any_match(const std::vector<std::regex>& regexes, const std::string& text) {
  return std::any_of(regexes.begin(), regexes.end(),
                     [&](const std::regex& regex) { return std::regex_match(text, regex); });
}

}  // namespace

std::string encode_tables(const std::vector<TableId>& tables) {
  std::string text;
  for (std::size_t i = 0; i < tables.size(); ++i) {
    if (i > 0) text += ',';
    escape_into(text, tables[i].schema);
    text += '.';
    escape_into(text, tables[i].name);
  }
  return text;
}

std::vector<TableId> decode_tables(const std::string& text) {
  std::vector<TableId> tables;
  if (text.empty()) return tables;
  TableId current;
  std::string* part = &current.schema;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      *part += text[++i];
    } else if (c == '.') {
      part = &current.name;
    } else if (c == ',') {
      tables.push_back(std::move(current));
      current = {};
      part = &current.schema;
    } else {
      *part += c;
    }
  }
  tables.push_back(std::move(current));
  return tables;
}

std::vector<TableId> filter_tables(const std::vector<TableId>& all,
                                   const sdk::ParsedConfig& config) {
  const auto& whitelist = config.get_list("table.whitelist");
  const auto& blacklist = config.get_list("table.blacklist");
  const auto include = compile(config.get_list("table.include.list"), "table.include.list");
  const auto exclude = compile(config.get_list("table.exclude.list"), "table.exclude.list");
  const bool regex_filtering = !include.empty() || !exclude.empty();
  std::vector<TableId> selected;
  for (const TableId& table : all) {
    if (regex_filtering) {
      if (!any_match(include, table.qualified()) || any_match(exclude, table.qualified())) continue;
    } else if (!whitelist.empty()) {
      if (!in_list(whitelist, table)) continue;
    } else if (!blacklist.empty()) {
      if (in_list(blacklist, table)) continue;
    }
    selected.push_back(table);
  }
  return selected;
}

const sdk::ConfigDef& JdbcSourceConnector::config_def() {
  static const sdk::ConfigDef def = [] {
    sdk::ConfigDef d;
    define_connection_keys(d, false);
    auto list = [&](const char* name, std::string documentation) {
      d.define({.name = name,
                .type = sdk::ConfigType::kList,
                .default_value = std::string(),
                .importance = sdk::Importance::kMedium,
                .documentation = std::move(documentation),
                .group = "Database"});
    };
    list("table.whitelist",
         "List of tables to include in copying; cannot be combined with table.blacklist.");
    list("table.blacklist", "List of tables to exclude from copying.");
    list("table.include.list",
         "Regular expressions each matching a whole qualified table name to include.");
    list("table.exclude.list",
         "Regular expressions each matching a whole qualified table name to exclude.");
    d.define({.name = "catalog.pattern",
              .type = sdk::ConfigType::kString,
              .default_value = nullptr,
              .importance = sdk::Importance::kMedium,
              .documentation = "Catalog pattern (SQL LIKE) to fetch table metadata from the "
                               "database: MySQL's databases; PostgreSQL's current database.",
              .group = "Database"})
        .define({.name = "schema.pattern",
                 .type = sdk::ConfigType::kString,
                 .default_value = nullptr,
                 .importance = sdk::Importance::kMedium,
                 .documentation = "Schema pattern (SQL LIKE) to fetch table metadata from the "
                                  "database (PostgreSQL).",
                 .group = "Database"})
        .define({.name = "table.types",
                 .type = sdk::ConfigType::kList,
                 .default_value = std::string("TABLE"),
                 .validator = sdk::ValidList::in({"TABLE", "VIEW"}),
                 .importance = sdk::Importance::kLow,
                 .documentation = "The types of table to include: TABLE, VIEW.",
                 .group = "Database"})
        .define({.name = "table.poll.interval.ms",
                 .type = sdk::ConfigType::kLong,
                 .default_value = std::int64_t{60000},
                 .validator = sdk::Range::at_least(1),
                 .importance = sdk::Importance::kLow,
                 .documentation = "Frequency in ms to poll for new or removed tables.",
                 .group = "Connector"})
        .define({.name = "numeric.precision.mapping",
                 .type = sdk::ConfigType::kBoolean,
                 .default_value = false,
                 .importance = sdk::Importance::kLow,
                 .documentation = "Deprecated: true is numeric.mapping=precision_only.",
                 .group = "Database"})
        .define({.name = "numeric.mapping",
                 .type = sdk::ConfigType::kString,
                 .default_value = nullptr,
                 .validator = [](std::string_view,
                                 const sdk::ParsedValue& value) -> std::optional<std::string> {
                   if (const auto* text = std::get_if<std::string>(&value)) {
                     try {
                       parse_numeric_mapping(*text);
                     } catch (const sdk::ConfigException&) {
                       return "must be one of none, precision_only, best_fit, "
                              "best_fit_eager_double";
                     }
                   }
                   return std::nullopt;
                 },
                 .importance = sdk::Importance::kLow,
                 .documentation = "Map NUMERIC values by precision and optionally scale to "
                                  "integral or decimal types.",
                 .group = "Database"})
        .define({.name = "mode",
                 .type = sdk::ConfigType::kString,
                 .default_value = std::string(),
                 .importance = sdk::Importance::kHigh,
                 .documentation = "The mode for updating a table each time it is polled: bulk, "
                                  "incrementing, timestamp, timestamp+incrementing.",
                 .group = "Mode"})
        .define({.name = "incrementing.column.name",
                 .type = sdk::ConfigType::kString,
                 .default_value = std::string(),
                 .importance = sdk::Importance::kMedium,
                 .documentation = "The name of the strictly incrementing column; empty: the "
                                  "table's auto-increment column.",
                 .group = "Mode"})
        .define({.name = "timestamp.column.name",
                 .type = sdk::ConfigType::kList,
                 .default_value = std::string(),
                 .importance = sdk::Importance::kMedium,
                 .documentation = "Timestamp columns; several are combined with COALESCE.",
                 .group = "Mode"})
        .define({.name = "timestamp.initial",
                 .type = sdk::ConfigType::kLong,
                 .default_value = nullptr,
                 .importance = sdk::Importance::kLow,
                 .documentation = "Epoch ms to start timestamp modes from; -1: the database's "
                                  "current time; unset: the epoch.",
                 .group = "Mode"})
        .define({.name = "timestamp.delay.interval.ms",
                 .type = sdk::ConfigType::kLong,
                 .default_value = std::int64_t{0},
                 .validator = sdk::Range::at_least(0),
                 .importance = sdk::Importance::kHigh,
                 .documentation = "How long to wait after a row with a given timestamp appears "
                                  "before including it.",
                 .group = "Mode"})
        .define(
            {.name = "timestamp.granularity",
             .type = sdk::ConfigType::kString,
             .default_value = std::string("connect_logical"),
             .validator = sdk::ValidString::in({"connect_logical", "micros_long", "micros_string",
                                                "micros_iso_datetime_string", "nanos_long",
                                                "nanos_string", "nanos_iso_datetime_string"}),
             .importance = sdk::Importance::kLow,
             .documentation = "How timestamp columns are represented in records: Connect's "
                              "Timestamp, or micro/nanoseconds since the epoch as a long, a "
                              "string, or an ISO date-time string.",
             .group = "Mode"})
        .define({.name = "validate.non.null",
                 .type = sdk::ConfigType::kBoolean,
                 .default_value = true,
                 .importance = sdk::Importance::kLow,
                 .documentation = "Fail if the incrementing or timestamp columns are nullable.",
                 .group = "Mode"})
        .define({.name = "query",
                 .type = sdk::ConfigType::kString,
                 .default_value = std::string(),
                 .importance = sdk::Importance::kMedium,
                 .documentation = "A custom query to run instead of copying whole tables.",
                 .group = "Mode"})
        .define({.name = "query.retry.attempts",
                 .type = sdk::ConfigType::kInt,
                 .default_value = -1,
                 .validator = sdk::Range::at_least(-1),
                 .importance = sdk::Importance::kLow,
                 .documentation = "How many times in a row a failing query is run before the task "
                                  "fails; -1 (and 0): for ever.",
                 .group = "Mode"})
        .define({.name = "query.masked",
                 .type = sdk::ConfigType::kPassword,
                 .default_value = nullptr,
                 .importance = sdk::Importance::kMedium,
                 .documentation = "The same as query, hidden in logs and the REST API.",
                 .group = "Mode"})
        .define({.name = "transaction.isolation.mode",
                 .type = sdk::ConfigType::kString,
                 .default_value = std::string("DEFAULT"),
                 .validator = sdk::ValidString::in({"DEFAULT", "READ_UNCOMMITTED", "READ_COMMITTED",
                                                    "REPEATABLE_READ", "SERIALIZABLE",
                                                    "SQL_SERVER_SNAPSHOT"}),
                 .importance = sdk::Importance::kMedium,
                 .documentation = "The transaction isolation level of the source's queries; "
                                  "DEFAULT keeps the database's.",
                 .group = "Mode"})
        .define({.name = "query.suffix",
                 .type = sdk::ConfigType::kString,
                 .default_value = std::string(),
                 .importance = sdk::Importance::kLow,
                 .documentation = "Suffix to append at the end of the generated query.",
                 .group = "Mode"})
        .define({.name = "poll.interval.ms",
                 .type = sdk::ConfigType::kInt,
                 .default_value = 5000,
                 .validator = sdk::Range::at_least(1),
                 .importance = sdk::Importance::kHigh,
                 .documentation = "Frequency in ms to poll for new data in each table.",
                 .group = "Connector"})
        .define({.name = "batch.max.rows",
                 .type = sdk::ConfigType::kInt,
                 .default_value = 1000,
                 .validator = sdk::Range::at_least(1),
                 .importance = sdk::Importance::kLow,
                 .documentation = "Maximum number of rows to include in a single batch when "
                                  "polling for new data.",
                 .group = "Connector"})
        .define({.name = "topic.prefix",
                 .type = sdk::ConfigType::kString,
                 .importance = sdk::Importance::kHigh,
                 .documentation = "Prefix to prepend to table names to generate the name of the "
                                  "topic to publish data to, or in the case of a custom query, "
                                  "the full name of the topic.",
                 .group = "Connector"});
    return d;
  }();
  return def;
}

sdk::ParsedConfig JdbcSourceConnector::parse(const sdk::ConfigMap& props) {
  sdk::ParsedConfig config = config_def().parse(props);
  const std::string& mode = config.get_string("mode");
  if (mode.empty()) throw sdk::ConfigException("Query mode must be specified");
  if (mode != "bulk" && mode != "incrementing" && mode != "timestamp" &&
      mode != "timestamp+incrementing") {
    throw sdk::ConfigException("Invalid mode: " + mode);
  }
  if (!config.get_list("table.whitelist").empty() && !config.get_list("table.blacklist").empty())
    throw sdk::ConfigException("table.whitelist and table.blacklist are mutually exclusive.");
  const bool filters = !config.get_list("table.whitelist").empty() ||
                       !config.get_list("table.blacklist").empty() ||
                       !config.get_list("table.include.list").empty() ||
                       !config.get_list("table.exclude.list").empty();
  if (!config.get_string("query").empty() && !config.is_null("query.masked") &&
      !config.get_password("query.masked").value().empty()) {
    throw sdk::ConfigException("Do not specify both query and query.masked");
  }
  if (config.get_string("transaction.isolation.mode") == "SQL_SERVER_SNAPSHOT") {
    throw sdk::ConfigException(
        "Isolation mode of SQL_SERVER_SNAPSHOT can only be configured with a Sql Server Dialect");
  }
  if (!source_query(config).empty() && filters) {
    throw sdk::ConfigException(
        "Do not specify table filtering (table.whitelist, table.blacklist, table.include.list, "
        "table.exclude.list) with the query option");
  }
  if ((mode == "timestamp" || mode == "timestamp+incrementing") &&
      config.get_list("timestamp.column.name").empty()) {
    throw sdk::ConfigException("Mode " + mode + " requires timestamp.column.name");
  }
  connection_settings(config);  // the URL and the dialect
  return config;
}

std::string source_query(const sdk::ParsedConfig& config) {
  const std::string& query = config.get_string("query");
  if (!query.empty() || config.is_null("query.masked")) return query;
  return config.get_password("query.masked").value();
}

JdbcSourceConnector::JdbcSourceConnector() = default;

JdbcSourceConnector::~JdbcSourceConnector() { stop(); }

std::string JdbcSourceConnector::version() const { return kVersion; }

std::vector<sdk::ConfigValue> JdbcSourceConnector::validate(const sdk::ConfigMap& props) const {
  std::vector<sdk::ConfigValue> values = config_def().validate(props);
  if (sdk::error_count(values) > 0) return values;
  try {
    parse(props);
  } catch (const sdk::ConfigException& error) {
    // Beside the key the message names ("... for configuration connection.url: ..."), else
    // beside mode, where the checks across keys start.
    const std::string message = error.what();
    std::string key = "mode";
    constexpr std::string_view kNamed = " for configuration ";
    if (const auto at = message.find(kNamed); at != std::string::npos) {
      const auto start = at + kNamed.size();
      key = message.substr(start, message.find(':', start) - start);
    }
    const auto beside = [&values](std::string_view name) {
      return std::find_if(values.begin(), values.end(),
                          [name](const sdk::ConfigValue& value) { return value.name == name; });
    };
    auto value = beside(key);
    if (value == values.end()) value = beside("mode");
    if (value != values.end()) value->errors.push_back(message);
  }
  return values;
}

std::vector<TableId> JdbcSourceConnector::list_tables(Connection& connection) const {
  const Dialect dialect = dialect_for(*config_, connection.kind());
  const auto& types = config_->get_list("table.types");
  const bool views = std::find(types.begin(), types.end(), "VIEW") != types.end();
  std::optional<std::string> schema_pattern;
  if (!config_->is_null("schema.pattern")) schema_pattern = config_->get_string("schema.pattern");
  std::optional<std::string> catalog_pattern;
  if (!config_->is_null("catalog.pattern")) {
    catalog_pattern = config_->get_string("catalog.pattern");
  }
  return filter_tables(dialect.list_tables(connection, schema_pattern, views, catalog_pattern),
                       *config_);
}

void JdbcSourceConnector::start(const sdk::ConfigMap& props) {
  config_ = parse(props);
  props_ = props;
  if (!source_query(*config_).empty()) return;  // one task, no tables to watch
  auto connection = connect(*config_);
  std::vector<TableId> tables = list_tables(*connection);
  // Confluent refuses duplicate unqualified names: they would share a topic.
  for (std::size_t i = 0; i < tables.size(); ++i) {
    for (std::size_t j = i + 1; j < tables.size(); ++j) {
      if (tables[i].name == tables[j].name) {
        throw sdk::ConnectException("The tables " + tables[i].qualified() + " and " +
                                    tables[j].qualified() + " would both write to topic " +
                                    config_->get_string("topic.prefix") + tables[i].name +
                                    "; narrow the selection with table.whitelist or "
                                    "schema.pattern");
      }
    }
  }
  {
    std::lock_guard lock(mutex_);
    tables_ = std::move(tables);
    stopping_ = false;
  }
  monitor_thread_ = std::thread([this] { monitor(); });
}

void JdbcSourceConnector::monitor() {
  const auto interval = std::chrono::milliseconds(config_->get_long("table.poll.interval.ms"));
  std::unique_ptr<Connection> connection;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
    lock.unlock();
    std::optional<std::vector<TableId>> found;
    try {
      if (!connection) connection = connect(*config_);
      found = list_tables(*connection);
    } catch (const std::exception& error) {
      connection.reset();
      log(std::string("could not list the tables (will try again): ") + error.what());
    }
    lock.lock();
    if (found && *found != tables_ && !stopping_) {
      log("the set of tables changed (" + std::to_string(tables_.size()) + " -> " +
          std::to_string(found->size()) + "); reconfiguring the tasks");
      tables_ = std::move(*found);
      lock.unlock();
      context().request_task_reconfiguration();
      lock.lock();
    }
  }
}

std::vector<sdk::ConfigMap> JdbcSourceConnector::task_configs(int max_tasks) {
  if (!source_query(*config_).empty()) return {props_};
  std::vector<TableId> tables;
  {
    std::lock_guard lock(mutex_);
    tables = tables_;
  }
  if (tables.empty()) {
    log("no tables match the connector's filters; no tasks until some do");
    return {};
  }
  const std::size_t groups = std::min<std::size_t>(tables.size(), std::max(1, max_tasks));
  std::vector<sdk::ConfigMap> configs;
  // Contiguous groups, sizes differing by at most one (Confluent's ConnectorUtils.groupPartitions).
  std::size_t next = 0;
  for (std::size_t group = 0; group < groups; ++group) {
    const std::size_t size = tables.size() / groups + (group < tables.size() % groups ? 1 : 0);
    std::vector<TableId> part(tables.begin() + next, tables.begin() + next + size);
    next += size;
    sdk::ConfigMap config = props_;
    config[kTablesConfig] = encode_tables(part);
    configs.push_back(std::move(config));
  }
  return configs;
}

void JdbcSourceConnector::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (monitor_thread_.joinable()) monitor_thread_.join();
}

std::unique_ptr<sdk::SourceTask> JdbcSourceConnector::create_task() const {
  return std::make_unique<JdbcSourceTask>();
}

}  // namespace ferry::connectors::jdbc
