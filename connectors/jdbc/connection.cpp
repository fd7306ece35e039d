#include "connectors/jdbc/connection.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <stdexcept>
#include <thread>

#include <libpq-fe.h>
#include <soci/mysql/soci-mysql.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include "connectors/jdbc/ascii_case.h"
#include "ferry/sdk/config_def.h"
#include "ferry/sdk/errors.h"

namespace ferry::connectors::jdbc {
namespace {

constexpr std::string_view kUrlKey = "connection.url";

[[noreturn]] void bad_url(std::string_view url, const std::string& reason) {
  // The URL may hold a password: in a parameter (show only what comes before the '?') or as
  // user:password@ before the host (show "...@" instead).
  const std::string_view before_query = url.substr(0, url.find('?'));
  std::string shown(before_query);
  if (const auto slashes = before_query.find("//"); slashes != std::string_view::npos) {
    const auto authority_end = before_query.find('/', slashes + 2);
    const auto at = before_query.substr(0, authority_end).rfind('@');
    if (at != std::string_view::npos && at > slashes) {
      shown = std::string(before_query.substr(0, slashes + 2)) + "..." +
              std::string(before_query.substr(at));
    }
  }
  throw sdk::ConfigException("Invalid value " + shown +
                             (before_query.size() < url.size() ? "?..." : "") +
                             " for configuration " + std::string(kUrlKey) + ": " + reason);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// URL percent-decoding ('+' stays '+', as JDBC drivers read it).
std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = hex_digit(text[i + 1]);
    const int low = hex_digit(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

// A value in a libpq or MySQL SOCI connection string: single quotes, backslash escapes.
std::string quoted(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// The URL parameter named name (ignoring case), if there is one.
const std::string* find_parameter(const std::map<std::string, std::string>& parameters,
                                  std::string_view name) {
  for (const auto& [key, value] : parameters) {
    if (equals_ignoring_case(key, name)) return &value;
  }
  return nullptr;
}

// PgJDBC's TLS parameters as libpq keywords: sslmode (disable, allow, prefer, require, verify-ca,
// verify-full), sslrootcert, sslcert, sslkey and sslpassword. ssl=true without sslmode means
// verify-full, as in PgJDBC, or require with the NonValidatingFactory; without either libpq
// prefers TLS, as PgJDBC does.
std::vector<std::pair<std::string, std::string>> postgres_tls_keywords(
    std::string_view url, const std::map<std::string, std::string>& parameters) {
  std::vector<std::pair<std::string, std::string>> keywords;
  std::string mode;
  if (const std::string* value = find_parameter(parameters, "sslmode")) {
    mode = *value;
    static constexpr std::string_view kModes[] = {"disable", "allow",     "prefer",
                                                  "require", "verify-ca", "verify-full"};
    if (std::find(std::begin(kModes), std::end(kModes), mode) == std::end(kModes)) {
      bad_url(url, "sslmode=" + mode +
                       " is not one of disable, allow, prefer, require, verify-ca, verify-full");
    }
  } else if (const std::string* ssl = find_parameter(parameters, "ssl");
             ssl != nullptr && equals_ignoring_case(*ssl, "true")) {
    const std::string* factory = find_parameter(parameters, "sslfactory");
    mode = factory != nullptr && factory->ends_with("NonValidatingFactory") ? "require"
                                                                            : "verify-full";
  }
  if (!mode.empty()) keywords.emplace_back("sslmode", mode);
  for (const std::string_view name : {"sslrootcert", "sslcert", "sslkey", "sslpassword"}) {
    if (const std::string* value = find_parameter(parameters, name))
      keywords.emplace_back(std::string(name), *value);
  }
  return keywords;
}

// The parameter that asks a MySQL/MariaDB connection for TLS ("sslMode=REQUIRED"), if any:
// Connector/J's sslMode REQUIRED, VERIFY_CA or VERIFY_IDENTITY and requireSSL=true, MariaDB
// Connector/J's (jdbc:mariadb:) sslMode trust, verify-ca or verify-full and useSsl=true.
// Connector/J's useSSL=true alone prefers TLS without requiring it, as sslMode=PREFERRED does.
std::optional<std::string> mysql_tls_demand(const std::map<std::string, std::string>& parameters,
                                            bool mariadb_url) {
  for (const auto& [key, value] : parameters) {
    const bool demands =
        (equals_ignoring_case(key, "sslMode") &&
         !(equals_ignoring_case(value, "DISABLED") || equals_ignoring_case(value, "disable") ||
           equals_ignoring_case(value, "PREFERRED"))) ||
        (equals_ignoring_case(key, "requireSSL") && equals_ignoring_case(value, "true")) ||
        (mariadb_url && equals_ignoring_case(key, "useSsl") && equals_ignoring_case(value, "true"));
    if (demands) return key + "=" + value;
  }
  return std::nullopt;
}

}  // namespace

ConnectionSettings ConnectionSettings::parse(std::string_view url, const std::string& user,
                                             const std::string& password) {
  ConnectionSettings settings;
  std::string_view rest;
  if (url.empty()) bad_url(url, "a JDBC URL is required, e.g. jdbc:postgresql://host:5432/db");
  if (url.starts_with("jdbc:postgresql://")) {
    settings.kind = DatabaseKind::kPostgres;
    settings.port = 5432;
    rest = url.substr(std::string_view("jdbc:postgresql://").size());
  } else if (url.starts_with("jdbc:mysql://")) {
    settings.kind = DatabaseKind::kMysql;
    settings.port = 3306;
    rest = url.substr(std::string_view("jdbc:mysql://").size());
  } else if (url.starts_with("jdbc:mariadb://")) {
    settings.kind = DatabaseKind::kMysql;
    settings.port = 3306;
    rest = url.substr(std::string_view("jdbc:mariadb://").size());
  } else {
    bad_url(url,
            "the URL must start with jdbc:postgresql://, jdbc:mysql:// or jdbc:mariadb:// "
            "(the databases this connector supports)");
  }

  std::string_view query;
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view authority = rest;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    const auto decoded = percent_decode(rest.substr(slash + 1));
    if (!decoded) bad_url(url, "the database name has a malformed %-escape");
    settings.database = *decoded;
  }
  if (authority.find(',') != std::string_view::npos)
    bad_url(url, "several hosts (failover lists) are not supported");
  if (authority.find('@') != std::string_view::npos)
    bad_url(url, "put the user in connection.user or a user= parameter, not before the host");
  std::string_view host = authority;
  std::string_view port_text;
  if (authority.starts_with('[')) {  // [IPv6]:port
    const auto close = authority.find(']');
    if (close == std::string_view::npos) bad_url(url, "unterminated [IPv6 address]");
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') bad_url(url, "expected ':' after ]");
      port_text = authority.substr(close + 2);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
  }
  if (host.empty()) bad_url(url, "the host is missing");
  settings.host = std::string(host);
  if (!port_text.empty()) {
    int port = 0;
    const auto [end, error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
      bad_url(url, "the port '" + std::string(port_text) + "' is not a number from 1 to 65535");
    }
    settings.port = port;
  }

  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const auto key = percent_decode(pair.substr(0, eq));
    const auto value =
        percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!key || !value) bad_url(url, "a parameter has a malformed %-escape");
    if (*key == "user") {
      settings.user = *value;
    } else if (*key == "password") {
      settings.password = *value;
    } else {
      settings.parameters[*key] = *value;
    }
  }
  if (!user.empty()) settings.user = user;
  if (!password.empty()) settings.password = password;
  if (settings.kind == DatabaseKind::kPostgres) {
    settings.postgres_tls = postgres_tls_keywords(url, settings.parameters);
  } else if (const auto demand =
                 mysql_tls_demand(settings.parameters, url.starts_with("jdbc:mariadb:"))) {
    bad_url(url, *demand +
                     " asks for TLS, which Ferry's MySQL/MariaDB connections do not support "
                     "yet: connect over a network you trust (or a tunnel) and leave it out");
  }
  return settings;
}

std::string ConnectionSettings::soci_connect_string() const {
  std::string text;
  if (kind == DatabaseKind::kPostgres) {
    text = "host=" + quoted(host) + " port=" + std::to_string(port);
    if (!database.empty()) text += " dbname=" + quoted(database);
    if (!user.empty()) text += " user=" + quoted(user);
    if (!password.empty()) text += " password=" + quoted(password);
    // PgJDBC's ApplicationName URL parameter names the session in pg_stat_activity.
    const auto name = parameters.find("ApplicationName");
    text += " application_name=" + quoted(name != parameters.end() ? name->second : "ferry");
    for (const auto& [keyword, value] : postgres_tls) text += " " + keyword + "=" + quoted(value);
  } else {
    text = "host=" + quoted(host) + " port=" + std::to_string(port);
    if (!database.empty()) text += " db=" + quoted(database);
    if (!user.empty()) text += " user=" + quoted(user);
    if (!password.empty()) text += " password=" + quoted(password);
    text += " charset=utf8mb4";
  }
  return text;
}

std::string ConnectionSettings::describe() const {
  return std::string(kind == DatabaseKind::kPostgres ? "postgresql" : "mysql") + "://" + host +
         ":" + std::to_string(port) + "/" + database + (user.empty() ? "" : " as " + user);
}

Connection::Connection(ConnectionSettings settings, std::unique_ptr<soci::session> session)
    : settings_(std::move(settings)), session_(std::move(session)) {}

Connection::~Connection() = default;

std::unique_ptr<Connection> Connection::open(const ConnectionSettings& settings, int attempts,
                                             std::chrono::milliseconds backoff) {
  std::string last_error;
  for (int attempt = 1; attempt <= std::max(1, attempts); ++attempt) {
    try {
      auto session = std::make_unique<soci::session>();
      if (settings.kind == DatabaseKind::kPostgres) {
        session->open(soci::postgresql, settings.soci_connect_string());
        *session << "SET TIME ZONE 'UTC'";
      } else {
        session->open(soci::mysql, settings.soci_connect_string());
        *session << "SET time_zone = '+00:00'";
      }
      return std::unique_ptr<Connection>(new Connection(settings, std::move(session)));
    } catch (const std::exception& error) {
      last_error = error.what();
    }
    if (attempt < attempts) std::this_thread::sleep_for(backoff);
  }
  throw sdk::ConnectException("Cannot connect to " + settings.describe() + " after " +
                              std::to_string(std::max(1, attempts)) + " attempt(s): " + last_error);
}

void Connection::read_unread_rows() {
  if (auto read = std::exchange(unread_rows_, nullptr)) read();
}

void Connection::execute(const std::string& sql) {
  read_unread_rows();
  *session_ << sql;
}

namespace {

// The libpq connection under a PostgreSQL SOCI session. UBSan's vptr check of the downcast
// needs the back end's typeinfo, which Debian's SOCI does not export (the link fails): the
// session is PostgreSQL's by construction (kind() says so), so the check is left out here.
#if defined(__clang__)
#define FERRY_JDBC_NO_VPTR_CHECK __attribute__((no_sanitize("vptr")))
#else
#define FERRY_JDBC_NO_VPTR_CHECK
#endif
FERRY_JDBC_NO_VPTR_CHECK PGconn* postgres_handle(Connection& connection) {
  return static_cast<soci::postgresql_session_backend*>(connection.session().get_backend())->conn_;
}

// The MySQL connection under a MySQL SOCI session (the same reasoning as postgres_handle).
FERRY_JDBC_NO_VPTR_CHECK MYSQL* mysql_handle(Connection& connection) {
  return static_cast<soci::mysql_session_backend*>(connection.session().get_backend())->conn_;
}

// The statement with each of SOCI's :p0, :p1, ... placeholders replaced by what write(out, n)
// appends for :p<n>; quoted text ('...', "...", `...`) and casts (::type) stay as they are.
template <typename WritePlaceholder>
std::string replace_placeholders(std::string_view sql, WritePlaceholder write) {
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  std::string out;
  out.reserve(sql.size());
  char quote = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"' || c == '`') {
      quote = c;
      out += c;
    } else if (c == ':' && i + 1 < sql.size() && sql[i + 1] == ':') {
      out += "::";
      ++i;
    } else if (c == ':' && i + 2 < sql.size() && sql[i + 1] == 'p' && is_digit(sql[i + 2])) {
      std::size_t end = i + 2;
      std::size_t number = 0;
      while (end < sql.size() && is_digit(sql[end])) number = number * 10 + (sql[end++] - '0');
      write(out, number);
      i = end - 1;
    } else {
      out += c;
    }
  }
  return out;
}

// The statement with PostgreSQL's $1, $2, ... for SOCI's placeholders.
std::string postgres_placeholders(std::string_view sql) {
  return replace_placeholders(
      sql, [](std::string& out, std::size_t number) { out += '$' + std::to_string(number + 1); });
}

struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

// Runs a statement that returns no rows; throws the server's message on failure.
void postgres_command(PGconn* conn, const std::string& sql) {
  const PgResult result(PQexec(conn, sql.c_str()));
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    throw std::runtime_error(sql.substr(0, sql.find(' ')) +
                             " failed: " + PQresultErrorMessage(result.get()));
  }
}

// A whole result, or batch after batch, through SOCI's vectors.
class SociSource final : public ResultReader::Source {
 public:
  SociSource(Connection& connection, const std::string& sql, std::size_t column_count,
             const std::vector<std::optional<std::string>>& parameters, std::size_t batch_rows)
      : batch_rows_(batch_rows),
        parameter_values_(parameters.size()),
        parameter_indicators_(parameters.size(), soci::i_ok),
        column_values_(column_count),
        column_indicators_(column_count),
        statement_(connection.session()) {
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      if (parameters[i]) {
        parameter_values_[i] = *parameters[i];
      } else {
        parameter_indicators_[i] = soci::i_null;
      }
      statement_.exchange(
          soci::use(parameter_values_[i], parameter_indicators_[i], "p" + std::to_string(i)));
    }
    resize();
    for (std::size_t i = 0; i < column_count; ++i) {
      statement_.exchange(soci::into(column_values_[i], column_indicators_[i]));
    }
    statement_.alloc();
    statement_.prepare(sql);
    statement_.define_and_bind();
    has_rows_ = statement_.execute(true);
  }

  std::size_t next_batch() override {
    if (!has_rows_) return rows_ = 0;
    if (!first_batch_taken_) {
      first_batch_taken_ = true;
    } else {
      resize();
      if (!statement_.fetch()) {
        has_rows_ = false;
        return rows_ = 0;
      }
    }
    rows_ = column_values_.empty() ? 0 : column_values_[0].size();
    if (rows_ < batch_rows_) has_rows_ = false;  // a short batch is the last one
    return rows_;
  }
  std::size_t rows() const override { return rows_; }
  std::optional<std::string_view> value(std::size_t row, std::size_t column) const override {
    if (column_indicators_[column][row] == soci::i_null) return std::nullopt;
    return column_values_[column][row];
  }

 private:
  void resize() {
    for (auto& values : column_values_) values.resize(batch_rows_);
    for (auto& indicators : column_indicators_) indicators.resize(batch_rows_, soci::i_ok);
  }

  const std::size_t batch_rows_;
  // Bound by address: they stay put for the statement's life.
  std::vector<std::string> parameter_values_;
  std::vector<soci::indicator> parameter_indicators_;
  std::vector<std::vector<std::string>> column_values_;
  std::vector<std::vector<soci::indicator>> column_indicators_;
  soci::statement statement_;
  bool has_rows_ = false;
  bool first_batch_taken_ = false;
  std::size_t rows_ = 0;
};

// A PostgreSQL server-side cursor read with FETCH FORWARD, straight through libpq: the values are
// read where libpq keeps them, without copies. The first FETCH asks for batch_rows rows, so the
// first batch comes at once; later ones for about kFetchBytes of rows (estimated from the rows of
// the previous one), at most kMaxFetchRows and at least batch_rows, a whole number of batches
// handed out batch_rows at a time: a small batch.max.rows (Confluent's default is 100) does not
// cost a round trip per batch. After a FETCH that filled up, the next one is sent at once and its
// rows are read when the caller has had these (or when the connection is wanted for something else,
// read_unread_rows): the server reads the table and sends the rows while the caller turns these
// into records.
class PostgresCursor final : public ResultReader::Source {
 public:
  PostgresCursor(Connection& connection, const std::string& sql, std::size_t column_count,
                 const std::vector<std::optional<std::string>>& parameters, std::size_t batch_rows)
      : connection_(connection),
        conn_(postgres_handle(connection)),
        column_count_(column_count),
        batch_rows_(batch_rows) {
    connection.read_unread_rows();
    Connection::CursorTransaction& transaction = connection.cursor_transaction();
    bool began = false;
    if (transaction.open_cursors == 0) {
      transaction.owned = false;
      if (PQtransactionStatus(conn_) == PQTRANS_IDLE) {
        postgres_command(conn_, "BEGIN");
        began = true;
      }
    }
    name_ = "ferry_cursor_" + std::to_string(transaction.next_cursor++);
    std::vector<const char*> values;
    values.reserve(parameters.size());
    for (const auto& parameter : parameters)
      values.push_back(parameter ? parameter->c_str() : nullptr);
    const std::string declare =
        "DECLARE " + name_ + " NO SCROLL CURSOR FOR " + postgres_placeholders(sql);
    const PgResult result(PQexecParams(conn_, declare.c_str(), static_cast<int>(values.size()),
                                       nullptr, values.data(), nullptr, nullptr, 0));
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
      const std::string error = PQresultErrorMessage(result.get());
      if (began) {
        PgResult rollback(PQexec(conn_, "ROLLBACK"));  // best effort: alive() tells the rest
      }
      throw std::runtime_error(error.empty() ? "the query failed" : error);
    }
    if (began) transaction.owned = true;
    ++transaction.open_cursors;
    generation_ = transaction.generation;
    fetch_rows_ = batch_rows_;
  }

  ~PostgresCursor() override {
    try {
      close();
    } catch (const std::exception&) {
      // The connection is gone or the transaction failed: alive() or a reconnect deals with it.
    }
  }

  std::size_t next_batch() override {
    offset_ += rows_;  // past the batch handed out last
    rows_ = 0;
    if (offset_ >= fetched_rows_) {
      result_.reset();
      offset_ = 0;
      fetched_rows_ = 0;
      if (closed_) return 0;
      fetch();
    }
    rows_ = std::min(batch_rows_, fetched_rows_ - offset_);
    return rows_;
  }
  std::size_t rows() const override { return rows_; }
  std::optional<std::string_view> value(std::size_t row, std::size_t column) const override {
    const int r = static_cast<int>(offset_ + row);
    const int c = static_cast<int>(column);
    if (PQgetisnull(result_.get(), r, c)) return std::nullopt;
    return std::string_view(PQgetvalue(result_.get(), r, c),
                            static_cast<std::size_t>(PQgetlength(result_.get(), r, c)));
  }

 private:
  // Closes the cursor, and commits the transaction if it began it and no other cursor is left.
  void close() {
    if (closed_) return;
    closed_ = true;
    if (in_flight_) receive();  // rows nobody will read
    received_.reset();
    Connection::CursorTransaction& transaction = connection_.cursor_transaction();
    if (transaction.generation != generation_ || PQstatus(conn_) != CONNECTION_OK) return;
    --transaction.open_cursors;
    if (transaction.open_cursors == 0 && transaction.owned) {
      transaction.owned = false;
      postgres_command(conn_, "COMMIT");  // closes the cursor too
    } else {
      postgres_command(conn_, "CLOSE " + name_);
    }
  }

  // Sends FETCH FORWARD fetch_rows_ without waiting for its rows.
  void send_fetch() {
    const std::string sql = "FETCH FORWARD " + std::to_string(fetch_rows_) + " FROM " + name_;
    if (PQsendQuery(conn_, sql.c_str()) != 1) {
      const std::string error = PQerrorMessage(conn_);
      throw std::runtime_error(error.empty() ? "FETCH failed" : error);
    }
    in_flight_ = true;
    connection_.set_unread_rows([this] { receive(); });
  }

  // Reads the result of the FETCH in flight into received_ (null if the connection failed).
  void receive() {
    in_flight_ = false;
    connection_.set_unread_rows(nullptr);
    received_.reset(PQgetResult(conn_));
    while (PGresult* more = PQgetResult(conn_)) PQclear(more);  // none for one statement
  }

  // Reads the next fetch_rows_ rows into result_; closes the cursor after the last of them, or
  // else sends the FETCH of the rows after them.
  void fetch() {
    if (connection_.cursor_transaction().generation != generation_) {
      closed_ = true;
      if (in_flight_) receive();  // what the rollback left of it
      throw std::runtime_error("the cursor's transaction was rolled back");
    }
    if (!in_flight_ && !received_) send_fetch();
    if (in_flight_) receive();
    result_ = std::move(received_);
    if (PQresultStatus(result_.get()) != PGRES_TUPLES_OK) {
      std::string error = PQresultErrorMessage(result_.get());
      if (error.empty()) error = PQerrorMessage(conn_);
      result_.reset();
      throw std::runtime_error(error.empty() ? "FETCH failed" : error);
    }
    if (static_cast<std::size_t>(PQnfields(result_.get())) != column_count_) {
      throw std::runtime_error("the query returned " + std::to_string(PQnfields(result_.get())) +
                               " columns, not " + std::to_string(column_count_));
    }
    fetched_rows_ = static_cast<std::size_t>(PQntuples(result_.get()));
    if (fetched_rows_ < fetch_rows_) {
      close();  // the result is exhausted; the rows fetched stay readable
      return;
    }
    // The size of a row, from the first, middle and last rows fetched.
    std::size_t sampled = 0;
    for (const std::size_t row : {std::size_t{0}, fetched_rows_ / 2, fetched_rows_ - 1}) {
      for (std::size_t column = 0; column < column_count_; ++column) {
        sampled += static_cast<std::size_t>(
            PQgetlength(result_.get(), static_cast<int>(row), static_cast<int>(column)));
      }
    }
    const std::size_t row_bytes = std::max<std::size_t>(1, sampled / 3);
    fetch_rows_ =
        std::clamp(kFetchBytes / row_bytes, batch_rows_, std::max(batch_rows_, kMaxFetchRows));
    // Whole batches: a short batch tells the caller that the result has ended.
    fetch_rows_ -= fetch_rows_ % batch_rows_;
    send_fetch();
  }

  static constexpr std::size_t kFetchBytes = 4 << 20;
  static constexpr std::size_t kMaxFetchRows = 10'000;

  Connection& connection_;
  PGconn* const conn_;
  const std::size_t column_count_;
  const std::size_t batch_rows_;
  std::string name_;
  std::size_t fetch_rows_ = 0;  // rows the next FETCH asks for (or the one in flight)
  std::uint64_t generation_ = 0;
  PgResult result_;  // the rows of the last FETCH
  std::size_t fetched_rows_ = 0;
  std::size_t offset_ = 0;  // of the current batch in result_
  std::size_t rows_ = 0;    // in the current batch
  bool in_flight_ = false;  // a FETCH was sent and its rows not read yet
  PgResult received_;       // the rows of the FETCH after result_'s, read before they were due
  bool closed_ = false;
};

// A MySQL/MariaDB result streamed from the server (mysql_use_result) as the caller reads it,
// batch_rows rows at a time, so memory holds one batch instead of the whole result (what
// mysql_store_result, and so SOCI, keeps). The server sends the rows as fast as the caller takes
// them, and the connection can run nothing else until the last row is read: anything that wants
// it (execute(), query(), another reader) first reads the rest of the result into memory for
// this reader (Connection::read_unread_rows), as the whole result used to be.
// The values are the text protocol's, byte for byte what SOCI gave.
class MysqlStream final : public ResultReader::Source {
 public:
  MysqlStream(Connection& connection, const std::string& sql, std::size_t column_count,
              const std::vector<std::optional<std::string>>& parameters, std::size_t batch_rows)
      : connection_(connection),
        conn_(mysql_handle(connection)),
        column_count_(column_count),
        batch_rows_(batch_rows) {
    connection.read_unread_rows();
    const std::string query = replace_placeholders(sql, [&](std::string& out, std::size_t number) {
      if (number >= parameters.size()) {
        throw soci::soci_error("the query has :p" + std::to_string(number) + " but only " +
                               std::to_string(parameters.size()) + " parameter(s)");
      }
      if (parameters[number]) {
        connection.append_mysql_string(out, *parameters[number]);
      } else {
        out += "NULL";
      }
    });
    if (mysql_real_query(conn_, query.data(), query.size()) != 0)
      throw soci::soci_error(mysql_error(conn_));
    result_ = mysql_use_result(conn_);
    if (result_ == nullptr) {
      if (mysql_field_count(conn_) == 0) return;  // a statement without rows: an empty result
      throw soci::soci_error(mysql_error(conn_));
    }
    if (mysql_num_fields(result_) < column_count_) {
      const unsigned returned = mysql_num_fields(result_);
      finish();
      throw soci::soci_error("the query returned " + std::to_string(returned) + " column(s), " +
                             std::to_string(column_count_) + " expected");
    }
    connection.set_unread_rows([this] { receive_rest(); });
  }

  // A result left before its end (a task stopping in the middle of a table) ends the connection:
  // mysql_free_result would first read the rest of the result from the server, seconds for a
  // big table. Whatever uses the connection next finds it lost (the source task reconnects).
  ~MysqlStream() override {
    if (result_ != nullptr) mariadb_cancel(conn_);
    finish();
  }
  MysqlStream(const MysqlStream&) = delete;
  MysqlStream& operator=(const MysqlStream&) = delete;

  std::size_t next_batch() override {
    if (rest_read_) {
      if (!serving_rest_) {  // the batch handed out last was the last one streamed
        serving_rest_ = true;
        batch_ = std::move(rest_);
        first_row_ = 0;
        rows_ = 0;
      }
      first_row_ += rows_;
      rows_ = std::min(batch_rows_, batch_.rows - first_row_);
      if (rows_ == 0 && !rest_error_.empty()) throw soci::soci_error(rest_error_);
      return rows_;
    }
    batch_.clear();
    first_row_ = 0;
    rows_ = read_rows(batch_rows_, batch_);
    return rows_;
  }
  std::size_t rows() const override { return rows_; }
  std::optional<std::string_view> value(std::size_t row, std::size_t column) const override {
    const Cell& cell = batch_.cells[(first_row_ + row) * column_count_ + column];
    if (cell.null) return std::nullopt;
    return std::string_view(batch_.text).substr(cell.offset, cell.length);
  }

 private:
  struct Cell {
    std::size_t offset = 0;
    std::size_t length = 0;
    bool null = false;
  };
  // Rows, column_count_ cells each, their text in one buffer.
  struct Rows {
    std::vector<Cell> cells;
    std::string text;
    std::size_t rows = 0;
    void clear() {
      cells.clear();
      text.clear();
      rows = 0;
    }
  };

  // Appends up to limit rows of the result to into; frees the result at its end. Throws
  // soci::soci_error with the client's message if the connection fails.
  std::size_t read_rows(std::size_t limit, Rows& into) {
    std::size_t count = 0;
    while (result_ != nullptr && count < limit) {
      MYSQL_ROW row = mysql_fetch_row(result_);
      if (row == nullptr) {
        const bool failed = mysql_errno(conn_) != 0;
        const std::string error = failed ? mysql_error(conn_) : std::string();
        finish();
        if (failed) throw soci::soci_error(error);
        break;
      }
      const unsigned long* lengths = mysql_fetch_lengths(result_);
      for (std::size_t column = 0; column < column_count_; ++column) {
        Cell& cell = into.cells.emplace_back();
        cell.null = row[column] == nullptr;
        if (cell.null) continue;
        cell.offset = into.text.size();
        cell.length = lengths[column];
        into.text.append(row[column], lengths[column]);
      }
      ++into.rows;
      ++count;
    }
    return count;
  }

  // The connection is wanted for another statement: reads the rest of the result into rest_,
  // keeping the batch handed out last as it is. A failure is thrown by next_batch() after the
  // rows read before it.
  void receive_rest() {
    rest_read_ = true;
    try {
      read_rows(std::numeric_limits<std::size_t>::max(), rest_);
    } catch (const std::exception& error) {
      rest_error_ = error.what();
    }
  }

  void finish() {
    if (result_ == nullptr) return;
    mysql_free_result(result_);
    result_ = nullptr;
    connection_.set_unread_rows(nullptr);
  }

  Connection& connection_;
  MYSQL* const conn_;
  const std::size_t column_count_;
  const std::size_t batch_rows_;
  MYSQL_RES* result_ = nullptr;  // while rows are left to stream
  Rows batch_;                   // the rows handed out, from first_row_ on
  std::size_t first_row_ = 0;
  std::size_t rows_ = 0;  // in the current batch
  bool rest_read_ = false;
  bool serving_rest_ = false;
  Rows rest_;  // the rest of the result, once read for another statement
  std::string rest_error_;
};

}  // namespace

void append_copy_text(std::string& row, std::string_view value) {
  std::size_t plain = 0;  // start of the bytes not yet appended
  for (std::size_t i = 0; i < value.size(); ++i) {
    char escaped = 0;
    switch (value[i]) {
      case '\\':
        escaped = '\\';
        break;
      case '\t':
        escaped = 't';
        break;
      case '\n':
        escaped = 'n';
        break;
      case '\r':
        escaped = 'r';
        break;
      default:
        continue;
    }
    row.append(value.data() + plain, i - plain);
    row += '\\';
    row += escaped;
    plain = i + 1;
  }
  row.append(value.data() + plain, value.size() - plain);
}

namespace {

// Sends a COPY's rows and its end once the server is in COPY IN; the first error, or "".
std::string put_copy_rows(PGconn* conn, std::string_view rows) {
  // Pieces of at most 1 MiB: libpq queues what the socket does not take at once.
  constexpr std::size_t kPieceBytes = 1 << 20;
  std::string error;
  for (std::size_t at = 0; at < rows.size(); at += kPieceBytes) {
    const std::string_view piece = rows.substr(at, kPieceBytes);
    if (PQputCopyData(conn, piece.data(), static_cast<int>(piece.size())) != 1) {
      error = PQerrorMessage(conn);
      break;
    }
  }
  if (PQputCopyEnd(conn, error.empty() ? nullptr : "sending the rows failed") != 1 &&
      error.empty()) {
    error = PQerrorMessage(conn);
  }
  return error;
}

// Reads the results left of a query until there are none; the first error, or "" (and its
// SQLSTATE into *sqlstate when given and the error came from the server). A COPY IN still waiting
// (the rows did not get through) ends the reading with an error.
std::string read_results(PGconn* conn, std::string error, std::string* sqlstate = nullptr) {
  while (PGresult* next = PQgetResult(conn)) {
    const PgResult result(next);
    const ExecStatusType status = PQresultStatus(next);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) continue;
    if (error.empty()) {
      error = PQresultErrorMessage(next);
      const char* state = PQresultErrorField(next, PG_DIAG_SQLSTATE);
      if (sqlstate != nullptr && state != nullptr) *sqlstate = state;
    }
    if (error.empty()) error = "the statement failed";
    if (status == PGRES_COPY_IN) break;
  }
  if (error.empty() && PQstatus(conn) != CONNECTION_OK) error = PQerrorMessage(conn);
  return error;
}

// After a failed script: ends the transaction it left open (best effort), then throws.
[[noreturn]] void fail_script(PGconn* conn, const std::string& error, std::string sqlstate = "") {
  if (PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) != PQTRANS_IDLE)
    PgResult rollback(PQexec(conn, "ROLLBACK"));
  throw ScriptError(error, std::move(sqlstate));
}

}  // namespace

void Connection::copy_from(const std::string& sql, std::string_view rows) {
  if (settings_.kind != DatabaseKind::kPostgres)
    throw std::logic_error("COPY FROM STDIN is PostgreSQL's");
  PGconn* conn = postgres_handle(*this);
  {
    const PgResult started(PQexec(conn, sql.c_str()));
    if (PQresultStatus(started.get()) != PGRES_COPY_IN) {
      const std::string error = PQresultErrorMessage(started.get());
      throw soci::soci_error(error.empty() ? PQerrorMessage(conn) : error);
    }
  }
  // The COPY's result, then nothing; a lost connection ends in an error result too.
  const std::string error = read_results(conn, put_copy_rows(conn, rows));
  if (!error.empty()) throw soci::soci_error(error);
}

void Connection::send_script(const std::string& script, std::string_view rows) {
  if (settings_.kind == DatabaseKind::kMysql) {
    if (!rows.empty()) throw std::logic_error("COPY FROM STDIN is PostgreSQL's");
    MYSQL* conn = mysql_handle(*this);
    if (!mysql_multi_statements_) {
      if (mysql_set_server_option(conn, MYSQL_OPTION_MULTI_STATEMENTS_ON) != 0)
        throw soci::soci_error(mysql_error(conn));
      mysql_multi_statements_ = true;
    }
    if (mysql_send_query(conn, script.data(), script.size()) != 0)
      throw soci::soci_error(mysql_error(conn));
    return;
  }
  PGconn* conn = postgres_handle(*this);
  if (PQsendQuery(conn, script.c_str()) != 1) fail_script(conn, PQerrorMessage(conn));
  // The results of the statements before the COPY, then the COPY's start.
  std::string error;
  while (PGresult* next = PQgetResult(conn)) {
    const PgResult result(next);
    const ExecStatusType status = PQresultStatus(next);
    if (status == PGRES_COPY_IN) {
      error = put_copy_rows(conn, rows);
      if (!error.empty()) fail_script(conn, read_results(conn, error));
      return;
    }
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && error.empty()) {
      error = PQresultErrorMessage(next);
      if (error.empty()) error = "the statement failed";
    }
  }
  if (error.empty())
    error = PQstatus(conn) == CONNECTION_OK ? "no COPY in the script" : PQerrorMessage(conn);
  fail_script(conn, error);
}

void Connection::finish_script() {
  if (settings_.kind == DatabaseKind::kMysql) {
    MYSQL* conn = mysql_handle(*this);
    // A result a statement, up to the first that failed (the server runs none after it).
    int status = mysql_read_query_result(conn) == 0 ? 0 : 1;
    while (status == 0) {
      if (MYSQL_RES* result = mysql_store_result(conn)) mysql_free_result(result);
      status = mysql_next_result(conn);
    }
    if (status > 0) {
      const std::string error = mysql_error(conn);
      std::string sqlstate = mysql_sqlstate(conn);
      mysql_real_query(conn, "ROLLBACK", 8);  // best effort: a lost connection needs none
      throw ScriptError(error, std::move(sqlstate));
    }
    return;
  }
  PGconn* conn = postgres_handle(*this);
  std::string sqlstate;
  const std::string error = read_results(conn, "", &sqlstate);
  if (!error.empty()) fail_script(conn, error, std::move(sqlstate));
}

void Connection::append_postgres_literal(std::string& sql, std::string_view value) {
  if (settings_.kind != DatabaseKind::kPostgres) throw std::logic_error("a PostgreSQL literal");
  PGconn* conn = postgres_handle(*this);
  char* literal = PQescapeLiteral(conn, value.data(), value.size());
  if (literal == nullptr) throw soci::soci_error(PQerrorMessage(conn));
  sql += literal;
  PQfreemem(literal);
}

void Connection::append_mysql_string(std::string& sql, std::string_view value) {
  if (settings_.kind != DatabaseKind::kMysql) throw std::logic_error("a MySQL string literal");
  const std::size_t start = sql.size();
  sql.resize(start + 2 * value.size() + 2);  // every byte escaped at worst, and the quotes
  sql[start] = '\'';
  const unsigned long length = mysql_real_escape_string(mysql_handle(*this), sql.data() + start + 1,
                                                        value.data(), value.size());
  sql[start + 1 + length] = '\'';
  sql.resize(start + length + 2);
}

void Connection::execute_mysql(const std::string& sql) {
  if (settings_.kind != DatabaseKind::kMysql) throw std::logic_error("a MySQL statement");
  MYSQL* conn = mysql_handle(*this);
  if (mysql_real_query(conn, sql.data(), sql.size()) != 0)
    throw soci::soci_error(mysql_error(conn));
  // A statement that returns rows would leave them unread: read and drop them.
  if (MYSQL_RES* result = mysql_store_result(conn)) mysql_free_result(result);
}

bool Connection::alive() {
  if (settings_.kind == DatabaseKind::kPostgres) {
    PGconn* conn = postgres_handle(*this);
    if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) return false;
    if (cursor_transaction_.open_cursors > 0 && PQtransactionStatus(conn) == PQTRANS_INERROR) {
      // A statement failed in the cursors' transaction, which answers nothing until it is rolled
      // back; that ends every cursor in it.
      if (cursor_transaction_.owned) PgResult rollback(PQexec(conn, "ROLLBACK"));
      cursor_transaction_.open_cursors = 0;
      cursor_transaction_.owned = false;
      ++cursor_transaction_.generation;
    }
  }
  try {
    return query("SELECT 1", 1).size() == 1;
  } catch (const std::exception&) {
    return false;
  }
}

std::vector<TextRow> Connection::query(const std::string& sql, std::size_t column_count,
                                       const std::vector<std::optional<std::string>>& parameters) {
  read_unread_rows();
  SociSource source(*this, sql, column_count, parameters, 1000);
  std::vector<TextRow> rows;
  while (const std::size_t count = source.next_batch()) {
    for (std::size_t row = 0; row < count; ++row) {
      TextRow& text = rows.emplace_back(column_count);
      for (std::size_t column = 0; column < column_count; ++column) {
        if (const auto value = source.value(row, column)) text[column].emplace(*value);
      }
    }
  }
  return rows;
}

ResultReader::ResultReader(Connection& connection, const std::string& sql, std::size_t column_count,
                           const std::vector<std::optional<std::string>>& parameters,
                           std::size_t batch_rows) {
  batch_rows = std::max<std::size_t>(1, batch_rows);
  if (connection.kind() == DatabaseKind::kPostgres) {
    source_ =
        std::make_unique<PostgresCursor>(connection, sql, column_count, parameters, batch_rows);
  } else {
    source_ = std::make_unique<MysqlStream>(connection, sql, column_count, parameters, batch_rows);
  }
  batch_rows_ = batch_rows;
}

ResultReader::~ResultReader() = default;

bool ResultReader::next_batch() {
  if (exhausted_) {
    source_->next_batch();  // drops the last batch
    return false;
  }
  const std::size_t count = source_->next_batch();
  exhausted_ = count < batch_rows_;
  return count > 0;
}

std::size_t ResultReader::rows() const { return source_->rows(); }

std::optional<std::string_view> ResultReader::value(std::size_t row, std::size_t column) const {
  return source_->value(row, column);
}

}  // namespace ferry::connectors::jdbc
