// Arbitrary bytes into the YAML config loader: it must return a value or an error, never crash,
// hang, or let a yaml-cpp exception escape (libFuzzer reports an escaped exception as a crash).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "runtime/config/yaml_config_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto result = ferry::runtime::parse_yaml_config(
      std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
  if (result.ok()) {
    if (result->values.size() != result->line_of_key.size()) __builtin_trap();
    for (const auto& [key, line] : result->line_of_key) {
      if (key.empty() || line < 1 || !result->values.contains(key)) __builtin_trap();
    }
  } else if (result.status().message().rfind("fuzz.yaml", 0) != 0) {
    __builtin_trap();  // every error names the source
  }
  return 0;
}
