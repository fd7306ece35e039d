#include "connectors/jdbc/dialect.h"

#include <algorithm>

#include "connectors/jdbc/ascii_case.h"
#include "ferry/sdk/errors.h"
#include "ferry/sdk/logical_types.h"

namespace ferry::connectors::jdbc {
namespace {

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string text;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) text += separator;
    text += parts[i];
  }
  return text;
}

int to_int(const std::optional<std::string>& text) {
  if (!text || text->empty()) return 0;
  try {
    return std::stoi(*text);
  } catch (const std::exception&) {
    return 0;
  }
}

bool plain_identifier(std::string_view name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_'))
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
  });
}

}  // namespace

void validate_identifier(std::string_view name, std::string_view what) {
  if (name.empty()) throw sdk::ConnectException("The " + std::string(what) + " is empty");
  if (name.size() > 64) {
    throw sdk::ConnectException("The " + std::string(what) + " '" + std::string(name) +
                                "' is longer than 64 bytes, the most both databases allow");
  }
  for (char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '`' || c == '\'' || c == ':' || c == '\\' || byte < 0x20 || byte == 0x7f) {
      throw sdk::ConnectException("The " + std::string(what) + " '" + std::string(name) +
                                  "' holds a character Ferry does not allow in SQL identifiers "
                                  "(quotes, backquotes, ':', '\\' and control characters)");
    }
  }
}

TableId TableId::parse(std::string_view name, std::string_view default_schema) {
  TableId table;
  if (const auto dot = name.find('.'); dot != std::string_view::npos) {
    table.schema = name.substr(0, dot);
    table.name = name.substr(dot + 1);
  } else {
    table.schema = default_schema;
    table.name = name;
  }
  validate_identifier(table.name, "table name");
  validate_identifier(table.schema, "schema name");
  return table;
}

std::string Dialect::isolation_sql(std::string_view mode) const {
  std::string level;
  if (mode == "READ_UNCOMMITTED") level = "READ UNCOMMITTED";
  if (mode == "READ_COMMITTED") level = "READ COMMITTED";
  if (mode == "REPEATABLE_READ") level = "REPEATABLE READ";
  if (mode == "SERIALIZABLE") level = "SERIALIZABLE";
  if (level.empty()) return "";
  return kind_ == DatabaseKind::kPostgres
             ? "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL " + level
             : "SET SESSION TRANSACTION ISOLATION LEVEL " + level;
}

Dialect::Dialect(DatabaseKind kind, bool quote_identifiers)
    : kind_(kind), quote_(quote_identifiers) {}

std::string Dialect::quote(std::string_view name) const {
  validate_identifier(name, "identifier");
  if (!quote_) {
    if (!plain_identifier(name)) {
      throw sdk::ConnectException("The identifier '" + std::string(name) +
                                  "' needs quoting, but quote.sql.identifiers=never");
    }
    return std::string(name);
  }
  const char quote_char = kind_ == DatabaseKind::kPostgres ? '"' : '`';
  return quote_char + std::string(name) + quote_char;
}

std::string Dialect::table(const TableId& table) const {
  return table.schema.empty() ? quote(table.name) : quote(table.schema) + "." + quote(table.name);
}

std::vector<TableId> Dialect::list_tables(Connection& connection,
                                          const std::optional<std::string>& schema_pattern,
                                          bool include_views,
                                          const std::optional<std::string>& catalog_pattern) const {
  const std::string types =
      include_views ? "table_type IN ('BASE TABLE', 'VIEW')" : "table_type = 'BASE TABLE'";
  std::vector<TextRow> rows;
  std::vector<std::optional<std::string>> parameters;
  const auto like = [&](const std::string& column, const std::string& pattern) {
    parameters.push_back(pattern);
    return " AND " + column + " LIKE :p" + std::to_string(parameters.size() - 1);
  };
  if (kind_ == DatabaseKind::kPostgres) {
    std::string sql = "SELECT table_schema, table_name FROM information_schema.tables WHERE " +
                      types + " AND table_schema NOT IN ('pg_catalog', 'information_schema')";
    if (schema_pattern && !schema_pattern->empty()) sql += like("table_schema", *schema_pattern);
    // The catalog is the database: a pattern that does not match the connection's lists nothing.
    if (catalog_pattern && !catalog_pattern->empty())
      sql += like("table_catalog", *catalog_pattern);
    rows = connection.query(sql + " ORDER BY 1, 2", 2, parameters);
  } else {
    // MySQL's catalogs are its databases: the URL's, or those catalog.pattern matches.
    std::string sql = "SELECT table_schema, table_name FROM information_schema.tables WHERE " +
                      types + " AND table_schema NOT IN ('mysql', 'information_schema', " +
                      "'performance_schema', 'sys')";
    sql += catalog_pattern && !catalog_pattern->empty() ? like("table_schema", *catalog_pattern)
                                                        : " AND table_schema = DATABASE()";
    rows = connection.query(sql + " ORDER BY 1, 2", 2, parameters);
  }
  std::vector<TableId> tables;
  for (TextRow& row : rows) tables.push_back({row[0].value_or(""), row[1].value_or("")});
  return tables;
}

std::vector<ColumnInfo> Dialect::describe_table(Connection& connection,
                                                const TableId& table) const {
  std::string sql;
  if (kind_ == DatabaseKind::kPostgres) {
    sql =
        "SELECT column_name, data_type, udt_name, is_nullable, numeric_precision, numeric_scale, "
        "character_maximum_length, CASE WHEN column_default LIKE 'nextval(%' OR is_identity = "
        "'YES' THEN 'auto_increment' ELSE '' END FROM information_schema.columns WHERE "
        "table_schema = :p0 AND table_name = :p1 ORDER BY ordinal_position";
  } else {
    sql =
        "SELECT column_name, LOWER(data_type), LOWER(column_type), is_nullable, "
        "numeric_precision, numeric_scale, character_maximum_length, extra FROM "
        "information_schema.columns WHERE table_schema = :p0 AND table_name = :p1 ORDER BY "
        "ordinal_position";
  }
  std::vector<ColumnInfo> columns;
  for (TextRow& row : connection.query(sql, 8, {table.schema, table.name})) {
    ColumnInfo column;
    column.name = row[0].value_or("");
    column.type = row[1].value_or("");
    column.column_type = row[2].value_or("");
    column.nullable = row[3].value_or("YES") != "NO";
    column.precision = row[4] ? to_int(row[4]) : to_int(row[6]);
    column.scale = to_int(row[5]);
    column.scale_known = row[5].has_value();
    column.auto_increment = row[7].value_or("").find("auto_increment") != std::string::npos;
    columns.push_back(std::move(column));
  }
  return columns;
}

std::vector<ColumnInfo> Dialect::describe_query(Connection& connection,
                                                const std::string& query) const {
  const TableId temporary{"", "ferry_query_columns"};
  connection.execute(std::string(kind_ == DatabaseKind::kPostgres
                                     ? "DROP TABLE IF EXISTS pg_temp."
                                     : "DROP TEMPORARY TABLE IF EXISTS ") +
                     quote(temporary.name));
  std::vector<ColumnInfo> columns;
  if (kind_ == DatabaseKind::kPostgres) {
    connection.execute("CREATE TEMPORARY TABLE " + quote(temporary.name) + " AS SELECT * FROM (" +
                       query + ") ferry_query LIMIT 0");
    const auto schema =
        connection.query("SELECT nspname FROM pg_namespace WHERE oid = pg_my_temp_schema()", 1);
    columns = describe_table(connection, {schema.at(0).at(0).value_or(""), temporary.name});
  } else {
    connection.execute("CREATE TEMPORARY TABLE " + quote(temporary.name) + " AS SELECT * FROM (" +
                       query + ") ferry_query LIMIT 0");
    // Field, Type, Null, Key, Default, Extra
    for (TextRow& row : connection.query("SHOW COLUMNS FROM " + quote(temporary.name), 6)) {
      ColumnInfo column;
      column.name = row[0].value_or("");
      column.column_type = ascii_lower(row[1].value_or(""));
      const auto paren = column.column_type.find_first_of("( ");
      column.type = column.column_type.substr(0, paren);
      if (paren != std::string::npos && column.column_type[paren] == '(') {
        const std::string inside = column.column_type.substr(paren + 1);
        column.precision = to_int(inside.substr(0, inside.find_first_of(",)")));
        if (const auto comma = inside.find(',');
            comma != std::string::npos && comma < inside.find(')')) {
          column.scale = to_int(inside.substr(comma + 1));
          column.scale_known = true;
        }
      }
      column.nullable = true;
      columns.push_back(std::move(column));
    }
  }
  connection.execute("DROP " + std::string(kind_ == DatabaseKind::kPostgres ? "" : "TEMPORARY ") +
                     "TABLE " + quote(temporary.name));
  for (ColumnInfo& column : columns) column.nullable = true;
  return columns;
}

std::string Dialect::default_schema(Connection& connection) const {
  const auto rows = connection.query(
      kind_ == DatabaseKind::kPostgres ? "SELECT current_schema()" : "SELECT DATABASE()", 1);
  return rows.empty() ? "" : rows[0][0].value_or("");
}

std::string Dialect::current_timestamp(Connection& connection) const {
  const auto rows = connection.query(
      kind_ == DatabaseKind::kPostgres
          ? "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
          : "SELECT DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%d %H:%i:%s.%f')",
      1);
  if (rows.empty() || !rows[0][0]) throw sdk::ConnectException("The database has no clock");
  return *rows[0][0];
}

std::string Dialect::column_type(const sdk::Schema& schema, bool primary_key) const {
  const bool postgres = kind_ == DatabaseKind::kPostgres;
  switch (sdk::logical::logical_type_of(schema)) {
    case sdk::logical::LogicalType::kDecimal:
      return postgres ? "DECIMAL"
                      : "DECIMAL(65," + std::to_string(sdk::logical::decimal_scale(schema)) + ")";
    case sdk::logical::LogicalType::kDate:
      return "DATE";
    case sdk::logical::LogicalType::kTime:
      return postgres ? "TIME" : "TIME(3)";
    case sdk::logical::LogicalType::kTimestamp:
      return postgres ? "TIMESTAMP" : "DATETIME(3)";
    case sdk::logical::LogicalType::kNone:
      break;
  }
  switch (schema.type()) {
    case sdk::Type::kInt8:
      return postgres ? "SMALLINT" : "TINYINT";
    case sdk::Type::kInt16:
      return "SMALLINT";
    case sdk::Type::kInt32:
      return "INT";
    case sdk::Type::kInt64:
      return "BIGINT";
    case sdk::Type::kFloat32:
      return postgres ? "REAL" : "FLOAT";
    case sdk::Type::kFloat64:
      return postgres ? "DOUBLE PRECISION" : "DOUBLE";
    case sdk::Type::kBoolean:
      return postgres ? "BOOLEAN" : "TINYINT";
    case sdk::Type::kString:
      // MySQL cannot index a TEXT column without a prefix length: key columns get VARCHAR.
      return postgres ? "TEXT" : (primary_key ? "VARCHAR(255)" : "TEXT");
    case sdk::Type::kBytes:
      return postgres ? "BYTEA" : (primary_key ? "VARBINARY(255)" : "LONGBLOB");
    default:
      throw sdk::ConnectException(std::string(sdk::type_name(schema.type())) +
                                  " type doesn't have a mapping to the SQL database column type");
  }
}

std::string Dialect::placeholder(const sdk::Schema& schema, std::string_view name) const {
  if (kind_ == DatabaseKind::kMysql && schema.type() == sdk::Type::kBytes &&
      sdk::logical::logical_type_of(schema) == sdk::logical::LogicalType::kNone) {
    return "UNHEX(:" + std::string(name) + ")";
  }
  return ":" + std::string(name);
}

std::string Dialect::insert_sql(const TableId& table, const std::vector<std::string>& key_columns,
                                const std::vector<std::string>& value_columns,
                                const std::vector<std::string>& placeholders, bool upsert) const {
  return insert_rows_sql(table, key_columns, value_columns, {placeholders}, upsert);
}

std::string Dialect::insert_rows_sql(const TableId& table,
                                     const std::vector<std::string>& key_columns,
                                     const std::vector<std::string>& value_columns,
                                     const std::vector<std::vector<std::string>>& rows,
                                     bool upsert) const {
  std::vector<std::string> quoted;
  for (const auto& column : key_columns) quoted.push_back(quote(column));
  for (const auto& column : value_columns) quoted.push_back(quote(column));
  std::string sql = "INSERT INTO " + this->table(table) + " (" + join(quoted, ",") + ") VALUES ";
  for (std::size_t row = 0; row < rows.size(); ++row) {
    sql += (row ? ",(" : "(") + join(rows[row], ",") + ")";
  }
  return upsert ? sql + upsert_clause(table, key_columns, value_columns) : sql;
}

std::string Dialect::insert_select_sql(const TableId& table,
                                       const std::vector<std::string>& key_columns,
                                       const std::vector<std::string>& value_columns,
                                       const std::string& source, bool upsert) const {
  std::vector<std::string> quoted;
  for (const auto& column : key_columns) quoted.push_back(quote(column));
  for (const auto& column : value_columns) quoted.push_back(quote(column));
  const std::string columns = join(quoted, ",");
  std::string sql = "INSERT INTO " + this->table(table) + " (" + columns + ") SELECT " + columns +
                    " FROM " + source;
  return upsert ? sql + upsert_clause(table, key_columns, value_columns) : sql;
}

std::string Dialect::upsert_clause(const TableId& table,
                                   const std::vector<std::string>& key_columns,
                                   const std::vector<std::string>& value_columns) const {
  if (key_columns.empty()) {
    throw sdk::ConnectException("Write to table '" + table.qualified() +
                                "' in UPSERT mode requires key field names to be known, check "
                                "the primary key configuration");
  }
  std::vector<std::string> updates;
  if (kind_ == DatabaseKind::kPostgres) {
    std::vector<std::string> keys;
    for (const auto& column : key_columns) keys.push_back(quote(column));
    const std::string conflict = " ON CONFLICT (" + join(keys, ",") + ")";
    if (value_columns.empty()) return conflict + " DO NOTHING";
    for (const auto& column : value_columns)
      updates.push_back(quote(column) + "=EXCLUDED." + quote(column));
    return conflict + " DO UPDATE SET " + join(updates, ",");
  }
  const auto& update_columns = value_columns.empty() ? key_columns : value_columns;
  for (const auto& column : update_columns)
    updates.push_back(quote(column) + "=VALUES(" + quote(column) + ")");
  return " ON DUPLICATE KEY UPDATE " + join(updates, ",");
}

std::string Dialect::update_sql(const TableId& table, const std::vector<std::string>& key_columns,
                                const std::vector<std::string>& value_columns,
                                const std::vector<std::string>& value_placeholders,
                                const std::vector<std::string>& key_placeholders) const {
  std::vector<std::string> sets;
  for (std::size_t i = 0; i < value_columns.size(); ++i)
    sets.push_back(quote(value_columns[i]) + " = " + value_placeholders[i]);
  std::vector<std::string> conditions;
  for (std::size_t i = 0; i < key_columns.size(); ++i)
    conditions.push_back(quote(key_columns[i]) + " = " + key_placeholders[i]);
  return "UPDATE " + this->table(table) + " SET " + join(sets, ", ") + " WHERE " +
         join(conditions, " AND ");
}

std::string Dialect::delete_sql(const TableId& table, const std::vector<std::string>& key_columns,
                                const std::vector<std::string>& key_placeholders) const {
  std::vector<std::string> conditions;
  for (std::size_t i = 0; i < key_columns.size(); ++i)
    conditions.push_back(quote(key_columns[i]) + " = " + key_placeholders[i]);
  return "DELETE FROM " + this->table(table) + " WHERE " + join(conditions, " AND ");
}

}  // namespace ferry::connectors::jdbc
