// Connections to the two databases the JDBC connectors speak to, PostgreSQL and MySQL/MariaDB,
// through SOCI and its postgresql and mysql back ends.
//
// Kafka Connect users configure them with JDBC URLs, and those URLs must work unchanged:
//   jdbc:postgresql://host[:port]/database[?user=u&password=p&...]
//   jdbc:mysql://host[:port]/database[?...]      jdbc:mariadb://host[:port]/database[?...]
// connection.user / connection.password win over the URL's user / password parameters. Other URL
// parameters are accepted and ignored (they are JDBC driver settings such as useSSL).
//
// A Connection is one SOCI session, set up for the connectors' text exchange: the session time
// zone is UTC (temporal values cross the boundary as UTC text), MySQL's character set is utf8mb4.
// The password never appears in an error message or in to_string().
//
// Thread-safety: a Connection belongs to one thread (a task's or the connector's).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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

  // Parses a JDBC URL; user and password (when not empty) override the URL's. Throws
  // sdk::ConfigException naming connection.url and what is wrong (never the password).
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
  // Whether the server still answers (a trivial query succeeds): after an error, tells a lost
  // connection (worth reconnecting) from an error of the statement itself.
  bool alive();
  // Runs a query of column_count columns with text parameters bound to :p0, :p1, ... and
  // returns every row as text.
  std::vector<TextRow> query(const std::string& sql, std::size_t column_count,
                             const std::vector<std::optional<std::string>>& parameters = {});

 private:
  Connection(ConnectionSettings settings, std::unique_ptr<soci::session> session);

  ConnectionSettings settings_;
  std::unique_ptr<soci::session> session_;
};

// A query's result read in batches of rows, every column as text (both back ends hand SOCI text,
// so this costs no conversion): the source tasks read tables this way, batch.max.rows at a time,
// and keep the result open between polls. Parameters bind to :p0, :p1, ... as text, which both
// databases convert to the column type they are compared with.
class ResultReader {
 public:
  // Runs the query. Throws soci::soci_error (a std::runtime_error) on failure.
  ResultReader(Connection& connection, const std::string& sql, std::size_t column_count,
               const std::vector<std::optional<std::string>>& parameters, std::size_t batch_rows);
  ~ResultReader();
  ResultReader(const ResultReader&) = delete;
  ResultReader& operator=(const ResultReader&) = delete;

  // The next at most batch_rows rows; false (and rows empty) once the result is exhausted.
  bool next_batch(std::vector<TextRow>& rows);

 private:
  void resize();

  std::size_t batch_rows_;
  // Bound by address: they stay put for the statement's life.
  std::vector<std::string> parameter_values_;
  std::vector<soci::indicator> parameter_indicators_;
  std::vector<std::vector<std::string>> column_values_;
  std::vector<std::vector<soci::indicator>> column_indicators_;
  std::unique_ptr<soci::statement> statement_;
  bool has_rows_ = false;
  bool first_batch_taken_ = false;
};

}  // namespace ferry::connectors::jdbc
