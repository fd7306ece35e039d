#include "runtime/worker/record_converters.h"

#include <utility>

namespace ferry::runtime {
namespace {

// Of a header's RecordBytes or a record's ConsumedBytes.
template <typename Bytes>
std::optional<sdk::ByteView> optional_view(const std::optional<Bytes>& bytes) {
  if (!bytes) return std::nullopt;
  return sdk::ByteView(bytes->data(), bytes->size());
}

}  // namespace

std::string_view stage_name(Stage stage) {
  switch (stage) {
    case Stage::kTaskPoll:
      return "TASK_POLL";
    case Stage::kTaskPut:
      return "TASK_PUT";
    case Stage::kTransformation:
      return "TRANSFORMATION";
    case Stage::kKeyConverter:
      return "KEY_CONVERTER";
    case Stage::kValueConverter:
      return "VALUE_CONVERTER";
    case Stage::kHeaderConverter:
      return "HEADER_CONVERTER";
    case Stage::kKafkaProduce:
      return "KAFKA_PRODUCE";
    case Stage::kKafkaConsume:
      return "KAFKA_CONSUME";
  }
  return "UNKNOWN";
}

Result<RecordConverters> RecordConverters::create(const loader::PluginRegistry& registry,
                                                  const WorkerConfig& worker,
                                                  const ConnectorConfig& connector) {
  RecordConverters converters;
  const ConverterSpec& key = connector.key_converter.value_or(worker.key_converter);
  const ConverterSpec& value = connector.value_converter.value_or(worker.value_converter);
  const ConverterSpec& header = connector.header_converter.value_or(worker.header_converter);
  const auto make = [&registry](const ConverterSpec& spec, std::string_view config_key,
                                bool is_key) -> Result<std::unique_ptr<sdk::Converter>> {
    const std::string where = std::string(config_key) + "=" + spec.class_name;
    auto factory = registry.find_converter(spec.class_name);
    if (!factory.ok()) return factory.status().with_context(where);
    try {
      auto converter = (*factory)();
      converter->configure(spec.configs, is_key);
      return converter;
    } catch (const std::exception& e) {
      return Status::invalid_argument(where + ": " + e.what());
    }
  };
  auto key_converter = make(key, "key.converter", true);
  if (!key_converter.ok()) return key_converter.status();
  auto value_converter = make(value, "value.converter", false);
  if (!value_converter.ok()) return value_converter.status();
  const std::string header_where = "header.converter=" + header.class_name;
  auto header_factory = registry.find_header_converter(header.class_name);
  if (!header_factory.ok()) return header_factory.status().with_context(header_where);
  try {
    converters.header_ = (*header_factory)();
    converters.header_->configure(header.configs);
  } catch (const std::exception& e) {
    return Status::invalid_argument(header_where + ": " + e.what());
  }
  converters.key_ = std::move(*key_converter);
  converters.value_ = std::move(*value_converter);
  converters.key_into_ = dynamic_cast<ConvertsInto*>(converters.key_.get());
  converters.value_into_ = dynamic_cast<ConvertsInto*>(converters.value_.get());
  converters.key_class_ = *registry.resolve(loader::ComponentKind::kConverter, key.class_name);
  converters.value_class_ = *registry.resolve(loader::ComponentKind::kConverter, value.class_name);
  converters.header_class_ =
      *registry.resolve(loader::ComponentKind::kHeaderConverter, header.class_name);
  return converters;
}

namespace {

// converter's bytes for value into out, in out's storage when into (converter as ConvertsInto)
// is not null.
void convert_into(sdk::Converter& converter, ConvertsInto* into, const sdk::SourceRecord& record,
                  const sdk::SchemaPtr& schema, const sdk::Value& value,
                  std::optional<broker::RecordBytes>& out) {
  if (into == nullptr) {
    out = converter.from_connect_data(record.topic, schema, value);
    return;
  }
  if (!out) out.emplace();
  if (!into->from_connect_data_into(record.topic, schema, value, *out)) out.reset();
}

}  // namespace

void RecordConverters::to_producer_record(const sdk::SourceRecord& record, Stage* stage,
                                          broker::ProducerRecord& out) const {
  out.topic = record.topic;
  out.partition = record.kafka_partition;
  out.timestamp = record.timestamp;
  *stage = Stage::kKeyConverter;
  convert_into(*key_, key_into_, record, record.key_schema, record.key, out.key);
  *stage = Stage::kValueConverter;
  convert_into(*value_, value_into_, record, record.value_schema, record.value, out.value);
  *stage = Stage::kHeaderConverter;
  out.headers.clear();
  out.headers.reserve(record.headers.size());
  for (const sdk::Header& header : record.headers) {
    out.headers.push_back({header.key, header_->from_connect_header(record.topic, header.key,
                                                                    header.schema, header.value)});
  }
}

sdk::SinkRecord RecordConverters::to_sink_record(const broker::ConsumerRecord& record,
                                                 Stage* stage) const {
  sdk::SinkRecord out;
  out.topic = record.topic;
  out.kafka_partition = record.partition;
  out.kafka_offset = record.offset;
  if (record.timestamp >= 0) out.timestamp = record.timestamp;
  switch (record.timestamp_type) {
    case broker::RecordTimestampType::kNoTimestampType:
      out.timestamp_type = sdk::TimestampType::kNoTimestampType;
      break;
    case broker::RecordTimestampType::kCreateTime:
      out.timestamp_type = sdk::TimestampType::kCreateTime;
      break;
    case broker::RecordTimestampType::kLogAppendTime:
      out.timestamp_type = sdk::TimestampType::kLogAppendTime;
      break;
  }
  *stage = Stage::kKeyConverter;
  sdk::SchemaAndValue key = key_->to_connect_data(record.topic, optional_view(record.key));
  out.key_schema = std::move(key.schema);
  out.key = std::move(key.value);
  *stage = Stage::kValueConverter;
  sdk::SchemaAndValue value = value_->to_connect_data(record.topic, optional_view(record.value));
  out.value_schema = std::move(value.schema);
  out.value = std::move(value.value);
  *stage = Stage::kHeaderConverter;
  for (const broker::ClientHeader& header : record.headers) {
    sdk::SchemaAndValue converted =
        header_->to_connect_header(record.topic, header.key, optional_view(header.value));
    out.headers.add(header.key, std::move(converted.schema), std::move(converted.value));
  }
  return out;
}

broker::ConsumerRecord RecordConverters::to_consumer_record(const sdk::SinkRecord& record) const {
  broker::ConsumerRecord out;
  out.topic = record.topic;
  out.partition = record.kafka_partition;
  out.offset = record.kafka_offset;
  out.timestamp = record.timestamp.value_or(-1);
  out.key = key_->from_connect_data(record.topic, record.key_schema, record.key);
  out.value = value_->from_connect_data(record.topic, record.value_schema, record.value);
  for (const sdk::Header& header : record.headers) {
    out.headers.push_back({header.key, header_->from_connect_header(record.topic, header.key,
                                                                    header.schema, header.value)});
  }
  return out;
}

const std::string& RecordConverters::class_name(Stage stage) const {
  switch (stage) {
    case Stage::kKeyConverter:
      return key_class_;
    case Stage::kHeaderConverter:
      return header_class_;
    default:
      return value_class_;
  }
}

}  // namespace ferry::runtime
