// The worker's `listeners` entries (Kafka's WorkerConfig LISTENERS_CONFIG), parsed:
// "http://host:port" or "https://host:port", where an empty host means every interface
// ("http://:8083", the default) and port 0 asks the system for a free port (tests). IPv6 hosts are
// written in brackets ("http://[::1]:8083"). An https listener takes its TLS settings from
// rest_config.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ferry::rest {

struct Listener {
  std::string text;  // as configured, for messages
  bool https = false;
  std::string host;  // empty: every interface
  std::uint16_t port = 0;

  friend bool operator==(const Listener&, const Listener&) = default;
};

// invalid_argument naming the entry and the problem.
Result<Listener> parse_listener(std::string_view text);
Result<std::vector<Listener>> parse_listeners(const std::vector<std::string>& texts);

}  // namespace ferry::rest
