#include "connectors/jdbc/jdbc_sink_connector.h"

#include <algorithm>

#include <soci/soci.h>

#include "connectors/jdbc/ascii_case.h"
#include "connectors/jdbc/jdbc_config.h"
#include "connectors/jdbc/jdbc_sink_task.h"
#include "connectors/jdbc/sink_offset_store.h"
#include "connectors/jdbc/version.h"

namespace ferry::connectors::jdbc {

const sdk::ConfigDef& JdbcSinkConnector::config_def() {
  static const sdk::ConfigDef def = [] {
    sdk::ConfigDef d;
    define_connection_keys(d, true);
    d.define({.name = "insert.mode",
              .type = sdk::ConfigType::kString,
              .default_value = std::string("insert"),
              .validator = sdk::CaseInsensitiveValidString::in({"insert", "upsert", "update"}),
              .importance = sdk::Importance::kHigh,
              .documentation = "The insertion mode to use: insert, upsert or update.",
              .group = "Writes"})
        .define({.name = "batch.size",
                 .type = sdk::ConfigType::kInt,
                 .default_value = 3000,
                 .validator = sdk::Range::at_least(1),
                 .importance = sdk::Importance::kMedium,
                 .documentation = "Specifies how many records to attempt to batch together for "
                                  "insertion into the destination table, when possible.",
                 .group = "Writes"})
        .define({.name = "delete.enabled",
                 .type = sdk::ConfigType::kBoolean,
                 .default_value = false,
                 .importance = sdk::Importance::kMedium,
                 .documentation = "Whether to treat null record values as deletes. Requires "
                                  "pk.mode to be record_key.",
                 .group = "Writes"})
        .define({.name = "table.name.format",
                 .type = sdk::ConfigType::kString,
                 .default_value = std::string("${topic}"),
                 .importance = sdk::Importance::kMedium,
                 .documentation = "A format string for the destination table name, which may "
                                  "contain '${topic}' as a placeholder for the originating topic "
                                  "name.",
                 .group = "Data Mapping"})
        .define({.name = "table.types",
                 .type = sdk::ConfigType::kList,
                 .default_value = std::string("TABLE"),
                 .validator = sdk::ValidList::in({"TABLE", "VIEW"}),
                 .importance = sdk::Importance::kLow,
                 .documentation = "The types of table the sink writes to.",
                 .group = "Data Mapping"})
        .define({.name = "pk.mode",
                 .type = sdk::ConfigType::kString,
                 .default_value = std::string("none"),
                 .validator = sdk::CaseInsensitiveValidString::in(
                     {"none", "kafka", "record_key", "record_value"}),
                 .importance = sdk::Importance::kHigh,
                 .documentation = "The primary key mode: none, kafka, record_key, record_value.",
                 .group = "Data Mapping"})
        .define({.name = "pk.fields",
                 .type = sdk::ConfigType::kList,
                 .default_value = std::string(),
                 .importance = sdk::Importance::kMedium,
                 .documentation = "List of comma-separated primary key field names; their "
                                  "meaning depends on pk.mode.",
                 .group = "Data Mapping"})
        .define({.name = "fields.whitelist",
                 .type = sdk::ConfigType::kList,
                 .default_value = std::string(),
                 .importance = sdk::Importance::kMedium,
                 .documentation = "List of comma-separated record value field names; empty: all "
                                  "fields.",
                 .group = "Data Mapping"})
        .define({.name = "auto.create",
                 .type = sdk::ConfigType::kBoolean,
                 .default_value = false,
                 .importance = sdk::Importance::kMedium,
                 .documentation = "Whether to automatically create the destination table based "
                                  "on record schema if it is found to be missing.",
                 .group = "DDL Support"})
        .define({.name = "auto.evolve",
                 .type = sdk::ConfigType::kBoolean,
                 .default_value = false,
                 .importance = sdk::Importance::kMedium,
                 .documentation = "Whether to automatically add columns in the table schema "
                                  "when found to be missing relative to the record schema.",
                 .group = "DDL Support"})
        .define({.name = "max.retries",
                 .type = sdk::ConfigType::kInt,
                 .default_value = 10,
                 .validator = sdk::Range::at_least(0),
                 .importance = sdk::Importance::kMedium,
                 .documentation = "The maximum number of times to retry on errors before "
                                  "failing the task.",
                 .group = "Retries"})
        .define({.name = "retry.backoff.ms",
                 .type = sdk::ConfigType::kInt,
                 .default_value = 3000,
                 .validator = sdk::Range::at_least(0),
                 .importance = sdk::Importance::kMedium,
                 .documentation = "The time in milliseconds to wait following an error before a "
                                  "retry attempt is made.",
                 .group = "Retries"});
    // Kafka Connect 3.x's newer name for fields.whitelist.
    d.define({.name = "fields.include",
              .type = sdk::ConfigType::kList,
              .default_value = std::string(),
              .importance = sdk::Importance::kLow,
              .documentation = "Alias of fields.whitelist.",
              .group = "Data Mapping"})
        .define({.name = "exactly.once.enabled",
                 .type = sdk::ConfigType::kBoolean,
                 .default_value = false,
                 .importance = sdk::Importance::kMedium,
                 .documentation =
                     "Ferry's exactly-once option: store the consumed offsets in a table of the "
                     "target database in the same transaction as the rows, and resume from them "
                     "rather than from the consumer group's.",
                 .group = "Writes"})
        .define({.name = "exactly.once.offsets.table",
                 .type = sdk::ConfigType::kString,
                 .default_value = std::string("ferry_sink_offsets"),
                 .importance = sdk::Importance::kLow,
                 .documentation = "The table (schema.table or table) holding the offsets when "
                                  "exactly.once.enabled; created when missing.",
                 .group = "Writes"});
    return d;
  }();
  return def;
}

sdk::ParsedConfig JdbcSinkConnector::parse(const sdk::ConfigMap& props) {
  sdk::ParsedConfig config = config_def().parse(props);
  const std::string pk_mode = ascii_lower(config.get_string("pk.mode"));
  if (config.get_bool("delete.enabled") && pk_mode != "record_key") {
    throw sdk::ConfigException(
        "Primary key mode must be 'record_key' when delete support is "
        "enabled");
  }
  if (pk_mode == "kafka" && !config.get_list("pk.fields").empty() &&
      config.get_list("pk.fields").size() != 3) {
    throw sdk::ConfigException(
        "PK mode for table is kafka, but pk.fields does not name exactly three columns "
        "(topic, partition, offset)");
  }
  connection_settings(config);
  return config;
}

std::string JdbcSinkConnector::version() const { return kVersion; }

void JdbcSinkConnector::start(const sdk::ConfigMap& props) {
  parse(props);
  props_ = props;
}

std::vector<sdk::ConfigMap> JdbcSinkConnector::task_configs(int max_tasks) {
  return std::vector<sdk::ConfigMap>(static_cast<std::size_t>(std::max(1, max_tasks)), props_);
}

std::unique_ptr<sdk::SinkTask> JdbcSinkConnector::create_task() const {
  return std::make_unique<JdbcSinkTask>();
}

bool JdbcSinkConnector::alter_offsets(const sdk::ConfigMap& connector_config,
                                      const sdk::SinkOffsetChanges& offsets) {
  const sdk::ParsedConfig config = parse(connector_config);
  if (!config.get_bool("exactly.once.enabled")) return false;
  const auto connection = connect(config);
  const auto store = SinkOffsetStore::open(config, connector_config,
                                           dialect_for(config, connection->kind()), *connection);
  soci::transaction transaction(connection->session());
  store->save(*connection, offsets);
  transaction.commit();
  return true;
}

}  // namespace ferry::connectors::jdbc
