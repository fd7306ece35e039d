#include "rest/connect_api.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "rest/java_json.h"
#include "rest/prometheus_metrics.h"

namespace ferry::rest {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;
using runtime::ConnectorInfo;
using runtime::StatusEntry;
using runtime::TaskId;

constexpr std::string_view kHidden = "[hidden]";

// --- Request parsing ---------------------------------------------------------------------------

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoded; in a query, '+' is a space. A malformed escape is kept as it is.
std::string percent_decode(std::string_view text, bool query) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
        hex_value(text[i + 2]) >= 0) {
      decoded += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else if (query && text[i] == '+') {
      decoded += ' ';
    } else {
      decoded += text[i];
    }
  }
  return decoded;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~') {
      encoded += c;
    } else {
      encoded += '%';
      encoded += kHex[byte >> 4];
      encoded += kHex[byte & 0xF];
    }
  }
  return encoded;
}

struct Target {
  std::vector<std::string> segments;  // decoded, without empty ones
  std::multimap<std::string, std::string> query;

  std::vector<std::string> values(const std::string& name) const {
    std::vector<std::string> found;
    const auto [first, last] = query.equal_range(name);
    for (auto it = first; it != last; ++it) found.push_back(it->second);
    return found;
  }
  // Jersey's boolean @QueryParam: "true" in any case is true, anything else false.
  bool flag(const std::string& name, bool absent) const {
    const auto it = query.find(name);
    if (it == query.end()) return absent;
    std::string value = it->second;
    std::transform(value.begin(), value.end(), value.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return value == "true";
  }
};

Target parse_target(std::string_view target) {
  Target parsed;
  const auto question = target.find('?');
  const std::string_view path = target.substr(0, question);
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const std::string_view segment = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (!segment.empty()) parsed.segments.push_back(percent_decode(segment, false));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (question == std::string_view::npos) return parsed;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      const auto equals = pair.find('=');
      parsed.query.emplace(
          percent_decode(pair.substr(0, equals), true),
          equals == std::string_view::npos ? "" : percent_decode(pair.substr(equals + 1), true));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return parsed;
}

// --- Responses ---------------------------------------------------------------------------------

Response json_response(unsigned status, const json::value& body) {
  Response response{static_cast<http::status>(status), 11};
  response.set(http::field::content_type, "application/json");
  response.body() = json::serialize(body);
  return response;
}

Response empty_response(unsigned status) { return Response{static_cast<http::status>(status), 11}; }

unsigned http_status(const Status& status) {
  switch (status.kind()) {
    case Status::Kind::kInvalidArgument:
      return 400;
    case Status::Kind::kNotFound:
      return 404;
    case Status::Kind::kConflict:
      return 409;
    case Status::Kind::kTooLarge:
      return 413;
    default:
      return 500;
  }
}

Response error(const Status& status) {
  return error_response(http_status(status), status.message());
}

Response not_found_path() { return error_response(404, "HTTP 404 Not Found"); }

Response method_not_allowed(std::string_view allowed) {
  Response response = error_response(405, "HTTP 405 Method Not Allowed");
  response.set(http::field::allow, allowed);
  return response;
}

// --- JSON shapes (connect.md §1.3, Kafka's field order) ----------------------------------------

json::object config_json(const sdk::ConfigMap& config, const std::set<std::string>& secrets) {
  json::object object;
  for (const auto& [key, value] : config) {
    object[key] = secrets.contains(key) ? kHidden : std::string_view(value);
  }
  return object;
}

json::object connector_info_json(const ConnectorInfo& info, const std::set<std::string>& secrets) {
  json::object object;
  object["name"] = info.name;
  object["config"] = config_json(info.config, secrets);
  json::array tasks;
  for (const TaskId& task : info.tasks) {
    tasks.push_back(json::object{{"connector", task.connector}, {"task", task.task}});
  }
  object["tasks"] = std::move(tasks);
  object["type"] = runtime::connector_type_name(info.type);
  return object;
}

// Kafka's AbstractState fields; trace only when non-empty (Jackson NON_EMPTY).
void add_state(json::object& object, const StatusEntry& entry) {
  object["state"] = runtime::state_name(entry.state);
  object["worker_id"] = entry.worker_id;
  if (!entry.trace.empty()) object["trace"] = entry.trace;
}

json::object task_state_json(int task, const StatusEntry& entry) {
  json::object object;
  object["id"] = task;
  add_state(object, entry);
  return object;
}

json::object status_json(const runtime::ConnectorStatus& status) {
  json::object object;
  object["name"] = status.name;
  json::object connector;
  add_state(connector, status.connector);
  object["connector"] = std::move(connector);
  json::array tasks;
  for (const auto& [task, entry] : status.tasks) tasks.push_back(task_state_json(task, entry));
  object["tasks"] = std::move(tasks);
  object["type"] = runtime::connector_type_name(status.type);
  return object;
}

// Kafka's ConfigKeyInfo.
json::object config_key_json(const sdk::ConfigKey& key) {
  json::object object;
  object["name"] = key.name;
  object["type"] = sdk::type_name(key.type);
  object["required"] = !key.has_default();
  const std::optional<std::string> default_value = sdk::default_value_string(key);
  object["default_value"] = default_value ? json::value(*default_value) : json::value(nullptr);
  object["importance"] = sdk::importance_name(key.importance);
  object["documentation"] = key.documentation;
  object["group"] = key.group ? json::value(*key.group) : json::value(nullptr);
  object["width"] = sdk::width_name(key.width);
  object["display_name"] = key.display_name.empty() ? key.name : key.display_name;
  json::array dependents;
  for (const std::string& dependent : key.dependents) dependents.emplace_back(dependent);
  object["dependents"] = std::move(dependents);
  object["order"] = key.order_in_group;
  return object;
}

// Kafka's ConfigValueInfo.
json::object config_value_json(const sdk::ConfigValue& value) {
  json::object object;
  object["name"] = value.name;
  object["value"] = value.value ? json::value(*value.value) : json::value(nullptr);
  json::array recommended;
  for (const std::string& item : value.recommended_values) recommended.emplace_back(item);
  object["recommended_values"] = std::move(recommended);
  json::array errors;
  for (const std::string& item : value.errors) errors.emplace_back(item);
  object["errors"] = std::move(errors);
  object["visible"] = value.visible;
  return object;
}

// Kafka's PluginUtils.normalizedPluginName: without a trailing "Connector".
std::string_view without_connector_suffix(std::string_view name) {
  constexpr std::string_view kSuffix = "Connector";
  if (name.size() > kSuffix.size() && name.ends_with(kSuffix)) name.remove_suffix(kSuffix.size());
  return name;
}

// A partition or offset map of primitives (reference §1.3 offsets shapes) as JSON.
json::value source_map_json(const sdk::SourceMap& map) {
  json::object object;
  for (const auto& [key, value] : map) {
    json::value& item = object[key];
    if (const auto* text = value.get_if<std::string>()) {
      item = *text;
    } else if (const auto* int64 = value.get_if<std::int64_t>()) {
      item = *int64;
    } else if (const auto* int32 = value.get_if<std::int32_t>()) {
      item = *int32;
    } else if (const auto* int16 = value.get_if<std::int16_t>()) {
      item = *int16;
    } else if (const auto* int8 = value.get_if<std::int8_t>()) {
      item = *int8;
    } else if (const auto* number = value.get_if<double>()) {
      item = *number;
    } else if (const auto* single = value.get_if<float>()) {
      item = *single;
    } else if (const auto* flag = value.get_if<bool>()) {
      item = *flag;
    }  // null, and nothing else can be stored (OffsetUtils.validateFormat)
  }
  return object;
}

// JSON to a partition or offset map; only primitives (Kafka's OffsetUtils.validateFormat).
Result<sdk::SourceMap> source_map_from_json(const json::value& value, std::string_view what) {
  if (!value.is_object()) {
    return Status::invalid_argument("The " + std::string(what) + " must be a JSON object");
  }
  sdk::SourceMap map;
  for (const auto& [key, item] : value.get_object()) {
    sdk::Value converted;
    if (item.is_string()) {
      converted = sdk::Value(std::string(item.get_string()));
    } else if (item.is_int64()) {
      converted = sdk::Value(item.get_int64());
    } else if (item.is_uint64()) {
      converted = sdk::Value(static_cast<std::int64_t>(item.get_uint64()));
    } else if (item.is_double()) {
      converted = sdk::Value(item.get_double());
    } else if (item.is_bool()) {
      converted = sdk::Value(item.get_bool());
    } else if (!item.is_null()) {
      return Status::invalid_argument("The " + std::string(what) + "'s " + std::string(key) +
                                      " must be a primitive value, not " + json::serialize(item));
    }
    map.emplace(std::string(key), std::move(converted));
  }
  return map;
}

// A flat JSON object of strings as a config map; numbers and booleans are taken as their text
// (Jackson reads them into Map<String, String> the same way).
Result<sdk::ConfigMap> config_from_json(const json::value& value) {
  if (!value.is_object()) {
    return Status::invalid_argument("The connector config must be a JSON object of strings");
  }
  sdk::ConfigMap config;
  for (const auto& [key, item] : value.get_object()) {
    if (item.is_string()) {
      config[std::string(key)] = std::string(item.get_string());
    } else if (item.is_number() || item.is_bool()) {
      config[std::string(key)] = json::serialize(item);
    } else {
      return Status::invalid_argument("The value of connector config key " + std::string(key) +
                                      " must be a string");
    }
  }
  return config;
}

Result<json::value> parse_body(const Request& request) {
  json::error_code error;
  json::value body = json::parse(request.body(), error);
  if (error) {
    return Status::invalid_argument("Malformed JSON request body: " + error.message());
  }
  return body;
}

std::string name_mismatch(const std::string& in_config, const std::string& in_url) {
  return "Connector name configuration (" + in_config +
         ") doesn't match connector name in the URL (" + in_url + ")";
}

// One request against the herder; the routes below.
class Call {
 public:
  Call(runtime::Herder& herder, const ServerInfo& info, LoggerLevels* loggers,
       const Request& request)
      : herder_(herder),
        info_(info),
        loggers_(loggers),
        request_(request),
        target_(parse_target(request.target())) {}

  Response route() {
    const auto& path = target_.segments;
    const http::verb method = request_.method();
    if (path.empty()) {
      if (method == http::verb::get) return root();
      return method_not_allowed("GET");
    }
    if (path[0] == "admin" && path.size() >= 2 && path.size() <= 3 && path[1] == "loggers" &&
        loggers_ != nullptr) {
      if (path.size() == 2) {
        if (method == http::verb::get) return loggers();
        return method_not_allowed("GET");
      }
      if (method == http::verb::get) return logger(path[2]);
      if (method == http::verb::put) return set_logger(path[2]);
      return method_not_allowed("GET, PUT");
    }
    if (path[0] == "metrics" && path.size() == 1) {
      if (method == http::verb::get) return metrics();
      return method_not_allowed("GET");
    }
    if (path[0] == "health" && path.size() == 1) {
      if (method == http::verb::get) return health();
      return method_not_allowed("GET");
    }
    if (path[0] == "connector-plugins" && path.size() == 1) {
      if (method == http::verb::get) return plugins();
      return method_not_allowed("GET");
    }
    if (path[0] == "connector-plugins" && path.size() == 3 && path[2] == "config") {
      if (method == http::verb::get) return plugin_config(path[1]);
      return method_not_allowed("GET");
    }
    if (path[0] == "connector-plugins" && path.size() == 4 && path[2] == "config" &&
        path[3] == "validate") {
      if (method == http::verb::put) return validate(path[1]);
      return method_not_allowed("PUT");
    }
    if (path[0] != "connectors") return not_found_path();
    if (path.size() == 1) {
      if (method == http::verb::get) return list();
      if (method == http::verb::post) return create();
      return method_not_allowed("GET, POST");
    }
    const std::string& name = path[1];
    if (path.size() == 2) {
      if (method == http::verb::get) return info(name);
      if (method == http::verb::delete_) return done(herder_.delete_connector(name), 204);
      return method_not_allowed("GET, DELETE");
    }
    const std::string& what = path[2];
    if (path.size() == 3) {
      if (what == "config") {
        if (method == http::verb::get) return config(name);
        if (method == http::verb::put) return put_config(name);
        if (method == http::verb::patch) return patch_config(name);
        return method_not_allowed("GET, PUT, PATCH");
      }
      if (what == "offsets") {
        if (method == http::verb::get) return offsets(name);
        if (method == http::verb::patch) return alter_offsets(name);
        if (method == http::verb::delete_) return reset_offsets(name);
        return method_not_allowed("GET, PATCH, DELETE");
      }
      if (what == "tasks-config") {
        if (method == http::verb::get) return tasks_config(name);
        return method_not_allowed("GET");
      }
      if (what == "status") {
        if (method == http::verb::get) return status(name);
        return method_not_allowed("GET");
      }
      if (what == "pause" || what == "resume" || what == "stop") {
        if (method != http::verb::put) return method_not_allowed("PUT");
        if (what == "pause") return done(herder_.pause_connector(name), 202);
        if (what == "resume") return done(herder_.resume_connector(name), 202);
        return done(herder_.stop_connector(name), 204);
      }
      if (what == "restart") {
        if (method == http::verb::post) return restart(name);
        return method_not_allowed("POST");
      }
      if (what == "tasks") {
        if (method == http::verb::get) return tasks(name);
        return method_not_allowed("GET");
      }
      if (what == "topics") {
        if (method == http::verb::get) return active_topics(name);
        return method_not_allowed("GET");
      }
      return not_found_path();
    }
    if (what == "topics" && path.size() == 4 && path[3] == "reset") {
      if (method == http::verb::put) return reset_active_topics(name);
      return method_not_allowed("PUT");
    }
    if (what == "tasks" && path.size() == 5) {
      int task = 0;
      const std::string& number = path[3];
      const auto [end, parse_error] =
          std::from_chars(number.data(), number.data() + number.size(), task);
      if (parse_error != std::errc() || end != number.data() + number.size()) {
        return not_found_path();  // Jersey: an int path parameter that does not parse
      }
      const TaskId id{name, task};
      if (path[4] == "status") {
        if (method == http::verb::get) return task_status(id);
        return method_not_allowed("GET");
      }
      if (path[4] == "restart") {
        if (method == http::verb::post) return restart_task(id);
        return method_not_allowed("POST");
      }
    }
    return not_found_path();
  }

 private:
  static Response done(const Status& status, unsigned success) {
    return status.ok() ? empty_response(success) : error(status);
  }

  Result<std::set<std::string>> secrets(const std::string& name) const {
    return herder_.secret_keys(name);
  }

  Response root() const {
    json::object body;
    body["version"] = info_.version;
    body["commit"] = info_.commit;
    body["kafka_cluster_id"] = info_.kafka_cluster_id;
    return json_response(200, body);
  }

  Response metrics() const {
    Response response{http::status::ok, 11};
    response.set(http::field::content_type, kPrometheusContentType);
    response.body() = prometheus_metrics(herder_);
    return response;
  }

  // Kafka answers 403 when tracking is off, and for any name (an unknown connector has none).
  Response active_topics(const std::string& name) const {
    if (!herder_.topic_tracking().enabled) {
      return error_response(403, "Topic tracking is disabled.");
    }
    json::array topics;
    for (const std::string& topic : herder_.connector_active_topics(name)) {
      topics.emplace_back(topic);
    }
    return json_response(200, json::object{{name, json::object{{"topics", std::move(topics)}}}});
  }

  Response reset_active_topics(const std::string& name) const {
    const runtime::Herder::TopicTracking tracking = herder_.topic_tracking();
    if (!tracking.enabled) return error_response(403, "Topic tracking is disabled.");
    if (!tracking.allow_reset) return error_response(403, "Topic tracking reset is disabled.");
    herder_.reset_connector_active_topics(name);
    return empty_response(202);
  }

  // Requests are served only once the worker has started, so it is always healthy here.
  static Response health() {
    return json_response(
        200,
        json::object{{"status", "healthy"},
                     {"message", "Worker has completed startup and is ready to handle requests."}});
  }

  Response list() const {
    const std::vector<std::string> names = herder_.connectors();
    const std::vector<std::string> expand = target_.values("expand");
    const bool with_status = std::ranges::find(expand, "status") != expand.end();
    const bool with_info = std::ranges::find(expand, "info") != expand.end();
    if (!with_status && !with_info) {
      json::array array;
      for (const std::string& name : names) array.emplace_back(name);
      return json_response(200, array);
    }
    json::object body;
    for (const std::string& name : names) {
      json::object expansions;
      for (const std::string& expansion : expand) {
        if (expansion == "status" && !expansions.contains("status")) {
          auto status = herder_.connector_status(name);
          if (!status.ok()) break;  // deleted meanwhile: left out, as Kafka does
          expansions["status"] = status_json(*status);
        } else if (expansion == "info" && !expansions.contains("info")) {
          auto info = herder_.connector_info(name);
          auto secret_keys = secrets(name);
          if (!info.ok() || !secret_keys.ok()) break;
          expansions["info"] = connector_info_json(*info, *secret_keys);
        }
      }
      if (expansions.size() == (with_status ? 1u : 0u) + (with_info ? 1u : 0u)) {
        body[name] = std::move(expansions);
      }
    }
    return json_response(200, body);
  }

  Response info(const std::string& name) const {
    auto info = herder_.connector_info(name);
    if (!info.ok()) return error(info.status());
    auto secret_keys = secrets(name);
    if (!secret_keys.ok()) return error(secret_keys.status());
    return json_response(200, connector_info_json(*info, *secret_keys));
  }

  Response config(const std::string& name) const {
    auto info = herder_.connector_info(name);
    if (!info.ok()) return error(info.status());
    auto secret_keys = secrets(name);
    if (!secret_keys.ok()) return error(secret_keys.status());
    return json_response(200, config_json(info->config, *secret_keys));
  }

  Response status(const std::string& name) const {
    auto status = herder_.connector_status(name);
    if (!status.ok()) return error(status.status());
    return json_response(200, status_json(*status));
  }

  Response tasks(const std::string& name) const {
    auto configs = herder_.task_configs(name);
    if (!configs.ok()) return error(configs.status());
    auto secret_keys = secrets(name);
    if (!secret_keys.ok()) return error(secret_keys.status());
    json::array array;
    for (std::size_t task = 0; task < configs->size(); ++task) {
      json::object entry;
      entry["id"] = json::object{{"connector", name}, {"task", task}};
      entry["config"] = config_json((*configs)[task], *secret_keys);
      array.push_back(std::move(entry));
    }
    return json_response(200, array);
  }

  Response offsets(const std::string& name) const {
    auto offsets = herder_.connector_offsets(name);
    if (!offsets.ok()) return error(offsets.status());
    json::array array;
    for (const runtime::PartitionOffset& entry : *offsets) {
      array.push_back(json::object{{"partition", source_map_json(entry.partition)},
                                   {"offset", source_map_json(entry.offset)}});
    }
    // Doubles as Jackson writes them (java_json.h).
    Response response = json_response(200, json::object{});
    response.body() = java_json(json::object{{"offsets", std::move(array)}});
    return response;
  }

  Response alter_offsets(const std::string& name) const {
    auto body = parse_body(request_);
    if (!body.ok()) return error(body.status());
    const json::value* list =
        body->is_object() ? body->get_object().if_contains("offsets") : nullptr;
    if (list == nullptr || !list->is_array() || list->get_array().empty()) {
      return error_response(
          400, "Partitions / offsets need to be provided for an alter offsets request");
    }
    std::vector<runtime::OffsetChange> changes;
    for (const json::value& entry : list->get_array()) {
      const json::value* partition =
          entry.is_object() ? entry.get_object().if_contains("partition") : nullptr;
      const json::value* offset =
          entry.is_object() ? entry.get_object().if_contains("offset") : nullptr;
      if (partition == nullptr) return error_response(400, "Every entry needs a partition");
      auto partition_map = source_map_from_json(*partition, "partition");
      if (!partition_map.ok()) return error(partition_map.status());
      runtime::OffsetChange change{std::move(*partition_map), std::nullopt};
      if (offset != nullptr && !offset->is_null()) {
        auto offset_map = source_map_from_json(*offset, "offset");
        if (!offset_map.ok()) return error(offset_map.status());
        change.offset = std::move(*offset_map);
      }
      changes.push_back(std::move(change));
    }
    auto altered = herder_.alter_connector_offsets(name, changes);
    if (!altered.ok()) return error(altered.status());
    return json_response(200, json::object{{"message", offsets_message(*altered, "altered")}});
  }

  Response reset_offsets(const std::string& name) const {
    auto reset = herder_.reset_connector_offsets(name);
    if (!reset.ok()) return error(reset.status());
    return json_response(200, json::object{{"message", offsets_message(*reset, "reset")}});
  }

  // Kafka's answers: plain when the connector changed its own offsets too (its alter_offsets
  // returned true), else the warning that only the framework's changed.
  static std::string offsets_message(bool connector_handled, const std::string& done) {
    if (connector_handled)
      return "The offsets for this connector have been " + done + " successfully";
    return "The Connect framework-managed offsets for this connector have been " + done +
           " successfully. However, if this connector manages offsets externally, they will need "
           "to be manually " +
           done + " in the system that the connector uses.";
  }

  // Deprecated in Kafka (KIP-970) and still served: {"<c>-<t>": config}.
  Response tasks_config(const std::string& name) const {
    auto configs = herder_.task_configs(name);
    if (!configs.ok()) return error(configs.status());
    auto secret_keys = secrets(name);
    if (!secret_keys.ok()) return error(secret_keys.status());
    json::object object;
    for (std::size_t task = 0; task < configs->size(); ++task) {
      object[runtime::to_string({name, static_cast<int>(task)})] =
          config_json((*configs)[task], *secret_keys);
    }
    return json_response(200, object);
  }

  Response task_status(const TaskId& id) const {
    auto status = herder_.task_status(id);
    if (!status.ok()) return error(status.status());
    return json_response(200, task_state_json(id.task, *status));
  }

  Response restart_task(const TaskId& id) const {
    auto info = herder_.connector_info(id.connector);
    if (!info.ok()) return error(info.status());
    if (std::ranges::find(info->tasks, id) == info->tasks.end()) {
      return error_response(404, "Unknown task: " + runtime::to_string(id));
    }
    return done(herder_.restart_task(id), 204);
  }

  // Kafka's restart: both flags false restarts the connector instance alone (204); otherwise the
  // answer is the status with every instance that restarts shown RESTARTING (202).
  Response restart(const std::string& name) const {
    const bool include_tasks = target_.flag("includeTasks", false);
    const bool only_failed = target_.flag("onlyFailed", false);
    if (!include_tasks && !only_failed) {
      return done(herder_.restart_connector(name, false, false), 204);
    }
    auto plan = herder_.connector_status(name);
    if (!plan.ok()) return error(plan.status());
    const auto restarts = [&](const StatusEntry& entry) {
      return !only_failed || entry.state == runtime::State::kFailed;
    };
    if (restarts(plan->connector)) plan->connector.state = runtime::State::kRestarting;
    if (include_tasks) {
      for (auto& [task, entry] : plan->tasks) {
        if (restarts(entry)) entry.state = runtime::State::kRestarting;
      }
    }
    if (Status restarted = herder_.restart_connector(name, include_tasks, only_failed);
        !restarted.ok()) {
      return error(restarted);
    }
    return json_response(202, status_json(*plan));
  }

  Response create() const {
    auto body = parse_body(request_);
    if (!body.ok()) return error(body.status());
    if (!body->is_object()) {
      return error_response(400, "The request body must be a JSON object with name and config");
    }
    const json::object& object = body->get_object();
    const json::value* config_value = object.if_contains("config");
    if (config_value == nullptr || config_value->is_null()) {
      return error_response(400, "The request body has no connector config");
    }
    auto config = config_from_json(*config_value);
    if (!config.ok()) return error(config.status());
    std::string name;
    if (const json::value* name_value = object.if_contains("name");
        name_value != nullptr && !name_value->is_null()) {
      if (!name_value->is_string())
        return error_response(400, "The connector name must be a string");
      name = std::string(name_value->get_string());
      // Java's String.trim: every char <= ' ' at either end.
      const auto is_space = [](char c) { return static_cast<unsigned char>(c) <= ' '; };
      while (!name.empty() && is_space(name.back())) name.pop_back();
      while (!name.empty() && is_space(name.front())) name.erase(name.begin());
      if (const auto it = config->find("name"); it != config->end() && it->second != name) {
        return error_response(400, name_mismatch(it->second, name));
      }
      (*config)["name"] = name;
    } else if (const auto it = config->find("name"); it != config->end()) {
      name = it->second;
    }
    runtime::TargetState initial = runtime::TargetState::kStarted;
    if (const json::value* state = object.if_contains("initial_state");
        state != nullptr && !state->is_null()) {
      std::string text = state->is_string() ? std::string(state->get_string()) : "";
      std::transform(text.begin(), text.end(), text.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      if (text == "RUNNING") {
        initial = runtime::TargetState::kStarted;
      } else if (text == "PAUSED") {
        initial = runtime::TargetState::kPaused;
      } else if (text == "STOPPED") {
        initial = runtime::TargetState::kStopped;
      } else {
        return error_response(400, "Invalid initial_state " + json::serialize(*state) +
                                       ": expected RUNNING, PAUSED or STOPPED");
      }
    }
    auto created = herder_.put_connector(*config, false, initial);
    if (!created.ok()) return config_error(*config, created.status());
    return created_response(created->name, 201);
  }

  Response put_config(const std::string& name) const {
    auto body = parse_body(request_);
    if (!body.ok()) return error(body.status());
    auto config = config_from_json(*body);
    if (!config.ok()) return error(config.status());
    if (const auto it = config->find("name"); it != config->end() && it->second != name) {
      return error_response(400, name_mismatch(it->second, name));
    }
    (*config)["name"] = name;
    auto existing = herder_.connector_info(name);
    if (existing.ok()) {
      // "[hidden]" sent back for a secret keeps the stored secret.
      if (auto secret_keys = secrets(name); secret_keys.ok()) {
        for (const std::string& key : *secret_keys) {
          const auto sent = config->find(key);
          const auto stored = existing->config.find(key);
          if (sent != config->end() && sent->second == kHidden &&
              stored != existing->config.end()) {
            sent->second = stored->second;
          }
        }
      }
    }
    auto put = herder_.put_connector(*config, true, runtime::TargetState::kStarted);
    if (!put.ok()) return config_error(*config, put.status());
    return created_response(name, existing.ok() ? 200 : 201);
  }

  // Kafka 3.8's PATCH (KIP-477): the stored config with the body's keys set, and those whose
  // value is null removed; 200 with the connector, 404 for an unknown one.
  Response patch_config(const std::string& name) const {
    auto body = parse_body(request_);
    if (!body.ok()) return error(body.status());
    if (!body->is_object()) {
      return error_response(400, "The connector config must be a JSON object of strings");
    }
    auto existing = herder_.connector_info(name);
    if (!existing.ok()) return error(existing.status());
    auto secret_keys = secrets(name);
    if (!secret_keys.ok()) return error(secret_keys.status());
    sdk::ConfigMap config = existing->config;
    for (const auto& [key, value] : body->get_object()) {
      const std::string name_of_key(key);
      if (value.is_null()) {
        config.erase(name_of_key);
        continue;
      }
      json::object single;
      single[key] = value;
      auto parsed = config_from_json(single);
      if (!parsed.ok()) return error(parsed.status());
      const std::string& text = parsed->at(name_of_key);
      // "[hidden]" sent back for a secret keeps the stored secret.
      if (secret_keys->contains(name_of_key) && text == kHidden) continue;
      config[name_of_key] = text;
    }
    if (const auto it = config.find("name"); it == config.end() || it->second != name) {
      return error_response(400, name_mismatch(it == config.end() ? "null" : it->second, name));
    }
    auto put = herder_.put_connector(config, true, runtime::TargetState::kStarted);
    if (!put.ok()) return config_error(config, put.status());
    return created_response(name, 200);
  }

  // A refused config: Kafka's message listing every error of the validation, one a line, when
  // the validation finds them (AbstractHerder.maybeAddConfigErrors); otherwise the herder's.
  Response config_error(const sdk::ConfigMap& config, const Status& status) const {
    if (status.kind() != Status::Kind::kInvalidArgument) return put_error(status);
    auto validation = herder_.validate_connector_config(config);
    if (!validation.ok()) return put_error(status);
    std::size_t count = 0;
    std::string lines;
    for (const auto& [key, value] : validation->configs) {
      for (const std::string& problem : value.errors) {
        ++count;
        lines += "\n" + problem;
      }
    }
    if (count == 0) return put_error(status);
    return error_response(400, "Connector configuration is invalid and contains the following " +
                                   std::to_string(count) + " error(s):" + lines +
                                   "\nYou can also find the above list of errors at the endpoint "
                                   "`/connector-plugins/{connectorType}/config/validate`");
  }

  // A config the worker refuses is a bad request, an unknown class included.
  static Response put_error(const Status& status) {
    if (status.kind() == Status::Kind::kNotFound) return error_response(400, status.message());
    return error(status);
  }

  // The connector as it is now (with its tasks), 201 with Location or 200.
  Response created_response(const std::string& name, unsigned status) const {
    auto info = herder_.connector_info(name);
    if (!info.ok()) return error(info.status());
    auto secret_keys = secrets(name);
    if (!secret_keys.ok()) return error(secret_keys.status());
    Response response = json_response(status, connector_info_json(*info, *secret_keys));
    if (status == 201) {
      const auto host = request_.find(http::field::host);
      const std::string authority =
          host != request_.end() ? std::string(host->value()) : std::string("localhost:8083");
      response.set(http::field::location,
                   "http://" + authority + "/connectors/" + percent_encode(name));
    }
    return response;
  }

  // Kafka's order: sinks, sources, transformations, predicates, converters, header converters.
  Response plugins() const {
    static const std::vector<std::string_view> kOrder = {
        "sink", "source", "transformation", "predicate", "converter", "header_converter"};
    const bool connectors_only = target_.flag("connectorsOnly", true);
    std::vector<loader::PluginListing> listings = herder_.plugins().list();
    const auto rank = [&](const loader::PluginListing& listing) {
      return std::ranges::find(kOrder, listing.type) - kOrder.begin();
    };
    std::stable_sort(listings.begin(), listings.end(),
                     [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
    json::array array;
    for (const loader::PluginListing& listing : listings) {
      if (connectors_only && listing.type != "source" && listing.type != "sink") continue;
      json::object entry;
      entry["class"] = listing.class_name;
      entry["type"] = listing.type;
      if (!listing.version.empty() && listing.version != "undefined") {
        entry["version"] = listing.version;
      }
      array.push_back(std::move(entry));
    }
    return json_response(200, array);
  }

  // Kafka 3.2's plugin config (KIP-769): a connector's own keys, then the framework's it does
  // not redefine (KAFKA-14843); a converter's, transformation's or predicate's own keys.
  Response plugin_config(const std::string& plugin) const {
    const loader::PluginRegistry& registry = herder_.plugins();
    std::optional<sdk::ConfigDef> definition;
    if (auto connector = registry.find_connector(plugin); connector.ok()) {
      const auto type =
          connector->source ? runtime::ConnectorType::kSource : runtime::ConnectorType::kSink;
      definition = connector->create()->config().merged_with(runtime::connector_config_def(type));
    } else if (auto converter = registry.find_converter(plugin); converter.ok()) {
      definition = (*converter)()->config();
    } else if (auto header = registry.find_header_converter(plugin); header.ok()) {
      definition = (*header)()->config();
    } else if (auto transform = registry.find_source_transformation(plugin); transform.ok()) {
      definition = (*transform)()->config();
    } else if (auto predicate = registry.find_source_predicate(plugin); predicate.ok()) {
      definition = (*predicate)()->config();
    } else {
      return error_response(404, "Unknown plugin " + plugin + ".");
    }
    json::array array;
    for (const sdk::ConfigKey& key : definition->keys()) {
      if (!key.internal) array.push_back(config_key_json(key));
    }
    return json_response(200, array);
  }

  // Kafka's validate: problems with values are in the answer (200), with error_count; only a
  // config that cannot be validated at all is a 400.
  Response validate(const std::string& plugin) const {
    auto body = parse_body(request_);
    if (!body.ok()) return error(body.status());
    auto config = config_from_json(*body);
    if (!config.ok()) return error(config.status());
    if (const auto it = config->find("connector.class"); it != config->end()) {
      if (!without_connector_suffix(it->second).ends_with(without_connector_suffix(plugin))) {
        return error_response(400, "Included connector type " + it->second +
                                       " does not match request type " + plugin);
      }
    }
    auto validation = herder_.validate_connector_config(*config);
    if (!validation.ok()) return put_error(validation.status());
    json::object object;
    object["name"] = validation->connector_class;
    std::size_t error_count = 0;
    json::array configs;
    for (const auto& [key, value] : validation->configs) {
      error_count += value.errors.size();
      json::object info;
      info["definition"] = key ? json::value(config_key_json(*key)) : json::value(nullptr);
      info["value"] = config_value_json(value);
      configs.push_back(std::move(info));
    }
    object["error_count"] = error_count;
    json::array groups;
    for (const std::string& group : validation->groups) groups.emplace_back(group);
    object["groups"] = std::move(groups);
    object["configs"] = std::move(configs);
    return json_response(200, object);
  }

  static json::object level_json(const LoggerLevel& level) {
    return json::object{
        {"level", level.level},
        {"last_modified", level.last_modified ? json::value(*level.last_modified) : nullptr}};
  }

  Response loggers() const {
    json::object object;
    for (const auto& [name, level] : loggers_->all()) object[name] = level_json(level);
    return json_response(200, object);
  }

  Response logger(const std::string& name) const {
    auto level = loggers_->get(name);
    if (!level.ok()) return error(level.status());
    return json_response(200, level_json(*level));
  }

  // Kafka's scope=cluster answers 204; a standalone worker is the whole cluster.
  Response set_logger(const std::string& name) const {
    auto body = parse_body(request_);
    if (!body.ok()) return error(body.status());
    const json::value* level =
        body->is_object() ? body->get_object().if_contains("level") : nullptr;
    if (level == nullptr || level->is_null()) {
      return error_response(400, "Desired 'level' parameter was not specified in request.");
    }
    const std::string text =
        level->is_string() ? std::string(level->get_string()) : json::serialize(*level);
    auto changed = loggers_->set(name, text);
    if (!changed.ok()) return error(changed.status());
    const auto scope = target_.query.find("scope");
    if (scope != target_.query.end() && scope->second == "cluster") return empty_response(204);
    json::array names;
    for (const std::string& changed_name : *changed) names.emplace_back(changed_name);
    return json_response(200, names);
  }

  runtime::Herder& herder_;
  const ServerInfo& info_;
  LoggerLevels* const loggers_;
  const Request& request_;
  const Target target_;
};

}  // namespace

Response ConnectApi::handle(const Request& request) const {
  return Call(herder_, info_, loggers_, request).route();
}

}  // namespace ferry::rest
