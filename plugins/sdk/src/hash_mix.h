// Private to the SDK: one way to combine hashes, so equal values hash equally everywhere.
#pragma once

#include <cstddef>
#include <functional>

namespace ferry::sdk::detail {

inline void hash_mix(std::size_t& seed, std::size_t value) {
  // The 64-bit variant of boost::hash_combine's mixing step.
  seed ^= value + 0x9e3779b97f4a7c15ULL + (seed << 12) + (seed >> 4);
}

template <typename T>
void hash_mix_std(std::size_t& seed, const T& value) {
  hash_mix(seed, std::hash<T>{}(value));
}

}  // namespace ferry::sdk::detail
