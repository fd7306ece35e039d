// The worker against a real embedded broker and offsets file, with connectors defined here:
// records flow, offsets are committed only when acknowledged and resumed from after a restart,
// sink offsets are committed to the group, failures, pauses, restarts and reconfigurations
// behave as Kafka Connect's do.
#include "runtime/worker/worker.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "broker/embedded/embedded_clients.h"
#include "broker/server/broker.h"
#include "ferry/sdk/schema.h"
#include "runtime/converters/converter_catalog.h"
#include "tests/temp_directory.h"

namespace ferry::runtime {
namespace {

using namespace std::chrono_literals;

// What the test connectors share with the test (one instance per test, captured by the
// factories).
struct Shared {
  std::mutex mutex;
  // Sources.
  std::atomic<int> polls{0};
  std::atomic<int> wanted_tasks{1};  // what the reconfigurable source returns
  std::atomic<bool> failing{true};   // whether fail.at throws (cleared to let a restart succeed)
  sdk::ConnectorContext* source_context = nullptr;
  // Sinks.
  std::vector<std::string> received;  // "topic/partition/offset=value"
  std::vector<std::string> values;
  std::atomic<int> retriable_failures{0};  // put() throws RetriableException this many times
  std::atomic<int> puts{0};
  std::size_t largest_put = 0;  // records in the largest put()
  std::set<std::string> opened;
  // alter_offsets calls: the changes each got ("<partition task>=<offset i or null>").
  std::vector<std::vector<std::string>> altered_offsets;
};

// Emits "v<i>" for i = resume point + 1 ... count, 50 per poll, with offset {"i": i} in partition
// {"task": <task>}. fail.at=<i> throws from poll() when it gets there.
class CountingSourceTask : public sdk::SourceTask {
 public:
  explicit CountingSourceTask(Shared& shared) : shared_(shared) {}
  std::string version() const override { return "1"; }
  void start(const sdk::ConfigMap& props) override {
    topic_ = props.at("topic");
    count_ = std::stoi(props.at("count"));
    task_ = props.at("task");
    if (const auto it = props.find("fail.at"); it != props.end()) fail_at_ = std::stoi(it->second);
    partition_ = {{"task", sdk::Value(task_)}};
    if (auto offset = context().offset_storage_reader().offset(partition_)) {
      next_ = static_cast<int>(offset->at("i").as<std::int64_t>()) + 1;
    }
  }
  std::vector<sdk::SourceRecord> poll() override {
    ++shared_.polls;
    std::vector<sdk::SourceRecord> records;
    if (next_ > count_ || stopped_) {
      std::this_thread::sleep_for(5ms);
      return records;
    }
    for (int n = 0; n < 50 && next_ <= count_; ++n, ++next_) {
      if (next_ == fail_at_ && shared_.failing)
        throw sdk::ConnectException("counting source failed at " + task_);
      sdk::SourceRecord record;
      record.source_partition = partition_;
      record.source_offset = {{"i", sdk::Value(std::int64_t{next_})}};
      record.topic = topic_;
      record.value_schema = sdk::Schema::string();
      record.value = sdk::Value("v" + std::to_string(next_));
      records.push_back(std::move(record));
    }
    return records;
  }
  void stop() override { stopped_ = true; }

 private:
  Shared& shared_;
  std::string topic_;
  std::string task_;
  int count_ = 0;
  int next_ = 1;
  int fail_at_ = -1;
  sdk::SourceMap partition_;
  std::atomic<bool> stopped_{false};
};

class CountingSource : public sdk::SourceConnector {
 public:
  explicit CountingSource(Shared& shared) : shared_(shared) {}
  std::string version() const override { return "1"; }
  void initialize(sdk::ConnectorContext& context) override {
    sdk::SourceConnector::initialize(context);
    shared_.source_context = &context;
  }
  void start(const sdk::ConfigMap& props) override {
    props_ = props;
    if (props.contains("fail.start")) throw sdk::ConnectException("cannot reach the source");
  }
  std::vector<sdk::ConfigMap> task_configs(int max_tasks) override {
    std::vector<sdk::ConfigMap> configs;
    const int tasks = std::min(max_tasks, shared_.wanted_tasks.load());
    for (int i = 0; i < tasks; ++i) {
      sdk::ConfigMap config = props_;
      config["task"] = std::to_string(i);
      if (const auto it = props_.find("fail.task");
          it != props_.end() && it->second != config["task"]) {
        config.erase("fail.at");
      }
      configs.push_back(std::move(config));
    }
    return configs;
  }
  void stop() override {}
  // manages.offsets=true: handles the changes itself too; refuse.offsets: throws.
  bool alter_offsets(const sdk::ConfigMap& config,
                     const sdk::SourceOffsetChanges& offsets) override {
    if (config.contains("refuse.offsets")) throw sdk::ConnectException("the source says no");
    std::vector<std::string> seen;
    for (const auto& [partition, offset] : offsets) {
      seen.push_back(sdk::to_string(partition.at("task")) + "=" +
                     (offset ? sdk::to_string(offset->at("i")) : std::string("null")));
    }
    std::scoped_lock lock(shared_.mutex);
    shared_.altered_offsets.push_back(std::move(seen));
    return config.contains("manages.offsets");
  }
  sdk::ConfigDef config() const override {
    return sdk::ConfigDef()
        .define(
            {.name = "topic", .type = sdk::ConfigType::kString, .validator = sdk::NonEmptyString()})
        .define({.name = "secret", .type = sdk::ConfigType::kPassword, .default_value = nullptr});
  }
  std::unique_ptr<sdk::SourceTask> create_task() const override {
    return std::make_unique<CountingSourceTask>(shared_);
  }

 private:
  Shared& shared_;
  sdk::ConfigMap props_;
};

class CollectingSinkTask : public sdk::SinkTask {
 public:
  explicit CollectingSinkTask(Shared& shared) : shared_(shared) {}
  std::string version() const override { return "1"; }
  void start(const sdk::ConfigMap&) override {}
  void open(const std::set<sdk::TopicPartitionId>& partitions) override {
    std::scoped_lock lock(shared_.mutex);
    for (const auto& p : partitions)
      shared_.opened.insert(p.topic + "-" + std::to_string(p.partition));
  }
  void put(std::vector<sdk::SinkRecord> records) override {
    ++shared_.puts;
    if (!records.empty() && shared_.retriable_failures.load() > 0) {
      --shared_.retriable_failures;
      context().timeout(10ms);
      throw sdk::RetriableException("sink not ready");
    }
    std::scoped_lock lock(shared_.mutex);
    shared_.largest_put = std::max(shared_.largest_put, records.size());
    for (const sdk::SinkRecord& record : records) {
      const std::string value = record.value.is_null() ? "null" : record.value.as<std::string>();
      if (value == "bad") {  // what a sink cannot write: reported, not put
        context().errant_record_reporter()->report(record, sdk::DataException("bad record"));
        continue;
      }
      shared_.values.push_back(value);
      shared_.received.push_back(record.topic + "/" + std::to_string(record.kafka_partition) + "/" +
                                 std::to_string(record.kafka_offset) + "=" + value);
    }
  }
  void stop() override {}

 private:
  Shared& shared_;
};

class CollectingSink : public sdk::SinkConnector {
 public:
  explicit CollectingSink(Shared& shared) : shared_(shared) {}
  std::string version() const override { return "1"; }
  void start(const sdk::ConfigMap& props) override { props_ = props; }
  std::vector<sdk::ConfigMap> task_configs(int max_tasks) override {
    return std::vector<sdk::ConfigMap>(static_cast<std::size_t>(max_tasks), props_);
  }
  void stop() override {}
  sdk::ConfigDef config() const override { return {}; }
  std::unique_ptr<sdk::SinkTask> create_task() const override {
    return std::make_unique<CollectingSinkTask>(shared_);
  }

 private:
  Shared& shared_;
  sdk::ConfigMap props_;
};

// Appends "!" to string values.
template <typename Record>
class Exclaim : public sdk::Transformation<Record> {
 public:
  void configure(const sdk::ConfigMap&) override {}
  std::optional<Record> apply(Record record) override {
    if (record.value.template is<std::string>()) {
      record.value = sdk::Value(record.value.template as<std::string>() + "!");
    }
    return record;
  }
  // Described only (validation shows it); apply() always appends "!".
  sdk::ConfigDef config() const override {
    sdk::ConfigDef def;
    def.define({.name = "suffix",
                .type = sdk::ConfigType::kString,
                .default_value = std::string("!"),
                .importance = sdk::Importance::kLow,
                .documentation = "What to append."});
    return def;
  }
};

class WorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ConverterCatalog catalog = ConverterCatalog::with_builtins("test");
    (void)registry_.register_plugin(
        {.name = "builtins", .version = "test"}, [&catalog](sdk::PluginRegistrar& registrar) {
          for (const ConverterPlugin& plugin : catalog.plugins()) {
            if (plugin.new_converter) {
              registrar.converter(plugin.class_name, plugin.new_converter);
            }
            if (plugin.new_header_converter) {
              registrar.header_converter(plugin.class_name, plugin.new_header_converter);
            }
          }
        });
    Shared* shared = &shared_;
    (void)registry_.register_plugin(
        {.name = "test", .version = "1"}, [shared](sdk::PluginRegistrar& registrar) {
          registrar.source_connector("test.CountingSourceConnector", [shared] {
            return std::make_unique<CountingSource>(*shared);
          });
          registrar.sink_connector("test.CollectingSinkConnector",
                                   [shared] { return std::make_unique<CollectingSink>(*shared); });
          registrar.transformation<Exclaim>("test.Exclaim");
        });
    open();
  }
  void TearDown() override { close(); }

  void open() {
    auto config =
        broker::broker_config_from_properties({{"log.dirs", (dir_.path() / "data").string()},
                                               {"offsets.topic.num.partitions", "1"},
                                               {"group.initial.rebalance.delay.ms", "0"}});
    ASSERT_TRUE(config.ok());
    auto broker = broker::Broker::open(*config);
    ASSERT_TRUE(broker.ok()) << broker.status().message();
    broker_ = std::move(*broker);
    clients_ = std::make_unique<broker::EmbeddedClients>(*broker_);
    auto offsets = FileOffsetStore::open(dir_.path() / "connect.offsets");
    ASSERT_TRUE(offsets.ok()) << offsets.status().message();
    offsets_ = std::move(*offsets);
    statuses_ = std::make_unique<StatusStore>("test:8083");
    auto worker_config = parse_worker_config(
        {{"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
         {"value.converter", "org.apache.kafka.connect.storage.StringConverter"},
         {"offset.storage.file.filename", (dir_.path() / "connect.offsets").string()},
         {"offset.flush.interval.ms", "100"},
         {"task.shutdown.graceful.timeout.ms", "10000"}},
        WorkerMode::kStandalone, "worker");
    ASSERT_TRUE(worker_config.ok()) << worker_config.status().message();
    worker_ = std::make_unique<Worker>(*worker_config, Worker::Collaborators{.plugins = registry_,
                                                                             .clients = *clients_,
                                                                             .offsets = *offsets_,
                                                                             .statuses = *statuses_,
                                                                             .log = null_logger()});
  }
  void close() {
    if (worker_) worker_->shutdown();
    worker_.reset();
    statuses_.reset();
    offsets_.reset();
    clients_.reset();
    broker_.reset();
  }
  void restart() {
    close();
    open();
  }

  static sdk::ConfigMap source(std::string name, int count, sdk::ConfigMap extra = {}) {
    sdk::ConfigMap props = {{"name", std::move(name)},
                            {"connector.class", "CountingSource"},
                            {"topic", "numbers"},
                            {"count", std::to_string(count)}};
    for (auto& [key, value] : extra) props[key] = value;
    return props;
  }
  static sdk::ConfigMap sink(std::string name, sdk::ConfigMap extra = {}) {
    sdk::ConfigMap props = {
        {"name", std::move(name)}, {"connector.class", "CollectingSink"}, {"topics", "numbers"}};
    for (auto& [key, value] : extra) props[key] = value;
    return props;
  }

  // Every record of the topic's partition 0, in offset order.
  std::vector<broker::ConsumerRecord> topic_records(const std::string& topic) {
    auto consumer = clients_->consumer({{"auto.offset.reset", "earliest"}});
    EXPECT_TRUE(consumer.ok());
    std::vector<broker::ConsumerRecord> all;
    if (!(*consumer)->assign({{topic, 0}}).ok()) return all;
    for (int empty = 0; empty < 3;) {
      auto records = (*consumer)->poll(50ms);
      if (!records.ok() || records->empty()) {
        ++empty;
        continue;
      }
      for (auto& record : *records) all.push_back(std::move(record));
    }
    return all;
  }

  // Every value of the topic's partition 0, in offset order.
  std::vector<std::string> topic_values(const std::string& topic) {
    std::vector<std::string> values;
    for (const auto& record : topic_records(topic)) {
      values.emplace_back(record.value->begin(), record.value->end());
    }
    return values;
  }

  void produce(const std::string& topic, const std::vector<std::string>& values,
               std::vector<broker::ClientHeader> headers = {}) {
    auto producer = clients_->producer({});
    ASSERT_TRUE(producer.ok());
    for (const std::string& value : values) {
      (*producer)->send({.topic = topic,
                         .key = broker::RecordBytes{'k'},
                         .value = broker::RecordBytes(value.begin(), value.end()),
                         .headers = headers},
                        [](const Result<broker::RecordMetadata>&) {});
    }
    ASSERT_TRUE((*producer)->flush().ok());
  }

  static std::vector<std::string> expected_values(int from, int to,
                                                  const std::string& suffix = "") {
    std::vector<std::string> values;
    for (int i = from; i <= to; ++i) values.push_back("v" + std::to_string(i) + suffix);
    return values;
  }

  // Waits until condition() holds (or 60 s, then fails).
  static void eventually(const std::function<bool()>& condition, const std::string& what) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!condition()) {
      if (std::chrono::steady_clock::now() > deadline) {
        FAIL() << "timed out waiting for " << what;
        return;
      }
      std::this_thread::sleep_for(5ms);
    }
  }

  // The last offset the counting source's task committed (its "i"), if any.
  std::optional<std::int64_t> committed_count(const std::string& connector, int task) {
    auto offset = offsets_->offset(connector, {{"task", sdk::Value(std::to_string(task))}});
    if (!offset) return std::nullopt;
    return offset->at("i").as<std::int64_t>();
  }

  State task_state(const std::string& connector, int task) {
    auto entry = statuses_->task({connector, task});
    return entry ? entry->state : State::kDestroyed;
  }

  std::size_t sink_count() {
    std::scoped_lock lock(shared_.mutex);
    return shared_.values.size();
  }

  testing::TempDir dir_;
  Shared shared_;
  loader::PluginRegistry registry_;
  std::unique_ptr<broker::Broker> broker_;
  std::unique_ptr<broker::EmbeddedClients> clients_;
  std::unique_ptr<FileOffsetStore> offsets_;
  std::unique_ptr<StatusStore> statuses_;
  std::unique_ptr<Worker> worker_;
};

// What the REST API reads besides infos: statuses by connector and task, the keys to mask, and a
// validation of every key that starts nothing.
TEST_F(WorkerTest, StatusesSecretKeysAndValidationForTheRestApi) {
  ASSERT_TRUE(worker_
                  ->put_connector(source("s", 10,
                                         {{"secret", "x"},
                                          {"producer.override.sasl.jaas.config", "x"},
                                          {"producer.override.acks", "all"}}),
                                  false)
                  .ok());
  eventually(
      [&] {
        auto status = worker_->connector_status("s");
        return status.ok() && status->connector.state == State::kRunning &&
               status->tasks.size() == 1 && status->tasks[0].second.state == State::kRunning;
      },
      "s and its task RUNNING");
  EXPECT_EQ(worker_->connector_status("s")->connector.worker_id, "test:8083");
  EXPECT_EQ(worker_->task_status({"s", 0})->state, State::kRunning);
  EXPECT_EQ(worker_->task_status({"s", 5}).status().message(), "No status found for task s-5");
  EXPECT_EQ(worker_->connector_status("x").status().kind(), Status::Kind::kNotFound);
  auto secrets = worker_->secret_keys("s");
  ASSERT_TRUE(secrets.ok());
  EXPECT_TRUE(secrets->contains("secret"));
  EXPECT_FALSE(secrets->contains("topic"));
  // Kafka's client PASSWORD keys under the client override prefixes too, not the other overrides.
  EXPECT_TRUE(secrets->contains("producer.override.sasl.jaas.config"));
  EXPECT_FALSE(secrets->contains("producer.override.acks"));

  auto validation =
      worker_->validate_connector_config(source("v", 1, {{"topic", ""}, {"tasks.max", "x"}}));
  ASSERT_TRUE(validation.ok()) << validation.status().message();
  EXPECT_EQ(validation->connector_class, "CountingSource");
  std::map<std::string, std::size_t> errors;
  for (const auto& [key, value] : validation->configs) errors[value.name] = value.errors.size();
  EXPECT_EQ(errors["tasks.max"], 2u);  // not an INT, then Range's "Value must be non-null"
  EXPECT_EQ(errors["topic"], 1u);
  EXPECT_EQ(errors["secret"], 0u);
  EXPECT_EQ(validation->configs.front().first->name, "name");       // the framework's keys first
  EXPECT_EQ(worker_->connectors(), std::vector<std::string>{"s"});  // nothing started
  auto no_class = worker_->validate_connector_config({{"name", "n"}});
  EXPECT_EQ(no_class.status().message(), "Connector config {name=n} contains no connector type");
  // Without a connector, no key is known to hold a password but the framework's own.
  auto no_class_with_secret = worker_->validate_connector_config(
      {{"name", "n"}, {"tasks.max", "2"}, {"connection.password", "S3cr3t"}});
  EXPECT_EQ(no_class_with_secret.status().message(),
            "Connector config {connection.password=[hidden], name=n, tasks.max=2} contains no "
            "connector type");
}

// Validation shows each transformation and predicate alias in a group of its own, as Kafka's
// enriched ConnectorConfig does: the .type key (an error when missing or unknown), predicate and
// negate, and the component's own keys under the alias's prefix.
TEST_F(WorkerTest, ValidationShowsAGroupPerTransformationAndPredicateAlias) {
  auto validation =
      worker_->validate_connector_config(source("v", 1,
                                                {{"transforms", "shout, gone"},
                                                 {"transforms.shout.type", "Exclaim"},
                                                 {"transforms.shout.suffix", "?!"},
                                                 {"transforms.gone.type", "NoSuchTransform"},
                                                 {"predicates", "p"}}));
  ASSERT_TRUE(validation.ok()) << validation.status().message();
  const std::vector<std::string>& groups = validation->groups;
  const auto position = [&](const std::string& group) {
    return std::find(groups.begin(), groups.end(), group) - groups.begin();
  };
  ASSERT_LT(position("Transforms: shout"), static_cast<std::ptrdiff_t>(groups.size()));
  EXPECT_LT(position("Transforms"), position("Transforms: shout"));
  EXPECT_LT(position("Transforms: shout"), position("Transforms: gone"));
  EXPECT_LT(position("Transforms: gone"), position("Predicates: p"));
  EXPECT_LT(position("Predicates: p"), static_cast<std::ptrdiff_t>(groups.size()));

  std::map<std::string, std::pair<std::optional<sdk::ConfigKey>, sdk::ConfigValue>> by_name;
  std::vector<std::string> order;
  for (const auto& [key, value] : validation->configs) {
    by_name[value.name] = {key, value};
    order.push_back(value.name);
  }
  const auto& type = by_name["transforms.shout.type"];
  ASSERT_TRUE(type.first.has_value());
  EXPECT_EQ(type.first->group, "Transforms: shout");
  EXPECT_EQ(type.first->type, sdk::ConfigType::kClass);
  EXPECT_EQ(type.first->documentation, "Class for the 'shout' transformation.");
  EXPECT_EQ(type.second.value, "Exclaim");
  EXPECT_TRUE(type.second.errors.empty());
  const auto& suffix = by_name["transforms.shout.suffix"];
  ASSERT_TRUE(suffix.first.has_value());
  EXPECT_EQ(suffix.first->group, "Transforms: shout");
  EXPECT_EQ(suffix.second.value, "?!");
  EXPECT_TRUE(by_name["transforms.shout.predicate"].first.has_value());
  EXPECT_EQ(by_name["transforms.shout.negate"].second.value, "false");
  // type, predicate, negate, then the transformation's keys.
  const auto at = [&](const std::string& name) {
    return std::find(order.begin(), order.end(), name) - order.begin();
  };
  EXPECT_LT(at("transforms.shout.type"), at("transforms.shout.negate"));
  EXPECT_LT(at("transforms.shout.negate"), at("transforms.shout.suffix"));

  EXPECT_EQ(by_name["transforms.gone.type"].second.errors,
            std::vector<std::string>{"Invalid value NoSuchTransform for configuration "
                                     "transforms.gone.type: Class NoSuchTransform could not be "
                                     "found."});
  EXPECT_EQ(by_name["predicates.p.type"].second.errors,
            std::vector<std::string>{
                "Missing required configuration \"predicates.p.type\" which has no default "
                "value."});
  EXPECT_EQ(worker_->connectors(), std::vector<std::string>{});  // nothing started
}

// REST's offsets endpoints: a sink's are its group's committed offsets, changed only while the
// connector is STOPPED; a source's are the offsets store's.
TEST_F(WorkerTest, ConnectorOffsetsAreListedAlteredAndResetWhileStopped) {
  ASSERT_TRUE(worker_->put_connector(source("counter", 100), false).ok());
  ASSERT_TRUE(worker_->put_connector(sink("collector"), false).ok());
  eventually([&] { return sink_count() == 100; }, "100 records in the sink");
  const sdk::SourceMap partition = {{"kafka_topic", sdk::Value("numbers")},
                                    {"kafka_partition", sdk::Value(std::int64_t{0})}};
  EXPECT_EQ(worker_->alter_connector_offsets("collector", {{partition, {}}}).status().message(),
            "Connectors must be in the STOPPED state before their offsets can be modified. This "
            "can be done for the specified connector by issuing a 'PUT' request to the "
            "'/connectors/collector/stop' endpoint");
  ASSERT_TRUE(worker_->stop_connector("collector").ok());
  auto committed = worker_->connector_offsets("collector");
  ASSERT_TRUE(committed.ok()) << committed.status().message();
  ASSERT_EQ(committed->size(), 1u);
  EXPECT_EQ(committed->front().partition.at("kafka_topic"), sdk::Value("numbers"));
  EXPECT_EQ(committed->front().offset.at("kafka_offset"), sdk::Value(std::int64_t{100}));

  ASSERT_TRUE(worker_
                  ->alter_connector_offsets(
                      "collector",
                      {{partition, sdk::SourceMap{{"kafka_offset", sdk::Value(std::int64_t{40})}}}})
                  .ok());
  EXPECT_EQ(worker_->connector_offsets("collector")->front().offset.at("kafka_offset"),
            sdk::Value(std::int64_t{40}));
  EXPECT_FALSE(worker_->alter_connector_offsets("collector", {{{{"x", sdk::Value(1)}}, {}}}).ok());
  // A null offset resets that one partition: its committed offset is gone.
  ASSERT_TRUE(worker_->alter_connector_offsets("collector", {{partition, std::nullopt}}).ok());
  EXPECT_TRUE(worker_->connector_offsets("collector")->empty());
  ASSERT_TRUE(worker_
                  ->alter_connector_offsets(
                      "collector",
                      {{partition, sdk::SourceMap{{"kafka_offset", sdk::Value(std::int64_t{7})}}}})
                  .ok());
  ASSERT_TRUE(worker_->reset_connector_offsets("collector").ok());
  EXPECT_TRUE(worker_->connector_offsets("collector")->empty());

  ASSERT_TRUE(worker_->stop_connector("counter").ok());
  auto source_offsets = worker_->connector_offsets("counter");
  ASSERT_TRUE(source_offsets.ok());
  ASSERT_EQ(source_offsets->size(), 1u);
  EXPECT_EQ(source_offsets->front().offset.at("i"), sdk::Value(std::int64_t{100}));
  // The connector's alter_offsets hook sees every change first; false: only the worker's
  // offsets were changed.
  const sdk::SourceMap source_partition = source_offsets->front().partition;
  auto altered = worker_->alter_connector_offsets(
      "counter", {{source_partition, sdk::SourceMap{{"i", sdk::Value(std::int64_t{60})}}}});
  ASSERT_TRUE(altered.ok()) << altered.status().message();
  EXPECT_FALSE(*altered);
  EXPECT_EQ(worker_->connector_offsets("counter")->front().offset.at("i"),
            sdk::Value(std::int64_t{60}));
  auto reset = worker_->reset_connector_offsets("counter");
  ASSERT_TRUE(reset.ok());
  EXPECT_FALSE(*reset);
  EXPECT_TRUE(worker_->connector_offsets("counter")->empty());
  {
    std::scoped_lock lock(shared_.mutex);
    EXPECT_EQ(shared_.altered_offsets,
              (std::vector<std::vector<std::string>>{{R"("0"=60)"}, {R"("0"=null)"}}));
  }
  // true: the connector changed its own offsets too; a throw refuses and changes nothing.
  const sdk::SourceMap some_partition{{"task", sdk::Value(std::string("0"))}};
  const sdk::SourceMap some_offset{{"i", sdk::Value(std::int64_t{5})}};
  ASSERT_TRUE(worker_
                  ->put_connector(source("managed", 10, {{"manages.offsets", "true"}}), false,
                                  TargetState::kStopped)
                  .ok());
  auto managed = worker_->alter_connector_offsets("managed", {{some_partition, some_offset}});
  ASSERT_TRUE(managed.ok()) << managed.status().message();
  EXPECT_TRUE(*managed);
  ASSERT_TRUE(worker_
                  ->put_connector(source("refusing", 10, {{"refuse.offsets", "yes"}}), false,
                                  TargetState::kStopped)
                  .ok());
  auto refused = worker_->alter_connector_offsets("refusing", {{some_partition, some_offset}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().kind(), Status::Kind::kFatal);
  EXPECT_NE(refused.status().message().find(
                "Failed to alter offsets for source connector refusing: the source says no"),
            std::string::npos)
      << refused.status().message();
  EXPECT_TRUE(worker_->connector_offsets("refusing")->empty());
  EXPECT_EQ(worker_->connector_offsets("nope").status().kind(), Status::Kind::kNotFound);
}

TEST_F(WorkerTest, SourceRecordsReachTheTopicAndTheirOffsetsAreCommitted) {
  auto created = worker_->put_connector(source("counter", 500), false);
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(statuses_->connector("counter")->state, State::kRunning);
  eventually([&] { return topic_values("numbers").size() == 500; }, "500 records");
  EXPECT_EQ(topic_values("numbers"), expected_values(1, 500));
  eventually([&] { return committed_count("counter", 0) == 500; }, "the last offset committed");
  EXPECT_EQ(task_state("counter", 0), State::kRunning);
  auto tasks = worker_->task_configs("counter");
  ASSERT_TRUE(tasks.ok());
  ASSERT_EQ(tasks->size(), 1u);
  EXPECT_EQ(tasks->at(0).at("task"), "0");
}

TEST_F(WorkerTest, ARestartedSourceResumesAfterItsCommittedOffsetWithNothingRepeated) {
  ASSERT_TRUE(worker_->put_connector(source("counter", 300), false).ok());
  eventually([&] { return topic_values("numbers").size() == 300; }, "300 records");
  restart();  // a clean stop commits everything acknowledged
  ASSERT_TRUE(worker_->put_connector(source("counter", 600), false).ok());
  eventually([&] { return topic_values("numbers").size() >= 600; }, "600 records");
  EXPECT_EQ(topic_values("numbers"), expected_values(1, 600));
}

TEST_F(WorkerTest, TransformsRunBeforeConversion) {
  ASSERT_TRUE(
      worker_
          ->put_connector(
              source("counter", 3, {{"transforms", "shout"}, {"transforms.shout.type", "Exclaim"}}),
              false)
          .ok());
  eventually([&] { return topic_values("numbers").size() == 3; }, "3 records");
  EXPECT_EQ(topic_values("numbers"), expected_values(1, 3, "!"));
}

TEST_F(WorkerTest, SinkGetsEveryRecordAndCommitsTheGroupsOffsets) {
  ASSERT_TRUE(worker_->put_connector(source("counter", 1000), false).ok());
  ASSERT_TRUE(worker_->put_connector(sink("collector"), false).ok());
  eventually([&] { return sink_count() == 1000; }, "1000 records in the sink");
  {
    std::scoped_lock lock(shared_.mutex);
    EXPECT_EQ(shared_.values, expected_values(1, 1000));
    EXPECT_TRUE(shared_.opened.contains("numbers-0"));
  }
  restart();
  auto offsets = clients_->admin().list_group_offsets("connect-collector");
  ASSERT_TRUE(offsets.ok()) << offsets.status().message();
  EXPECT_EQ(offsets->at({"numbers", 0}), 1000);

  // After the restart only new records are delivered.
  ASSERT_TRUE(worker_->put_connector(source("counter", 1010), false).ok());
  ASSERT_TRUE(worker_->put_connector(sink("collector"), false).ok());
  eventually([&] { return sink_count() == 1010; }, "10 more records");
  std::this_thread::sleep_for(200ms);
  std::scoped_lock lock(shared_.mutex);
  EXPECT_EQ(shared_.values, expected_values(1, 1010));
}

// consumer.override.* in a sink connector's config goes to its consumer (Kafka Connect's
// documented tuning, e.g. of max.poll.records for the JDBC sink).
TEST_F(WorkerTest, ConsumerOverridesOfASinkReachItsConsumer) {
  ASSERT_TRUE(worker_->put_connector(source("counter", 200), false).ok());
  eventually([&] { return topic_values("numbers").size() == 200; }, "200 records in the topic");
  ASSERT_TRUE(
      worker_
          ->put_connector(sink("collector", {{"consumer.override.max.poll.records", "7"}}), false)
          .ok());
  eventually([&] { return sink_count() == 200; }, "200 records in the sink");
  std::scoped_lock lock(shared_.mutex);
  EXPECT_EQ(shared_.largest_put, 7u) << "puts of the consumer's max.poll.records (default 500)";
}

TEST_F(WorkerTest, RetriableExceptionDeliversTheSameRecordsAgain) {
  shared_.retriable_failures = 3;
  ASSERT_TRUE(worker_->put_connector(sink("collector"), false).ok());
  ASSERT_TRUE(worker_->put_connector(source("counter", 200), false).ok());
  eventually([&] { return sink_count() == 200; }, "200 records in the sink");
  std::this_thread::sleep_for(100ms);
  std::scoped_lock lock(shared_.mutex);
  EXPECT_EQ(shared_.values, expected_values(1, 200)) << "nothing lost or repeated";
  EXPECT_EQ(shared_.retriable_failures.load(), 0);
}

TEST_F(WorkerTest, PausedSinkPutsNothingAndResumedGetsEverythingOnce) {
  ASSERT_TRUE(worker_->put_connector(sink("collector"), false).ok());
  eventually([&] { return task_state("collector", 0) == State::kRunning; }, "sink RUNNING");
  ASSERT_TRUE(worker_->pause_connector("collector").ok());
  eventually([&] { return task_state("collector", 0) == State::kPaused; }, "sink PAUSED");
  ASSERT_TRUE(worker_->put_connector(source("counter", 300), false).ok());
  eventually([&] { return topic_values("numbers").size() == 300; }, "300 records");
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(sink_count(), 0u) << "a paused sink is handed nothing";
  ASSERT_TRUE(worker_->resume_connector("collector").ok());
  eventually([&] { return sink_count() == 300; }, "300 records in the sink");
  std::this_thread::sleep_for(100ms);
  std::scoped_lock lock(shared_.mutex);
  EXPECT_EQ(shared_.values, expected_values(1, 300));
}

TEST_F(WorkerTest, UnconvertibleRecordFailsTheSinkNamingWhereItIs) {
  ASSERT_TRUE(worker_->put_connector(source("counter", 5), false).ok());
  eventually([&] { return topic_values("numbers").size() == 5; }, "5 records");
  // The records are plain strings: a JSON converter cannot read them.
  ASSERT_TRUE(worker_
                  ->put_connector(
                      sink("collector",
                           {{"value.converter", "org.apache.kafka.connect.json.JsonConverter"}}),
                      false)
                  .ok());
  eventually([&] { return task_state("collector", 0) == State::kFailed; }, "sink FAILED");
  const std::string trace = statuses_->task({"collector", 0})->trace;
  EXPECT_NE(trace.find("VALUE_CONVERTER"), std::string::npos) << trace;
  EXPECT_NE(trace.find("numbers-0 at offset 0"), std::string::npos) << trace;
  EXPECT_EQ(sink_count(), 0u);
}

TEST_F(WorkerTest, ToleratedConversionErrorsAreSkipped) {
  auto producer = clients_->producer({});
  ASSERT_TRUE(producer.ok());
  for (const std::string value : {"\"a\"", "not json", "\"b\""}) {
    (*producer)->send(
        {.topic = "numbers", .value = broker::RecordBytes(value.begin(), value.end())},
        [](const Result<broker::RecordMetadata>&) {});
  }
  ASSERT_TRUE((*producer)->flush().ok());
  ASSERT_TRUE(
      worker_
          ->put_connector(
              sink("collector", {{"value.converter", "org.apache.kafka.connect.json.JsonConverter"},
                                 {"value.converter.schemas.enable", "false"},
                                 {"errors.tolerance", "all"}}),
              false)
          .ok());
  eventually([&] { return sink_count() == 2; }, "the two good records");
  std::scoped_lock lock(shared_.mutex);
  EXPECT_EQ(shared_.values, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(task_state("collector", 0), State::kRunning);
}

std::map<std::string, std::string> header_texts(const broker::ConsumerRecord& record) {
  std::map<std::string, std::string> texts;
  for (const auto& header : record.headers) {
    texts[header.key] = header.value ? std::string(header.value->begin(), header.value->end()) : "";
  }
  return texts;
}

// A record the converter cannot read and one the task reports through its ErrantRecordReporter
// reach the dead letter queue as they were consumed, with Kafka's context headers; the good ones
// reach the task and every offset is committed.
TEST_F(WorkerTest, SkippedRecordsGoToTheDeadLetterQueueAsConsumedWithContextHeaders) {
  produce("numbers", {"\"a\"", "not json", "\"bad\"", "\"b\""},
          {{"origin", broker::RecordBytes{'x'}}});
  ASSERT_TRUE(
      worker_
          ->put_connector(
              sink("collector", {{"value.converter", "org.apache.kafka.connect.json.JsonConverter"},
                                 {"value.converter.schemas.enable", "false"},
                                 {"errors.tolerance", "all"},
                                 {"errors.deadletterqueue.topic.name", "dlq"},
                                 {"errors.deadletterqueue.context.headers.enable", "true"}}),
              false)
          .ok());
  eventually([&] { return sink_count() == 2; }, "the two good records");
  std::vector<broker::ConsumerRecord> dead;
  eventually([&] { return (dead = topic_records("dlq")).size() == 2; }, "two records in the DLQ");
  EXPECT_EQ(std::string(dead[0].value->begin(), dead[0].value->end()), "not json");
  EXPECT_EQ(std::string(dead[1].value->begin(), dead[1].value->end()), "\"bad\"");
  for (const auto& record : dead) EXPECT_EQ(record.key, broker::RecordBytes{'k'});

  auto converter = header_texts(dead[0]);
  EXPECT_EQ(converter["origin"], "x") << "the original headers are kept";
  EXPECT_EQ(converter["__connect.errors.topic"], "numbers");
  EXPECT_EQ(converter["__connect.errors.partition"], "0");
  EXPECT_EQ(converter["__connect.errors.offset"], "1");
  EXPECT_EQ(converter["__connect.errors.connector.name"], "collector");
  EXPECT_EQ(converter["__connect.errors.task.id"], "0");
  EXPECT_EQ(converter["__connect.errors.stage"], "VALUE_CONVERTER");
  EXPECT_EQ(converter["__connect.errors.class.name"],
            "org.apache.kafka.connect.json.JsonConverter");
  EXPECT_EQ(converter["__connect.errors.exception.class.name"],
            "org.apache.kafka.connect.errors.DataException");
  EXPECT_FALSE(converter["__connect.errors.exception.message"].empty());

  auto reported = header_texts(dead[1]);
  EXPECT_EQ(reported["__connect.errors.offset"], "2");
  EXPECT_EQ(reported["__connect.errors.stage"], "TASK_PUT");
  EXPECT_NE(reported["__connect.errors.class.name"].find("CollectingSinkTask"), std::string::npos)
      << reported["__connect.errors.class.name"];
  EXPECT_EQ(reported["__connect.errors.exception.message"], "bad record");
  EXPECT_NE(reported["__connect.errors.exception.stacktrace"].find("bad record"),
            std::string::npos);

  eventually(
      [&] {
        auto offsets = clients_->admin().list_group_offsets("connect-collector");
        return offsets.ok() && offsets->contains({"numbers", 0}) &&
               offsets->at({"numbers", 0}) == 4;
      },
      "every offset committed");
  std::scoped_lock lock(shared_.mutex);
  EXPECT_EQ(shared_.values, (std::vector<std::string>{"a", "b"}));
}

TEST_F(WorkerTest, AReportedRecordFailsTheTaskWithoutTolerance) {
  produce("numbers", {"\"a\"", "\"bad\""});
  ASSERT_TRUE(
      worker_
          ->put_connector(
              sink("collector", {{"value.converter", "org.apache.kafka.connect.json.JsonConverter"},
                                 {"value.converter.schemas.enable", "false"},
                                 {"errors.deadletterqueue.topic.name", "dlq"}}),
              false)
          .ok());
  eventually([&] { return task_state("collector", 0) == State::kFailed; }, "sink FAILED");
  const std::string trace = statuses_->task({"collector", 0})->trace;
  EXPECT_NE(trace.find("Tolerance exceeded in error handler"), std::string::npos) << trace;
  EXPECT_NE(trace.find("numbers-0 at offset 1: ferry::sdk::DataException: bad record"),
            std::string::npos)
      << trace;
  EXPECT_TRUE(topic_values("dlq").empty());
}

TEST_F(WorkerTest, SinkTopicsRegexFindsTopics) {
  ASSERT_TRUE(worker_->put_connector(source("counter", 20), false).ok());
  ASSERT_TRUE(
      worker_->put_connector(sink("collector", {{"topics", ""}, {"topics.regex", "num.*"}}), false)
          .ok());
  eventually([&] { return sink_count() == 20; }, "20 records in the sink");
}

TEST_F(WorkerTest, AFailingTaskIsFailedWithItsTraceAndTheOthersKeepRunning) {
  shared_.wanted_tasks = 2;
  ASSERT_TRUE(
      worker_
          ->put_connector(
              source("counter", 100, {{"tasks.max", "2"}, {"fail.at", "60"}, {"fail.task", "1"}}),
              false)
          .ok());
  eventually([&] { return task_state("counter", 1) == State::kFailed; }, "task 1 FAILED");
  const auto failed = statuses_->task({"counter", 1});
  EXPECT_NE(failed->trace.find("counting source failed at 1"), std::string::npos) << failed->trace;
  EXPECT_NE(failed->trace.find("ConnectException"), std::string::npos) << failed->trace;
  EXPECT_EQ(task_state("counter", 0), State::kRunning);
  eventually([&] { return committed_count("counter", 0) == 100; }, "task 0 done");
  // What the failed task returned before failing (its first poll: 1..50) was committed too.
  const auto committed = committed_count("counter", 1);
  ASSERT_TRUE(committed.has_value());
  EXPECT_EQ(*committed, 50);

  // Restarting only the failed tasks restarts task 1 alone. With the fault gone, it resumes
  // after what it committed and finishes.
  shared_.failing = false;
  ASSERT_TRUE(worker_->restart_connector("counter", true, true).ok());
  EXPECT_NE(task_state("counter", 1), State::kFailed);
  EXPECT_EQ(statuses_->connector("counter")->state, State::kRunning);
  eventually([&] { return committed_count("counter", 1) == 100; }, "task 1 done after its restart");
  EXPECT_EQ(task_state("counter", 1), State::kRunning);
}

TEST_F(WorkerTest, AConnectorWhoseStartThrowsIsFailedWithoutTasks) {
  ASSERT_TRUE(worker_->put_connector(source("counter", 10, {{"fail.start", "1"}}), false).ok());
  const auto entry = statuses_->connector("counter");
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->state, State::kFailed);
  EXPECT_NE(entry->trace.find("cannot reach the source"), std::string::npos);
  EXPECT_TRUE(statuses_->tasks("counter").empty());
}

TEST_F(WorkerTest, PausedSourceStopsPollingAndResumesWhereItWas) {
  ASSERT_TRUE(worker_->put_connector(source("counter", 100000), false).ok());
  eventually([&] { return shared_.polls.load() > 5; }, "some polls");
  ASSERT_TRUE(worker_->pause_connector("counter").ok());
  eventually([&] { return task_state("counter", 0) == State::kPaused; }, "task PAUSED");
  EXPECT_EQ(statuses_->connector("counter")->state, State::kPaused);
  const int polls = shared_.polls.load();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(shared_.polls.load(), polls) << "a paused task is not polled";
  ASSERT_TRUE(worker_->resume_connector("counter").ok());
  eventually([&] { return task_state("counter", 0) == State::kRunning; }, "task RUNNING");
  eventually([&] { return topic_values("numbers").size() == 100000; }, "every record");
  EXPECT_EQ(topic_values("numbers"), expected_values(1, 100000)) << "nothing lost or repeated";
}

TEST_F(WorkerTest, StoppedConnectorHasNoTasksAndResumeStartsItAgain) {
  ASSERT_TRUE(worker_->put_connector(source("counter", 50), false).ok());
  eventually([&] { return topic_values("numbers").size() == 50; }, "50 records");
  ASSERT_TRUE(worker_->stop_connector("counter").ok());
  EXPECT_EQ(statuses_->connector("counter")->state, State::kStopped);
  EXPECT_TRUE(statuses_->tasks("counter").empty());
  EXPECT_TRUE(worker_->task_configs("counter")->empty());
  ASSERT_TRUE(worker_->resume_connector("counter").ok());
  EXPECT_EQ(statuses_->connector("counter")->state, State::kRunning);
  eventually([&] { return task_state("counter", 0) == State::kRunning; }, "task RUNNING");
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(topic_values("numbers"), expected_values(1, 50)) << "resumed from its offset";
}

TEST_F(WorkerTest, TaskReconfigurationRestartsTasksWithTheNewConfigs) {
  ASSERT_TRUE(worker_->put_connector(source("counter", 10, {{"tasks.max", "3"}}), false).ok());
  EXPECT_EQ(worker_->task_configs("counter")->size(), 1u);
  shared_.wanted_tasks = 3;
  shared_.source_context->request_task_reconfiguration();
  eventually([&] { return worker_->task_configs("counter")->size() == 3; }, "3 task configs");
  eventually([&] { return task_state("counter", 2) == State::kRunning; }, "task 2 RUNNING");
  EXPECT_EQ(worker_->connector_info("counter")->tasks.size(), 3u);
}

TEST_F(WorkerTest, DeleteForgetsTheConnectorButKeepsItsOffsets) {
  ASSERT_TRUE(worker_->put_connector(source("counter", 20), false).ok());
  eventually(
      [&] {
        return offsets_->offset("counter", {{"task", sdk::Value("0")}}).has_value();
      },
      "an offset");
  ASSERT_TRUE(worker_->delete_connector("counter").ok());
  EXPECT_TRUE(worker_->connectors().empty());
  EXPECT_FALSE(statuses_->connector("counter").has_value());
  EXPECT_TRUE(offsets_->offset("counter", {{"task", sdk::Value("0")}}).has_value());
  EXPECT_EQ(worker_->delete_connector("counter").message(), "Connector counter not found");
}

TEST_F(WorkerTest, BadConfigsAreRefusedBeforeAnythingStarts) {
  const auto message = [&](sdk::ConfigMap props) {
    auto created = worker_->put_connector(props, false);
    return created.ok() ? std::string("ok") : created.status().message();
  };
  auto unknown = source("x", 1);
  unknown["connector.class"] = "CountingSourc";
  const std::string unknown_message = message(unknown);
  EXPECT_NE(unknown_message.find("test.CountingSourceConnector"), std::string::npos)
      << unknown_message;
  auto no_topic = source("x", 1);
  no_topic["topic"] = "";
  EXPECT_NE(message(no_topic).find("topic: "), std::string::npos) << message(no_topic);
  auto bad_converter = source("x", 1);
  bad_converter["value.converter"] = "NoSuchConverter";
  EXPECT_NE(message(bad_converter).find("value.converter=NoSuchConverter"), std::string::npos);
  auto bad_transform = source("x", 1);
  bad_transform["transforms"] = "t";
  bad_transform["transforms.t.type"] = "NoSuchTransform";
  EXPECT_NE(message(bad_transform).find("transforms.t.type=NoSuchTransform"), std::string::npos);
  EXPECT_TRUE(worker_->connectors().empty());

  ASSERT_EQ(message(source("x", 1)), "ok");
  EXPECT_EQ(message(source("x", 1)), "Connector x already exists");
  EXPECT_TRUE(worker_->put_connector(source("x", 2), true).ok()) << "replace is allowed";
}

}  // namespace
}  // namespace ferry::runtime
