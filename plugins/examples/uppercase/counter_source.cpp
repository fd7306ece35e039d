#include "counter_source.h"

#include "ferry/sdk/errors.h"
#include "ferry/sdk/schema.h"

namespace example {

using ferry::sdk::ConfigDef;
using ferry::sdk::ConfigMap;
using ferry::sdk::ConfigType;
using ferry::sdk::Importance;

ConfigDef counter_config() {
  return ConfigDef()
      .define({.name = "topic",
               .type = ConfigType::kString,  // no default: required
               .validator = ferry::sdk::NonEmptyString(),
               .importance = Importance::kHigh,
               .documentation = "The topic to write the numbers to."})
      .define({.name = "poll.interval.ms",
               .type = ConfigType::kLong,
               .default_value = std::int64_t{1000},
               .validator = ferry::sdk::Range::at_least(0),
               .importance = Importance::kLow,
               .documentation = "How long to wait between two numbers."});
}

std::string CounterSourceTask::version() const { return UPPERCASE_PLUGIN_VERSION; }

void CounterSourceTask::start(const ConfigMap& props) {
  const ferry::sdk::ParsedConfig config = counter_config().parse(props);
  topic_ = config.get_string("topic");
  interval_ = std::chrono::milliseconds(config.get_long("poll.interval.ms"));
  // Resume after the last number the worker stored for this counter, if any.
  const std::optional<ferry::sdk::SourceMap> offset =
      context().offset_storage_reader().offset({{"counter", topic_}});
  if (offset) {
    const auto position = offset->find("position");
    if (position == offset->end() || !position->second.is<std::int64_t>()) {
      throw ferry::sdk::ConnectException("stored offset of counter " + topic_ +
                                         " has no integer position");
    }
    last_ = position->second.as<std::int64_t>();
  }
}

std::vector<ferry::sdk::SourceRecord> CounterSourceTask::poll() {
  if (!first_poll_) {
    std::unique_lock lock(mutex_);
    // Wakes early when stop() is called, so the worker never waits a whole interval.
    if (stop_requested_.wait_for(lock, interval_, [this] { return stopping_; })) return {};
  }
  first_poll_ = false;
  ++last_;
  ferry::sdk::SourceRecord record;
  record.source_partition = {{"counter", topic_}};
  record.source_offset = {{"position", last_}};
  record.topic = topic_;
  record.value_schema = ferry::sdk::Schema::string();
  record.value = std::to_string(last_);
  return {std::move(record)};
}

void CounterSourceTask::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_requested_.notify_all();
}

std::string CounterSourceConnector::version() const { return UPPERCASE_PLUGIN_VERSION; }

void CounterSourceConnector::start(const ConfigMap& props) {
  counter_config().parse(props);  // fail now, with every problem, rather than in the task
  props_ = props;
}

std::vector<ConfigMap> CounterSourceConnector::task_configs(int /*max_tasks*/) { return {props_}; }

std::unique_ptr<ferry::sdk::SourceTask> CounterSourceConnector::create_task() const {
  return std::make_unique<CounterSourceTask>();
}

}  // namespace example
