#include "runtime/worker/connector_store.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include <boost/json.hpp>
#include <fcntl.h>
#include <unistd.h>

namespace ferry::runtime {
namespace {

namespace json = boost::json;

std::optional<TargetState> parse_target(std::string_view text) {
  if (text == "STARTED") return TargetState::kStarted;
  if (text == "PAUSED") return TargetState::kPaused;
  if (text == "STOPPED") return TargetState::kStopped;
  return std::nullopt;
}

Status system_error(const std::filesystem::path& file, std::string_view step) {
  return Status::retriable("cannot " + std::string(step) + " " + file.string() + ": " +
                           std::strerror(errno));
}

}  // namespace

Result<std::unique_ptr<ConnectorStore>> ConnectorStore::open(std::filesystem::path file) {
  std::map<std::string, StoredConnector> connectors;
  std::error_code exists_error;
  if (std::filesystem::exists(file, exists_error)) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Status::fatal("cannot read " + file.string() + ": " + std::strerror(errno));
    std::stringstream text;
    text << in.rdbuf();
    const auto corrupt = [&](const std::string& problem) {
      return Status::corruption(file.string() + ": " + problem);
    };
    json::error_code error;
    const json::value root = json::parse(text.str(), error);
    if (error) return corrupt(error.message());
    const json::object* object = root.if_object();
    const json::value* list = object ? object->if_contains("connectors") : nullptr;
    if (list == nullptr || !list->is_object()) return corrupt("no \"connectors\" object");
    for (const auto& [name, entry] : list->get_object()) {
      const std::string where = "connector " + std::string(name);
      const json::object* fields = entry.if_object();
      const json::value* config = fields ? fields->if_contains("config") : nullptr;
      const json::value* target = fields ? fields->if_contains("target_state") : nullptr;
      if (config == nullptr || !config->is_object() || target == nullptr || !target->is_string()) {
        return corrupt(where + ": expected {\"config\":{...},\"target_state\":\"...\"}");
      }
      StoredConnector stored;
      const auto state = parse_target(target->get_string());
      if (!state) return corrupt(where + ": unknown target_state " + json::serialize(*target));
      stored.target = *state;
      for (const auto& [key, value] : config->get_object()) {
        if (!value.is_string())
          return corrupt(where + ": the value of " + std::string(key) + " is not a string");
        stored.config[std::string(key)] = std::string(value.get_string());
      }
      connectors[std::string(name)] = std::move(stored);
    }
  }
  return std::unique_ptr<ConnectorStore>(
      new ConnectorStore(std::move(file), std::move(connectors)));
}

std::map<std::string, StoredConnector> ConnectorStore::connectors() const {
  std::scoped_lock lock(mutex_);
  return connectors_;
}

Status ConnectorStore::put(const std::string& name, StoredConnector connector) {
  std::scoped_lock lock(mutex_);
  connectors_[name] = std::move(connector);
  return write_locked();
}

Status ConnectorStore::remove(const std::string& name) {
  std::scoped_lock lock(mutex_);
  if (connectors_.erase(name) == 0) return Status::ok_status();
  return write_locked();
}

Status ConnectorStore::write_locked() const {
  json::object list;
  for (const auto& [name, connector] : connectors_) {
    json::object config;
    for (const auto& [key, value] : connector.config) config[key] = value;
    list[name] = json::object{{"config", std::move(config)},
                              {"target_state", target_state_name(connector.target)}};
  }
  const std::string text = json::serialize(json::object{{"connectors", std::move(list)}}) + "\n";
  std::filesystem::path temporary = file_;
  temporary += ".ferry-tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return system_error(temporary, "create");
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status failed = system_error(temporary, "write");
      ::close(fd);
      ::unlink(temporary.c_str());
      return failed;
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status failed = system_error(temporary, "fsync");
    ::close(fd);
    ::unlink(temporary.c_str());
    return failed;
  }
  ::close(fd);
  if (::rename(temporary.c_str(), file_.c_str()) != 0) {
    Status failed = system_error(file_, "rename a new version over");
    ::unlink(temporary.c_str());
    return failed;
  }
  const std::filesystem::path directory =
      file_.has_parent_path() ? file_.parent_path() : std::filesystem::path(".");
  if (const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Status::ok_status();
}

}  // namespace ferry::runtime
