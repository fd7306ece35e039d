#include "broker/storage/murmur2.h"

#include <cassert>
#include <cstddef>

namespace ferry::broker {

std::int32_t murmur2(std::span<const std::uint8_t> key) {
  constexpr std::uint32_t kSeed = 0x9747b28c;
  constexpr std::uint32_t kMultiplier = 0x5bd1e995;
  constexpr unsigned kShift = 24;

  const std::size_t length = key.size();
  // Java hashes an int length; keys are far below 2^31 bytes, so the truncation never bites.
  std::uint32_t hash = kSeed ^ static_cast<std::uint32_t>(length);
  const std::size_t blocks = length / 4;
  for (std::size_t i = 0; i < blocks; ++i) {
    const std::uint8_t* block = key.data() + 4 * i;
    std::uint32_t k = std::uint32_t{block[0]} | (std::uint32_t{block[1]} << 8) |
                      (std::uint32_t{block[2]} << 16) | (std::uint32_t{block[3]} << 24);
    k *= kMultiplier;
    k ^= k >> kShift;
    k *= kMultiplier;
    hash *= kMultiplier;
    hash ^= k;
  }
  const std::uint8_t* tail = key.data() + 4 * blocks;
  switch (length % 4) {
    case 3:
      hash ^= std::uint32_t{tail[2]} << 16;
      [[fallthrough]];
    case 2:
      hash ^= std::uint32_t{tail[1]} << 8;
      [[fallthrough]];
    case 1:
      hash ^= std::uint32_t{tail[0]};
      hash *= kMultiplier;
  }
  hash ^= hash >> 13;
  hash *= kMultiplier;
  hash ^= hash >> 15;
  return static_cast<std::int32_t>(hash);
}

std::int32_t partition_for_key(std::span<const std::uint8_t> key, std::int32_t num_partitions) {
  assert(num_partitions > 0);
  const auto positive =
      static_cast<std::int32_t>(static_cast<std::uint32_t>(murmur2(key)) & 0x7fffffffu);
  return positive % num_partitions;
}

}  // namespace ferry::broker
