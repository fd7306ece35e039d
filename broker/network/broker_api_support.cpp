#include "broker/network/broker_api_support.h"

#include <charconv>
#include <cstdio>
#include <string>

namespace ferry::broker {

std::string BrokerApiSupport::debug_setting(std::string_view user_debug) {
  if (user_debug.empty()) return "feature";
  return std::string(user_debug) + ",feature";
}

void BrokerApiSupport::install(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_log_cb(conf, &BrokerApiSupport::on_log);
}

void BrokerApiSupport::on_log(const rd_kafka_t* handle, int level, const char* facility,
                              const char* line) {
  auto* self = static_cast<BrokerApiSupport*>(rd_kafka_opaque(handle));
  if (self != nullptr) self->observe(level, facility, line);
  // librdkafka's default logger prints these; the debug lines asked for here are not wanted.
  if (level <= 6)
    std::fprintf(stderr, "%%%d|%s|%s| %s\n", level, facility, rd_kafka_name(handle), line);
}

void BrokerApiSupport::observe(int /*level*/, std::string_view facility, std::string_view line) {
  if (facility != "APIVERSION") return;
  // "...  ApiKey <Name> (<key>) Versions <min>..<max>"
  const std::size_t at = line.find("ApiKey ");
  if (at == std::string_view::npos) return;
  const std::size_t open = line.find('(', at);
  if (open == std::string_view::npos) return;
  std::int16_t key = 0;
  const auto [end, error] = std::from_chars(line.data() + open + 1, line.data() + line.size(), key);
  if (error != std::errc() || end == line.data() + line.size() || *end != ')') return;
  std::lock_guard lock(mutex_);
  keys_.insert(key);
}

bool BrokerApiSupport::known() const {
  std::lock_guard lock(mutex_);
  return !keys_.empty();
}

bool BrokerApiSupport::supports(std::int16_t api_key) const {
  std::lock_guard lock(mutex_);
  return keys_.contains(api_key);
}

}  // namespace ferry::broker
