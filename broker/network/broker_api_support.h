// Which Kafka APIs the brokers a librdkafka client talks to serve, as librdkafka learns them from
// ApiVersions: librdkafka 2.0's public API does not tell, but its "feature" debug log lists each
// broker's APIs ("  ApiKey OffsetDelete (47) Versions 0..0"). This object is the client's log
// callback: it records those lines and passes every other line at info level or above to stderr,
// as librdkafka's own logger would.
//
// Needed because librdkafka 2.0 aborts the process when an Admin request meets a broker without
// that API (an assertion in rd_kafka_enq_once_del_source_return; librdkafka issue 3663).
//
// Thread-safety: every member may be called from any thread (librdkafka logs from its own).
#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <string_view>

#include <librdkafka/rdkafka.h>

namespace ferry::broker {

class BrokerApiSupport {
 public:
  // The setting that makes librdkafka log ApiVersions: "feature" added to debug.
  static std::string debug_setting(std::string_view user_debug);

  // Installs the log callback on conf, with this object as the client's opaque; it must outlive
  // the client made from conf.
  void install(rd_kafka_conf_t* conf);

  void observe(int level, std::string_view facility, std::string_view line);
  bool known() const;  // some broker's ApiVersions was seen
  bool supports(std::int16_t api_key) const;

 private:
  static void on_log(const rd_kafka_t* handle, int level, const char* facility, const char* line);

  mutable std::mutex mutex_;
  std::set<std::int16_t> keys_;  // guarded by mutex_
};

}  // namespace ferry::broker
