// Arbitrary bytes into the .properties parser: it must return a value or an error, never crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "runtime/config/properties_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto result = ferry::runtime::parse_properties(
      std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.properties");
  if (result.ok()) {
    for (const auto& [key, value] : result->values) {
      if (!result->line_of_key.contains(key)) __builtin_trap();
    }
  }
  return 0;
}
