// Where the file connectors' tasks report what a user should know about (a missing input file, a
// truncated or replaced file, a discarded partial line). The SDK has no logger yet, so the default
// writes one line to standard error; tests pass their own sink to check what was reported.
//
// Thread-safety: log_to_stderr may be called from any thread (one write(2) per line, so lines
// from concurrent tasks do not interleave).
#pragma once

#include <functional>
#include <string_view>

namespace ferry::connectors::file {

// Receives one message, without a trailing newline.
using LogSink = std::function<void(std::string_view message)>;

// Writes "<message>\n" to standard error in one write.
void log_to_stderr(std::string_view message);

}  // namespace ferry::connectors::file
