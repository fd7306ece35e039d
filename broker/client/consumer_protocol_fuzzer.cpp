// Hostile bytes through decode_subscription, decode_assignment and decode_sticky_user_data: no
// crash, no sanitizer report, no read outside the input, no allocation beyond a small multiple
// of the input. Whatever decodes must encode again (at the highest version, which keeps every
// field) and decode to the same value; encoding is canonical, so the second encoding must equal
// the first.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "broker/client/consumer_protocol.h"
#include "broker/client/sticky_assignor.h"

namespace {

using ferry::broker::kConsumerProtocolHighestVersion;

void check_subscription(std::span<const std::uint8_t> input) {
  auto decoded = ferry::broker::decode_subscription(input);
  if (!decoded.ok()) return;
  auto encoded = ferry::broker::encode_subscription(*decoded, kConsumerProtocolHighestVersion);
  if (!encoded.ok()) std::abort();
  auto again = ferry::broker::decode_subscription(*encoded);
  if (!again.ok()) std::abort();
  auto encoded_again = ferry::broker::encode_subscription(*again, kConsumerProtocolHighestVersion);
  if (!encoded_again.ok() || *encoded_again != *encoded) std::abort();
  // Sorting on encode reorders topics and owned partitions; the multisets are unchanged.
  if (again->topics.size() != decoded->topics.size() ||
      again->owned_partitions.size() != decoded->owned_partitions.size() ||
      again->user_data != decoded->user_data || again->rack_id != decoded->rack_id) {
    std::abort();
  }
}

void check_assignment(std::span<const std::uint8_t> input) {
  auto decoded = ferry::broker::decode_assignment(input);
  if (!decoded.ok()) return;
  auto encoded = ferry::broker::encode_assignment(*decoded, kConsumerProtocolHighestVersion);
  if (!encoded.ok()) std::abort();
  auto again = ferry::broker::decode_assignment(*encoded);
  if (!again.ok() || again->user_data != decoded->user_data ||
      again->partitions.size() != decoded->partitions.size()) {
    std::abort();
  }
  auto encoded_again = ferry::broker::encode_assignment(*again, kConsumerProtocolHighestVersion);
  if (!encoded_again.ok() || *encoded_again != *encoded) std::abort();
}

void check_sticky_user_data(std::span<const std::uint8_t> input) {
  auto decoded = ferry::broker::decode_sticky_user_data(input);
  if (!decoded.ok()) return;
  auto encoded =
      ferry::broker::encode_sticky_user_data(decoded->partitions, decoded->generation.value_or(-1));
  if (!encoded.ok()) std::abort();
  auto again = ferry::broker::decode_sticky_user_data(*encoded);
  if (!again.ok()) std::abort();
  // Encoding groups partitions by topic, so only the order may change: every topic keeps its
  // own partitions, even topics whose names Java would decode to the same text.
  std::vector<ferry::broker::TopicPartition> before = decoded->partitions;
  std::vector<ferry::broker::TopicPartition> after = again->partitions;
  std::sort(before.begin(), before.end());
  std::sort(after.begin(), after.end());
  if (before != after) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  check_subscription(input);
  check_assignment(input);
  check_sticky_user_data(input);
  return 0;
}
