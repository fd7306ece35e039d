// The process's own resource use, as Prometheus' client libraries export it ("process_*"), read
// from /proc/self. Values that cannot be read are left at zero.
//
// Thread-safety: a pure function of the process's state.
#pragma once

#include <cstdint>

namespace ferry::rest {

struct ProcessStats {
  double cpu_seconds = 0;  // user + system
  std::uint64_t resident_bytes = 0;
  std::uint64_t virtual_bytes = 0;
  std::uint64_t open_fds = 0;
  std::uint64_t max_fds = 0;
  std::uint64_t threads = 0;
  double start_time_seconds = 0;  // since the Unix epoch
};

ProcessStats read_process_stats();

}  // namespace ferry::rest
