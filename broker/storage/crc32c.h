// CRC-32C (Castagnoli), the checksum of Kafka's record batch v2: it covers a batch from its
// attributes field to its end (reference/connect.md 12.3). Polynomial 0x1EDC6F41 (reflected
// 0x82F63B78), initial value and final xor 0xFFFFFFFF, so crc32c("123456789") == 0xE3069283.
// The value is stored as is; unlike LevelDB, Kafka does not mask it.
//
// crc32c() uses the SSE4.2 crc32 instruction when the CPU has it (checked once, at the first
// call), running three independent chains over adjacent blocks and joining them (crc32c.cpp says
// how), and a slicing-by-8 table otherwise; both give identical results. The crc argument makes
// it incremental: crc32c(b, crc32c(a)) == crc32c(a followed by b).
//
// Thread-safety: pure functions; the one-time CPU check is a thread-safe static.
#pragma once

#include <cstdint>
#include <span>

namespace ferry::broker {

std::uint32_t crc32c(std::span<const std::uint8_t> bytes, std::uint32_t crc = 0);

// The two implementations behind crc32c(), exposed so that tests and benchmarks can compare them.
std::uint32_t crc32c_portable(std::span<const std::uint8_t> bytes, std::uint32_t crc = 0);
bool crc32c_hardware_available();
// Only call when crc32c_hardware_available(); otherwise it executes an illegal instruction.
std::uint32_t crc32c_hardware(std::span<const std::uint8_t> bytes, std::uint32_t crc = 0);

}  // namespace ferry::broker
