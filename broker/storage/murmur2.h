// Kafka's default partitioner for keyed records: murmur2 (Kafka's Utils.murmur2, seed
// 0x9747b28c) of the serialized key bytes, sign bit masked off, modulo the partition count
// (reference/connect.md 12.4). Records must land in the partition the Java producer would pick,
// or per-key ordering breaks for anyone mixing Ferry and Java producers on one topic. Keyless
// records do not go through here: the Java producer spreads them (sticky partitioning).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>

namespace ferry::broker {

// The hash as Java computes it (32-bit wrap-around, unsigned shifts), as a signed int like Java's.
std::int32_t murmur2(std::span<const std::uint8_t> key);

// (murmur2(key) & 0x7fffffff) % num_partitions; Kafka masks rather than takes Math.abs, so
// keys hashing to INT32_MIN do not go negative. num_partitions must be positive.
std::int32_t partition_for_key(std::span<const std::uint8_t> key, std::int32_t num_partitions);

}  // namespace ferry::broker
