// The configuration keys the JDBC source and sink share (connection.*, dialect.name,
// quote.sql.identifiers, db.timezone), and opening a connection from them. Also where the JDBC
// tasks report what a user should know (a skipped column, a retry): the SDK has no logger yet,
// so log() writes one line to standard error, which the worker keeps in its log.
#pragma once

#include <memory>
#include <string_view>

#include "connectors/jdbc/connection.h"
#include "connectors/jdbc/db_time_zone.h"
#include "connectors/jdbc/dialect.h"
#include "ferry/sdk/config_def.h"

namespace ferry::connectors::jdbc {

// Defines connection.url, connection.user, connection.password (PASSWORD: never printed),
// connection.attempts, connection.backoff.ms, dialect.name, quote.sql.identifiers, db.timezone.
// url_required: the sink's connection.url has no default; the source's defaults to "".
void define_connection_keys(sdk::ConfigDef& def, bool url_required);

// The settings the keys describe. Throws ConfigException for a bad URL or a dialect.name that
// does not match it.
ConnectionSettings connection_settings(const sdk::ParsedConfig& config);
// db.timezone (validated when the configuration was parsed).
DbTimeZone db_time_zone(const sdk::ParsedConfig& config);
// Connects with connection.attempts and connection.backoff.ms.
std::unique_ptr<Connection> connect(const sdk::ParsedConfig& config);
Dialect dialect_for(const sdk::ParsedConfig& config, DatabaseKind kind);

// One line on standard error, prefixed "JDBC: ".
void log(std::string_view message);

}  // namespace ferry::connectors::jdbc
