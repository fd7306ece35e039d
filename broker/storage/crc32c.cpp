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

// The crc32 instruction has a latency of three cycles but can start one every cycle, so a single
// chain of crc32q uses a third of what the CPU can do. The hardware path therefore runs three
// independent chains over three adjacent blocks of equal length and joins them: for the raw CRC
// register (no pre- or post-inversion),
//   crc(A || B, start) = crc(A, start) * x^(8 |B|) mod P  xor  crc(B, 0),
// the identity behind zlib's crc32_combine. Multiplying by the constant x^(8 |B|) is linear, so
// it is four lookups in tables made for that constant (kShiftTables). Two block lengths keep the
// joins rare on long inputs while still interleaving inputs of a few hundred bytes; whatever is
// left after the blocks goes through one chain.
constexpr std::size_t kLongStride = 2048;  // bytes per chain in a long block (6 KiB in all)
constexpr std::size_t kShortStride = 256;  // bytes per chain in a short block (768 bytes)

// a(x) * b(x) mod P in the reflected representation (bit 31 is x^0), as zlib's multmodp.
constexpr std::uint32_t multiply_modulo_p(std::uint32_t a, std::uint32_t b) {
  std::uint32_t product = 0;
  for (std::uint32_t bit = 1u << 31; bit != 0; bit >>= 1) {
    if ((a & bit) != 0) product ^= b;
    b = (b & 1) != 0 ? (b >> 1) ^ kReflectedPolynomial : b >> 1;
  }
  return product;
}

// x^(8 n) mod P: what appending n zero bytes multiplies a raw CRC register by.
constexpr std::uint32_t x_to_the_8n(std::uint64_t n) {
  std::uint32_t result = 1u << 31;                                      // x^0
  std::uint32_t power = 1u << 30;                                       // x^1
  for (int i = 0; i < 3; ++i) power = multiply_modulo_p(power, power);  // x^8
  for (; n != 0; n >>= 1) {
    if ((n & 1) != 0) result = multiply_modulo_p(power, result);
    power = multiply_modulo_p(power, power);
  }
  return result;
}

// table[k][b] = (b << 8k) * x^(8 stride) mod P, so that shifting a register over `stride` zero
// bytes is the xor of four lookups, one per byte of the register.
using ShiftTable = std::array<std::array<std::uint32_t, 256>, 4>;

constexpr ShiftTable make_shift_table(std::size_t stride) {
  ShiftTable table{};
  const std::uint32_t factor = x_to_the_8n(stride);
  for (std::size_t k = 0; k < 4; ++k) {
    for (std::uint32_t byte = 0; byte < 256; ++byte) {
      table[k][byte] = multiply_modulo_p(factor, byte << (8 * k));
    }
  }
  return table;
}

constexpr ShiftTable kLongShift = make_shift_table(kLongStride);
constexpr ShiftTable kShortShift = make_shift_table(kShortStride);

inline std::uint32_t shift(const ShiftTable& table, std::uint32_t crc) {
  return table[0][crc & 0xff] ^ table[1][(crc >> 8) & 0xff] ^ table[2][(crc >> 16) & 0xff] ^
         table[3][crc >> 24];
}

__attribute__((target("sse4.2"))) inline std::uint64_t load64(const std::uint8_t* p) {
  std::uint64_t word;
  std::memcpy(&word, p, sizeof(word));
  return word;
}

// Runs the three chains over the blocks of 3 * stride bytes at p; returns the joined register.
template <std::size_t kStride>
__attribute__((target("sse4.2"))) inline std::uint32_t three_way(const std::uint8_t*& p,
                                                                 std::size_t& n,
                                                                 std::uint32_t state,
                                                                 const ShiftTable& table) {
  while (n >= 3 * kStride) {
    std::uint64_t crc0 = state;
    std::uint64_t crc1 = 0;
    std::uint64_t crc2 = 0;
    for (std::size_t i = 0; i < kStride; i += 8) {
      crc0 = _mm_crc32_u64(crc0, load64(p + i));
      crc1 = _mm_crc32_u64(crc1, load64(p + kStride + i));
      crc2 = _mm_crc32_u64(crc2, load64(p + 2 * kStride + i));
    }
    state = shift(table, static_cast<std::uint32_t>(crc0)) ^ static_cast<std::uint32_t>(crc1);
    state = shift(table, state) ^ static_cast<std::uint32_t>(crc2);
    p += 3 * kStride;
    n -= 3 * kStride;
  }
  return state;
}

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
  state = three_way<kLongStride>(p, n, state, kLongShift);
  state = three_way<kShortStride>(p, n, state, kShortShift);
  std::uint64_t wide = state;
  while (n >= 8) {
    wide = _mm_crc32_u64(wide, load64(p));
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
