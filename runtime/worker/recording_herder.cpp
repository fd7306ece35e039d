#include "runtime/worker/recording_herder.h"

namespace ferry::runtime {

void RecordingHerder::record(const std::string& name) {
  auto info = herder_.connector_info(name);
  auto target = herder_.target_state(name);
  if (!info.ok() || !target.ok()) return;  // deleted meanwhile
  if (Status written = store_.put(name, {info->config, *target}); !written.ok()) {
    on_store_error_(written);
  }
}

void RecordingHerder::record_target(const std::string& name) {
  if (!store_.connectors().contains(name)) return;  // from the command line, never changed
  record(name);
}

Result<ConnectorInfo> RecordingHerder::put_connector(const sdk::ConfigMap& config, bool replace,
                                                     TargetState initial) {
  std::scoped_lock lock(mutex_);
  auto info = herder_.put_connector(config, replace, initial);
  if (info.ok()) record(info->name);
  return info;
}

Status RecordingHerder::delete_connector(const std::string& name) {
  std::scoped_lock lock(mutex_);
  Status deleted = herder_.delete_connector(name);
  if (deleted.ok()) {
    if (Status written = store_.remove(name); !written.ok()) on_store_error_(written);
  }
  return deleted;
}

Status RecordingHerder::pause_connector(const std::string& name) {
  std::scoped_lock lock(mutex_);
  Status done = herder_.pause_connector(name);
  if (done.ok()) record_target(name);
  return done;
}

Status RecordingHerder::resume_connector(const std::string& name) {
  std::scoped_lock lock(mutex_);
  Status done = herder_.resume_connector(name);
  if (done.ok()) record_target(name);
  return done;
}

Status RecordingHerder::stop_connector(const std::string& name) {
  std::scoped_lock lock(mutex_);
  Status done = herder_.stop_connector(name);
  if (done.ok()) record_target(name);
  return done;
}

}  // namespace ferry::runtime
