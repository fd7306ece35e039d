// Hostile request frames (the bytes after the size prefix) through decode_request: no crash, no
// sanitizer report, no read outside the input, no allocation beyond a small multiple of the
// input. Whatever decodes must encode again and decode to the same encoding (the first
// encoding may differ from the input: booleans are normalised, unknown tagged fields dropped).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "broker/protocol/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ferry::broker::protocol;
  const std::span<const std::uint8_t> frame(data, size);
  auto request = decode_request(frame);
  if (!request.ok()) return 0;
  const auto& header = request->header;
  const std::vector<std::uint8_t> encoded = encode_request(
      *request->api, header.api_version, header.correlation_id, header.client_id, request->body);
  auto again = decode_request(std::span(encoded).subspan(4));
  if (!again.ok()) std::abort();
  const std::vector<std::uint8_t> encoded_again = encode_request(
      *again->api, header.api_version, header.correlation_id, header.client_id, again->body);
  if (encoded_again != encoded) std::abort();
  return 0;
}
