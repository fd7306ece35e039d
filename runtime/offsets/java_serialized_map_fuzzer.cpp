// libFuzzer target: arbitrary bytes into read_java_serialized_map. An error Status is the expected
// answer to bad input; a crash, a leak, a sanitizer report or an oversized allocation is a bug.
// Whatever reads is written back and read again and must come back equal (the writer's output is
// always readable), and an error must be one of the two kinds the reader documents.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "runtime/offsets/java_serialized_map.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using ferry::Status;
  const auto read = ferry::runtime::read_java_serialized_map(std::span(data, size));
  if (!read.ok()) {
    const Status::Kind kind = read.status().kind();
    if (kind != Status::Kind::kCorruption && kind != Status::Kind::kOutOfRange) std::abort();
    if (read.status().message().rfind("byte ", 0) != 0) std::abort();
    return 0;
  }
  const auto written = ferry::runtime::write_java_serialized_map(*read);
  if (!written.ok()) std::abort();
  const auto again = ferry::runtime::read_java_serialized_map(*written);
  if (!again.ok() || *again != *read) std::abort();
  return 0;
}
