// The flags of Ferry's Kafka-style tools, read the way Kafka's tools (jopt-simple) read them:
// "--name value" or "--name=value", flags without a value, options that may repeat (--config,
// --property). Unknown options and missing values are errors naming the option, so a typo is
// reported instead of ignored.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ferry::app {

struct OptionSpec {
  std::string name;  // without the leading "--"
  bool takes_value = false;
  std::string help;
};

class CommandLine {
 public:
  static Result<CommandLine> parse(std::span<const std::string_view> args,
                                   const std::vector<OptionSpec>& specs);

  bool has(std::string_view name) const;
  std::optional<std::string> value(std::string_view name) const;  // the last one given
  std::vector<std::string> values(std::string_view name) const;   // all, in order
  // "k=v" values of a repeatable option as a map (later ones win); error naming a bad item.
  Result<std::map<std::string, std::string>> key_values(std::string_view name) const;
  Result<std::int64_t> integer(std::string_view name, std::int64_t fallback) const;

  static std::string usage(const std::vector<OptionSpec>& specs);

 private:
  std::multimap<std::string, std::string, std::less<>> values_;
  std::vector<std::pair<std::string, std::string>> ordered_;
};

}  // namespace ferry::app
