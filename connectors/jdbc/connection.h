// Connections to the two databases the JDBC connectors speak to, PostgreSQL and MySQL/MariaDB,
// through SOCI and its postgresql and mysql back ends.
//
// Kafka Connect users configure them with JDBC URLs, and those URLs must work unchanged:
//   jdbc:postgresql://host[:port]/database[?user=u&password=p&...]
//   jdbc:mysql://host[:port]/database[?...]      jdbc:mariadb://host[:port]/database[?...]
// connection.user / connection.password win over the URL's user / password parameters.
// PostgreSQL's ApplicationName (PgJDBC's) names the session (default "ferry"). Other URL
// parameters are accepted and ignored (they are JDBC driver settings such as useSSL).
//
// A Connection is one SOCI session, set up for the connectors' text exchange: the session time
// zone is UTC (temporal values cross the boundary as UTC text), MySQL's character set is utf8mb4.
// The password never appears in an error message or in to_string().
//
// Thread-safety: a Connection belongs to one thread (a task's or the connector's).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <soci/soci-backend.h>  // soci::indicator

namespace soci {
class session;
class statement;
}  // namespace soci

namespace ferry::connectors::jdbc {

enum class DatabaseKind { kPostgres, kMysql };

struct ConnectionSettings {
  DatabaseKind kind = DatabaseKind::kPostgres;
  std::string host;
  int port = 0;
  std::string database;
  std::string user;
  std::string password;
  std::map<std::string, std::string> parameters;  // the URL's other parameters, decoded
  // PostgreSQL: the libpq TLS keywords and values the URL's PgJDBC parameters ask for.
  std::vector<std::pair<std::string, std::string>> postgres_tls;

  // Parses a JDBC URL; user and password (when not empty) override the URL's. Throws
  // sdk::ConfigException naming connection.url and what is wrong (never the password), also for
  // an unknown sslmode and for a MySQL/MariaDB URL that requires TLS (not supported yet: the
  // connection would otherwise go without it).
  static ConnectionSettings parse(std::string_view url, const std::string& user = "",
                                  const std::string& password = "");

  // The SOCI connection string for the back end (libpq or MariaDB Connector/C keywords), with
  // every value quoted.
  std::string soci_connect_string() const;
  // "postgresql://host:port/database as user": for messages, without the password.
  std::string describe() const;
};

// One row of a result, as text: nullopt is SQL NULL.
using TextRow = std::vector<std::optional<std::string>>;

// PostgreSQL's COPY text format (the default of COPY ... FROM STDIN): one line a row, fields
// separated by a tab, SQL NULL written \N. Appends one field's value to a row being written:
// a backslash, tab, newline or carriage return in the value is escaped (\\, \t, \n, \r); every
// other byte stands for itself, and the server decodes the text as it would a text parameter.
void append_copy_text(std::string& row, std::string_view value);
inline constexpr std::string_view kCopyNull = "\\N";

// A failed script's first error (Connection::finish_script), with its SQLSTATE when the server
// gave one (PostgreSQL; "" otherwise).
class ScriptError : public soci::soci_error {
 public:
  ScriptError(const std::string& message, std::string sqlstate)
      : soci::soci_error(message), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

class Connection {
 public:
  // Connects, trying attempts times with backoff between tries. Throws sdk::ConnectException
  // naming the database (not the password) and the last error.
  static std::unique_ptr<Connection> open(const ConnectionSettings& settings, int attempts = 1,
                                          std::chrono::milliseconds backoff = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  DatabaseKind kind() const { return settings_.kind; }
  const ConnectionSettings& settings() const { return settings_; }
  soci::session& session() { return *session_; }

  // Runs a statement that returns nothing.
  void execute(const std::string& sql);
  // PostgreSQL: runs sql, a COPY ... FROM STDIN, and sends it rows, COPY text (each line ending
  // in '\n'; append_copy_text). Throws soci::soci_error with the server's message when the
  // statement or a row fails (the transaction is then aborted: roll back to a savepoint).
  void copy_from(const std::string& sql, std::string_view rows);
  // MySQL: appends value to sql as a quoted string literal, escaped for the connection (what
  // SOCI's MySQL back end writes for a bound string).
  void append_mysql_string(std::string& sql, std::string_view value);
  // MySQL: runs sql, a statement that returns nothing, as it is (SOCI would look for
  // placeholders in it). Throws soci::soci_error with the server's message.
  void execute_mysql(const std::string& sql);
  // For a transaction whose outcome is read later (the sink converts its next records
  // meanwhile): sends script, statements separated by ';', and returns without waiting for them.
  // PostgreSQL: exactly one of them is a COPY ... FROM STDIN; waits for the server to start it
  // (the statements before it must succeed) and sends it rows (COPY text, as copy_from). MySQL:
  // rows must be empty (multiple statements are switched on for the session). Nothing else may
  // use the connection until finish_script() has read the outcome. Throws soci::soci_error with
  // the server's message, after rolling back what the script began.
  void send_script(const std::string& script, std::string_view rows);
  // Waits for the outcome of the script send_script() sent. Throws ScriptError with the first
  // error, after rolling back a transaction the script left open.
  void finish_script();
  // PostgreSQL: appends value to sql as a string literal, escaped for the connection.
  void append_postgres_literal(std::string& sql, std::string_view value);
  // Whether the server still answers (a trivial query succeeds): after an error, tells a lost
  // connection (worth reconnecting) from an error of the statement itself.
  bool alive();
  // Runs a query of column_count columns with text parameters bound to :p0, :p1, ... and
  // returns every row as text (the whole result at once: catalog queries and the like).
  std::vector<TextRow> query(const std::string& sql, std::size_t column_count,
                             const std::vector<std::optional<std::string>>& parameters = {});

  // PostgreSQL: the transaction the ResultReaders' cursors live in. begin() starts one unless
  // a transaction is open already (then its owner commits it); end() commits the one begin()
  // started once no cursor is left. A transaction that failed is rolled back by alive(), which
  // ends every cursor: generation() changes, and readers of an older generation stop.
  struct CursorTransaction {
    int open_cursors = 0;
    bool owned = false;  // begun by the first cursor, committed after the last
    std::uint64_t generation = 0;
    std::uint64_t next_cursor = 0;
  };
  CursorTransaction& cursor_transaction() { return cursor_transaction_; }

  // A ResultReader whose rows are still on their way (a PostgreSQL FETCH in flight, a MySQL
  // result streaming) sets how to read them into it; the reader clears it once they are read.
  void set_unread_rows(std::function<void()> read) { unread_rows_ = std::move(read); }
  // Reads such rows into their reader, if there are any, so that the connection can run another
  // statement (execute(), query() and new readers call it first).
  void read_unread_rows();

 private:
  Connection(ConnectionSettings settings, std::unique_ptr<soci::session> session);

  ConnectionSettings settings_;
  std::unique_ptr<soci::session> session_;
  CursorTransaction cursor_transaction_;
  std::function<void()> unread_rows_;
  bool mysql_multi_statements_ = false;  // send_script() switched them on
};

// A query's result read in batches of rows, every column as text: the source tasks read tables
// this way, batch.max.rows at a time, and keep the result open between polls. Parameters bind to
// :p0, :p1, ... as text, which both databases convert to the column type they are compared with.
//
// PostgreSQL: the query runs as a server-side cursor (DECLARE ... NO SCROLL CURSOR, then FETCH
// FORWARD) in a transaction, through the session's libpq connection: the first FETCH reads one
// batch, so the first rows come before the query has finished, later ones about 4 MiB of rows
// (at most 10,000, at least a batch), so memory stays bounded and a small batch does not cost a
// round trip each. Each later FETCH is sent as soon as the rows of the one before have arrived,
// so the server reads and sends them while the caller works through those: the FETCH stays in
// flight between next_batch() calls, and anything else using the connection through execute(),
// query() or another ResultReader first reads its rows (for the reader's later batches).
// The cursor reads one snapshot of the table, as the whole result did. The transaction is the
// connection's (Connection::CursorTransaction): it begins with the first open cursor and commits
// when the last one closes, so several tables of a task can be read side by side; the reader
// never begins or commits a transaction someone else started (it only declares its cursor in it).
// MySQL/MariaDB: the result is streamed (mysql_use_result): the server sends rows as the reader
// takes them, so memory holds one batch, not the whole result. Nothing else can use the
// connection until the last row is read, so anything that does (execute(), query(), another
// reader) first reads the rest of the result into memory for this reader; a reader destroyed
// before its end ends the connection rather than read the rest (alive() is false after it). The
// server's net_write_timeout (60 s by default) bounds how long a result may wait for its reader:
// past it the server drops the connection, and the source task reconnects and queries again from
// its offsets.
class ResultReader {
 public:
  // Runs the query (PostgreSQL: declares the cursor). Throws std::runtime_error (soci::soci_error
  // or the server's message) on failure.
  ResultReader(Connection& connection, const std::string& sql, std::size_t column_count,
               const std::vector<std::optional<std::string>>& parameters, std::size_t batch_rows);
  // Closes the cursor; never throws (a lost connection is simply left behind).
  ~ResultReader();
  ResultReader(const ResultReader&) = delete;
  ResultReader& operator=(const ResultReader&) = delete;

  // Reads the next at most batch_rows rows; false (and rows() 0) once the result is exhausted.
  // The values of the previous batch are invalid after this call.
  bool next_batch();
  // Whether the last batch was the last one (it was shorter than batch_rows, or empty).
  bool exhausted() const { return exhausted_; }
  std::size_t rows() const;
  // The text of a column of a row of the current batch, or nullopt for SQL NULL.
  std::optional<std::string_view> value(std::size_t row, std::size_t column) const;

  // The back end's result, batch by batch (defined in connection.cpp).
  class Source {
   public:
    virtual ~Source() = default;
    // Reads the next batch; the number of rows in it (0: the result is exhausted).
    virtual std::size_t next_batch() = 0;
    virtual std::size_t rows() const = 0;
    virtual std::optional<std::string_view> value(std::size_t row, std::size_t column) const = 0;
  };

 private:
  std::unique_ptr<Source> source_;
  std::size_t batch_rows_ = 1;
  bool exhausted_ = false;
};

}  // namespace ferry::connectors::jdbc
