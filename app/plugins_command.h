// ferry plugins: the components this worker can run, as GET /connector-plugins?connectorsOnly=false
// lists them, plus the aliases each answers to: the converters built into Ferry, and the plugins
// found on a plugin.path.
//
//   ferry plugins [--plugin-path PATH[,PATH...]] [WORKER_CONFIG]
//
// --plugin-path takes plugin.path's syntax (paths separated by commas) and may repeat;
// WORKER_CONFIG is a worker file (.properties, or .yaml) whose plugin.path is used. Given both,
// the file's entries come first. Neither: the built-in converters alone.
//
// Standard output: a header, then one line per class and Kafka type (TYPE, CLASS, VERSION,
// ALIASES), grouped by type in Kafka's order. Standard error: one line per library the loader
// refused and per class ignored as provided twice, "ferry plugins: <file>: <reason>". The exit
// code is 0 even then, as a worker runs on with the plugins that loaded; 1 when the worker file
// cannot be read; 2 for a bad command line.
#pragma once

#include <ostream>
#include <span>
#include <string_view>

namespace ferry::app {

int run_plugins_command(std::span<const std::string_view> args, std::ostream& out,
                        std::ostream& err);

}  // namespace ferry::app
