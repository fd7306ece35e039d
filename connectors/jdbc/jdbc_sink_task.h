// JdbcSinkTask: Confluent's io.confluent.connect.jdbc.sink.JdbcSinkTask. Writes each put()'s
// records to their tables in one transaction: consecutive records of the same table, operation
// and columns are one batch (at most batch.size rows). Inserts and upserts (PostgreSQL ON
// CONFLICT ... DO UPDATE, MySQL ON DUPLICATE KEY UPDATE) go as multi-row INSERT statements, one
// round trip per kMaxParameters values (on MySQL the statement's text is built here, each value
// escaped by the connection, as SOCI would bind it); UPDATE, and DELETE for tombstones when
// delete.enabled, bind SOCI vectors to one prepared statement (SOCI runs it once per row).
// On PostgreSQL a batch of kCopyMinRows or more inserts or upserts is instead COPYed (text
// format, through libpq) into a temporary staging table of the target's columns (ON COMMIT
// DELETE ROWS, one per layout and session) and written with one INSERT ... SELECT from it, with
// the same ON CONFLICT clause: the same rows (an upsert keeps a key's last row of the batch),
// the same triggers and rules, in half the server's time or less (docs/performance.md).
//
// Before the first write to a table with a given set of columns the task checks the table in the
// catalog: missing tables are created (auto.create), missing columns added as nullable
// (auto.evolve); otherwise the error names the table and the columns.
//
// Errors: a bad record - one that does not fit (a value schema that is not a STRUCT, a field type
// with no column type, a missing key) or that the database refuses (a value too long, a
// constraint violation) - is named with its topic, partition, offset, table and, where known,
// column, and reported to the worker's ErrantRecordReporter, which fails the task
// (errors.tolerance=none, the default) or skips it, logs it and sends it to the dead letter
// queue (all). Without a reporter the task does the same itself, without the queue. Each batch runs
// under a savepoint: when its statement fails and the database still answers, the batch is rolled
// back to the savepoint and its records are written one at a time to find the bad ones. Any other
// database error (the server away) rolls the transaction back and is retried max.retries times,
// retry.backoff.ms apart (RetriableException, the worker delivers the same records again), then
// fails the task.
//
// exactly.once.enabled: each put's transaction also stores the next offsets of its partitions
// in a table of the database (sink_offset_store.h), and open() rewinds to them.
//
// Sent transactions: a put whose records make one batch of inserts or upserts (one layout,
// kSendMinRows to batch.size records) sends its whole transaction at once - BEGIN, the offsets,
// the rows (PostgreSQL: the COPY and its rows, then the INSERT ... SELECT; MySQL: the multi-row
// INSERTs), COMMIT - and returns without waiting for the outcome, so the worker converts the next
// records while the database writes these (Kafka Connect lets put() write asynchronously). The next
// put(), flush(), pre_commit(), open() or close() reads the outcome first. A transaction that
// failed is rolled back and its records, kept until then, are written again as any put's are (batch
// by batch under savepoints, a failed batch row by row, the bad record named and reported; a lost
// connection retried by put()). pre_commit() reports no offset of a record not yet committed. With
// exactly.once.enabled, records whose offsets the database already holds (a commit whose answer was
// lost) are not written again.
//
// PostgreSQL upserts, optimistically: a sent batch with no key twice is COPYed straight into the
// table (no staging table, no ON CONFLICT: about the cost of the bulk load) when the table's
// catalog shows that doing so is the upsert for rows of new keys (direct_copy_of). A key the
// table holds fails the COPY (unique_violation): the transaction, offsets included, is rolled
// back, the batch upserted from the staging table, and the next puts upsert too, a number that
// doubles with each later conflict, so a stream of updates rarely pays for the failed COPY.
//
// Tables are created or evolved before the put's transaction opens (MySQL commits on DDL).
//
// Threading: everything on the task thread; stop() does nothing that needs another thread.
#pragma once

#include <exception>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "connectors/jdbc/connection.h"
#include "connectors/jdbc/db_time_zone.h"
#include "connectors/jdbc/dialect.h"
#include "connectors/jdbc/sink_offset_store.h"
#include "ferry/sdk/sink_connector.h"

namespace ferry::connectors::jdbc {

class JdbcSinkTask : public sdk::SinkTask {
 public:
  JdbcSinkTask();
  ~JdbcSinkTask() override;

  std::string version() const override;
  void start(const sdk::ConfigMap& props) override;
  // With exactly.once.enabled: rewinds the partitions to the offsets stored with the rows.
  void open(const std::set<sdk::TopicPartitionId>& partitions) override;
  // Writes what earlier puts left unwritten, then sends these records' transaction (or writes
  // them, see the header).
  void put(std::vector<sdk::SinkRecord> records) override;
  // Waits for the transaction put() sent; writes its records again if it failed. Throws when
  // they cannot be written.
  void flush(const sdk::SinkOffsets& current_offsets) override;
  // As flush(), but never throws: the offsets returned stop before the first record not written.
  sdk::SinkOffsets pre_commit(const sdk::SinkOffsets& current_offsets) override;
  // Waits for the transaction put() sent; forgets the partitions' records still to write.
  void close(const std::set<sdk::TopicPartitionId>& partitions) override;
  void stop() override {}

 private:
  struct Layout;
  struct Batch;
  struct Rows;
  // A put's records, each with its layout (an index into layouts), bad records left out.
  struct Plan {
    std::vector<Layout> layouts;
    std::vector<std::pair<const sdk::SinkRecord*, std::size_t>> records;
  };

  // Works out the records' layouts, creating or evolving their tables; reports bad records.
  Plan plan_of(const std::vector<sdk::SinkRecord>& records);
  static sdk::SinkOffsets next_offsets(const std::vector<sdk::SinkRecord>& records);
  // Writes the records in one transaction, waiting for it to commit.
  void write(const std::vector<sdk::SinkRecord>& records, const Plan& plan);
  // Records of one batch of inserts or upserts (PostgreSQL: COPYed): sends their transaction
  // whole and takes the records into sent_, without waiting for the outcome. False (nothing
  // sent) otherwise.
  bool send(std::vector<sdk::SinkRecord>& records, const Plan& plan);
  // Reads the outcome of the transaction send() sent; when it failed its records go to redo_.
  // Never throws.
  void collect_sent();
  // collect_sent(), then writes redo_ (write(): batch by batch, a failed batch row by row).
  void write_pending();
  Layout layout_of(const sdk::SinkRecord& record) const;
  // Creates or evolves the table as needed.
  void ensure_table(const Layout& layout);
  // PostgreSQL inserts and upserts: sets layout.copy_table to the session's staging table for
  // the layout, created on first use (outside any transaction), or leaves it empty when the
  // table cannot be created.
  // Upserts also get layout.direct_copy (direct_copy_of, asked once per layout and session).
  void ensure_copy_table(Layout& layout);
  // The COPY that writes rows of new keys straight into the layout's table, doing exactly what
  // its upsert would, or "" when the table's catalog entry cannot promise that.
  std::string direct_copy_of(const Layout& layout, const std::string& columns);
  // The batch's rows as text, by column; bad records are reported and left out of the batch.
  Rows convert(Batch& batch);
  // The rows a statement writes, in order: an upsert keeps only a key's last row.
  static std::vector<std::size_t> chosen_rows(const Layout& layout, const Rows& rows);
  // copy_rows_ = those rows as COPY text.
  void set_copy_rows(const Rows& rows, const std::vector<std::size_t>& chosen);
  // MySQL: the multi-row INSERTs (kMaxParameters values each) writing the chosen rows.
  std::vector<std::string> mysql_inserts(const Layout& layout, const Rows& rows,
                                         const std::vector<std::size_t>& chosen);
  // Writes the batch's rows (named so as not to hide SinkTask::flush).
  void write_batch(Batch& batch);
  // A bad record: to the worker's ErrantRecordReporter when it has one (which throws, or logs
  // and dead-letters it, per errors.tolerance); else errors.tolerance=none throws
  // DataException(message) and all logs it and returns.
  void reject(const sdk::SinkRecord& record, const std::string& message);
  // The column of layout.table a row's value is too long for, as " column NAME (...)", or "".
  // The zone a Timestamp is written in to a column: db.timezone, except for the instant columns
  // of utc_columns_.
  DbTimeZone zone_of(const TableId& table, const std::string& column) const;
  std::string too_long_column(const Batch& batch,
                              const std::vector<std::vector<std::string>>& values, std::size_t row);
  TableId table_for(const std::string& topic);
  // Reconnects after a lost connection; throws std::runtime_error (retried) while it is away.
  void ensure_connected();

  std::unique_ptr<sdk::ParsedConfig> config_;
  std::unique_ptr<Connection> connection_;
  std::unique_ptr<Dialect> dialect_;
  std::unique_ptr<SinkOffsetStore> offset_store_;  // exactly.once.enabled
  std::string default_schema_;
  std::string insert_mode_;
  std::string pk_mode_;
  std::vector<std::string> pk_fields_;
  std::set<std::string> fields_whitelist_;
  std::set<std::string> checked_layouts_;  // tables whose columns are known to fit
  DbTimeZone db_time_zone_;                // db.timezone
  // MySQL TIMESTAMP columns (instants, which cross the connection in UTC) by table.
  std::map<std::string, std::set<std::string>> utc_columns_;
  // PostgreSQL: the staging table of each layout (by signature) in this session, "" when it
  // could not be created; those written to in the current put's transaction; the COPY text.
  std::map<std::string, std::string> copy_tables_;
  std::set<std::string> copy_tables_used_;
  std::size_t next_copy_table_ = 0;
  std::string copy_rows_;
  // PostgreSQL upserts: each layout's Layout::direct_copy in this session (by signature); whether
  // the sent transaction COPYed straight into the table; how many more puts upsert before trying
  // that again after a conflict, and how many the next conflict pauses it for.
  std::map<std::string, std::string> direct_copies_;
  bool sent_direct_ = false;
  int direct_pause_ = 0;
  int direct_backoff_ = 0;  // set by start()
  // The records of the transaction send() sent, whose outcome is not read yet; those of one
  // that failed, to write again before anything else. Their offsets are not reported as
  // committed (pre_commit) until then.
  std::vector<sdk::SinkRecord> sent_;
  bool sending_ = false;  // a transaction was sent (sent_ may be empty: every record was bad)
  std::vector<sdk::SinkRecord> redo_;
  // Why redo_ could not be written (a bad record, errors.tolerance=none): thrown again by every
  // later put() and flush(), as the task has failed.
  std::exception_ptr failure_;
  int remaining_retries_ = 0;
  bool tolerate_errors_ = false;  // errors.tolerance=all
};

}  // namespace ferry::connectors::jdbc
