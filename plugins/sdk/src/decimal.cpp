#include "ferry/sdk/decimal.h"

#include <algorithm>
#include <charconv>
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
    std::uint32_t chunk = divide(limbs, 1'000'000'000);
    for (int i = 0; i < 9; ++i) {
      reversed.push_back(static_cast<char>('0' + chunk % 10));
      chunk /= 10;
      if (limbs.empty() && chunk == 0) break;
    }
  }
  while (reversed.size() > 1 && reversed.back() == '0') reversed.pop_back();
  return {reversed.rbegin(), reversed.rend()};
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
  Limbs limbs;
  std::int64_t fraction_digits = 0;
  std::size_t digits = 0;
  bool seen_point = false;
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (c >= '0' && c <= '9') {
      multiply_add(limbs, 10, static_cast<std::uint32_t>(c - '0'));
      ++digits;
      if (seen_point) ++fraction_digits;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (digits == 0) bad_number(text, "no digits");
  std::int64_t exponent = 0;
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    ++pos;
    std::string_view rest = text.substr(pos);
    if (!rest.empty() && rest.front() == '+') rest.remove_prefix(1);
    if (rest.empty()) bad_number(text, "empty exponent");
    const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), exponent);
    if (error != std::errc() || end != rest.data() + rest.size()) {
      bad_number(text, "malformed exponent");
    }
    pos = text.size();
  }
  if (pos != text.size()) bad_number(text, "unexpected character");
  const std::int64_t scale = fraction_digits - exponent;
  if (scale > std::numeric_limits<std::int32_t>::max() ||
      scale < std::numeric_limits<std::int32_t>::min()) {
    bad_number(text, "scale out of range");
  }
  trim(limbs);
  return Decimal(from_magnitude(negative, limbs), static_cast<std::int32_t>(scale));
}

Decimal Decimal::with_scale(std::int32_t new_scale) const {
  if (new_scale == scale_) return *this;
  auto [negative, limbs] = to_magnitude(unscaled_);
  if (new_scale > scale_) {
    for (std::int64_t i = scale_; i < new_scale; ++i) multiply_add(limbs, 10, 0);
  } else {
    for (std::int64_t i = new_scale; i < scale_; ++i) {
      if (divide(limbs, 10) != 0) {
        throw DataException("Decimal " + to_string() + " cannot be rescaled to scale " +
                            std::to_string(new_scale) + " without rounding");
      }
    }
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
