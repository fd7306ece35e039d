#include "app/tools/command_line.h"

#include <charconv>

namespace ferry::app {

Result<CommandLine> CommandLine::parse(std::span<const std::string_view> args,
                                       const std::vector<OptionSpec>& specs) {
  CommandLine line;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (!arg.starts_with("--")) {
      return Status::invalid_argument("unexpected argument '" + std::string(arg) +
                                      "' (options start with --)");
    }
    arg.remove_prefix(2);
    std::optional<std::string> inline_value;
    if (const std::size_t equals = arg.find('='); equals != std::string_view::npos) {
      inline_value = std::string(arg.substr(equals + 1));
      arg = arg.substr(0, equals);
    }
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& candidate : specs) {
      if (candidate.name == arg) spec = &candidate;
    }
    if (spec == nullptr) {
      return Status::invalid_argument(std::string(arg) + " is not a recognized option");
    }
    std::string value;
    if (spec->takes_value) {
      if (inline_value) {
        value = *inline_value;
      } else if (i + 1 < args.size()) {
        value = std::string(args[++i]);
      } else {
        return Status::invalid_argument("Option " + spec->name + " requires an argument");
      }
    } else if (inline_value) {
      return Status::invalid_argument("Option " + spec->name + " does not take an argument");
    }
    line.values_.emplace(spec->name, value);
    line.ordered_.emplace_back(spec->name, value);
  }
  return line;
}

bool CommandLine::has(std::string_view name) const { return values_.contains(name); }

std::optional<std::string> CommandLine::value(std::string_view name) const {
  std::optional<std::string> last;
  for (const auto& [key, value] : ordered_) {
    if (key == name) last = value;
  }
  return last;
}

std::vector<std::string> CommandLine::values(std::string_view name) const {
  std::vector<std::string> all;
  for (const auto& [key, value] : ordered_) {
    if (key == name) all.push_back(value);
  }
  return all;
}

Result<std::map<std::string, std::string>> CommandLine::key_values(std::string_view name) const {
  std::map<std::string, std::string> result;
  for (const std::string& item : values(name)) {
    const std::size_t equals = item.find('=');
    if (equals == std::string::npos || equals == 0) {
      return Status::invalid_argument("--" + std::string(name) + " " + item +
                                      ": expected key=value");
    }
    result[item.substr(0, equals)] = item.substr(equals + 1);
  }
  return result;
}

Result<std::int64_t> CommandLine::integer(std::string_view name, std::int64_t fallback) const {
  const auto text = value(name);
  if (!text) return fallback;
  std::int64_t number = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), number);
  if (error != std::errc() || end != text->data() + text->size()) {
    return Status::invalid_argument("--" + std::string(name) + " " + *text + ": not an integer");
  }
  return number;
}

std::string CommandLine::usage(const std::vector<OptionSpec>& specs) {
  std::string text =
      "Option                                   Description\n"
      "------                                   -----------\n";
  for (const OptionSpec& spec : specs) {
    std::string left = "--" + spec.name + (spec.takes_value ? " <value>" : "");
    if (left.size() < 41) left.resize(41, ' ');
    text += left + spec.help + "\n";
  }
  return text;
}

}  // namespace ferry::app
