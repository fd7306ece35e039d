#include "connectors/file/log_sink.h"

#include <string>

#include <unistd.h>

namespace ferry::connectors::file {

void log_to_stderr(std::string_view message) {
  std::string line;
  line.reserve(message.size() + 1);
  line.append(message);
  line.push_back('\n');
  // Best effort: a log line that cannot be written is not worth failing a task for.
  [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace ferry::connectors::file
