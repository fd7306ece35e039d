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
// The database going away: a query that fails while the server no longer answers drops the
// connection, and the next polls reconnect, connection.backoff.ms apart; after
// connection.attempts failed tries in a row the task fails (ConnectException naming the database,
// the attempts and the first error). A reconnected querier runs its query again from the offset
// of the last record it returned, so no row is lost or read twice. An error while the server
// still answers (a dropped table, a bad query) fails the task at once.
//
// Column types are read from the catalog on each new query, so a column added to a table shows up
// in the next records' schema. Columns of types the connector cannot map are skipped (reported
// once in the log).
//
// Reading ahead: while the worker converts and sends the records one poll() returned, the next
// batch of the same result is read (fetched and turned into records) on a thread of the task's
// own, and the next poll() returns it. Rows, order and offsets are those of reading it in that
// poll(); only one batch is read ahead, and nothing else uses the connection meanwhile.
//
// Threading: start/poll on the task thread; stop() from any thread (sets a flag poll() checks).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
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

  // Opens connection_ (one try); false after a failed try and a backoff, so poll() returns.
  // Throws ConnectException once connection.attempts tries in a row failed.
  // transaction.isolation.mode on the (new) connection; nothing for DEFAULT.
  void set_isolation();
  bool reconnect();
  void start_query(Querier& querier);
  std::vector<sdk::SourceRecord> read_batch(Querier& querier);
  // Runs reading (a query, a batch); true if it succeeded. An error while the database still
  // answers throws ConnectException; a lost connection drops connection_ (and every open result)
  // and gives false.
  bool read(Querier& querier, const std::function<void()>& reading);

  std::unique_ptr<sdk::ParsedConfig> config_;
  std::unique_ptr<Connection> connection_;
  std::unique_ptr<Dialect> dialect_;
  std::string mode_;
  NumericMapping numeric_mapping_ = NumericMapping::kNone;
  DbTimeZone db_time_zone_;  // db.timezone
  std::vector<std::unique_ptr<Querier>> queriers_;
  // The next batch of a table whose result goes on is read on read_ahead_'s thread while the
  // worker sends the batch poll() returned; the next poll() waits for it and returns it.
  class ReadAhead;
  std::unique_ptr<ReadAhead> read_ahead_;
  Querier* read_ahead_querier_ = nullptr;  // set: a batch of it is being read ahead
  std::vector<sdk::SourceRecord> read_ahead_records_;
  int failed_connection_attempts_ = 0;
  std::string connection_lost_error_;  // why the connection was dropped, for the final error
  std::atomic<bool> stopping_{false};
};

}  // namespace ferry::connectors::jdbc
