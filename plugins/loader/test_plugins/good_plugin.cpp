// A plugin that loads: one component of every kind the loader tests resolve, plus names built to
// exercise Kafka's alias rules (EchoConnector and EchoConverter share the pruned name "Echo") and
// a factory that throws.
#include <stdexcept>

#include "ferry/sdk/plugin.h"
#include "ferry/sdk/schema.h"

namespace {

using ferry::sdk::ConfigDef;
using ferry::sdk::ConfigMap;

class TickTask : public ferry::sdk::SourceTask {
 public:
  std::string version() const override { return "1.0.0"; }
  void start(const ConfigMap& props) override { topic_ = props.at("topic"); }
  std::vector<ferry::sdk::SourceRecord> poll() override {
    ++ticks_;
    ferry::sdk::SourceRecord record;
    record.source_partition = {{"ticker", "test"}};
    record.source_offset = {{"tick", ticks_}};
    record.topic = topic_;
    record.value_schema = ferry::sdk::Schema::string();
    record.value = "tick-" + std::to_string(ticks_);
    return {record};
  }
  void stop() override {}

 private:
  std::string topic_;
  std::int64_t ticks_ = 0;
};

class TickSourceConnector : public ferry::sdk::SourceConnector {
 public:
  std::string version() const override { return "1.0.0"; }
  void start(const ConfigMap& props) override { props_ = props; }
  std::vector<ConfigMap> task_configs(int /*max_tasks*/) override { return {props_}; }
  void stop() override {}
  ConfigDef config() const override { return ConfigDef(); }
  std::unique_ptr<ferry::sdk::SourceTask> create_task() const override {
    return std::make_unique<TickTask>();
  }

 private:
  ConfigMap props_;
};

class CollectSinkConnector : public ferry::sdk::SinkConnector {
 public:
  std::string version() const override { return "1.0.0"; }
  void start(const ConfigMap& /*props*/) override {}
  std::vector<ConfigMap> task_configs(int /*max_tasks*/) override { return {}; }
  void stop() override {}
  ConfigDef config() const override { return ConfigDef(); }
  std::unique_ptr<ferry::sdk::SinkTask> create_task() const override { return nullptr; }
};

class ShoutConverter : public ferry::sdk::Converter {
 public:
  void configure(const ConfigMap& /*configs*/, bool /*is_key*/) override {}
  std::optional<ferry::sdk::Bytes> from_connect_data(std::string_view /*topic*/,
                                                     const ferry::sdk::SchemaPtr& /*schema*/,
                                                     const ferry::sdk::Value& value) override {
    ferry::sdk::Bytes bytes;
    for (char c : value.as<std::string>()) {
      bytes.push_back(static_cast<std::uint8_t>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c));
    }
    return bytes;
  }
  ferry::sdk::SchemaAndValue to_connect_data(std::string_view /*topic*/,
                                             std::optional<ferry::sdk::ByteView> bytes) override {
    if (!bytes) return {};
    return {ferry::sdk::Schema::string(), std::string(bytes->begin(), bytes->end())};
  }
};

template <typename Record>
class TopicPrefixTransformation : public ferry::sdk::Transformation<Record> {
 public:
  void configure(const ConfigMap& props) override { prefix_ = props.at("prefix"); }
  std::optional<Record> apply(Record record) override {
    record.topic = prefix_ + record.topic;
    return record;
  }
  ConfigDef config() const override { return ConfigDef(); }

 private:
  std::string prefix_;
};

template <typename Record>
class TopicIsPredicate : public ferry::sdk::Predicate<Record> {
 public:
  void configure(const ConfigMap& props) override { topic_ = props.at("topic"); }
  bool test(const Record& record) const override { return record.topic == topic_; }
  ConfigDef config() const override { return ConfigDef(); }

 private:
  std::string topic_;
};

void register_components(ferry::sdk::PluginRegistrar& registrar) {
  registrar.source_connector("com.example.test.TickSourceConnector",
                             [] { return std::make_unique<TickSourceConnector>(); });
  registrar.sink_connector("com.example.test.CollectSinkConnector",
                           [] { return std::make_unique<CollectSinkConnector>(); });
  registrar.converter("com.example.test.ShoutConverter",
                      [] { return std::make_unique<ShoutConverter>(); });
  registrar.transformation<TopicPrefixTransformation>("com.example.test.TopicPrefixTransformation");
  registrar.predicate<TopicIsPredicate>("com.example.test.TopicIsPredicate");
  // "Echo" is the pruned name of both: an ambiguous alias, dropped.
  registrar.source_connector("com.example.test.EchoConnector",
                             [] { return std::make_unique<TickSourceConnector>(); });
  registrar.converter("com.example.test.EchoConverter",
                      [] { return std::make_unique<ShoutConverter>(); });
  registrar.source_connector("com.example.test.UnlicensedSourceConnector",
                             []() -> std::unique_ptr<ferry::sdk::SourceConnector> {
                               throw std::runtime_error("no license key found");
                             });
}

}  // namespace

FERRY_PLUGIN("test-good", "1.2.3", register_components)
