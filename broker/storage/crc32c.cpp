#include "broker/storage/crc32c.h"

#include <array>
#include <cstddef>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace ferry::broker {
namespace {

constexpr std::uint32_t kReflectedPolynomial = 0x82F63B78;

// kTables[0] is the classic byte-at-a-time table; kTables[k][b] is the CRC of byte b followed by
// k zero bytes, which lets the portable loop fold eight input bytes with eight independent
// lookups instead of a serial chain of eight.
using SlicingTables = std::array<std::array<std::uint32_t, 256>, 8>;

constexpr SlicingTables make_tables() {
  SlicingTables tables{};
  for (std::uint32_t byte = 0; byte < 256; ++byte) {
    std::uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc >> 1) ^ ((crc & 1) != 0 ? kReflectedPolynomial : 0);
    tables[0][byte] = crc;
  }
  for (std::size_t k = 1; k < tables.size(); ++k) {
    for (std::size_t byte = 0; byte < 256; ++byte) {
      const std::uint32_t previous = tables[k - 1][byte];
      tables[k][byte] = (previous >> 8) ^ tables[0][previous & 0xff];
    }
  }
  return tables;
}

constexpr SlicingTables kTables = make_tables();

std::uint32_t load_le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
         (std::uint32_t{p[3]} << 24);
}

using Crc32cFunction = std::uint32_t (*)(std::span<const std::uint8_t>, std::uint32_t);

Crc32cFunction select_implementation() {
  return crc32c_hardware_available() ? &crc32c_hardware : &crc32c_portable;
}

}  // namespace

std::uint32_t crc32c_portable(std::span<const std::uint8_t> bytes, std::uint32_t crc) {
  const std::uint8_t* p = bytes.data();
  std::size_t n = bytes.size();
  std::uint32_t state = ~crc;
  while (n >= 8) {
    const std::uint32_t low = load_le32(p) ^ state;
    const std::uint32_t high = load_le32(p + 4);
    state = kTables[7][low & 0xff] ^ kTables[6][(low >> 8) & 0xff] ^
            kTables[5][(low >> 16) & 0xff] ^ kTables[4][low >> 24] ^ kTables[3][high & 0xff] ^
            kTables[2][(high >> 8) & 0xff] ^ kTables[1][(high >> 16) & 0xff] ^
            kTables[0][high >> 24];
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    state = kTables[0][(state ^ *p) & 0xff] ^ (state >> 8);
    ++p;
    --n;
  }
  return ~state;
}

#if defined(__x86_64__)

bool crc32c_hardware_available() { return __builtin_cpu_supports("sse4.2"); }

__attribute__((target("sse4.2"))) std::uint32_t crc32c_hardware(std::span<const std::uint8_t> bytes,
                                                                std::uint32_t crc) {
  const std::uint8_t* p = bytes.data();
  std::size_t n = bytes.size();
  std::uint32_t state = ~crc;
  // Byte steps up to an 8-byte boundary keep the 8-byte loads from straddling cache lines.
  while (n > 0 && (reinterpret_cast<std::uintptr_t>(p) & 7) != 0) {
    state = _mm_crc32_u8(state, *p);
    ++p;
    --n;
  }
  std::uint64_t wide = state;
  while (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, sizeof(word));
    wide = _mm_crc32_u64(wide, word);
    p += 8;
    n -= 8;
  }
  state = static_cast<std::uint32_t>(wide);
  while (n > 0) {
    state = _mm_crc32_u8(state, *p);
    ++p;
    --n;
  }
  return ~state;
}

#else

bool crc32c_hardware_available() { return false; }

std::uint32_t crc32c_hardware(std::span<const std::uint8_t> bytes, std::uint32_t crc) {
  return crc32c_portable(bytes, crc);
}

#endif

std::uint32_t crc32c(std::span<const std::uint8_t> bytes, std::uint32_t crc) {
  static const Crc32cFunction implementation = select_implementation();
  return implementation(bytes, crc);
}

}  // namespace ferry::broker
