#include "ferry/sdk/decimal.h"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "ferry/sdk/errors.h"

namespace ferry::sdk {
namespace {

// Magnitudes are little-endian base-2^32 limbs with no high zero limbs; zero is empty.
using Limbs = std::vector<std::uint32_t>;

void trim(Limbs& limbs) {
  while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
}

// limbs = limbs * factor + addend
void multiply_add(Limbs& limbs, std::uint32_t factor, std::uint32_t addend) {
  std::uint64_t carry = addend;
  for (auto& limb : limbs) {
    const std::uint64_t product = static_cast<std::uint64_t>(limb) * factor + carry;
    limb = static_cast<std::uint32_t>(product);
    carry = product >> 32;
  }
  if (carry != 0) limbs.push_back(static_cast<std::uint32_t>(carry));
}

constexpr std::uint32_t kPow10[10] = {
    1, 10, 100, 1'000, 10'000, 100'000, 1'000'000, 10'000'000, 100'000'000, 1'000'000'000,
};

// limbs = limbs * 10^count, nine digits per pass.
void multiply_pow10(Limbs& limbs, std::int64_t count) {
  if (limbs.empty()) return;
  for (; count >= 9; count -= 9) multiply_add(limbs, kPow10[9], 0);
  if (count > 0) multiply_add(limbs, kPow10[count], 0);
}

// limbs = limbs / divisor; returns the remainder.
std::uint32_t divide(Limbs& limbs, std::uint32_t divisor) {
  std::uint64_t remainder = 0;
  for (auto it = limbs.rbegin(); it != limbs.rend(); ++it) {
    const std::uint64_t current = (remainder << 32) | *it;
    *it = static_cast<std::uint32_t>(current / divisor);
    remainder = current % divisor;
  }
  trim(limbs);
  return static_cast<std::uint32_t>(remainder);
}

// Java's BigInteger.toByteArray shape: as few bytes as keep the sign bit right.
std::vector<std::uint8_t> minimal(std::vector<std::uint8_t> bytes) {
  if (bytes.empty()) return {0};
  std::size_t start = 0;
  while (start + 1 < bytes.size()) {
    const bool redundant_zero = bytes[start] == 0x00 && (bytes[start + 1] & 0x80) == 0;
    const bool redundant_ones = bytes[start] == 0xFF && (bytes[start + 1] & 0x80) != 0;
    if (!redundant_zero && !redundant_ones) break;
    ++start;
  }
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(start));
  return bytes;
}

// limbs = limbs / 10^count if that is exact; false (limbs then unspecified) if it is not. A
// non-zero value fails within a pass of having fewer digits than count, so a huge count is cheap.
bool divide_pow10_exactly(Limbs& limbs, std::int64_t count) {
  while (count > 0 && !limbs.empty()) {
    const std::int64_t step = std::min<std::int64_t>(count, 9);
    if (divide(limbs, kPow10[step]) != 0) return false;
    count -= step;
  }
  return true;
}

std::pair<bool, Limbs> to_magnitude(const std::vector<std::uint8_t>& twos) {
  const bool negative = !twos.empty() && (twos.front() & 0x80) != 0;
  std::vector<std::uint8_t> bytes = twos;
  if (negative) {
    // Negate: invert and add one.
    for (auto& b : bytes) b = static_cast<std::uint8_t>(~b);
    for (auto it = bytes.rbegin(); it != bytes.rend(); ++it) {
      if (++*it != 0) break;
    }
  }
  Limbs limbs((bytes.size() + 3) / 4, 0);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const std::size_t from_end = bytes.size() - 1 - i;
    limbs[from_end / 4] |= static_cast<std::uint32_t>(bytes[i]) << (8 * (from_end % 4));
  }
  trim(limbs);
  return {negative, std::move(limbs)};
}

std::vector<std::uint8_t> from_magnitude(bool negative, const Limbs& limbs) {
  std::vector<std::uint8_t> bytes(limbs.size() * 4 + 1, 0);  // one extra byte for the sign
  for (std::size_t i = 0; i < limbs.size(); ++i) {
    for (std::size_t b = 0; b < 4; ++b) {
      bytes[bytes.size() - 1 - (i * 4 + b)] = static_cast<std::uint8_t>(limbs[i] >> (8 * b));
    }
  }
  if (negative && !limbs.empty()) {
    for (auto& b : bytes) b = static_cast<std::uint8_t>(~b);
    for (auto it = bytes.rbegin(); it != bytes.rend(); ++it) {
      if (++*it != 0) break;
    }
  }
  return minimal(std::move(bytes));
}

std::string magnitude_digits(Limbs limbs) {
  if (limbs.empty()) return "0";
  std::string reversed;
  while (!limbs.empty()) {
    std::uint32_t chunk = divide(limbs, kPow10[9]);
    for (int i = 0; i < 9; ++i) {
      reversed.push_back(static_cast<char>('0' + chunk % 10));
      chunk /= 10;
      if (limbs.empty() && chunk == 0) break;
    }
  }
  while (reversed.size() > 1 && reversed.back() == '0') reversed.pop_back();
  return {reversed.rbegin(), reversed.rend()};
}

// Parsing gathers digits into 64-bit limbs, 19 digits (the most a uint64 holds) per
// multiply-add pass over the magnitude: a pass per digit made long numbers ~30 times slower.
__extension__ using Uint128 = unsigned __int128;
using WideLimbs = std::vector<std::uint64_t>;  // little-endian base 2^64
constexpr int kWideChunkDigits = 19;

constexpr std::uint64_t pow10_64(int exponent) {
  std::uint64_t result = 1;
  for (int i = 0; i < exponent; ++i) result *= 10;
  return result;
}

void multiply_add(WideLimbs& limbs, std::uint64_t factor, std::uint64_t addend) {
  std::uint64_t carry = addend;
  for (auto& limb : limbs) {
    const Uint128 product = static_cast<Uint128>(limb) * factor + carry;
    limb = static_cast<std::uint64_t>(product);
    carry = static_cast<std::uint64_t>(product >> 64);
  }
  if (carry != 0) limbs.push_back(carry);
}

Limbs narrow(const WideLimbs& wide) {
  Limbs limbs;
  limbs.reserve(wide.size() * 2);
  for (const std::uint64_t limb : wide) {
    limbs.push_back(static_cast<std::uint32_t>(limb));
    limbs.push_back(static_cast<std::uint32_t>(limb >> 32));
  }
  trim(limbs);
  return limbs;
}

[[noreturn]] void bad_number(std::string_view text, std::string_view why) {
  throw DataException("Invalid decimal number \"" + std::string(text.substr(0, 64)) +
                      "\": " + std::string(why));
}

}  // namespace

Decimal::Decimal() : unscaled_{0}, scale_(0) {}

Decimal::Decimal(std::vector<std::uint8_t> unscaled, std::int32_t scale)
    : unscaled_(minimal(std::move(unscaled))), scale_(scale) {}

Decimal Decimal::from_unscaled_bytes(std::vector<std::uint8_t> unscaled, std::int32_t scale) {
  return Decimal(std::move(unscaled), scale);
}

Decimal Decimal::from_unscaled(std::int64_t unscaled, std::int32_t scale) {
  std::vector<std::uint8_t> bytes(8);
  const auto bits = static_cast<std::uint64_t>(unscaled);
  for (int i = 0; i < 8; ++i) bytes[7 - i] = static_cast<std::uint8_t>(bits >> (8 * i));
  return Decimal(std::move(bytes), scale);
}

Decimal Decimal::parse(std::string_view text) {
  std::size_t pos = 0;
  bool negative = false;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    negative = text[pos] == '-';
    ++pos;
  }
  WideLimbs limbs;
  std::uint64_t chunk = 0;
  int chunk_digits = 0;
  std::int64_t fraction_digits = 0;
  std::size_t digits = 0;
  bool seen_point = false;
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (c >= '0' && c <= '9') {
      chunk = chunk * 10 + static_cast<std::uint64_t>(c - '0');
      if (++chunk_digits == kWideChunkDigits) {
        multiply_add(limbs, pow10_64(kWideChunkDigits), chunk);
        chunk = 0;
        chunk_digits = 0;
      }
      ++digits;
      if (seen_point) ++fraction_digits;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (digits == 0) bad_number(text, "no digits");
  if (chunk_digits > 0) multiply_add(limbs, pow10_64(chunk_digits), chunk);

  std::int64_t exponent = 0;
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    ++pos;
    bool exponent_negative = false;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      exponent_negative = text[pos] == '-';
      ++pos;
    }
    if (pos == text.size()) bad_number(text, "empty exponent");
    // Saturating just past the int32 range is enough to reject it, whatever the number of digits.
    constexpr std::int64_t kSaturated = std::int64_t{1} << 32;
    for (; pos < text.size(); ++pos) {
      const char c = text[pos];
      if (c < '0' || c > '9') bad_number(text, "malformed exponent");
      exponent = std::min(exponent * 10 + (c - '0'), kSaturated);
    }
    if (exponent_negative) exponent = -exponent;
    if (exponent > std::numeric_limits<std::int32_t>::max() ||
        exponent < std::numeric_limits<std::int32_t>::min()) {
      bad_number(text, "exponent out of range: it must fit in 32 bits");
    }
  }
  if (pos != text.size()) bad_number(text, "unexpected character");
  const std::int64_t scale = fraction_digits - exponent;
  if (scale > std::numeric_limits<std::int32_t>::max() ||
      scale < std::numeric_limits<std::int32_t>::min()) {
    bad_number(text, "scale " + std::to_string(scale) +
                         " out of range: digits after the point minus the exponent must fit in "
                         "32 bits");
  }
  return Decimal(from_magnitude(negative, narrow(limbs)), static_cast<std::int32_t>(scale));
}

Decimal Decimal::with_scale(std::int32_t new_scale) const {
  if (new_scale == scale_) return *this;
  auto [negative, limbs] = to_magnitude(unscaled_);
  // Zero has no digits to add or drop, so it takes any scale at no cost.
  if (limbs.empty()) return Decimal(std::vector<std::uint8_t>{0}, new_scale);
  const std::int64_t difference = static_cast<std::int64_t>(new_scale) - scale_;
  if (difference > kMaxPaddingDigits) {
    throw DataException("Decimal " + to_string() + " cannot be rescaled to scale " +
                        std::to_string(new_scale) + ": that appends " + std::to_string(difference) +
                        " digits, more than the limit of " + std::to_string(kMaxPaddingDigits));
  }
  if (difference > 0) {
    multiply_pow10(limbs, difference);
  } else if (!divide_pow10_exactly(limbs, -difference)) {
    throw DataException("Decimal " + to_string() + " cannot be rescaled to scale " +
                        std::to_string(new_scale) + " without rounding");
  }
  return Decimal(from_magnitude(negative, limbs), new_scale);
}

std::string Decimal::unscaled_to_string() const {
  auto [negative, limbs] = to_magnitude(unscaled_);
  std::string digits = magnitude_digits(std::move(limbs));
  return negative ? "-" + digits : digits;
}

std::string Decimal::to_plain_string() const {
  auto [negative, limbs] = to_magnitude(unscaled_);
  std::string digits = magnitude_digits(std::move(limbs));
  // Zeros written beyond the unscaled digits: trailing for a negative scale, leading when the
  // number is below one. Bounded, since the scale alone could ask for two billion.
  const std::int64_t padding =
      scale_ <= 0 ? (digits == "0" ? 0 : -static_cast<std::int64_t>(scale_))
                  : static_cast<std::int64_t>(scale_) - static_cast<std::int64_t>(digits.size());
  if (padding > kMaxPaddingDigits) {
    throw DataException("Decimal " + to_string() + " has no plain form: it needs " +
                        std::to_string(padding) + " zeros, more than the limit of " +
                        std::to_string(kMaxPaddingDigits));
  }
  std::string out = negative ? "-" : "";
  if (scale_ <= 0) {
    out += digits;
    if (digits != "0")
      out.append(static_cast<std::size_t>(-static_cast<std::int64_t>(scale_)), '0');
    return out;
  }
  const auto scale = static_cast<std::size_t>(scale_);
  if (digits.size() <= scale) {
    out += "0.";
    out.append(scale - digits.size(), '0');
    out += digits;
  } else {
    out += digits.substr(0, digits.size() - scale);
    out += '.';
    out += digits.substr(digits.size() - scale);
  }
  return out;
}

std::string Decimal::to_string() const {
  auto [negative, limbs] = to_magnitude(unscaled_);
  const std::string digits = magnitude_digits(std::move(limbs));
  const std::int64_t adjusted =
      -static_cast<std::int64_t>(scale_) + static_cast<std::int64_t>(digits.size()) - 1;
  if (scale_ >= 0 && adjusted >= -6) return to_plain_string();
  // Scientific notation as BigDecimal.toString(): d.dddE±n.
  std::string out = negative ? "-" : "";
  out += digits.front();
  if (digits.size() > 1) {
    out += '.';
    out.append(digits, 1, std::string::npos);
  }
  out += 'E';
  out += adjusted >= 0 ? "+" : "";
  out += std::to_string(adjusted);
  return out;
}

}  // namespace ferry::sdk
