#include "connectors/jdbc/jdbc_config.h"

#include <chrono>
#include <string>
#include <variant>

#include <unistd.h>

#include "connectors/jdbc/ascii_case.h"

namespace ferry::connectors::jdbc {

void define_connection_keys(sdk::ConfigDef& def, bool url_required) {
  def.define({.name = "connection.url",
              .type = sdk::ConfigType::kString,
              .default_value =
                  url_required ? std::nullopt : std::optional<sdk::ParsedValue>(std::string()),
              .importance = sdk::Importance::kHigh,
              .documentation = "JDBC connection URL: jdbc:postgresql://host:port/db, "
                               "jdbc:mysql://host:port/db or jdbc:mariadb://host:port/db; user "
                               "and password may be URL parameters.",
              .group = "Database"})
      .define({.name = "connection.user",
               .type = sdk::ConfigType::kString,
               .default_value = nullptr,
               .importance = sdk::Importance::kHigh,
               .documentation = "JDBC connection user.",
               .group = "Database"})
      .define({.name = "connection.password",
               .type = sdk::ConfigType::kPassword,
               .default_value = nullptr,
               .importance = sdk::Importance::kHigh,
               .documentation = "JDBC connection password.",
               .group = "Database"})
      .define({.name = "connection.attempts",
               .type = sdk::ConfigType::kInt,
               .default_value = 3,
               .validator = sdk::Range::at_least(1),
               .importance = sdk::Importance::kLow,
               .documentation = "Maximum number of attempts to retrieve a valid JDBC connection.",
               .group = "Database"})
      .define({.name = "connection.backoff.ms",
               .type = sdk::ConfigType::kLong,
               .default_value = std::int64_t{10000},
               .validator = sdk::Range::at_least(0),
               .importance = sdk::Importance::kLow,
               .documentation = "Backoff time in milliseconds between connection attempts.",
               .group = "Database"})
      .define({.name = "dialect.name",
               .type = sdk::ConfigType::kString,
               .default_value = std::string(),
               .validator =
                   sdk::ValidString::in({"", "PostgreSqlDatabaseDialect", "MySqlDatabaseDialect"}),
               .importance = sdk::Importance::kLow,
               .documentation = "The database dialect; empty: chosen from the URL.",
               .group = "Database"})
      .define({.name = "quote.sql.identifiers",
               .type = sdk::ConfigType::kString,
               .default_value = std::string("always"),
               .validator = sdk::CaseInsensitiveValidString::in({"always", "never"}),
               .importance = sdk::Importance::kMedium,
               .documentation = "When to quote table names, column names and other identifiers "
                                "in SQL statements.",
               .group = "Database"})
      .define({.name = "db.timezone",
               .type = sdk::ConfigType::kString,
               .default_value = std::string("UTC"),
               .validator = sdk::Validator(
                   [](std::string_view, const sdk::ParsedValue& value) {
                     if (const auto* name = std::get_if<std::string>(&value))
                       DbTimeZone::named(*name);
                   },
                   "Any time zone of the system's time zone database"),
               .importance = sdk::Importance::kMedium,
               .documentation = "Name of the time zone in which columns without a time zone "
                                "(PostgreSQL's timestamp, MySQL's DATETIME) hold their times, "
                                "for reading, writing and the timestamp modes' bounds.",
               .group = "Database"});
}

ConnectionSettings connection_settings(const sdk::ParsedConfig& config) {
  const std::string user =
      config.is_null("connection.user") ? "" : config.get_string("connection.user");
  const std::string password = config.is_null("connection.password")
                                   ? ""
                                   : config.get_password("connection.password").value();
  ConnectionSettings settings =
      ConnectionSettings::parse(config.get_string("connection.url"), user, password);
  const std::string& dialect = config.get_string("dialect.name");
  if ((dialect == "PostgreSqlDatabaseDialect" && settings.kind != DatabaseKind::kPostgres) ||
      (dialect == "MySqlDatabaseDialect" && settings.kind != DatabaseKind::kMysql)) {
    throw sdk::ConfigException("Invalid value " + dialect +
                               " for configuration dialect.name: it does not match the "
                               "database of connection.url");
  }
  return settings;
}

DbTimeZone db_time_zone(const sdk::ParsedConfig& config) {
  return DbTimeZone::named(config.get_string("db.timezone"));
}

std::unique_ptr<Connection> connect(const sdk::ParsedConfig& config) {
  return Connection::open(connection_settings(config), config.get_int("connection.attempts"),
                          std::chrono::milliseconds(config.get_long("connection.backoff.ms")));
}

Dialect dialect_for(const sdk::ParsedConfig& config, DatabaseKind kind) {
  return Dialect(kind, ascii_lower(config.get_string("quote.sql.identifiers")) != "never");
}

void log(std::string_view message) {
  std::string line = "JDBC: ";
  line += message;
  line += '\n';
  [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace ferry::connectors::jdbc
