#include "ferry/sdk/decimal.h"

#include <gtest/gtest.h>

#include "ferry/sdk/errors.h"

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
  for (const char* text : {"", "-", "1.2.3", "abc", "1e", "1e+", "1ex", "1 "}) {
    EXPECT_THROW(Decimal::parse(text), DataException) << text;
  }
}

}  // namespace
}  // namespace ferry::sdk
