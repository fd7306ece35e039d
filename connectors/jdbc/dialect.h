// What differs between PostgreSQL and MySQL/MariaDB in the SQL the JDBC connectors write:
// identifier quoting, the catalog queries, the current time, the upsert form and the column types
// a sink creates. Confluent's PostgreSqlDatabaseDialect and MySqlDatabaseDialect, reduced to what
// Ferry's connectors use.
//
// Identifiers: every table and column name that reaches SQL goes through quote() (or, with
// quote.sql.identifiers=never, through a check that it is a plain identifier), after
// validate_identifier() has refused names no quoting makes safe with SOCI: SOCI scans statements
// for ':name' placeholders and does not know MySQL's backquotes, so names holding a quote
// character, a colon, a backslash or a control character are rejected with an error naming them.
// Nothing a record, topic or table name holds can therefore change a statement's meaning.
//
// Thread-safety: immutable after construction.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/jdbc/connection.h"
#include "ferry/sdk/schema.h"

namespace ferry::connectors::jdbc {

// A table as the catalog names it: schema (PostgreSQL) or database (MySQL), and name.
struct TableId {
  std::string schema;
  std::string name;

  // A table name as users write it: "schema.table" names its schema (as Confluent's TableId
  // parsing does), "table" lives in default_schema. Throws sdk::ConnectException when a part
  // is not a usable identifier (validate_identifier).
  static TableId parse(std::string_view name, std::string_view default_schema);

  // "schema.name", unquoted: Confluent's partition key for the v1 offset protocol.
  std::string qualified() const { return schema.empty() ? name : schema + "." + name; }
  friend auto operator<=>(const TableId&, const TableId&) = default;
};

// A column as the catalog describes it.
struct ColumnInfo {
  std::string name;
  std::string type;         // the catalog's data_type, lower case ("integer", "varchar", ...)
  std::string column_type;  // MySQL's full column_type ("int(10) unsigned"); PostgreSQL: udt_name
  bool nullable = true;
  int precision = 0;  // numeric precision, or character length; 0 when unknown
  int scale = 0;
  bool scale_known = false;
  bool auto_increment = false;
};

// Throws sdk::ConnectException naming what (e.g. "table name") and the name when it is empty,
// longer than 64 bytes, or holds a character the module comment lists.
void validate_identifier(std::string_view name, std::string_view what);

class Dialect {
 public:
  Dialect(DatabaseKind kind, bool quote_identifiers);

  DatabaseKind kind() const { return kind_; }
  bool quotes_identifiers() const { return quote_; }

  // A validated, quoted (or checked plain) identifier.
  std::string quote(std::string_view name) const;
  // schema.name, each part quoted; no schema part when schema is empty.
  std::string table(const TableId& table) const;

  // The catalog queries. Each returns text rows in the documented column order.
  // Tables of the connection's database: (schema, name), sorted. schema_pattern is a LIKE
  // pattern on the schema (PostgreSQL) or ignored (MySQL: the URL's database).
  // include_views adds views (table.types=TABLE,VIEW).
  // catalog_pattern (catalog.pattern, a LIKE pattern): MySQL lists the tables of every
  // database it matches instead of the URL's; PostgreSQL's catalog is the connection's database.
  std::vector<TableId> list_tables(Connection& connection,
                                   const std::optional<std::string>& schema_pattern,
                                   bool include_views,
                                   const std::optional<std::string>& catalog_pattern = {}) const;
  // The columns of a table in ordinal order; empty when the table does not exist.
  std::vector<ColumnInfo> describe_table(Connection& connection, const TableId& table) const;
  // The columns of a custom query's result (all nullable: the catalog cannot tell), found by
  // creating an empty temporary table from it.
  std::vector<ColumnInfo> describe_query(Connection& connection, const std::string& query) const;
  // The schema an unqualified table name lives in: the current schema or database.
  std::string default_schema(Connection& connection) const;
  // The database's current time in UTC, "YYYY-MM-DD HH:MM:SS.ffffff".
  std::string current_timestamp(Connection& connection) const;

  // The statement setting the session's transaction isolation to a transaction.isolation.mode
  // (READ_UNCOMMITTED, READ_COMMITTED, REPEATABLE_READ, SERIALIZABLE); empty for DEFAULT.
  std::string isolation_sql(std::string_view mode) const;

  // The SQL type a sink creates for a Connect schema, for a column that is (or is not) part of
  // the primary key. Throws sdk::ConnectException for MAP, STRUCT and ARRAY.
  std::string column_type(const sdk::Schema& schema, bool primary_key) const;

  // The placeholder for a parameter of a column of schema: ":name", or for MySQL BYTES
  // "UNHEX(:name)" (bytes cross as hex text).
  std::string placeholder(const sdk::Schema& schema, std::string_view name) const;

  // INSERT INTO t (k.., v..) VALUES (...) [upsert clause]. columns: key columns, then others.
  std::string insert_sql(const TableId& table, const std::vector<std::string>& key_columns,
                         const std::vector<std::string>& value_columns,
                         const std::vector<std::string>& placeholders, bool upsert) const;
  // The same with several rows: VALUES (...),(...), one row of placeholders each. PostgreSQL's
  // upsert refuses a key twice in one statement ("cannot affect row a second time").
  std::string insert_rows_sql(const TableId& table, const std::vector<std::string>& key_columns,
                              const std::vector<std::string>& value_columns,
                              const std::vector<std::vector<std::string>>& rows, bool upsert) const;
  // INSERT INTO t (k.., v..) SELECT k.., v.. FROM source [upsert clause]: the rows of another
  // table (the sink's COPY staging table) with the same column names.
  std::string insert_select_sql(const TableId& table, const std::vector<std::string>& key_columns,
                                const std::vector<std::string>& value_columns,
                                const std::string& source, bool upsert) const;
  // UPDATE t SET v = ?, ... WHERE k = ? AND ...; placeholders: values first, then keys.
  std::string update_sql(const TableId& table, const std::vector<std::string>& key_columns,
                         const std::vector<std::string>& value_columns,
                         const std::vector<std::string>& value_placeholders,
                         const std::vector<std::string>& key_placeholders) const;
  std::string delete_sql(const TableId& table, const std::vector<std::string>& key_columns,
                         const std::vector<std::string>& key_placeholders) const;

 private:
  // " ON CONFLICT ... DO UPDATE ..." or " ON DUPLICATE KEY UPDATE ...", for an upsert into table.
  std::string upsert_clause(const TableId& table, const std::vector<std::string>& key_columns,
                            const std::vector<std::string>& value_columns) const;

  DatabaseKind kind_;
  bool quote_;
};

}  // namespace ferry::connectors::jdbc
