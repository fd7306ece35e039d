#include "runtime/worker/worker.h"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <string_view>
#include <utility>
#include <variant>

#include "common/thread_name.h"
#include "runtime/worker/error_trace.h"
#include "runtime/worker/record_converters.h"
#include "runtime/worker/transformation_chain.h"
#include "runtime/worker/worker_sink_task.h"
#include "runtime/worker/worker_source_task.h"

namespace ferry::runtime {
namespace {

Status unknown_connector(const std::string& name) {
  return Status::not_found("Connector " + name + " not found");
}

// A Kafka client PASSWORD key under a connector's client override prefix, such as
// producer.override.sasl.jaas.config. Kafka's REST shows these; Ferry hides them like the
// connector's own secrets.
bool is_client_override_secret(std::string_view key) {
  constexpr std::string_view kPrefixes[] = {"producer.override.", "consumer.override.",
                                            "admin.override."};
  constexpr std::string_view kClientPasswords[] = {"sasl.jaas.config",
                                                   "ssl.key.password",
                                                   "ssl.keystore.password",
                                                   "ssl.keystore.key",
                                                   "ssl.keystore.certificate.chain",
                                                   "ssl.truststore.password",
                                                   "ssl.truststore.certificates"};
  for (const std::string_view prefix : kPrefixes) {
    if (!key.starts_with(prefix)) continue;
    const std::string_view client_key = key.substr(prefix.size());
    return std::find(std::begin(kClientPasswords), std::end(kClientPasswords), client_key) !=
           std::end(kClientPasswords);
  }
  return false;
}

// put_connector's type check needs the class before the full parse: a map without
// connector.class gets the framework's message from the parse.
std::string class_of(const sdk::ConfigMap& config) {
  const auto it = config.find("connector.class");
  return it == config.end() ? std::string() : it->second;
}

Status not_stopped(const std::string& name) {
  return Status::invalid_argument(
      "Connectors must be in the STOPPED state before their offsets can be modified. This can be "
      "done for the specified connector by issuing a 'PUT' request to the '/connectors/" +
      name + "/stop' endpoint");
}

// A sink partition as Kafka's SinkUtils writes it: {"kafka_topic":..,"kafka_partition":..}.
Result<broker::TopicPartition> sink_partition(const sdk::SourceMap& partition) {
  const auto topic = partition.find("kafka_topic");
  const auto number = partition.find("kafka_partition");
  if (topic == partition.end() || !topic->second.is<std::string>() || number == partition.end() ||
      !(number->second.is<std::int64_t>() || number->second.is<std::int32_t>())) {
    return Status::invalid_argument(
        "A sink connector's partition must be {\"kafka_topic\": <string>, "
        "\"kafka_partition\": <integer>}");
  }
  const std::int64_t value = number->second.is<std::int64_t>() ? number->second.as<std::int64_t>()
                                                               : number->second.as<std::int32_t>();
  return broker::TopicPartition{topic->second.as<std::string>(), static_cast<std::int32_t>(value)};
}

// REST's offset changes for a sink, checked, as SinkConnector::alter_offsets takes them.
Result<sdk::SinkOffsetChanges> sink_offset_changes(const std::vector<OffsetChange>& changes) {
  sdk::SinkOffsetChanges out;
  for (const OffsetChange& change : changes) {
    auto partition = sink_partition(change.partition);
    if (!partition.ok()) return partition.status();
    std::optional<std::int64_t> offset;
    if (change.offset) {
      const auto found = change.offset->find("kafka_offset");
      if (found == change.offset->end() || !found->second.is<std::int64_t>()) {
        return Status::invalid_argument(
            "A sink connector's offset must be {\"kafka_offset\": <integer>}");
      }
      offset = found->second.as<std::int64_t>();
    }
    out.emplace_back(sdk::TopicPartitionId{partition->topic, partition->partition}, offset);
  }
  return out;
}

sdk::SourceOffsetChanges source_offset_changes(const std::vector<OffsetChange>& changes) {
  sdk::SourceOffsetChanges out;
  for (const OffsetChange& change : changes) out.emplace_back(change.partition, change.offset);
  return out;
}

}  // namespace

class Worker::ConnectorContext final : public sdk::ConnectorContext {
 public:
  ConnectorContext(Worker& worker, std::string name) : worker_(worker), name_(std::move(name)) {}
  void request_task_reconfiguration() override { worker_.request_reconfiguration(name_); }
  void raise_error(const std::string& message) override {
    worker_.log_->error("[{}] Connector raised an error: {}", name_, message);
    worker_.collaborators_.statuses.put_connector(name_, State::kFailed,
                                                  "ferry::sdk::ConnectException: " + message +
                                                      "\n\tat connector " + name_ +
                                                      " (ConnectorContext::raise_error)");
  }

 private:
  Worker& worker_;
  const std::string name_;
};

Worker::Worker(WorkerConfig config, Collaborators collaborators)
    : config_(std::move(config)),
      collaborators_(std::move(collaborators)),
      log_(collaborators_.log),
      reconfigurer_([this](std::stop_token stop) { reconfiguration_loop(std::move(stop)); }) {}

Worker::~Worker() { shutdown(); }

Result<sdk::ConfigMap> Worker::resolve(const sdk::ConfigMap& config) const {
  if (collaborators_.providers == nullptr) return config;
  return collaborators_.providers->resolve(config);
}

Result<Worker::Connector> Worker::prepare(const sdk::ConfigMap& config) const {
  Connector connector;
  connector.config = config;
  const std::string class_name = class_of(config);
  if (class_name.empty()) {
    return Status::invalid_argument(
        "Missing required configuration \"connector.class\" which has no default value.");
  }
  auto factory = collaborators_.plugins.find_connector(class_name);
  if (!factory.ok()) return factory.status();
  connector.type = factory->source ? ConnectorType::kSource : ConnectorType::kSink;
  auto resolved = resolve(config);
  if (!resolved.ok()) return resolved.status();
  auto parsed = parse_connector_config(*resolved, connector.type);
  if (!parsed.ok()) return parsed.status();
  connector.parsed = std::move(*parsed);
  const sdk::ConfigDef framework = connector_config_def(connector.type);
  for (const sdk::ConfigKey& key : framework.keys()) {
    if (key.type == sdk::ConfigType::kPassword) connector.secret_keys.insert(key.name);
  }
  for (const auto& [key, value] : config) {
    if (is_client_override_secret(key)) connector.secret_keys.insert(key);
  }
  // Everything a task needs must exist and configure, so a typo fails here, not in a task.
  auto converters = RecordConverters::create(collaborators_.plugins, config_, connector.parsed);
  if (!converters.ok()) return converters.status();
  if (connector.type == ConnectorType::kSource) {
    auto chain =
        TransformationChain<sdk::SourceRecord>::create(collaborators_.plugins, connector.parsed);
    if (!chain.ok()) return chain.status();
  } else {
    auto chain =
        TransformationChain<sdk::SinkRecord>::create(collaborators_.plugins, connector.parsed);
    if (!chain.ok()) return chain.status();
  }
  std::vector<sdk::ConfigValue> values;
  try {
    const std::unique_ptr<sdk::Connector> instance = factory->create();
    values = instance->validate(*resolved);
    const sdk::ConfigDef definition = instance->config();
    for (const sdk::ConfigKey& key : definition.keys()) {
      if (key.type == sdk::ConfigType::kPassword) connector.secret_keys.insert(key.name);
    }
  } catch (const std::exception& e) {
    return Status::invalid_argument("Connector configuration is invalid: " + std::string(e.what()));
  }
  std::string problems;
  std::size_t count = 0;
  for (const sdk::ConfigValue& value : values) {
    for (const std::string& error : value.errors) {
      ++count;
      if (!problems.empty()) problems += "; ";
      problems += value.name + ": " + error;
    }
  }
  if (count > 0) {
    return Status::invalid_argument(
        "Connector configuration is invalid and contains the following " + std::to_string(count) +
        " error(s): " + problems);
  }
  return connector;
}

Status Worker::validate_connector(const sdk::ConfigMap& config) const {
  auto prepared = prepare(config);
  return prepared.ok() ? Status::ok_status() : prepared.status();
}

Result<ConfigValidation> Worker::validate_connector_config(const sdk::ConfigMap& config) const {
  const std::string class_name = class_of(config);
  if (class_name.empty()) {
    // Java's Map.toString, as Kafka's message shows the config, but without a connector Ferry
    // cannot tell which keys are passwords: only the framework's other keys show their values.
    const sdk::ConfigDef framework = connector_config_def(ConnectorType::kSink);
    std::string shown;
    for (const auto& [key, value] : config) {
      const sdk::ConfigKey* known = framework.find(key);
      const bool visible = known != nullptr && known->type != sdk::ConfigType::kPassword;
      shown += (shown.empty() ? "" : ", ") + key + "=" + (visible ? value : "[hidden]");
    }
    return Status::invalid_argument("Connector config {" + shown + "} contains no connector type");
  }
  auto factory = collaborators_.plugins.find_connector(class_name);
  if (!factory.ok()) return factory.status();
  const ConnectorType type = factory->source ? ConnectorType::kSource : ConnectorType::kSink;
  auto resolved = resolve(config);
  if (!resolved.ok()) return resolved.status();

  // Kafka's AbstractHerder.generateResult: keys in definition order (framework first, a key the
  // connector redefines keeps its place), each with the last value reported for it.
  std::vector<sdk::ConfigKey> keys;
  std::vector<sdk::ConfigValue> values;
  std::vector<std::string> groups;
  const auto add = [&](const sdk::ConfigDef& definition, std::vector<sdk::ConfigValue> reported) {
    for (const sdk::ConfigKey& key : definition.keys()) {
      const auto same = std::find_if(keys.begin(), keys.end(),
                                     [&](const sdk::ConfigKey& k) { return k.name == key.name; });
      if (same == keys.end()) {
        keys.push_back(key);
      } else {
        *same = key;
      }
    }
    for (const std::string& group : definition.groups()) {
      if (std::find(groups.begin(), groups.end(), group) == groups.end()) groups.push_back(group);
    }
    for (sdk::ConfigValue& value : reported) values.push_back(std::move(value));
  };
  const sdk::ConfigDef framework = connector_config_def(type);
  add(framework, framework.validate(*resolved));
  for (AliasValidation& alias : validate_aliases(collaborators_.plugins, type, *resolved)) {
    add(alias.definition, std::move(alias.values));
  }
  try {
    const std::unique_ptr<sdk::Connector> instance = factory->create();
    add(instance->config(), instance->validate(*resolved));
  } catch (const std::exception& e) {
    return Status::invalid_argument("Connector configuration is invalid: " + std::string(e.what()));
  }

  ConfigValidation validation{class_name, std::move(groups), {}};
  std::map<std::string, const sdk::ConfigValue*> last_value;
  for (const sdk::ConfigValue& value : values) {
    last_value[value.name] = &value;
    const bool defined = std::any_of(keys.begin(), keys.end(),
                                     [&](const sdk::ConfigKey& k) { return k.name == value.name; });
    if (!defined) validation.configs.emplace_back(std::nullopt, value);
  }
  for (const sdk::ConfigKey& key : keys) {
    const auto it = last_value.find(key.name);
    sdk::ConfigValue value;
    if (it != last_value.end()) {
      value = *it->second;
    } else {
      value.name = key.name;
    }
    validation.configs.emplace_back(key, std::move(value));
  }
  return validation;
}

Result<ConnectorInfo> Worker::put_connector(const sdk::ConfigMap& config, bool replace,
                                            TargetState initial) {
  auto prepared = prepare(config);
  if (!prepared.ok()) return prepared.status();
  const std::string name = prepared->parsed.name;
  std::scoped_lock lock(mutex_);
  if (shut_down_) return Status::conflict("The worker is shutting down");
  if (Connector* existing = find(name)) {
    if (!replace) return Status::conflict("Connector " + name + " already exists");
    log_->info("[{}] Reconfiguring connector", name);
    stop_tasks(std::move(existing->tasks));
    existing->tasks.clear();
    stop_connector_instance(name, *existing);
    prepared->target = existing->target;
    connectors_.erase(name);
  } else {
    prepared->target = initial;
  }
  Connector& connector = connectors_.emplace(name, std::move(*prepared)).first->second;
  connector.context = std::make_unique<ConnectorContext>(*this, name);
  start_connector(name, connector);
  return ConnectorInfo{name, connector.config, {}, connector.type};
}

void Worker::start_connector(const std::string& name, Connector& connector) {
  if (connector.target == TargetState::kStopped) {
    connector.task_configs.clear();
    collaborators_.statuses.remove_tasks(name, 0);
    collaborators_.statuses.put_connector(name, State::kStopped);
    return;
  }
  if (!start_instance(name, connector)) return;
  if (Status computed = compute_task_configs(name, connector); !computed.ok()) return;
  start_tasks(name, connector);
}

bool Worker::start_instance(const std::string& name, Connector& connector) {
  try {
    auto factory = collaborators_.plugins.find_connector(connector.parsed.connector_class);
    if (!factory.ok()) throw sdk::ConnectException(factory.status().message());
    connector.instance = factory->create();
    auto resolved = resolve(connector.config);
    if (!resolved.ok()) throw sdk::ConnectException(resolved.status().message());
    connector.instance->initialize(*connector.context);
    connector.instance->start(*resolved);
  } catch (...) {
    connector.instance.reset();
    fail_connector(name, connector, current_exception_trace("connector " + name + " start()"));
    return false;
  }
  log_->info("[{}] Connector started ({} {})", name, connector_type_name(connector.type),
             connector.parsed.connector_class);
  collaborators_.statuses.put_connector(
      name, connector.target == TargetState::kPaused ? State::kPaused : State::kRunning);
  return true;
}

void Worker::fail_connector(const std::string& name, Connector& /*connector*/,
                            const std::string& trace) {
  log_->error("[{}] Connector failed: {}", name, trace);
  collaborators_.statuses.put_connector(name, State::kFailed, trace);
}

Status Worker::compute_task_configs(const std::string& name, Connector& connector) {
  std::vector<sdk::ConfigMap> configs;
  try {
    configs = connector.instance->task_configs(connector.parsed.tasks_max);
    if (static_cast<int>(configs.size()) > connector.parsed.tasks_max) {
      throw sdk::ConnectException(
          "The connector " + name + " has generated " + std::to_string(configs.size()) +
          " tasks, which is greater than " + std::to_string(connector.parsed.tasks_max) +
          ", the maximum number of tasks it is configured to create.");
    }
  } catch (...) {
    fail_connector(name, connector,
                   current_exception_trace("connector " + name + " task_configs()"));
    return Status::fatal("task_configs failed");
  }
  // Sink tasks learn their topics from the connector's config, as Kafka's worker adds them.
  if (connector.type == ConnectorType::kSink) {
    for (sdk::ConfigMap& task : configs) {
      for (const char* key : {"topics", "topics.regex"}) {
        if (const auto it = connector.config.find(key); it != connector.config.end()) {
          task.try_emplace(key, it->second);
        }
      }
    }
  }
  connector.task_configs = std::move(configs);
  return Status::ok_status();
}

void Worker::start_tasks(const std::string& name, Connector& connector) {
  collaborators_.statuses.remove_tasks(name, static_cast<int>(connector.task_configs.size()));
  for (int index = 0; index < static_cast<int>(connector.task_configs.size()); ++index) {
    connector.tasks.push_back(start_task(name, connector, index));
  }
}

void Worker::replace_task(const std::string& name, Connector& connector, int index) {
  std::vector<std::unique_ptr<WorkerTask>> old;
  old.push_back(std::move(connector.tasks[index]));
  stop_tasks(std::move(old));
  connector.tasks[index] = start_task(name, connector, index);
}

std::unique_ptr<WorkerTask> Worker::start_task(const std::string& name, Connector& connector,
                                               int index) {
  const TaskId id{name, index};
  std::unique_ptr<WorkerTask> task;
  try {
    task = create_task(name, connector, index);
  } catch (...) {
    const std::string trace = current_exception_trace("task " + to_string(id) + " creation");
    log_->error("{} Failed to start task: {}", to_string(id), trace);
    collaborators_.statuses.put_task(id, State::kFailed, trace);
    return nullptr;
  }
  log_->info("{} Starting task", to_string(id));
  task->start(connector.target == TargetState::kPaused ? TargetState::kPaused
                                                       : TargetState::kStarted);
  return task;
}

std::unique_ptr<WorkerTask> Worker::create_task(const std::string& name, Connector& connector,
                                                int index) {
  const TaskId id{name, index};
  auto resolved = resolve(connector.task_configs.at(index));
  if (!resolved.ok()) throw sdk::ConnectException(resolved.status().message());
  TaskSettings settings{.connector = name,
                        .task_config = std::move(*resolved),
                        .offset_flush_interval = config_.offset_flush_interval,
                        .offset_flush_timeout = config_.offset_flush_timeout,
                        .errors_tolerance = connector.parsed.errors_tolerance,
                        .errors_log_enable = connector.parsed.errors_log_enable,
                        .errors_log_include_messages = connector.parsed.errors_log_include_messages,
                        .active_topics = config_.topic_tracking_enable ? &active_topics_ : nullptr};
  auto converters = RecordConverters::create(collaborators_.plugins, config_, connector.parsed);
  if (!converters.ok()) throw sdk::ConnectException(converters.status().message());
  if (connector.type == ConnectorType::kSource) {
    auto transforms =
        TransformationChain<sdk::SourceRecord>::create(collaborators_.plugins, connector.parsed);
    if (!transforms.ok()) throw sdk::ConnectException(transforms.status().message());
    auto producer = collaborators_.clients.producer(producer_properties(name, connector, index));
    if (!producer.ok()) throw sdk::ConnectException(producer.status().message());
    auto& source = dynamic_cast<sdk::SourceConnector&>(*connector.instance);
    return std::make_unique<WorkerSourceTask>(id, std::move(settings), source.create_task(),
                                              std::move(*converters), std::move(*transforms),
                                              std::move(*producer), collaborators_.offsets,
                                              collaborators_.statuses, log_);
  }
  auto transforms =
      TransformationChain<sdk::SinkRecord>::create(collaborators_.plugins, connector.parsed);
  if (!transforms.ok()) throw sdk::ConnectException(transforms.status().message());
  auto consumer = collaborators_.clients.consumer(consumer_properties(name, connector, index));
  if (!consumer.ok()) throw sdk::ConnectException(consumer.status().message());
  std::unique_ptr<DeadLetterQueue> dead_letter_queue;
  if (const std::string& topic = connector.parsed.dead_letter_queue_topic; !topic.empty()) {
    if (Status created = DeadLetterQueue::create_topic(collaborators_.clients.admin(), topic);
        !created.ok()) {
      throw sdk::ConnectException("Cannot create the dead letter queue topic " + topic + ": " +
                                  created.message());
    }
    sdk::ConfigMap properties = producer_properties(name, connector, index);
    properties["client.id"] = "connector-dlq-producer-" + name + "-" + std::to_string(index);
    auto producer = collaborators_.clients.producer(properties);
    if (!producer.ok()) throw sdk::ConnectException(producer.status().message());
    dead_letter_queue = std::make_unique<DeadLetterQueue>(
        DeadLetterQueue::Settings{
            .topic = topic,
            .context_headers = connector.parsed.dead_letter_queue_context_headers,
            .connector = name,
            .task = index},
        std::move(*producer));
  }
  auto& sink = dynamic_cast<sdk::SinkConnector&>(*connector.instance);
  return std::make_unique<WorkerSinkTask>(
      id, std::move(settings), connector.parsed.topics, connector.parsed.topics_regex,
      sink.create_task(), std::move(*converters), std::move(*transforms), std::move(*consumer),
      std::move(dead_letter_queue), collaborators_.statuses, log_);
}

sdk::ConfigMap Worker::producer_properties(const std::string& name, const Connector& connector,
                                           int index) const {
  sdk::ConfigMap props = config_.with_prefix("producer.");
  props.try_emplace("client.id", "connector-producer-" + name + "-" + std::to_string(index));
  for (auto& [key, value] : sdk::originals_with_prefix(connector.config, "producer.override.")) {
    props[key] = value;
  }
  return props;
}

sdk::ConfigMap Worker::consumer_properties(const std::string& name, const Connector& connector,
                                           int index) const {
  // Kafka's worker sets these first and lets consumer.* and the overrides replace them.
  sdk::ConfigMap props = {
      {"group.id", "connect-" + name},
      {"enable.auto.commit", "false"},
      {"auto.offset.reset", "earliest"},
      {"client.id", "connector-consumer-" + name + "-" + std::to_string(index)}};
  for (auto& [key, value] : config_.with_prefix("consumer.")) props[key] = value;
  for (auto& [key, value] : sdk::originals_with_prefix(connector.config, "consumer.override.")) {
    props[key] = value;
  }
  return props;
}

void Worker::stop_tasks(std::vector<std::unique_ptr<WorkerTask>> tasks) {
  for (auto& task : tasks) {
    if (task) task->request_stop();
  }
  const auto deadline = std::chrono::steady_clock::now() + config_.task_shutdown_graceful_timeout;
  for (auto& task : tasks) {
    if (!task) continue;
    if (task->await_stop(deadline)) continue;
    log_->error("{} Graceful stop of task failed: it did not stop within {} ms; abandoning it",
                to_string(task->id()), config_.task_shutdown_graceful_timeout.count());
    abandoned_.push_back(std::move(task));
  }
}

void Worker::stop_connector_instance(const std::string& name, Connector& connector) {
  if (!connector.instance) return;
  try {
    connector.instance->stop();
  } catch (...) {
    log_->error("[{}] Error while stopping the connector: {}", name, current_exception_trace(""));
  }
  connector.instance.reset();
  log_->info("[{}] Connector stopped", name);
}

Worker::Connector* Worker::find(const std::string& name) {
  const auto it = connectors_.find(name);
  return it == connectors_.end() ? nullptr : &it->second;
}

const Worker::Connector* Worker::find(const std::string& name) const {
  const auto it = connectors_.find(name);
  return it == connectors_.end() ? nullptr : &it->second;
}

Status Worker::delete_connector(const std::string& name) {
  std::scoped_lock lock(mutex_);
  Connector* connector = find(name);
  if (connector == nullptr) return unknown_connector(name);
  stop_tasks(std::move(connector->tasks));
  stop_connector_instance(name, *connector);
  connectors_.erase(name);
  collaborators_.statuses.remove_connector(name);
  active_topics_.reset(name);
  log_->info("[{}] Connector deleted", name);
  return Status::ok_status();
}

Status Worker::pause_connector(const std::string& name) {
  return move_to(name, TargetState::kPaused);
}

Status Worker::resume_connector(const std::string& name) {
  return move_to(name, TargetState::kStarted);
}

Status Worker::move_to(const std::string& name, TargetState target) {
  std::scoped_lock lock(mutex_);
  Connector* connector = find(name);
  if (connector == nullptr) return unknown_connector(name);
  const TargetState was = connector->target;
  connector->target = target;
  if (was == TargetState::kStopped) {
    // A stopped connector starts in the new state (Kafka pauses one by starting it paused).
    connector->tasks.clear();
    start_connector(name, *connector);
    return Status::ok_status();
  }
  if (connector->instance) {
    collaborators_.statuses.put_connector(
        name, target == TargetState::kPaused ? State::kPaused : State::kRunning);
  }
  for (auto& task : connector->tasks) {
    if (task) task->transition_to(target);
  }
  return Status::ok_status();
}

Status Worker::stop_connector(const std::string& name) {
  std::scoped_lock lock(mutex_);
  Connector* connector = find(name);
  if (connector == nullptr) return unknown_connector(name);
  connector->target = TargetState::kStopped;
  stop_tasks(std::move(connector->tasks));
  connector->tasks.clear();
  stop_connector_instance(name, *connector);
  connector->task_configs.clear();
  collaborators_.statuses.remove_tasks(name, 0);
  collaborators_.statuses.put_connector(name, State::kStopped);
  return Status::ok_status();
}

Status Worker::restart_connector(const std::string& name, bool include_tasks, bool only_failed) {
  std::scoped_lock lock(mutex_);
  Connector* connector = find(name);
  if (connector == nullptr) return unknown_connector(name);
  if (connector->target == TargetState::kStopped) return Status::ok_status();
  const auto connector_state = collaborators_.statuses.connector(name);
  const bool connector_failed = connector_state && connector_state->state == State::kFailed;
  const bool restart_connector_itself = !only_failed || connector_failed;
  std::vector<int> restart_tasks;
  if (include_tasks) {
    for (int index = 0; index < static_cast<int>(connector->tasks.size()); ++index) {
      const auto task_state = collaborators_.statuses.task({name, index});
      const bool failed = !connector->tasks[index] || connector->tasks[index]->failed() ||
                          (task_state && task_state->state == State::kFailed);
      if (!only_failed || failed) restart_tasks.push_back(index);
    }
  }
  if (restart_connector_itself) collaborators_.statuses.put_connector(name, State::kRestarting);
  for (const int index : restart_tasks) {
    collaborators_.statuses.put_task({name, index}, State::kRestarting);
  }
  const bool all_tasks = include_tasks && restart_tasks.size() == connector->tasks.size();
  if (restart_connector_itself && (all_tasks || !connector->instance)) {
    // The connector and all its tasks: a fresh start, with task configs asked anew.
    stop_tasks(std::move(connector->tasks));
    connector->tasks.clear();
    stop_connector_instance(name, *connector);
    start_connector(name, *connector);
    return Status::ok_status();
  }
  if (restart_connector_itself) {
    // The connector alone; its tasks keep running (Kafka's plain restart).
    stop_connector_instance(name, *connector);
    start_instance(name, *connector);
  }
  for (const int index : restart_tasks) replace_task(name, *connector, index);
  return Status::ok_status();
}

Status Worker::restart_task(const TaskId& id) {
  std::scoped_lock lock(mutex_);
  Connector* connector = find(id.connector);
  if (connector == nullptr) return unknown_connector(id.connector);
  if (id.task < 0 || id.task >= static_cast<int>(connector->tasks.size())) {
    return Status::not_found("Task " + to_string(id) + " not found");
  }
  collaborators_.statuses.put_task(id, State::kRestarting);
  replace_task(id.connector, *connector, id.task);
  return Status::ok_status();
}

std::vector<std::string> Worker::connectors() const {
  std::scoped_lock lock(mutex_);
  std::vector<std::string> names;
  for (const auto& [name, connector] : connectors_) names.push_back(name);
  return names;
}

Result<ConnectorInfo> Worker::connector_info(const std::string& name) const {
  std::scoped_lock lock(mutex_);
  const Connector* connector = find(name);
  if (connector == nullptr) return unknown_connector(name);
  ConnectorInfo info{name, connector->config, {}, connector->type};
  for (int index = 0; index < static_cast<int>(connector->task_configs.size()); ++index) {
    info.tasks.push_back({name, index});
  }
  return info;
}

Result<std::vector<sdk::ConfigMap>> Worker::task_configs(const std::string& name) const {
  std::scoped_lock lock(mutex_);
  const Connector* connector = find(name);
  if (connector == nullptr) return unknown_connector(name);
  return connector->task_configs;
}

Result<TargetState> Worker::target_state(const std::string& name) const {
  std::scoped_lock lock(mutex_);
  const Connector* connector = find(name);
  if (connector == nullptr) return unknown_connector(name);
  return connector->target;
}

Result<ConnectorStatus> Worker::connector_status(const std::string& name) const {
  ConnectorType type;
  {
    std::scoped_lock lock(mutex_);
    const Connector* connector = find(name);
    if (connector == nullptr) return unknown_connector(name);
    type = connector->type;
  }
  const auto state = collaborators_.statuses.connector(name);
  if (!state) return Status::not_found("No status found for connector " + name);
  ConnectorStatus status{name, *state, {}, type};
  for (auto& [task, entry] : collaborators_.statuses.tasks(name)) {
    status.tasks.emplace_back(task, std::move(entry));
  }
  return status;
}

Result<StatusEntry> Worker::task_status(const TaskId& id) const {
  {
    std::scoped_lock lock(mutex_);
    if (find(id.connector) == nullptr) return unknown_connector(id.connector);
  }
  auto state = collaborators_.statuses.task(id);
  if (!state) return Status::not_found("No status found for task " + to_string(id));
  return std::move(*state);
}

Result<std::set<std::string>> Worker::secret_keys(const std::string& name) const {
  std::scoped_lock lock(mutex_);
  const Connector* connector = find(name);
  if (connector == nullptr) return unknown_connector(name);
  return connector->secret_keys;
}

Result<std::vector<PartitionOffset>> Worker::connector_offsets(const std::string& name) const {
  ConnectorType type;
  {
    std::scoped_lock lock(mutex_);
    const Connector* connector = find(name);
    if (connector == nullptr) return unknown_connector(name);
    type = connector->type;
  }
  if (type == ConnectorType::kSource) return collaborators_.offsets.offsets(name);
  std::vector<PartitionOffset> offsets;
  auto committed = collaborators_.clients.admin().list_group_offsets("connect-" + name);
  if (!committed.ok()) {
    if (committed.status().kind() == Status::Kind::kNotFound) return offsets;
    return committed.status();
  }
  for (const auto& [partition, offset] : *committed) {
    offsets.push_back({{{"kafka_topic", sdk::Value(partition.topic)},
                        {"kafka_partition", sdk::Value(partition.partition)}},
                       {{"kafka_offset", sdk::Value(offset)}}});
  }
  return offsets;
}

Result<bool> Worker::connector_alters_offsets(const std::string& name, const Connector& connector,
                                              const ConnectorOffsetChanges& changes) const {
  auto resolved = resolve(connector.config);
  if (!resolved.ok()) return resolved.status();
  auto factory = collaborators_.plugins.find_connector(connector.parsed.connector_class);
  if (!factory.ok()) return factory.status();
  try {
    if (const auto* source = std::get_if<sdk::SourceOffsetChanges>(&changes)) {
      return factory->source()->alter_offsets(*resolved, *source);
    }
    return factory->sink()->alter_offsets(*resolved, std::get<sdk::SinkOffsetChanges>(changes));
  } catch (const std::exception& e) {
    // Kafka answers 500 with the connector's reason.
    const std::string_view kind = connector.type == ConnectorType::kSource ? "source" : "sink";
    return Status::fatal("Failed to alter offsets for " + std::string(kind) + " connector " + name +
                         ": " + e.what());
  }
}

Result<bool> Worker::alter_connector_offsets(const std::string& name,
                                             const std::vector<OffsetChange>& changes) {
  std::scoped_lock lock(mutex_);
  const Connector* connector = find(name);
  if (connector == nullptr) return unknown_connector(name);
  if (connector->target != TargetState::kStopped) return not_stopped(name);
  if (connector->type == ConnectorType::kSource) {
    const sdk::SourceOffsetChanges offsets = source_offset_changes(changes);
    auto handled = connector_alters_offsets(name, *connector, offsets);
    if (!handled.ok()) return handled.status();
    for (const auto& [partition, offset] : offsets) {
      if (Status put = collaborators_.offsets.put(name, partition, offset); !put.ok()) return put;
    }
    if (Status flushed = collaborators_.offsets.flush(); !flushed.ok()) return flushed;
    return *handled;
  }
  auto sink = sink_offset_changes(changes);
  if (!sink.ok()) return sink.status();
  auto handled = connector_alters_offsets(name, *connector, *sink);
  if (!handled.ok()) return handled.status();
  // Kafka's sink offsets: an offset moves the group's committed offset, a null one deletes it
  // (the partition is then read from where consumer.auto.offset.reset says).
  std::map<broker::TopicPartition, std::int64_t> offsets;
  std::set<broker::TopicPartition> resets;
  for (const auto& [id, offset] : *sink) {
    const broker::TopicPartition partition{id.topic, id.partition};
    if (offset) {
      offsets[partition] = *offset;
    } else {
      resets.insert(partition);
    }
  }
  broker::Admin& admin = collaborators_.clients.admin();
  const std::string group = "connect-" + name;
  if (!offsets.empty()) {
    if (Status altered = admin.alter_group_offsets(group, offsets); !altered.ok()) return altered;
  }
  if (!resets.empty()) {
    // A group that never committed has nothing to reset.
    Status deleted = admin.delete_group_offsets(group, resets);
    if (!deleted.ok() && deleted.kind() != Status::Kind::kNotFound) return deleted;
  }
  return *handled;
}

Result<bool> Worker::reset_connector_offsets(const std::string& name) {
  // The partitions to reset, for the connector's hook (read before the lock: it takes it).
  auto current = connector_offsets(name);
  if (!current.ok()) return current.status();
  std::vector<OffsetChange> resets;
  for (const PartitionOffset& entry : *current) resets.push_back({entry.partition, std::nullopt});
  std::scoped_lock lock(mutex_);
  const Connector* connector = find(name);
  if (connector == nullptr) return unknown_connector(name);
  if (connector->target != TargetState::kStopped) return not_stopped(name);
  Result<bool> handled = false;
  if (connector->type == ConnectorType::kSource) {
    handled = connector_alters_offsets(name, *connector, source_offset_changes(resets));
  } else {
    auto sink = sink_offset_changes(resets);
    handled =
        sink.ok() ? connector_alters_offsets(name, *connector, *sink) : Result<bool>(sink.status());
  }
  if (!handled.ok()) return handled.status();
  if (connector->type == ConnectorType::kSource) {
    collaborators_.offsets.remove(name);
    if (Status flushed = collaborators_.offsets.flush(); !flushed.ok()) return flushed;
    return *handled;
  }
  Status deleted = collaborators_.clients.admin().delete_group("connect-" + name);
  if (!deleted.ok() && deleted.kind() != Status::Kind::kNotFound) return deleted;
  return *handled;
}

void Worker::shutdown() {
  reconfigurer_.request_stop();
  queue_changed_.notify_all();
  if (reconfigurer_.joinable()) reconfigurer_.join();
  std::scoped_lock lock(mutex_);
  if (shut_down_) return;
  shut_down_ = true;
  // Every task of every connector gets the one graceful timeout, as in Kafka.
  std::vector<std::unique_ptr<WorkerTask>> all;
  for (auto& [name, connector] : connectors_) {
    for (auto& task : connector.tasks) all.push_back(std::move(task));
    connector.tasks.clear();
  }
  stop_tasks(std::move(all));
  for (auto& [name, connector] : connectors_) stop_connector_instance(name, connector);
  if (Status flushed = collaborators_.offsets.flush(); !flushed.ok()) {
    log_->error("Flushing source offsets at shutdown failed: {}", flushed.message());
  }
}

std::size_t Worker::abandoned_tasks() const {
  std::scoped_lock lock(mutex_);
  return abandoned_.size();
}

void Worker::request_reconfiguration(const std::string& name) {
  {
    std::scoped_lock lock(queue_mutex_);
    reconfigurations_.push_back(name);
  }
  queue_changed_.notify_all();
}

void Worker::reconfiguration_loop(std::stop_token stop) {
  name_this_thread("reconfigurer");
  while (true) {
    std::string name;
    {
      std::unique_lock lock(queue_mutex_);
      if (!queue_changed_.wait(lock, stop, [this] { return !reconfigurations_.empty(); })) return;
      name = std::move(reconfigurations_.front());
      reconfigurations_.pop_front();
    }
    std::scoped_lock lock(mutex_);
    Connector* connector = find(name);
    if (connector == nullptr || !connector->instance || shut_down_) continue;
    const std::vector<sdk::ConfigMap> before = connector->task_configs;
    if (Status computed = compute_task_configs(name, *connector); !computed.ok()) continue;
    if (connector->task_configs == before) continue;
    log_->info("[{}] Task configs changed: restarting {} task(s) as {}", name,
               connector->tasks.size(), connector->task_configs.size());
    stop_tasks(std::move(connector->tasks));
    connector->tasks.clear();
    start_tasks(name, *connector);
  }
}

std::vector<std::string> Worker::connector_active_topics(const std::string& name) const {
  return active_topics_.topics(name);
}

void Worker::reset_connector_active_topics(const std::string& name) { active_topics_.reset(name); }

void Worker::visit_task_metrics(const TaskMetricsVisitor& visit) const {
  std::scoped_lock lock(mutex_);
  for (const auto& [name, connector] : connectors_) {
    for (const auto& task : connector.tasks) {
      if (task) visit(task->id(), connector.type, std::as_const(*task).metrics());
    }
  }
}

}  // namespace ferry::runtime
