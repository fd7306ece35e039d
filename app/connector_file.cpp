#include "app/connector_file.h"

#include <fstream>
#include <sstream>
#include <string>

#include <boost/json.hpp>

#include "runtime/config/config_file.h"

namespace ferry::app {
namespace {

std::string json_kind(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return "a number";
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      return "an object";
    case boost::json::kind::string:
      break;
  }
  return "a string";
}

Result<sdk::ConfigMap> string_map(const boost::json::object& object, const std::string& where) {
  sdk::ConfigMap config;
  for (const auto& [key, value] : object) {
    if (!value.is_string()) {
      // The kind only, not the value: the key may be a password.
      return Status::invalid_argument(where + ": the value of \"" + std::string(key) +
                                      "\" must be a string, got " + json_kind(value));
    }
    config.emplace(std::string(key), std::string(value.get_string()));
  }
  return config;
}

Result<ConnectorFile> load_json(const std::filesystem::path& path) {
  const std::string where = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found(where + ": cannot open the file");
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code error;
  const boost::json::value document = boost::json::parse(text.str(), error);
  if (error) return Status::invalid_argument(where + ": not valid JSON: " + error.message());
  if (!document.is_object()) {
    return Status::invalid_argument(where + ": a connector config must be a JSON object");
  }
  const boost::json::object& object = document.get_object();
  ConnectorFile file;
  const auto* config = object.if_contains("config");
  if (config == nullptr) {  // a flat map of the connector's keys
    auto flat = string_map(object, where);
    if (!flat.ok()) return flat.status();
    file.config = std::move(*flat);
    return file;
  }
  if (!config->is_object())
    return Status::invalid_argument(where + ": \"config\" must be an object");
  auto keys = string_map(config->get_object(), where + ": config");
  if (!keys.ok()) return keys.status();
  file.config = std::move(*keys);
  if (const auto* name = object.if_contains("name")) {
    if (!name->is_string()) return Status::invalid_argument(where + ": \"name\" must be a string");
    const std::string given(name->get_string());
    const auto it = file.config.find("name");
    if (it != file.config.end() && it->second != given) {
      return Status::invalid_argument(where + ": \"name\" is " + given + " but config.name is " +
                                      it->second);
    }
    file.config["name"] = given;
  }
  if (const auto* state = object.if_contains("initial_state")) {
    const std::string text_state = state->is_string() ? std::string(state->get_string()) : "";
    if (text_state == "RUNNING") {
      file.initial_state = runtime::TargetState::kStarted;
    } else if (text_state == "PAUSED") {
      file.initial_state = runtime::TargetState::kPaused;
    } else if (text_state == "STOPPED") {
      file.initial_state = runtime::TargetState::kStopped;
    } else {
      return Status::invalid_argument(where + ": \"initial_state\" must be RUNNING, PAUSED or " +
                                      "STOPPED, got " + boost::json::serialize(*state));
    }
  }
  return file;
}

}  // namespace

Result<ConnectorFile> load_connector_file(const std::filesystem::path& path) {
  if (path.extension() == ".json") return load_json(path);
  auto loaded = runtime::load_config_file(path);
  if (!loaded.ok()) return loaded.status();
  return ConnectorFile{std::move(loaded->values)};
}

}  // namespace ferry::app
