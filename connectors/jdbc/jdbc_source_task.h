// JdbcSourceTask: Confluent's io.confluent.connect.jdbc.source.JdbcSourceTask. Reads the tables
// its connector gave it (the task's "tables" key), or the custom query, and turns each row into a
// SourceRecord whose value is a STRUCT named after the table (connect.md 8.4).
//
// One querier per table: it runs the mode's query (connect.md 8.2) when the table is due, hands
// out at most batch.max.rows rows per poll() while the result lasts, and then waits
// poll.interval.ms before querying again. Each record carries Confluent's source partition and
// offset (connect.md 8.3), so a restarted task resumes after the last row whose offset the worker
// stored: {"protocol":"1","table":"schema.table"} -> {"incrementing":42} and/or
// {"timestamp":<ms>,"timestamp_nanos":<ns>}; bulk mode has {"table":"name"} and no offset.
//
// Column types are read from the catalog on each new query, so a column added to a table shows up
// in the next records' schema. Columns of types the connector cannot map are skipped (reported
// once in the log).
//
// Threading: start/poll on the task thread; stop() from any thread (sets a flag poll() checks).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connectors/jdbc/column_mapping.h"
#include "connectors/jdbc/connection.h"
#include "connectors/jdbc/dialect.h"
#include "ferry/sdk/source_connector.h"

namespace ferry::connectors::jdbc {

class JdbcSourceTask : public sdk::SourceTask {
 public:
  JdbcSourceTask();
  ~JdbcSourceTask() override;

  std::string version() const override;
  // Connects and reads the stored offsets. Throws ConfigException / ConnectException.
  void start(const sdk::ConfigMap& props) override;
  // The next batch of one due table, or nothing after waiting up to about a second.
  std::vector<sdk::SourceRecord> poll() override;
  void stop() override { stopping_ = true; }

 private:
  struct Querier;
  using Clock = std::chrono::steady_clock;

  void start_query(Querier& querier);
  std::vector<sdk::SourceRecord> read_batch(Querier& querier);

  std::unique_ptr<sdk::ParsedConfig> config_;
  std::unique_ptr<Connection> connection_;
  std::unique_ptr<Dialect> dialect_;
  std::string mode_;
  NumericMapping numeric_mapping_ = NumericMapping::kNone;
  std::vector<std::unique_ptr<Querier>> queriers_;
  std::atomic<bool> stopping_{false};
};

}  // namespace ferry::connectors::jdbc
