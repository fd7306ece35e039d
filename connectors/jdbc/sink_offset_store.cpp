#include "connectors/jdbc/sink_offset_store.h"

#include <charconv>

#include <soci/soci.h>

#include "ferry/sdk/errors.h"

namespace ferry::connectors::jdbc {
namespace {

const std::vector<std::string> kKeyColumns = {"connector", "topic", "kafka_partition"};
const std::vector<std::string> kValueColumns = {"next_offset"};

// Runs sql once per row of the bound columns (SOCI vectors bound to :c0, :c1, ...).
void execute_rows(Connection& connection, const std::string& sql,
                  std::vector<std::vector<std::string>>& columns) {
  if (columns.empty() || columns.front().empty()) return;
  soci::statement statement(connection.session());
  for (std::size_t i = 0; i < columns.size(); ++i)
    statement.exchange(soci::use(columns[i], "c" + std::to_string(i)));
  statement.alloc();
  statement.prepare(sql);
  statement.define_and_bind();
  statement.execute(true);
}

}  // namespace

SinkOffsetStore::SinkOffsetStore(Dialect dialect, TableId table, std::string connector)
    : dialect_(dialect), table_(std::move(table)), connector_(std::move(connector)) {
  if (connector_.empty()) {
    throw sdk::ConnectException(
        "exactly.once.enabled needs the connector's name (the name key) to key its offsets by");
  }
}

std::unique_ptr<SinkOffsetStore> SinkOffsetStore::open(const sdk::ParsedConfig& config,
                                                       const sdk::ConfigMap& connector_props,
                                                       const Dialect& dialect,
                                                       Connection& connection) {
  if (!config.get_bool("exactly.once.enabled")) return nullptr;
  const auto name = connector_props.find("name");
  auto store = std::make_unique<SinkOffsetStore>(
      dialect,
      TableId::parse(config.get_string("exactly.once.offsets.table"),
                     dialect.default_schema(connection)),
      name == connector_props.end() ? "" : name->second);
  store->ensure_table(connection);
  return store;
}

void SinkOffsetStore::ensure_table(Connection& connection) const {
  // Looked up first: PostgreSQL tells stderr when IF NOT EXISTS finds the table.
  if (!dialect_.describe_table(connection, table_).empty()) return;
  const auto q = [&](const std::string& name) { return dialect_.quote(name); };
  connection.execute("CREATE TABLE IF NOT EXISTS " + dialect_.table(table_) + " (" +
                     q("connector") + " VARCHAR(255) NOT NULL, " + q("topic") +
                     " VARCHAR(255) NOT NULL, " + q("kafka_partition") + " INT NOT NULL, " +
                     q("next_offset") + " BIGINT NOT NULL, PRIMARY KEY (" + q("connector") + ", " +
                     q("topic") + ", " + q("kafka_partition") + "))");
}

sdk::SinkOffsets SinkOffsetStore::load(Connection& connection,
                                       const std::set<sdk::TopicPartitionId>& partitions) const {
  sdk::SinkOffsets offsets;
  if (partitions.empty()) return offsets;
  const auto rows = connection.query(
      "SELECT " + dialect_.quote("topic") + ", " + dialect_.quote("kafka_partition") + ", " +
          dialect_.quote("next_offset") + " FROM " + dialect_.table(table_) + " WHERE " +
          dialect_.quote("connector") + " = :p0",
      3, {connector_});
  for (const TextRow& row : rows) {
    if (!row[0] || !row[1] || !row[2]) continue;
    sdk::TopicPartitionId partition{*row[0], 0};
    std::int64_t next = 0;
    const auto parsed_partition =
        std::from_chars(row[1]->data(), row[1]->data() + row[1]->size(), partition.partition);
    const auto parsed_offset =
        std::from_chars(row[2]->data(), row[2]->data() + row[2]->size(), next);
    if (parsed_partition.ec != std::errc() || parsed_offset.ec != std::errc()) {
      throw sdk::ConnectException("Table " + table_.qualified() + " holds a bad offset for " +
                                  *row[0] + "-" + *row[1] + ": " + *row[2]);
    }
    if (partitions.contains(partition)) offsets[partition] = next;
  }
  return offsets;
}

void SinkOffsetStore::save(
    Connection& connection,
    const std::vector<std::pair<sdk::TopicPartitionId, std::optional<std::int64_t>>>& offsets)
    const {
  std::vector<std::vector<std::string>> upserts(4);
  std::vector<std::vector<std::string>> deletes(3);
  for (const auto& [partition, offset] : offsets) {
    auto& columns = offset ? upserts : deletes;
    columns[0].push_back(connector_);
    columns[1].push_back(partition.topic);
    columns[2].push_back(std::to_string(partition.partition));
    if (offset) columns[3].push_back(std::to_string(*offset));
  }
  execute_rows(connection,
               dialect_.insert_sql(table_, kKeyColumns, kValueColumns, {":c0", ":c1", ":c2", ":c3"},
                                   /*upsert=*/true),
               upserts);
  execute_rows(connection, dialect_.delete_sql(table_, kKeyColumns, {":c0", ":c1", ":c2"}),
               deletes);
}

std::string SinkOffsetStore::save_sql(Connection& connection,
                                      const sdk::SinkOffsets& offsets) const {
  std::vector<std::vector<std::string>> rows;
  for (const auto& [partition, offset] : offsets) {
    std::string row;
    const auto append_literal = [&](std::string_view value) {
      if (connection.kind() == DatabaseKind::kPostgres) {
        connection.append_postgres_literal(row, value);
      } else {
        connection.append_mysql_string(row, value);
      }
    };
    append_literal(connector_);
    row += ',';
    append_literal(partition.topic);
    row += ',' + std::to_string(partition.partition) + ',' + std::to_string(offset);
    rows.push_back({std::move(row)});
  }
  return dialect_.insert_rows_sql(table_, kKeyColumns, kValueColumns, rows, /*upsert=*/true);
}

}  // namespace ferry::connectors::jdbc
