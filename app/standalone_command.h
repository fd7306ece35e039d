// `ferry standalone WORKER_CONFIG CONNECTOR_CONFIG...` (also run as connect-standalone and
// connect-standalone.sh): one process with the embedded broker, the plugins of plugin.path and a
// worker running every connector given, until SIGINT or SIGTERM stops it cleanly.
#pragma once

#include <ostream>
#include <span>
#include <string_view>

namespace ferry::app {

// Exit codes: 0 after a clean stop, 1 when the worker cannot start (a bad config, a connector that
// cannot be created, the data directory in use), 2 for a bad command line.
int run_standalone_command(std::span<const std::string_view> args, std::ostream& out,
                           std::ostream& err);

}  // namespace ferry::app
