// Hostile header bytes through the simple header converter's reader (and what it reads back
// through the writer): no crash, no sanitizer report, no unbounded recursion or time.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ferry/sdk/errors.h"
#include "runtime/converters/simple_header_converter.h"
#include "runtime/converters/values_text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ferry::runtime::SimpleHeaderConverter converter;
  const ferry::sdk::SchemaAndValue read =
      converter.to_connect_header("topic", "header", ferry::sdk::ByteView(data, size));
  // Whatever was read must write back without throwing.
  (void)converter.from_connect_header("topic", "header", read.schema, read.value);
  return 0;
}
