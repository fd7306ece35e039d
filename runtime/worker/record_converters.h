// The key, value and header converters of one task: the worker's classes unless the connector
// overrides them (key.converter=... in its config), configured with their own keys, and the two
// conversions a task does with them (Kafka Connect's WorkerSourceTask.convertTransformedRecord
// and WorkerSinkTask.convertAndTransformRecord).
//
// Thread-safety: one task's; used on the task's thread.
#pragma once

#include <memory>
#include <string>

#include "broker/client/client_record.h"
#include "common/result.h"
#include "ferry/sdk/converter.h"
#include "ferry/sdk/record.h"
#include "plugins/loader/plugin_registry.h"
#include "runtime/converters/converter_into.h"
#include "runtime/worker/connector_config.h"
#include "runtime/worker/worker_config.h"

namespace ferry::runtime {

// Where a record failed, as Kafka's errors.Stage names it (and the DLQ header will).
enum class Stage {
  kTaskPoll,
  kTaskPut,
  kTransformation,
  kKeyConverter,
  kValueConverter,
  kHeaderConverter,
  kKafkaProduce,
  kKafkaConsume
};
std::string_view stage_name(Stage stage);  // "TASK_POLL", ...

class RecordConverters {
 public:
  // Errors name the key (key.converter, ...) and the class: not_found with the close matches,
  // invalid_argument with configure()'s message.
  static Result<RecordConverters> create(const loader::PluginRegistry& registry,
                                         const WorkerConfig& worker,
                                         const ConnectorConfig& connector);

  // A source record as the producer sends it, into out, replacing what it held and reusing its
  // storage where the converter can write into it (runtime/converters/converter_into.h): a task
  // that converts into the same records poll after poll allocates nothing per record for their
  // topics, keys and values. Exceptions of a converter pass through; *stage says which one threw.
  void to_producer_record(const sdk::SourceRecord& record, Stage* stage,
                          broker::ProducerRecord& out) const;
  // A consumed record as a sink task gets it (before transforms), likewise.
  sdk::SinkRecord to_sink_record(const broker::ConsumerRecord& record, Stage* stage) const;

  // The bytes a sink record stands for, written back by the converters: what the dead letter
  // queue gets for a record a task reports that the worker did not hand it as such. Exceptions
  // of a converter pass through.
  broker::ConsumerRecord to_consumer_record(const sdk::SinkRecord& record) const;

  // The class names, for messages.
  const std::string& class_name(Stage stage) const;

 private:
  std::unique_ptr<sdk::Converter> key_;
  std::unique_ptr<sdk::Converter> value_;
  std::unique_ptr<sdk::HeaderConverter> header_;
  // key_ and value_ as ConvertsInto, or null when they cannot write into a buffer.
  ConvertsInto* key_into_ = nullptr;
  ConvertsInto* value_into_ = nullptr;
  std::string key_class_;
  std::string value_class_;
  std::string header_class_;
};

}  // namespace ferry::runtime
