#include "broker/storage/crc32c.h"

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace ferry::broker {
namespace {

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

TEST(Crc32c, CheckValueOf123456789) {
  EXPECT_EQ(crc32c(bytes_of("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32c_portable(bytes_of("123456789")), 0xE3069283u);
}

TEST(Crc32c, EmptyInputLeavesTheCrcUnchanged) {
  EXPECT_EQ(crc32c({}), 0u);
  EXPECT_EQ(crc32c({}, 0xE3069283u), 0xE3069283u);
}

// RFC 3720 (iSCSI) appendix B.4 vectors.
TEST(Crc32c, MatchesIscsiVectors) {
  std::vector<std::uint8_t> zeros(32, 0x00);
  std::vector<std::uint8_t> ones(32, 0xff);
  std::vector<std::uint8_t> ascending(32);
  std::vector<std::uint8_t> descending(32);
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<std::uint8_t>(i);
    descending[i] = static_cast<std::uint8_t>(31 - i);
  }
  EXPECT_EQ(crc32c(zeros), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones), 0x62A8AB43u);
  EXPECT_EQ(crc32c(ascending), 0x46DD794Eu);
  EXPECT_EQ(crc32c(descending), 0x113FDB5Cu);
}

TEST(Crc32c, IncrementalEqualsOneShot) {
  const std::string_view text = "The quick brown fox jumps over the lazy dog, twice over.";
  const std::uint32_t whole = crc32c(bytes_of(text));
  for (std::size_t split = 0; split <= text.size(); ++split) {
    const std::uint32_t first = crc32c(bytes_of(text.substr(0, split)));
    EXPECT_EQ(crc32c(bytes_of(text.substr(split)), first), whole) << "split at " << split;
  }
}

TEST(Crc32c, HardwareAndPortableAgreeOnEveryLengthAndAlignment) {
  if (!crc32c_hardware_available()) GTEST_SKIP() << "CPU has no SSE4.2";
  std::mt19937 random(20240601);
  std::vector<std::uint8_t> data(4096 + 16);
  for (auto& byte : data) byte = static_cast<std::uint8_t>(random());
  for (std::size_t alignment = 0; alignment < 16; ++alignment) {
    for (std::size_t length = 0; length <= 300; ++length) {
      const auto slice = std::span<const std::uint8_t>(data).subspan(alignment, length);
      const std::uint32_t seed = static_cast<std::uint32_t>(random());
      ASSERT_EQ(crc32c_hardware(slice, seed), crc32c_portable(slice, seed))
          << "alignment " << alignment << " length " << length;
    }
  }
  for (std::size_t length : {1023u, 1024u, 1025u, 4095u, 4096u}) {
    const auto slice = std::span<const std::uint8_t>(data).subspan(3, length);
    EXPECT_EQ(crc32c_hardware(slice), crc32c_portable(slice)) << "length " << length;
  }
}

// The hardware path joins three chains over blocks of 3 x 2048 and 3 x 256 bytes; lengths around
// every block boundary, and long inputs made of many blocks, must still match the table.
TEST(Crc32c, HardwareAndPortableAgreeAcrossTheInterleavedBlockSizes) {
  if (!crc32c_hardware_available()) GTEST_SKIP() << "CPU has no SSE4.2";
  std::mt19937 random(20261125);
  std::vector<std::uint8_t> data(200'000 + 16);
  for (auto& byte : data) byte = static_cast<std::uint8_t>(random());
  std::vector<std::size_t> lengths;
  for (const std::size_t block : {768u, 6144u}) {
    for (std::size_t multiple = 1; multiple <= 4; ++multiple) {
      for (std::size_t delta = 0; delta <= 17; ++delta) {
        lengths.push_back(block * multiple + delta);
        lengths.push_back(block * multiple - delta);
      }
    }
  }
  for (std::size_t length = 301; length < 20'000; length += 97) lengths.push_back(length);
  for (const std::size_t length : {16'260u, 65'000u, 100'003u, 200'000u}) lengths.push_back(length);
  for (const std::size_t length : lengths) {
    for (const std::size_t alignment : {0u, 1u, 5u, 8u}) {
      const auto slice = std::span<const std::uint8_t>(data).subspan(alignment, length);
      const std::uint32_t seed = static_cast<std::uint32_t>(random());
      ASSERT_EQ(crc32c_hardware(slice, seed), crc32c_portable(slice, seed))
          << "alignment " << alignment << " length " << length;
      ASSERT_EQ(crc32c(slice, seed), crc32c_portable(slice, seed))
          << "alignment " << alignment << " length " << length;
    }
  }
  // Zeros and ones stress the joins differently from random bytes.
  for (const std::uint8_t fill : {std::uint8_t{0x00}, std::uint8_t{0xff}}) {
    const std::vector<std::uint8_t> same(50'000, fill);
    EXPECT_EQ(crc32c_hardware(same), crc32c_portable(same)) << "fill " << int{fill};
  }
}

TEST(Crc32c, IncrementalEqualsOneShotOverLongInputs) {
  std::mt19937 random(7);
  std::vector<std::uint8_t> data(40'000);
  for (auto& byte : data) byte = static_cast<std::uint8_t>(random());
  const std::uint32_t whole = crc32c(data);
  for (const std::size_t split : {1u, 767u, 768u, 6143u, 6144u, 6145u, 20'000u, 39'999u}) {
    const auto bytes = std::span<const std::uint8_t>(data);
    EXPECT_EQ(crc32c(bytes.subspan(split), crc32c(bytes.first(split))), whole) << split;
  }
}

}  // namespace
}  // namespace ferry::broker
