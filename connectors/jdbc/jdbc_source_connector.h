// JdbcSourceConnector: Confluent's io.confluent.connect.jdbc.JdbcSourceConnector. Reads tables
// (or one custom query) of a PostgreSQL or MySQL/MariaDB database into topics named
// topic.prefix + table name, through JdbcSourceTask.
//
// The connector lists the tables that pass the filters (table.whitelist / table.blacklist, or
// the regex lists table.include.list / table.exclude.list) and deals them out over
// min(tables, tasks.max) tasks; a custom query runs in one task. A monitor thread lists the
// tables again every table.poll.interval.ms and asks the worker for new task configurations
// when the set changed (a table added or dropped).
//
// Options, defaults and the messages for bad combinations follow Confluent's (connect.md 8.1);
// docs/jdbc.md lists them and what Ferry does not do yet.
//
// Thread-safety: the worker drives start/task_configs/stop from one thread; the monitor thread
// only reads the database and calls the context. stop() joins it.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "connectors/jdbc/dialect.h"
#include "ferry/sdk/source_connector.h"

namespace ferry::connectors::jdbc {

// The tables a task reads, as the connector passes them in the task's "tables" key: qualified
// names, '.', ',' and '\' escaped with '\'.
std::string encode_tables(const std::vector<TableId>& tables);
// The custom query: query, or query.masked (the same, hidden in logs and REST); empty for tables.
std::string source_query(const sdk::ParsedConfig& config);
std::vector<TableId> decode_tables(const std::string& text);

// The tables of all that the filters of config let through, in order. Throws ConfigException
// for an invalid regex.
std::vector<TableId> filter_tables(const std::vector<TableId>& all,
                                   const sdk::ParsedConfig& config);

class JdbcSourceConnector : public sdk::SourceConnector {
 public:
  static constexpr const char* kClassName = "io.confluent.connect.jdbc.JdbcSourceConnector";
  static constexpr const char* kTablesConfig = "tables";  // task-only

  static const sdk::ConfigDef& config_def();
  // config_def().parse(props) plus the cross-key rules (mode set, whitelist xor blacklist,
  // query xor table filters, ...). Throws ConfigException.
  static sdk::ParsedConfig parse(const sdk::ConfigMap& props);

  JdbcSourceConnector();
  ~JdbcSourceConnector() override;

  std::string version() const override;
  void start(const sdk::ConfigMap& props) override;
  std::vector<sdk::ConfigMap> task_configs(int max_tasks) override;
  void stop() override;
  sdk::ConfigDef config() const override { return config_def(); }
  std::vector<sdk::ConfigValue> validate(const sdk::ConfigMap& props) const override;
  std::unique_ptr<sdk::SourceTask> create_task() const override;

 private:
  std::vector<TableId> list_tables(Connection& connection) const;
  void monitor();

  sdk::ConfigMap props_;
  std::optional<sdk::ParsedConfig> config_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;        // guarded by mutex_
  std::vector<TableId> tables_;  // guarded by mutex_
  std::thread monitor_thread_;   // last: joined in stop() before the rest goes away
};

}  // namespace ferry::connectors::jdbc
