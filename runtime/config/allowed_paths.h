// The `allowed.paths` parameter of Kafka's FileConfigProvider and DirectoryConfigProvider
// (KIP-993, Kafka 3.5+): a comma-separated list of directories outside which a provider must not
// read. Without it, a connector config submitted over REST could read any file the worker can,
// with ${file:/etc/shadow:root}.
//
// Kafka's rules, kept: each listed directory must be absolute and exist when the provider is
// configured; a requested path is normalised lexically ("/a/b/../c" is "/a/c") and is allowed if
// it is one of the directories or lies beneath one, compared component by component (so /data2
// is not inside /data). Stricter than Kafka: the path with symlinks resolved must also lie inside
// an allowed directory (with symlinks resolved), so a link placed inside one cannot lead out.
//
// Immutable; thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ferry::runtime {

class AllowedPaths {
 public:
  // `config_value` is the parameter's text; empty allows every path, as when it is absent.
  // Entries are trimmed of spaces (Kafka does not trim, and then rejects the entry).
  static Result<AllowedPaths> parse(std::string_view config_value);

  // `untrusted` as Kafka would open it (lexically normalised) when allowed, or invalid_argument
  // naming it and the allowed directories.
  Result<std::filesystem::path> check(const std::string& untrusted) const;

  bool restricts() const { return !directories_.empty(); }

 private:
  struct Directory {
    std::filesystem::path lexical;   // as configured, normalised
    std::filesystem::path resolved;  // symlinks resolved
  };
  std::vector<Directory> directories_;
  std::string config_value_;  // for messages
};

}  // namespace ferry::runtime
