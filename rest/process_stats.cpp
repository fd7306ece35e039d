#include "rest/process_stats.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

namespace ferry::rest {
namespace {

// The system's boot time, seconds since the epoch (/proc/stat's btime).
double boot_time_seconds() {
  std::ifstream stat("/proc/stat");
  std::string line;
  while (std::getline(stat, line)) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return 0;
}

}  // namespace

ProcessStats read_process_stats() {
  ProcessStats stats;
  std::ifstream stat_file("/proc/self/stat");
  std::string stat;
  std::getline(stat_file, stat);
  // Fields after the command, which is in parentheses and may itself hold spaces.
  const std::size_t command_end = stat.rfind(')');
  if (command_end != std::string::npos) {
    std::istringstream rest(stat.substr(command_end + 2));
    std::vector<std::string> fields;
    for (std::string field; rest >> field;) fields.push_back(field);
    // proc(5) numbers the fields from 1 with the state as field 3: index = number - 3.
    const auto field = [&](std::size_t number) -> std::uint64_t {
      return number - 3 < fields.size() ? std::stoull(fields[number - 3]) : 0;
    };
    const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    stats.cpu_seconds = static_cast<double>(field(14) + field(15)) / ticks;
    stats.threads = field(20);
    stats.start_time_seconds = boot_time_seconds() + static_cast<double>(field(22)) / ticks;
    stats.virtual_bytes = field(23);
    stats.resident_bytes = field(24) * page;
  }
  std::error_code error;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    ++stats.open_fds;
  }
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) stats.max_fds = limit.rlim_cur;
  return stats;
}

}  // namespace ferry::rest
