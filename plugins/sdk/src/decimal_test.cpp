#include "ferry/sdk/decimal.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "ferry/sdk/errors.h"
#include "test_budget.h"

namespace ferry::sdk {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(Decimal, UnscaledBytesAreJavaBigIntegerToByteArray) {
  EXPECT_EQ(Decimal::parse("12.34").unscaled_bytes(), (Bytes{0x04, 0xD2}));
  EXPECT_EQ(Decimal::parse("-0.01").unscaled_bytes(), (Bytes{0xFF}));
  EXPECT_EQ(Decimal::parse("0").unscaled_bytes(), (Bytes{0x00}));
  EXPECT_EQ(Decimal::parse("1.28").unscaled_bytes(), (Bytes{0x00, 0x80}));
  EXPECT_EQ(Decimal::parse("-1.28").unscaled_bytes(), (Bytes{0x80}));
  EXPECT_EQ(Decimal::parse("-1.29").unscaled_bytes(), (Bytes{0xFF, 0x7F}));
  EXPECT_EQ(Decimal::from_unscaled(-1, 0).unscaled_bytes(), (Bytes{0xFF}));
  EXPECT_EQ(Decimal::from_unscaled(255, 0).unscaled_bytes(), (Bytes{0x00, 0xFF}));
}

TEST(Decimal, ScaleComesFromFractionDigitsAndExponent) {
  EXPECT_EQ(Decimal::parse("12.30").scale(), 2);
  EXPECT_EQ(Decimal::parse("1.5E+3").scale(), -2);
  EXPECT_EQ(Decimal::parse("1.5e-3").scale(), 4);
  EXPECT_EQ(Decimal::parse("-7").scale(), 0);
}

TEST(Decimal, RedundantSignBytesAreRemovedSoEqualNumbersCompareEqual) {
  EXPECT_EQ(Decimal::from_unscaled_bytes({0x00, 0x00, 0x04, 0xD2}, 2), Decimal::parse("12.34"));
  EXPECT_EQ(Decimal::from_unscaled_bytes({0xFF, 0xFF, 0xFF}, 2), Decimal::parse("-0.01"));
  EXPECT_EQ(Decimal::from_unscaled_bytes({}, 0), Decimal());
}

TEST(Decimal, EqualityIncludesScaleAsJavaBigDecimalEquals) {
  EXPECT_NE(Decimal::parse("2.0"), Decimal::parse("2.00"));
  EXPECT_EQ(Decimal::parse("2.0").with_scale(2), Decimal::parse("2.00"));
}

TEST(Decimal, ToStringFollowsBigDecimalToString) {
  EXPECT_EQ(Decimal::parse("12.30").to_string(), "12.30");
  EXPECT_EQ(Decimal::parse("-0.001").to_string(), "-0.001");
  EXPECT_EQ(Decimal::from_unscaled(1, -3).to_string(), "1E+3");
  EXPECT_EQ(Decimal::from_unscaled(15, -2).to_string(), "1.5E+3");
  EXPECT_EQ(Decimal::from_unscaled(15, 8).to_string(), "1.5E-7");
  EXPECT_EQ(Decimal::from_unscaled(1, 6).to_string(), "0.000001");
  EXPECT_EQ(Decimal::from_unscaled(1, 7).to_string(), "1E-7");
  EXPECT_EQ(Decimal::from_unscaled(0, 2).to_string(), "0.00");
  EXPECT_EQ(Decimal::from_unscaled(1, -3).to_plain_string(), "1000");
}

TEST(Decimal, ArbitraryPrecisionSurvivesRoundTrip) {
  const std::string big = "-123456789012345678901234567890123456789.0123456789";
  const Decimal value = Decimal::parse(big);
  EXPECT_EQ(value.to_string(), big);
  EXPECT_EQ(value.scale(), 10);
  EXPECT_TRUE(value.is_negative());
  EXPECT_EQ(Decimal::from_unscaled_bytes(value.unscaled_bytes(), value.scale()), value);
}

TEST(Decimal, RescalingDownRefusesToDropDigits) {
  EXPECT_EQ(Decimal::parse("1.500").with_scale(1), Decimal::parse("1.5"));
  EXPECT_THROW(Decimal::parse("1.55").with_scale(1), DataException);
}

TEST(Decimal, MalformedTextIsDataException) {
  for (const char* text :
       {"", "-", "1.2.3", "abc", "1e", "1e+", "1e-", "1ex", "1 ", "1e+-5", "1e--5", "1e5.0"}) {
    EXPECT_THROW(Decimal::parse(text), DataException) << text;
  }
}

// The digits of 1, 2, 3, ... run together, long enough to span many 19-digit parse chunks and to
// end in a partial one.
std::string counting_digits(std::size_t count) {
  std::string digits;
  for (int i = 1; digits.size() < count; ++i) digits += std::to_string(i);
  digits.resize(count);
  return digits;
}

TEST(Decimal, LongTextParsesExactlyAcrossChunkBoundaries) {
  EXPECT_EQ(Decimal::parse("1234567890123456789"), Decimal::from_unscaled(1234567890123456789, 0));
  EXPECT_EQ(Decimal::parse("-123456789012345678.9"),
            Decimal::from_unscaled(-1234567890123456789, 1));
  EXPECT_EQ(Decimal::parse("9223372036854775807"),
            Decimal::from_unscaled(std::numeric_limits<std::int64_t>::max(), 0));
  EXPECT_EQ(Decimal::parse("-9223372036854775808"),
            Decimal::from_unscaled(std::numeric_limits<std::int64_t>::min(), 0));
  EXPECT_EQ(Decimal::parse("18446744073709551616").unscaled_bytes(),
            (Bytes{0x01, 0, 0, 0, 0, 0, 0, 0, 0}));  // 2^64: carries into a second 64-bit limb
  for (std::size_t length : {18u, 19u, 20u, 37u, 38u, 39u, 1000u, 5003u}) {
    const std::string digits = counting_digits(length);
    EXPECT_EQ(Decimal::parse(digits).unscaled_to_string(), digits) << length;
    const std::string negative =
        "-" + digits.substr(0, length / 2) + "." + digits.substr(length / 2);
    const Decimal value = Decimal::parse(negative);
    EXPECT_EQ(value.to_plain_string(), negative) << length;
    EXPECT_EQ(value.scale(), static_cast<std::int32_t>(length - length / 2)) << length;
  }
}

// Parsing used to multiply the whole magnitude by ten once per digit: 200,000 digits took a second
// (eight under sanitizers). Now it gathers 19 digits per pass.
TEST(Decimal, ParsingLongTextIsNotAPassPerDigit) {
  const std::string digits = counting_digits(200'000);
  const auto start = std::chrono::steady_clock::now();
  const Decimal value = Decimal::parse(digits);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  // 1.234...E+199999 has 664,383 bits: 83,048 bytes, the sign bit included.
  EXPECT_EQ(value.unscaled_bytes().size(), 83'048u);
  EXPECT_LT(elapsed, test::budget(std::chrono::milliseconds(300)));
  // The exact value, checked without the (slower) conversion back to text.
  EXPECT_EQ(Decimal::parse("1" + std::string(100'000, '0')),
            Decimal::from_unscaled(1, -100'000).with_scale(0));
}

TEST(Decimal, ExponentAndScaleMustFitInThirtyTwoBitsAsInBigDecimal) {
  // Extreme but valid: the scale fits, and nothing is materialised.
  EXPECT_EQ(Decimal::parse("1e2147483647").scale(), -2147483647);
  EXPECT_EQ(Decimal::parse("1e2147483647").to_string(), "1E+2147483647");
  EXPECT_EQ(Decimal::parse("1E-999999999").scale(), 999999999);
  EXPECT_EQ(Decimal::parse("1E-999999999").to_string(), "1E-999999999");
  EXPECT_EQ(Decimal::parse("-1.5e-2147483646").scale(), 2147483647);
  EXPECT_EQ(Decimal::parse("1e000000000000000000000000005").scale(), -5);
  EXPECT_EQ(Decimal::parse("10.0e-2147483646").scale(), 2147483647);
  for (const char* text : {"1e2147483648", "1e-2147483649", "1e99999999999999999999999",
                           "1e-9223372036854775808", "1e-2147483648", "0.1e-2147483647"}) {
    try {
      Decimal::parse(text);
      ADD_FAILURE() << text << " parsed";
    } catch (const DataException& e) {
      EXPECT_NE(std::string(e.what()).find("out of range"), std::string::npos) << e.what();
    }
  }
}

// Rescaling used to multiply or divide by ten once per step of scale: 1E+2147483647 at scale 0
// would need two billion digits, and even zero looped two billion times.
TEST(Decimal, RescalingRefusesToMaterialiseHugeNumbers) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Decimal::parse("0E-999999999").with_scale(0), Decimal());
  EXPECT_EQ(Decimal().with_scale(2147483647).scale(), 2147483647);
  EXPECT_EQ(Decimal().with_scale(-2147483647 - 1).to_string(), "0E+2147483648");
  EXPECT_THROW(Decimal::parse("1E-999999999").with_scale(0), DataException);
  EXPECT_THROW(Decimal::parse("1E-999999999").with_scale(-2147483647 - 1), DataException);
  try {
    Decimal::parse("1e2147483647").with_scale(0);
    ADD_FAILURE() << "rescaled";
  } catch (const DataException& e) {
    EXPECT_NE(std::string(e.what()).find("more than the limit of 100000"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(Decimal::from_unscaled(-7, 0).with_scale(Decimal::kMaxPaddingDigits + 1),
               DataException);
  EXPECT_LT(std::chrono::steady_clock::now() - start, test::budget(std::chrono::milliseconds(100)));

  // Up to the limit it materialises the digits; rescaling is exact both ways.
  const Decimal seven = Decimal::from_unscaled(-7, 3);
  EXPECT_EQ(seven.with_scale(3 + Decimal::kMaxPaddingDigits).scale(), 100'003);
  EXPECT_EQ(seven.with_scale(1'003).with_scale(3), seven);
  EXPECT_EQ(seven.with_scale(1'003).to_string(), "-0.007" + std::string(1'000, '0'));
  EXPECT_THROW(seven.with_scale(1'003).with_scale(2), DataException);
}

TEST(Decimal, PlainStringRefusesHugePaddingButToStringStaysCompact) {
  const Decimal big = Decimal::from_unscaled(1, -2'000'000'000);
  EXPECT_EQ(big.to_string(), "1E+2000000000");
  try {
    (void)big.to_plain_string();
    ADD_FAILURE() << "printed";
  } catch (const DataException& e) {
    EXPECT_NE(std::string(e.what()).find("1E+2000000000"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("limit"), std::string::npos) << e.what();
  }
  const Decimal tiny_zero = Decimal::from_unscaled(0, 2'000'000'000);
  EXPECT_EQ(tiny_zero.to_string(), "0E-2000000000");
  EXPECT_THROW((void)tiny_zero.to_plain_string(), DataException);
  EXPECT_EQ(Decimal::from_unscaled(0, -2'000'000'000).to_plain_string(), "0");
  EXPECT_EQ(Decimal::from_unscaled(-3, 2'000'000'000).to_string(), "-3E-2000000000");

  // Exactly kMaxPaddingDigits zeros are still written, one more is refused.
  const auto limit = static_cast<std::int32_t>(Decimal::kMaxPaddingDigits);
  const std::string zeros(static_cast<std::size_t>(limit), '0');
  EXPECT_EQ(Decimal::from_unscaled(-5, -limit).to_plain_string(), "-5" + zeros);
  EXPECT_THROW((void)Decimal::from_unscaled(5, -limit - 1).to_plain_string(), DataException);
  EXPECT_EQ(Decimal::from_unscaled(1, limit + 1).to_plain_string(), "0." + zeros + "1");
  EXPECT_THROW((void)Decimal::from_unscaled(1, limit + 2).to_plain_string(), DataException);
}

}  // namespace
}  // namespace ferry::sdk
