// An arbitrary-precision decimal number: the value of Kafka Connect's Decimal logical type.
//
// Stored the way Kafka Connect puts it on the wire, so conversion is a copy: the unscaled value as
// the minimal big-endian two's-complement byte string (what Java's BigInteger.toByteArray()
// returns) and a 32-bit scale, value = unscaled * 10^-scale. Equality follows Java's
// BigDecimal.equals: 2.0 and 2.00 differ, because their scales differ.
//
// A value type; thread-safe as any const object.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::sdk {

class Decimal {
 public:
  // Zero with scale 0.
  Decimal();

  // From the wire form. An empty byte string is read as zero; redundant sign bytes are removed so
  // equal numbers compare equal.
  static Decimal from_unscaled_bytes(std::vector<std::uint8_t> unscaled, std::int32_t scale);
  static Decimal from_unscaled(std::int64_t unscaled, std::int32_t scale);

  // The most zeros with_scale() appends and to_plain_string() writes beyond the unscaled digits.
  // Any int32 scale is valid, so "1E+2147483647" is a 13-character number whose plain form has two
  // billion digits; past this bound both throw DataException rather than allocate them.
  static constexpr std::int64_t kMaxPaddingDigits = 100'000;

  // Parses decimal text as Java's BigDecimal(String) does: optional sign, digits with an optional
  // '.', optional exponent ("1.5E+3", "-0.001", "12.30"). The scale is the number of digits after
  // the point minus the exponent. Throws DataException on anything else, and, as BigDecimal does,
  // when the exponent or the resulting scale does not fit in 32 bits ("1E-2147483649"); a huge
  // scale that fits ("1E+2147483647") is stored as is, costing nothing until it is rescaled.
  // Time is quadratic in the number of digits, but with a small constant (19 digits per pass over
  // the magnitude): tens of thousands of digits take milliseconds. Callers reading untrusted text
  // should still bound its length.
  static Decimal parse(std::string_view text);

  const std::vector<std::uint8_t>& unscaled_bytes() const { return unscaled_; }
  std::int32_t scale() const { return scale_; }
  bool is_negative() const { return !unscaled_.empty() && (unscaled_.front() & 0x80) != 0; }

  // The same number with another scale. Scaling up is exact; scaling down throws DataException
  // unless the dropped digits are zero (Java's setScale without rounding). Zero takes any scale.
  // Scaling a non-zero value up by more than kMaxPaddingDigits throws DataException instead of
  // materialising the digits.
  Decimal with_scale(std::int32_t new_scale) const;

  // Java's BigDecimal.toString(): plain notation ("12.30", "-0.001") unless the scale is negative
  // or the number is smaller than 1E-6, then scientific ("1E+3", "1.5E-7"). Never pads more than
  // six zeros, so it is safe for any scale.
  std::string to_string() const;
  // Always plain notation, never an exponent (BigDecimal.toPlainString()). Throws DataException
  // when that needs more than kMaxPaddingDigits zeros the unscaled value does not hold
  // ("1E+2000000000", "0E-2000000000"); to_string() writes those compactly.
  std::string to_plain_string() const;

  // The unscaled value's decimal digits with a leading '-' if negative. Like parse(), printing
  // is quadratic in the number of digits (nine per pass): 200,000 digits take most of a second.
  std::string unscaled_to_string() const;

  friend bool operator==(const Decimal&, const Decimal&) = default;

 private:
  Decimal(std::vector<std::uint8_t> unscaled, std::int32_t scale);

  std::vector<std::uint8_t> unscaled_;  // minimal two's complement, big-endian, never empty
  std::int32_t scale_ = 0;
};

}  // namespace ferry::sdk
