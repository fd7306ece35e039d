#include "connectors/jdbc/connection.h"

#include <charconv>
#include <thread>

#include <soci/mysql/soci-mysql.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include "ferry/sdk/config_def.h"
#include "ferry/sdk/errors.h"

namespace ferry::connectors::jdbc {
namespace {

constexpr std::string_view kUrlKey = "connection.url";

[[noreturn]] void bad_url(std::string_view url, const std::string& reason) {
  // The URL may hold a password parameter: show only what comes before the '?'.
  const std::string shown(url.substr(0, url.find('?')));
  throw sdk::ConfigException("Invalid value " + shown + (shown.size() < url.size() ? "?..." : "") +
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
  return settings;
}

std::string ConnectionSettings::soci_connect_string() const {
  std::string text;
  if (kind == DatabaseKind::kPostgres) {
    text = "host=" + quoted(host) + " port=" + std::to_string(port);
    if (!database.empty()) text += " dbname=" + quoted(database);
    if (!user.empty()) text += " user=" + quoted(user);
    if (!password.empty()) text += " password=" + quoted(password);
    text += " application_name='ferry'";
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

void Connection::execute(const std::string& sql) { *session_ << sql; }

bool Connection::alive() {
  try {
    return query("SELECT 1", 1).size() == 1;
  } catch (const std::exception&) {
    return false;
  }
}

std::vector<TextRow> Connection::query(const std::string& sql, std::size_t column_count,
                                       const std::vector<std::optional<std::string>>& parameters) {
  ResultReader reader(*this, sql, column_count, parameters, 1000);
  std::vector<TextRow> rows;
  std::vector<TextRow> batch;
  while (reader.next_batch(batch)) {
    for (TextRow& row : batch) rows.push_back(std::move(row));
  }
  return rows;
}

ResultReader::ResultReader(Connection& connection, const std::string& sql, std::size_t column_count,
                           const std::vector<std::optional<std::string>>& parameters,
                           std::size_t batch_rows)
    : batch_rows_(std::max<std::size_t>(1, batch_rows)),
      parameter_values_(parameters.size()),
      parameter_indicators_(parameters.size(), soci::i_ok),
      column_values_(column_count),
      column_indicators_(column_count),
      statement_(std::make_unique<soci::statement>(connection.session())) {
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    if (parameters[i]) {
      parameter_values_[i] = *parameters[i];
    } else {
      parameter_indicators_[i] = soci::i_null;
    }
    statement_->exchange(
        soci::use(parameter_values_[i], parameter_indicators_[i], "p" + std::to_string(i)));
  }
  resize();
  for (std::size_t i = 0; i < column_count; ++i) {
    statement_->exchange(soci::into(column_values_[i], column_indicators_[i]));
  }
  statement_->alloc();
  statement_->prepare(sql);
  statement_->define_and_bind();
  has_rows_ = statement_->execute(true);
}

ResultReader::~ResultReader() = default;

void ResultReader::resize() {
  for (auto& values : column_values_) values.resize(batch_rows_);
  for (auto& indicators : column_indicators_) indicators.resize(batch_rows_, soci::i_ok);
}

bool ResultReader::next_batch(std::vector<TextRow>& rows) {
  rows.clear();
  if (!has_rows_) return false;
  if (!first_batch_taken_) {
    first_batch_taken_ = true;
  } else {
    resize();
    if (!statement_->fetch()) {
      has_rows_ = false;
      return false;
    }
  }
  const std::size_t count = column_values_.empty() ? 0 : column_values_[0].size();
  rows.resize(count, TextRow(column_values_.size()));
  for (std::size_t column = 0; column < column_values_.size(); ++column) {
    for (std::size_t row = 0; row < count; ++row) {
      if (column_indicators_[column][row] != soci::i_null) {
        rows[row][column] = std::move(column_values_[column][row]);
      }
    }
  }
  if (count < batch_rows_) has_rows_ = false;  // a short batch is the last one
  return count > 0;
}

}  // namespace ferry::connectors::jdbc
