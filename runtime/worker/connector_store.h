// Connectors created or changed through the REST API of a standalone worker, kept across
// restarts (Kafka's standalone mode forgets them; Ferry keeps them). The file is
// <directory of offset.storage.file.filename>/ferry-connectors.json:
//   {"connectors":{"<name>":{"config":{<flat config, as given>},"target_state":"STARTED"}}}
// with target_state STARTED, PAUSED or STOPPED. Configs are stored as given (config-provider
// references unresolved, secrets as sent), so the file is created with mode 0600.
//
// Every change rewrites the whole file atomically: a temporary file in the same directory,
// fsync, rename over the old one, fsync of the directory; after a crash the file holds the old
// map or the new one.
//
// Thread-safety: every member may be called from any thread; one mutex serializes them.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"
#include "ferry/sdk/config_def.h"
#include "runtime/worker/worker_task.h"

namespace ferry::runtime {

struct StoredConnector {
  sdk::ConfigMap config;
  TargetState target = TargetState::kStarted;
  friend bool operator==(const StoredConnector&, const StoredConnector&) = default;
};

class ConnectorStore {
 public:
  static constexpr std::string_view kFileName = "ferry-connectors.json";

  // A missing file is an empty store; a file that does not parse is corruption naming it (a
  // worker that started empty instead would silently drop the user's connectors).
  static Result<std::unique_ptr<ConnectorStore>> open(std::filesystem::path file);
  ConnectorStore(const ConnectorStore&) = delete;  // one writer per file
  ConnectorStore& operator=(const ConnectorStore&) = delete;

  const std::filesystem::path& file() const { return file_; }
  std::map<std::string, StoredConnector> connectors() const;
  // Sets or forgets one connector and rewrites the file. Errors: retriable with the file name
  // and the system's reason; the change is kept in memory and written with the next one.
  [[nodiscard]] Status put(const std::string& name, StoredConnector connector);
  [[nodiscard]] Status remove(const std::string& name);

 private:
  ConnectorStore(std::filesystem::path file, std::map<std::string, StoredConnector> connectors)
      : file_(std::move(file)), connectors_(std::move(connectors)) {}
  Status write_locked() const;

  const std::filesystem::path file_;
  mutable std::mutex mutex_;
  std::map<std::string, StoredConnector> connectors_;  // guarded by mutex_
};

}  // namespace ferry::runtime
