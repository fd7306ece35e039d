// ferry: the composition root. Parses the command line, builds the components a command needs in
// dependency order, hands each its collaborators, and tears them down in reverse.
//
//   ferry version                 version and commit of this build
//
// Exit codes: 0 success, 1 the command failed, 2 the command line was wrong.
#include <cstdio>
#include <iostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "app/build_info.h"

namespace ferry::app {
namespace {

constexpr std::string_view kUsage =
    "usage: ferry <command> [options]\n"
    "\n"
    "commands:\n"
    "  version              print the version and commit of this build\n"
    "  help                 print this text\n";

int print_version() {
  std::cout << "ferry " << kVersion << " (commit " << kCommit << ")\n";
  return 0;
}

int run(std::span<const std::string_view> args) {
  if (args.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string_view command = args.front();
  if (command == "version" || command == "--version" || command == "-v") return print_version();
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return 0;
  }
  std::cerr << "ferry: unknown command '" << command << "'\n" << kUsage;
  return 2;
}

}  // namespace
}  // namespace ferry::app

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  try {
    return ferry::app::run(args);
  } catch (const std::exception& e) {
    std::cerr << "ferry: " << e.what() << '\n';
    return 1;
  }
}
