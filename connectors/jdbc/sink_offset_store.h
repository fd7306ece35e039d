// The JDBC sink's exactly-once option (exactly.once.enabled, beyond Confluent's connector): the
// next offset to read of every topic partition a sink connector consumed is kept in a table of
// the target database and written in the same transaction as the rows of the records before it,
// so rows and offsets commit together or not at all. When partitions are assigned the task
// rewinds the consumer to the stored offsets, which win over the consumer group's: a crash
// between the database's commit and the worker's offset commit then writes nothing twice.
//
// The table (exactly.once.offsets.table, "schema.table" or a table of the connection's schema)
// has one row per connector, topic and partition and is created when missing:
//   connector VARCHAR(255), topic VARCHAR(255), kafka_partition INT, next_offset BIGINT,
//   PRIMARY KEY (connector, topic, kafka_partition)
// Connectors of other names may share it.
//
// Thread-safety: none; used on one task's (or the connector's) thread with its connection.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "connectors/jdbc/connection.h"
#include "connectors/jdbc/dialect.h"
#include "ferry/sdk/config_def.h"
#include "ferry/sdk/sink_connector.h"

namespace ferry::connectors::jdbc {

class SinkOffsetStore {
 public:
  // The store a sink connector's configuration asks for (created when missing), or null when
  // exactly.once.enabled is off. connector_props: the configuration as given, for its name.
  static std::unique_ptr<SinkOffsetStore> open(const sdk::ParsedConfig& config,
                                               const sdk::ConfigMap& connector_props,
                                               const Dialect& dialect, Connection& connection);

  // Throws sdk::ConnectException when the table or connector name cannot be used.
  SinkOffsetStore(Dialect dialect, TableId table, std::string connector);

  const TableId& table() const { return table_; }

  // CREATE TABLE IF NOT EXISTS, outside any transaction (MySQL commits on DDL).
  void ensure_table(Connection& connection) const;
  // The stored next offsets of those partitions that have one.
  sdk::SinkOffsets load(Connection& connection,
                        const std::set<sdk::TopicPartitionId>& partitions) const;
  // Sets (an offset) or forgets (nullopt) the stored offsets of the partitions, in the caller's
  // transaction when one is open.
  void save(Connection& connection,
            const std::vector<std::pair<sdk::TopicPartitionId, std::optional<std::int64_t>>>&
                offsets) const;
  // The statement that sets the stored offsets, its values written into it (for a script sent
  // whole, Connection::send_script).
  std::string save_sql(Connection& connection, const sdk::SinkOffsets& offsets) const;

 private:
  Dialect dialect_;
  TableId table_;
  std::string connector_;
};

}  // namespace ferry::connectors::jdbc
