// JdbcSinkConnector: Confluent's io.confluent.connect.jdbc.JdbcSinkConnector. Writes the records
// of its topics into tables of a PostgreSQL or MySQL/MariaDB database through JdbcSinkTask; every
// task gets the same configuration (the worker spreads the topic partitions over them).
//
// Options, defaults and messages follow Confluent's (connect.md 9.1): insert.mode, pk.mode,
// pk.fields, fields.whitelist, table.name.format, auto.create, auto.evolve, delete.enabled,
// batch.size, max.retries, retry.backoff.ms, quote.sql.identifiers and the connection keys.
//
// Thread-safety: driven by one worker thread at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ferry/sdk/sink_connector.h"

namespace ferry::connectors::jdbc {

class JdbcSinkConnector : public sdk::SinkConnector {
 public:
  static constexpr const char* kClassName = "io.confluent.connect.jdbc.JdbcSinkConnector";

  static const sdk::ConfigDef& config_def();
  // config_def().parse(props) plus the cross-key rules (delete.enabled needs
  // pk.mode=record_key, kafka keys take three pk.fields, ...). Throws ConfigException.
  static sdk::ParsedConfig parse(const sdk::ConfigMap& props);

  std::string version() const override;
  void start(const sdk::ConfigMap& props) override;
  std::vector<sdk::ConfigMap> task_configs(int max_tasks) override;
  void stop() override {}
  sdk::ConfigDef config() const override { return config_def(); }
  std::unique_ptr<sdk::SinkTask> create_task() const override;
  // With exactly.once.enabled the offsets that count are the database's: REST's offset changes
  // are made there too (in one transaction), and true returned. Otherwise false: nothing to do.
  bool alter_offsets(const sdk::ConfigMap& connector_config,
                     const sdk::SinkOffsetChanges& offsets) override;

 private:
  sdk::ConfigMap props_;
};

}  // namespace ferry::connectors::jdbc
