// Kafka Connect's REST resources against a fake Herder, called in process: routing, status codes
// and the JSON bodies byte for byte (Kafka's field order), masking of secrets.
#include "rest/connect_api.h"

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/sdk/connector.h"

namespace ferry::rest {
namespace {

namespace http = boost::beast::http;
using runtime::ConnectorInfo;
using runtime::ConnectorStatus;
using runtime::ConnectorType;
using runtime::State;
using runtime::StatusEntry;
using runtime::TargetState;
using runtime::TaskId;

// The one connector the fake plugin can instantiate: a source with a password and a key of its
// own group.
class ASource : public sdk::SourceConnector {
 public:
  std::string version() const override { return "1.0"; }
  void start(const sdk::ConfigMap&) override {}
  std::vector<sdk::ConfigMap> task_configs(int) override { return {}; }
  void stop() override {}
  sdk::ConfigDef config() const override {
    return sdk::ConfigDef()
        .define({.name = "password",
                 .type = sdk::ConfigType::kPassword,
                 .default_value = std::string("x"),
                 .importance = sdk::Importance::kHigh,
                 .documentation = "The secret.",
                 .group = "Connection",
                 .order_in_group = 1,
                 .width = sdk::Width::kMedium,
                 .display_name = "Password"})
        .define({.name = "file", .type = sdk::ConfigType::kString, .documentation = "A file."});
  }
  std::unique_ptr<sdk::SourceTask> create_task() const override { return nullptr; }
};

// Connectors in memory; one task per connector; "password" and "db.password" are secrets; a
// config with "bad" is refused; class "Missing" is unknown.
class FakeHerder final : public runtime::Herder {
 public:
  FakeHerder() {
    plugins_.register_plugin({.name = "fake", .version = "1.0"}, [](sdk::PluginRegistrar& r) {
      r.source_connector("com.example.ASource", [] { return std::make_unique<ASource>(); });
      r.sink_connector("com.example.ASink", [] { return nullptr; });
      r.converter("com.example.AConverter", [] { return nullptr; });
    });
  }

  Result<ConnectorInfo> put_connector(const sdk::ConfigMap& config, bool replace,
                                      TargetState initial) override {
    std::scoped_lock lock(mutex_);
    if (config.contains("bad") || (config.contains("tasks.max") && config.at("tasks.max") == "x")) {
      return Status::invalid_argument(
          "Connector configuration is invalid and contains the following 1 error(s): bad");
    }
    if (config.at("connector.class") == "Missing") {
      return Status::not_found("Failed to find any class that implements Connector");
    }
    const std::string& name = config.at("name");
    if (connectors_.contains(name) && !replace) {
      return Status::conflict("Connector " + name + " already exists");
    }
    Entry& entry = connectors_[name];
    entry.config = config;
    if (!replace) entry.target = initial;
    entry.state = initial == TargetState::kPaused ? State::kPaused : State::kRunning;
    return ConnectorInfo{name, config, {}, ConnectorType::kSource};
  }
  Status validate_connector(const sdk::ConfigMap&) const override { return {}; }
  // tasks.max "x" is one error; an undefined key "extra" comes first with no definition.
  Result<runtime::ConfigValidation> validate_connector_config(
      const sdk::ConfigMap& config) const override {
    if (!config.contains("connector.class")) {
      return Status::invalid_argument("Connector config {} contains no connector type");
    }
    runtime::ConfigValidation validation{config.at("connector.class"), {"Common"}, {}};
    if (config.contains("extra")) {
      validation.configs.emplace_back(std::nullopt, sdk::ConfigValue{.name = "extra"});
    }
    const auto given = config.find("tasks.max");
    sdk::ConfigValue tasks_max{.name = "tasks.max",
                               .value = given == config.end() ? "1" : given->second};
    if (tasks_max.value == "x") {
      tasks_max.errors.push_back(
          "Invalid value x for configuration tasks.max: Not a number of type INT");
    }
    validation.configs.emplace_back(
        sdk::ConfigKey{.name = "tasks.max",
                       .type = sdk::ConfigType::kInt,
                       .default_value = 1,
                       .importance = sdk::Importance::kHigh,
                       .documentation = "Maximum number of tasks to use for this connector.",
                       .group = "Common",
                       .order_in_group = 3,
                       .width = sdk::Width::kShort,
                       .display_name = "Tasks max"},
        tasks_max);
    return validation;
  }
  Status delete_connector(const std::string& name) override {
    std::scoped_lock lock(mutex_);
    return connectors_.erase(name) ? Status() : unknown(name);
  }
  Status pause_connector(const std::string& name) override { return set(name, State::kPaused); }
  Status resume_connector(const std::string& name) override { return set(name, State::kRunning); }
  Status stop_connector(const std::string& name) override { return set(name, State::kStopped); }
  Status restart_connector(const std::string& name, bool include_tasks, bool only_failed) override {
    restarts.push_back(name + " " + std::to_string(include_tasks) + std::to_string(only_failed));
    return set(name, State::kRunning);
  }
  Status restart_task(const TaskId& id) override {
    restarts.push_back(runtime::to_string(id));
    return {};
  }
  std::vector<std::string> connectors() const override {
    std::scoped_lock lock(mutex_);
    std::vector<std::string> names;
    for (const auto& [name, entry] : connectors_) names.push_back(name);
    return names;
  }
  Result<ConnectorInfo> connector_info(const std::string& name) const override {
    std::scoped_lock lock(mutex_);
    const auto it = connectors_.find(name);
    if (it == connectors_.end()) return unknown(name);
    return ConnectorInfo{name, it->second.config, {{name, 0}}, ConnectorType::kSource};
  }
  Result<std::vector<sdk::ConfigMap>> task_configs(const std::string& name) const override {
    auto info = connector_info(name);
    if (!info.ok()) return info.status();
    return std::vector<sdk::ConfigMap>{info->config};
  }
  Result<TargetState> target_state(const std::string& name) const override {
    std::scoped_lock lock(mutex_);
    if (!connectors_.contains(name)) return unknown(name);
    return connectors_.at(name).target;
  }
  Result<ConnectorStatus> connector_status(const std::string& name) const override {
    std::scoped_lock lock(mutex_);
    const auto it = connectors_.find(name);
    if (it == connectors_.end()) return unknown(name);
    ConnectorStatus status{
        name, {it->second.state, "", "host:8083", 0}, {}, ConnectorType::kSource};
    status.tasks.emplace_back(
        0, StatusEntry{it->second.task_state, it->second.task_trace, "host:8083", 0});
    return status;
  }
  Result<StatusEntry> task_status(const TaskId& id) const override {
    auto status = connector_status(id.connector);
    if (!status.ok()) return status.status();
    if (id.task != 0) return Status::not_found("No status found for task " + to_string(id));
    return status->tasks[0].second;
  }
  Result<std::set<std::string>> secret_keys(const std::string& name) const override {
    std::scoped_lock lock(mutex_);
    if (!connectors_.contains(name)) return unknown(name);
    return std::set<std::string>{"password", "db.password"};
  }
  Result<std::vector<runtime::PartitionOffset>> connector_offsets(
      const std::string& name) const override {
    std::scoped_lock lock(mutex_);
    if (!connectors_.contains(name)) return unknown(name);
    return offsets_;
  }
  Result<bool> alter_connector_offsets(const std::string& name,
                                       const std::vector<runtime::OffsetChange>& changes) override {
    std::scoped_lock lock(mutex_);
    if (!connectors_.contains(name)) return unknown(name);
    if (connectors_.at(name).state != State::kStopped)
      return Status::invalid_argument("not stopped");
    for (const runtime::OffsetChange& change : changes) {
      std::erase_if(offsets_, [&](const runtime::PartitionOffset& entry) {
        return entry.partition == change.partition;
      });
      if (change.offset) offsets_.push_back({change.partition, *change.offset});
    }
    return connector_manages_offsets;
  }
  Result<bool> reset_connector_offsets(const std::string& name) override {
    std::scoped_lock lock(mutex_);
    if (!connectors_.contains(name)) return unknown(name);
    offsets_.clear();
    return connector_manages_offsets;
  }
  const loader::PluginRegistry& plugins() const override { return plugins_; }
  std::vector<std::string> connector_active_topics(const std::string& name) const override {
    std::scoped_lock lock(mutex_);
    const auto found = active_topics.find(name);
    return found == active_topics.end() ? std::vector<std::string>{} : found->second;
  }
  void reset_connector_active_topics(const std::string& name) override {
    std::scoped_lock lock(mutex_);
    active_topics.erase(name);
  }
  TopicTracking topic_tracking() const override { return tracking; }
  void visit_task_metrics(const TaskMetricsVisitor& visit) const override {
    std::scoped_lock lock(mutex_);
    for (const auto& [name, entry] : connectors_) {
      visit(TaskId{name, 0}, runtime::ConnectorType::kSource, task_metrics);
    }
  }

  void fail_task(const std::string& name, const std::string& trace) {
    connectors_[name].task_state = State::kFailed;
    connectors_[name].task_trace = trace;
  }
  sdk::ConfigMap stored_config(const std::string& name) { return connectors_.at(name).config; }

  std::vector<std::string> restarts;
  std::map<std::string, std::vector<std::string>> active_topics;  // guarded by mutex_
  runtime::TaskMetrics task_metrics;  // every connector's task 0 reports these
  TopicTracking tracking;
  bool connector_manages_offsets = false;  // what the connector's alter_offsets returns

 private:
  struct Entry {
    sdk::ConfigMap config;
    TargetState target = TargetState::kStarted;
    State state = State::kRunning;
    State task_state = State::kRunning;
    std::string task_trace;
  };
  static Status unknown(const std::string& name) {
    return Status::not_found("Connector " + name + " not found");
  }
  Status set(const std::string& name, State state) {
    std::scoped_lock lock(mutex_);
    const auto it = connectors_.find(name);
    if (it == connectors_.end()) return unknown(name);
    it->second.state = state;
    return {};
  }

  loader::PluginRegistry plugins_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> connectors_;
  std::vector<runtime::PartitionOffset> offsets_;
};

class ConnectApiTest : public ::testing::Test {
 protected:
  Response call(http::verb method, const std::string& target, const std::string& body = "") {
    Request request{method, target, 11};
    request.set(http::field::host, "worker:8083");
    request.body() = body;
    request.prepare_payload();
    return api_.handle(request);
  }
  Response create(const std::string& name, const std::string& extra = "") {
    return call(http::verb::post, "/connectors",
                R"({"name":")" + name +
                    R"(","config":{"connector.class":"com.example.ASource","password":"s3cret")" +
                    extra + "}}");
  }

  FakeHerder herder_;
  ConnectApi api_{herder_, {"0.1.0", "abc123", "cluster-1"}};
};

TEST_F(ConnectApiTest, RootIsServerInfo) {
  const Response response = call(http::verb::get, "/");
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response[http::field::content_type], "application/json");
  EXPECT_EQ(response.body(),
            R"({"version":"0.1.0","commit":"abc123","kafka_cluster_id":"cluster-1"})");
}

TEST_F(ConnectApiTest, CreateIs201WithLocationAndConnectorInfoWithSecretsHidden) {
  const Response response = create("c 1");
  EXPECT_EQ(response.result_int(), 201) << response.body();
  EXPECT_EQ(response[http::field::location], "http://worker:8083/connectors/c%201");
  EXPECT_EQ(response.body(),
            R"({"name":"c 1","config":{"connector.class":"com.example.ASource","name":"c 1",)"
            R"("password":"[hidden]"},"tasks":[{"connector":"c 1","task":0}],"type":"source"})");
  EXPECT_EQ(herder_.stored_config("c 1").at("password"), "s3cret");
}

TEST_F(ConnectApiTest, CreateTrimsTheNameAndTakesTheInitialState) {
  EXPECT_EQ(call(http::verb::post, "/connectors",
                 R"({"name":" c ","config":{"connector.class":"X"},"initial_state":"paused"})")
                .result_int(),
            201);
  EXPECT_EQ(call(http::verb::get, "/connectors/c/status").body(),
            R"({"name":"c","connector":{"state":"PAUSED","worker_id":"host:8083"},)"
            R"("tasks":[{"id":0,"state":"RUNNING","worker_id":"host:8083"}],"type":"source"})");
  const Response bad =
      call(http::verb::post, "/connectors",
           R"({"name":"d","config":{"connector.class":"X"},"initial_state":"UP"})");
  EXPECT_EQ(bad.result_int(), 400);
}

TEST_F(ConnectApiTest, CreateErrors) {
  ASSERT_EQ(create("c").result_int(), 201);
  Response exists = create("c");
  EXPECT_EQ(exists.result_int(), 409);
  EXPECT_EQ(exists.body(), R"({"error_code":409,"message":"Connector c already exists"})");

  Response mismatch =
      call(http::verb::post, "/connectors", R"({"name":"a","config":{"name":"b"}})");
  EXPECT_EQ(mismatch.result_int(), 400);
  EXPECT_EQ(mismatch.body(),
            R"({"error_code":400,"message":"Connector name configuration (b) doesn't match )"
            R"x(connector name in the URL (a)"})x");

  Response malformed = call(http::verb::post, "/connectors", R"({"name":"a",)");
  EXPECT_EQ(malformed.result_int(), 400);
  EXPECT_EQ(malformed[http::field::content_type], "application/json");
  EXPECT_NE(malformed.body().find("Malformed JSON request body"), std::string::npos);

  EXPECT_EQ(create("d", R"(,"bad":"1")").result_int(), 400);
  EXPECT_EQ(call(http::verb::post, "/connectors",
                 R"({"name":"e","config":{"connector.class":"Missing"}})")
                .result_int(),
            400);
  EXPECT_EQ(
      call(http::verb::post, "/connectors", R"({"name":"e","config":{"x":[1]}})").result_int(),
      400);
  EXPECT_EQ(call(http::verb::post, "/connectors", R"(["e"])").result_int(), 400);
  EXPECT_EQ(call(http::verb::post, "/connectors", R"({"name":"e"})").result_int(), 400);
}

TEST_F(ConnectApiTest, ARefusedConfigListsTheValidationErrorsAsKafkaDoes) {
  const Response response = create("c", R"(,"tasks.max":"x")");
  EXPECT_EQ(response.result_int(), 400);
  EXPECT_EQ(response.body(),
            R"({"error_code":400,"message":"Connector configuration is invalid and contains the )"
            R"(following 1 error(s):\nInvalid value x for configuration tasks.max: Not a number )"
            R"(of type INT\nYou can also find the above list of errors at the endpoint )"
            R"(`/connector-plugins/{connectorType}/config/validate`"})");
  // Refused for a reason the validation does not see: the herder's message.
  EXPECT_EQ(create("d", R"(,"bad":"1")").body(),
            R"({"error_code":400,"message":"Connector configuration is invalid and contains the )"
            R"(following 1 error(s): bad"})");
}

TEST_F(ConnectApiTest, UnknownConnectorIs404WithKafkasBody) {
  for (const auto& [method, target] : std::vector<std::pair<http::verb, std::string>>{
           {http::verb::get, "/connectors/x"},
           {http::verb::get, "/connectors/x/config"},
           {http::verb::get, "/connectors/x/status"},
           {http::verb::get, "/connectors/x/tasks"},
           {http::verb::put, "/connectors/x/pause"},
           {http::verb::delete_, "/connectors/x"},
           {http::verb::post, "/connectors/x/restart"},
           {http::verb::post, "/connectors/x/tasks/0/restart"}}) {
    const Response response = call(method, target);
    EXPECT_EQ(response.result_int(), 404) << target;
    EXPECT_EQ(response.body(), R"({"error_code":404,"message":"Connector x not found"})") << target;
  }
}

TEST_F(ConnectApiTest, UnknownPathIs404AndWrongMethodIs405) {
  for (const std::string target : {"/nope", "/connectors/c/nope", "/connectors/c/tasks/x/status",
                                   "/connectors/c/tasks/0/nope"}) {
    const Response response = call(http::verb::get, target);
    EXPECT_EQ(response.result_int(), 404) << target;
    EXPECT_EQ(response.body(), R"({"error_code":404,"message":"HTTP 404 Not Found"})");
  }
  const Response response = call(http::verb::delete_, "/connectors");
  EXPECT_EQ(response.result_int(), 405);
  EXPECT_EQ(response[http::field::allow], "GET, POST");
  EXPECT_EQ(response[http::field::content_type], "application/json");
  EXPECT_EQ(response.body(), R"({"error_code":405,"message":"HTTP 405 Method Not Allowed"})");
  EXPECT_EQ(call(http::verb::get, "/connectors/c/pause").result_int(), 405);
  EXPECT_EQ(call(http::verb::post, "/").result_int(), 405);
}

TEST_F(ConnectApiTest, ListsNamesAndExpansions) {
  ASSERT_EQ(create("a").result_int(), 201);
  ASSERT_EQ(create("b").result_int(), 201);
  EXPECT_EQ(call(http::verb::get, "/connectors").body(), R"(["a","b"])");
  EXPECT_EQ(call(http::verb::get, "/connectors/").body(), R"(["a","b"])");
  const std::string status_a =
      R"({"name":"a","connector":{"state":"RUNNING","worker_id":"host:8083"},)"
      R"("tasks":[{"id":0,"state":"RUNNING","worker_id":"host:8083"}],"type":"source"})";
  const std::string info_a =
      R"({"name":"a","config":{"connector.class":"com.example.ASource","name":"a",)"
      R"("password":"[hidden]"},"tasks":[{"connector":"a","task":0}],"type":"source"})";
  const std::string expanded = call(http::verb::get, "/connectors?expand=status").body();
  EXPECT_EQ(expanded.substr(0, expanded.find(R"(,"b")")), R"({"a":{"status":)" + status_a + "}");
  const std::string both = call(http::verb::get, "/connectors?expand=info&expand=status").body();
  EXPECT_EQ(both.substr(0, both.find(R"(,"b")")),
            R"({"a":{"info":)" + info_a + R"(,"status":)" + status_a + "}");
  EXPECT_EQ(call(http::verb::get, "/connectors?expand=nothing").body(), R"(["a","b"])");
}

TEST_F(ConnectApiTest, SecretsAreHiddenInEveryGet) {
  ASSERT_EQ(create("c", R"(,"db.password":"x","user":"u")").result_int(), 201);
  for (const std::string target : {"/connectors/c", "/connectors/c/config", "/connectors/c/tasks",
                                   "/connectors?expand=info"}) {
    const std::string body = call(http::verb::get, target).body();
    EXPECT_EQ(body.find("s3cret"), std::string::npos) << target << ": " << body;
    EXPECT_EQ(body.find(R"("x")"), std::string::npos) << target << ": " << body;
    EXPECT_NE(body.find(R"("password":"[hidden]")"), std::string::npos) << target << ": " << body;
    EXPECT_NE(body.find(R"("user":"u")"), std::string::npos) << target << ": " << body;
  }
  EXPECT_EQ(call(http::verb::get, "/connectors/c/config").body(),
            R"({"connector.class":"com.example.ASource","db.password":"[hidden]","name":"c",)"
            R"("password":"[hidden]","user":"u"})");
  EXPECT_EQ(
      call(http::verb::get, "/connectors/c/tasks").body(),
      R"([{"id":{"connector":"c","task":0},"config":{"connector.class":"com.example.ASource",)"
      R"("db.password":"[hidden]","name":"c","password":"[hidden]","user":"u"}}])");
}

TEST_F(ConnectApiTest, PutConfigCreatesOrUpdatesAndKeepsHiddenSecrets) {
  const Response created = call(http::verb::put, "/connectors/c/config",
                                R"({"connector.class":"com.example.ASource","password":"p1"})");
  EXPECT_EQ(created.result_int(), 201) << created.body();
  EXPECT_EQ(created[http::field::location], "http://worker:8083/connectors/c");
  const Response updated =
      call(http::verb::put, "/connectors/c/config",
           R"({"connector.class":"com.example.ASource","password":"[hidden]","tasks.max":2})");
  EXPECT_EQ(updated.result_int(), 200) << updated.body();
  EXPECT_EQ(herder_.stored_config("c").at("password"), "p1");
  EXPECT_EQ(herder_.stored_config("c").at("tasks.max"), "2");
  EXPECT_EQ(herder_.stored_config("c").at("name"), "c");
  EXPECT_EQ(call(http::verb::put, "/connectors/c/config", R"({"name":"d"})").result_int(), 400);
  EXPECT_EQ(call(http::verb::put, "/connectors/c/config", "nope").result_int(), 400);
}

TEST_F(ConnectApiTest, PatchSetsAndRemovesKeysAndKeepsHiddenSecrets) {
  ASSERT_EQ(create("c", R"(,"user":"u","gone":"g")").result_int(), 201);
  const Response patched = call(http::verb::patch, "/connectors/c/config",
                                R"({"user":"v","gone":null,"password":"[hidden]","tasks.max":3})");
  EXPECT_EQ(patched.result_int(), 200) << patched.body();
  EXPECT_EQ(herder_.stored_config("c"), (sdk::ConfigMap{{"connector.class", "com.example.ASource"},
                                                        {"name", "c"},
                                                        {"password", "s3cret"},
                                                        {"tasks.max", "3"},
                                                        {"user", "v"}}));
  EXPECT_NE(patched.body().find(R"("password":"[hidden]")"), std::string::npos);
  EXPECT_EQ(call(http::verb::patch, "/connectors/x/config", "{}").body(),
            R"({"error_code":404,"message":"Connector x not found"})");
  EXPECT_EQ(call(http::verb::patch, "/connectors/c/config", R"({"name":"d"})").result_int(), 400);
  EXPECT_EQ(call(http::verb::patch, "/connectors/c/config", R"([1])").result_int(), 400);
  EXPECT_EQ(call(http::verb::delete_, "/connectors/c/config")[http::field::allow],
            "GET, PUT, PATCH");
}

TEST_F(ConnectApiTest, TasksConfigByTaskNameWithSecretsHidden) {
  ASSERT_EQ(create("c").result_int(), 201);
  EXPECT_EQ(call(http::verb::get, "/connectors/c/tasks-config").body(),
            R"({"c-0":{"connector.class":"com.example.ASource","name":"c",)"
            R"("password":"[hidden]"}})");
  EXPECT_EQ(call(http::verb::get, "/connectors/x/tasks-config").result_int(), 404);
}

TEST_F(ConnectApiTest, HealthIsHealthyOnceServing) {
  EXPECT_EQ(call(http::verb::get, "/health").body(),
            R"({"status":"healthy","message":"Worker has completed startup and is ready to )"
            R"(handle requests."})");
}

TEST_F(ConnectApiTest, PluginConfigListsTheConnectorsKeysThenTheFrameworks) {
  const Response response = call(http::verb::get, "/connector-plugins/ASource/config");
  EXPECT_EQ(response.result_int(), 200) << response.body();
  const std::string& body = response.body();
  EXPECT_EQ(body.substr(0, body.find(R"(,{"name":"name")")),
            R"([{"name":"password","type":"PASSWORD","required":false,"default_value":"[hidden]",)"
            R"("importance":"HIGH","documentation":"The secret.","group":"Connection",)"
            R"("width":"MEDIUM","display_name":"Password","dependents":[],"order":1},)"
            R"({"name":"file","type":"STRING","required":true,"default_value":null,)"
            R"("importance":"MEDIUM","documentation":"A file.","group":null,"width":"NONE",)"
            R"("display_name":"file","dependents":[],"order":-1})");
  EXPECT_NE(body.find(R"({"name":"connector.class","type":"STRING","required":true)"),
            std::string::npos)
      << body;
  EXPECT_EQ(call(http::verb::get, "/connector-plugins/Nope/config").body(),
            R"({"error_code":404,"message":"Unknown plugin Nope."})");
}

TEST_F(ConnectApiTest, ValidateReportsProblemsInTheBody) {
  const Response response =
      call(http::verb::put, "/connector-plugins/ASource/config/validate",
           R"({"connector.class":"com.example.ASourceConnector","tasks.max":"x","extra":"1"})");
  EXPECT_EQ(response.result_int(), 200) << response.body();
  EXPECT_EQ(response.body(),
            R"({"name":"com.example.ASourceConnector","error_count":1,"groups":["Common"],)"
            R"("configs":[{"definition":null,"value":{"name":"extra","value":null,)"
            R"("recommended_values":[],"errors":[],"visible":true}},)"
            R"({"definition":{"name":"tasks.max","type":"INT","required":false,)"
            R"("default_value":"1","importance":"HIGH","documentation":"Maximum number of tasks )"
            R"(to use for this connector.","group":"Common","width":"SHORT",)"
            R"("display_name":"Tasks max","dependents":[],"order":3},)"
            R"("value":{"name":"tasks.max","value":"x","recommended_values":[],)"
            R"("errors":["Invalid value x for configuration tasks.max: Not a number of type )"
            R"(INT"],"visible":true}}]})");
  EXPECT_EQ(call(http::verb::put, "/connector-plugins/Other/config/validate",
                 R"({"connector.class":"com.example.ASource"})")
                .body(),
            R"({"error_code":400,"message":"Included connector type com.example.ASource does )"
            R"(not match request type Other"})");
  EXPECT_EQ(call(http::verb::put, "/connector-plugins/ASource/config/validate", "{}").result_int(),
            400);
  EXPECT_EQ(call(http::verb::get, "/connector-plugins/ASource/config/validate").result_int(), 405);
}

TEST_F(ConnectApiTest, OffsetsAreListedAlteredAndReset) {
  ASSERT_EQ(create("c").result_int(), 201);
  EXPECT_EQ(call(http::verb::get, "/connectors/c/offsets").body(), R"({"offsets":[]})");
  const std::string patch =
      R"({"offsets":[{"partition":{"filename":"a.txt"},"offset":{"position":12}},)"
      R"({"partition":{"filename":"b.txt","ok":true},"offset":{"position":-1}}]})";
  EXPECT_EQ(call(http::verb::patch, "/connectors/c/offsets", patch).body(),
            R"({"error_code":400,"message":"not stopped"})");
  ASSERT_EQ(call(http::verb::put, "/connectors/c/stop").result_int(), 204);
  const Response altered = call(http::verb::patch, "/connectors/c/offsets", patch);
  EXPECT_EQ(altered.result_int(), 200) << altered.body();
  EXPECT_NE(altered.body().find("have been altered successfully"), std::string::npos);
  EXPECT_EQ(call(http::verb::get, "/connectors/c/offsets").body(),
            R"({"offsets":[{"partition":{"filename":"a.txt"},"offset":{"position":12}},)"
            R"({"partition":{"filename":"b.txt","ok":true},"offset":{"position":-1}}]})");
  EXPECT_EQ(call(http::verb::patch, "/connectors/c/offsets",
                 R"({"offsets":[{"partition":{"filename":"a.txt"},"offset":null}]})")
                .result_int(),
            200);
  EXPECT_EQ(call(http::verb::get, "/connectors/c/offsets").body().find("a.txt"), std::string::npos);
  // Doubles come back as Java prints them (Jackson), not as "1.5E0".
  ASSERT_EQ(call(http::verb::patch, "/connectors/c/offsets",
                 R"({"offsets":[{"partition":{"shard":2.5},"offset":{"lsn":1.5,"big":1e10}}]})")
                .result_int(),
            200);
  EXPECT_NE(call(http::verb::get, "/connectors/c/offsets")
                .body()
                .find(R"({"partition":{"shard":2.5},"offset":{"big":1.0E10,"lsn":1.5}})"),
            std::string::npos)
      << call(http::verb::get, "/connectors/c/offsets").body();
  EXPECT_EQ(call(http::verb::patch, "/connectors/c/offsets", R"({"offsets":[]})").body(),
            R"({"error_code":400,"message":"Partitions / offsets need to be provided for an )"
            R"(alter offsets request"})");
  EXPECT_EQ(call(http::verb::patch, "/connectors/c/offsets",
                 R"({"offsets":[{"partition":{"f":{"nested":1}},"offset":null}]})")
                .result_int(),
            400);
  const Response reset = call(http::verb::delete_, "/connectors/c/offsets");
  EXPECT_EQ(reset.result_int(), 200);
  EXPECT_NE(reset.body().find("have been reset successfully"), std::string::npos);
  // A connector whose alter_offsets hook handled the change gets Kafka's plain answer.
  herder_.connector_manages_offsets = true;
  EXPECT_EQ(call(http::verb::delete_, "/connectors/c/offsets").body(),
            R"({"message":"The offsets for this connector have been reset successfully"})");
  EXPECT_EQ(call(http::verb::patch, "/connectors/c/offsets",
                 R"({"offsets":[{"partition":{"filename":"a.txt"},"offset":{"position":1}}]})")
                .body(),
            R"({"message":"The offsets for this connector have been altered successfully"})");
  herder_.connector_manages_offsets = false;
  ASSERT_EQ(call(http::verb::delete_, "/connectors/c/offsets").result_int(), 200);
  EXPECT_EQ(call(http::verb::get, "/connectors/c/offsets").body(), R"({"offsets":[]})");
  EXPECT_EQ(call(http::verb::get, "/connectors/x/offsets").result_int(), 404);
}

TEST(ConnectApiLoggers, RootsLevelIsReadAndChangedAtRunTime) {
  FakeHerder herder;
  auto logger = std::make_shared<spdlog::logger>("test");
  logger->set_level(spdlog::level::info);
  LoggerLevels levels(logger);
  ConnectApi api(herder, {}, &levels);
  const auto call = [&](http::verb method, const std::string& target, const std::string& body) {
    Request request{method, target, 11};
    request.body() = body;
    return api.handle(request);
  };
  EXPECT_EQ(call(http::verb::get, "/admin/loggers", "").body(),
            R"({"root":{"level":"INFO","last_modified":null}})");
  const Response set = call(http::verb::put, "/admin/loggers/root", R"({"level":"debug"})");
  EXPECT_EQ(set.result_int(), 200);
  EXPECT_EQ(set.body(), R"(["root"])");
  EXPECT_EQ(logger->level(), spdlog::level::debug);
  const std::string root = call(http::verb::get, "/admin/loggers/root", "").body();
  EXPECT_EQ(root.substr(0, 35), R"({"level":"DEBUG","last_modified":17)") << root;
  EXPECT_EQ(call(http::verb::put, "/admin/loggers/root?scope=cluster", R"({"level":"WARN"})")
                .result_int(),
            204);
  EXPECT_EQ(logger->level(), spdlog::level::warn);
  EXPECT_EQ(call(http::verb::put, "/admin/loggers/root", R"({"level":"LOUD"})").body(),
            R"({"error_code":404,"message":"invalid log level 'LOUD'."})");
  EXPECT_EQ(call(http::verb::put, "/admin/loggers/root", R"({})").body(),
            R"({"error_code":400,"message":"Desired 'level' parameter was not specified in )"
            R"(request."})");
  EXPECT_EQ(call(http::verb::get, "/admin/loggers/org.foo", "").body(),
            R"({"error_code":404,"message":"Logger org.foo not found."})");
  // Without LoggerLevels the path does not exist.
  EXPECT_EQ(
      ConnectApi(herder, {}).handle(Request{http::verb::get, "/admin/loggers", 11}).result_int(),
      404);
}

TEST_F(ConnectApiTest, PauseResumeStopDeleteAnswerKafkasCodesWithNoBody) {
  ASSERT_EQ(create("c").result_int(), 201);
  for (const auto& [target, code] :
       std::vector<std::pair<std::string, unsigned>>{{"/connectors/c/pause", 202},
                                                     {"/connectors/c/resume", 202},
                                                     {"/connectors/c/stop", 204}}) {
    const Response response = call(http::verb::put, target);
    EXPECT_EQ(response.result_int(), code) << target;
    EXPECT_EQ(response.body(), "") << target;
  }
  EXPECT_NE(call(http::verb::get, "/connectors/c/status").body().find("STOPPED"),
            std::string::npos);
  EXPECT_EQ(call(http::verb::delete_, "/connectors/c").result_int(), 204);
  EXPECT_EQ(call(http::verb::get, "/connectors").body(), "[]");
}

TEST_F(ConnectApiTest, RestartIs204AloneAnd202WithThePlanWithTasks) {
  ASSERT_EQ(create("c").result_int(), 201);
  EXPECT_EQ(call(http::verb::post, "/connectors/c/restart").result_int(), 204);
  herder_.fail_task("c", "java.lang.Boom: x\n\tat here");
  const Response failed_only =
      call(http::verb::post, "/connectors/c/restart?includeTasks=true&onlyFailed=true");
  EXPECT_EQ(failed_only.result_int(), 202);
  EXPECT_EQ(failed_only.body(),
            R"({"name":"c","connector":{"state":"RUNNING","worker_id":"host:8083"},)"
            R"("tasks":[{"id":0,"state":"RESTARTING","worker_id":"host:8083",)"
            R"("trace":"java.lang.Boom: x\n\tat here"}],"type":"source"})");
  const Response all = call(http::verb::post, "/connectors/c/restart?includeTasks=TRUE");
  EXPECT_NE(all.body().find(R"("connector":{"state":"RESTARTING")"), std::string::npos);
  EXPECT_EQ(herder_.restarts, (std::vector<std::string>{"c 00", "c 11", "c 10"}));
}

TEST_F(ConnectApiTest, TaskStatusAndRestart) {
  ASSERT_EQ(create("c").result_int(), 201);
  EXPECT_EQ(call(http::verb::get, "/connectors/c/tasks/0/status").body(),
            R"({"id":0,"state":"RUNNING","worker_id":"host:8083"})");
  EXPECT_EQ(call(http::verb::get, "/connectors/c/tasks/3/status").body(),
            R"({"error_code":404,"message":"No status found for task c-3"})");
  EXPECT_EQ(call(http::verb::post, "/connectors/c/tasks/0/restart").result_int(), 204);
  EXPECT_EQ(call(http::verb::post, "/connectors/c/tasks/3/restart").body(),
            R"({"error_code":404,"message":"Unknown task: c-3"})");
}

TEST_F(ConnectApiTest, ConnectorPluginsInKafkasOrder) {
  EXPECT_EQ(call(http::verb::get, "/connector-plugins").body(),
            R"([{"class":"com.example.ASink","type":"sink","version":"1.0"},)"
            R"({"class":"com.example.ASource","type":"source","version":"1.0"}])");
  EXPECT_EQ(call(http::verb::get, "/connector-plugins?connectorsOnly=false").body(),
            R"([{"class":"com.example.ASink","type":"sink","version":"1.0"},)"
            R"({"class":"com.example.ASource","type":"source","version":"1.0"},)"
            R"({"class":"com.example.AConverter","type":"converter","version":"1.0"}])");
}

TEST_F(ConnectApiTest, ActiveTopicsAndTheirResetHaveKafkasShapesAndSwitches) {
  ASSERT_EQ(create("c").result_int(), 201);
  herder_.active_topics["c"] = {"orders", "payments"};
  Response topics = call(http::verb::get, "/connectors/c/topics");
  EXPECT_EQ(topics.result_int(), 200);
  EXPECT_EQ(topics[http::field::content_type], "application/json");
  EXPECT_EQ(topics.body(), R"({"c":{"topics":["orders","payments"]}})");
  // As in Kafka, a name the worker does not know simply has no topics.
  EXPECT_EQ(call(http::verb::get, "/connectors/nobody/topics").body(),
            R"({"nobody":{"topics":[]}})");

  const Response reset = call(http::verb::put, "/connectors/c/topics/reset");
  EXPECT_EQ(reset.result_int(), 202);
  EXPECT_EQ(reset.body(), "");
  EXPECT_EQ(call(http::verb::get, "/connectors/c/topics").body(), R"({"c":{"topics":[]}})");
  EXPECT_EQ(call(http::verb::post, "/connectors/c/topics").result_int(), 405);
  EXPECT_EQ(call(http::verb::get, "/connectors/c/topics/reset").result_int(), 405);

  herder_.tracking.allow_reset = false;
  const Response refused = call(http::verb::put, "/connectors/c/topics/reset");
  EXPECT_EQ(refused.result_int(), 403);
  EXPECT_EQ(refused.body(), R"({"error_code":403,"message":"Topic tracking reset is disabled."})");
  EXPECT_EQ(call(http::verb::get, "/connectors/c/topics").result_int(), 200);

  herder_.tracking.enabled = false;
  for (const auto& [method, target] : {std::pair{http::verb::get, "/connectors/c/topics"},
                                       std::pair{http::verb::put, "/connectors/c/topics/reset"}}) {
    const Response off = call(method, target);
    EXPECT_EQ(off.result_int(), 403) << target;
    EXPECT_EQ(off.body(), R"({"error_code":403,"message":"Topic tracking is disabled."})");
  }
}

// How often `what` occurs in `text`.
std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++count;
  }
  return count;
}

TEST_F(ConnectApiTest, MetricsArePrometheusTextWithEachTasksCountersAndTheProcesss) {
  ASSERT_EQ(create("c").result_int(), 201);
  ASSERT_EQ(create(R"(q\\\"x)").result_int(), 201);  // the name is q\"x
  herder_.task_metrics.source_record_poll.add(42);
  herder_.task_metrics.poll_batch_nanos.observe(2'000'000);
  herder_.task_metrics.poll_batch_nanos.observe(6'000'000);
  herder_.task_metrics.offset_commit_failure.add(3);

  const Response response = call(http::verb::get, "/metrics");
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = response.body();
  EXPECT_NE(text.find("# TYPE kafka_connect_source_task_source_record_poll_total counter\n"
                      "kafka_connect_source_task_source_record_poll_total"
                      "{connector=\"c\",task=\"0\"} 42\n"),
            std::string::npos)
      << text;
  // One HELP and TYPE per family, every task's sample under it; quotes and backslashes escaped.
  EXPECT_EQ(occurrences(text, "# TYPE kafka_connect_source_task_source_record_poll_total "), 1u);
  EXPECT_NE(text.find("kafka_connect_source_task_source_record_poll_total"
                      "{connector=\"q\\\\\\\"x\",task=\"0\"} 42\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE kafka_connect_source_task_poll_batch_time_seconds summary\n"),
            std::string::npos);
  EXPECT_NE(text.find("kafka_connect_source_task_poll_batch_time_seconds_sum"
                      "{connector=\"c\",task=\"0\"} 0.008\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("kafka_connect_source_task_poll_batch_time_seconds_count"
                      "{connector=\"c\",task=\"0\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("kafka_connect_source_task_poll_batch_max_time_seconds"
                      "{connector=\"c\",task=\"0\"} 0.006\n"),
            std::string::npos);
  EXPECT_NE(text.find("kafka_connect_task_offset_commit_failure_total"
                      "{connector=\"c\",task=\"0\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("kafka_connect_worker_connector_count 2\n"), std::string::npos);
  EXPECT_NE(
      text.find("kafka_connect_worker_connector_tasks{connector=\"c\",state=\"running\"} 1\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("kafka_connect_worker_connector_tasks{connector=\"c\",state=\"failed\"} 0\n"),
            std::string::npos);
  // The process's own figures are real: this test process has memory and open files.
  const std::size_t rss = text.find("\nprocess_resident_memory_bytes ");
  ASSERT_NE(rss, std::string::npos);
  EXPECT_GT(std::stod(text.substr(rss + 31)), 1e6);
  const std::size_t fds = text.find("\nprocess_open_fds ");
  ASSERT_NE(fds, std::string::npos);
  EXPECT_GE(std::stod(text.substr(fds + 18)), 3.0);
  EXPECT_EQ(call(http::verb::post, "/metrics").result_int(), 405);
}

}  // namespace
}  // namespace ferry::rest
