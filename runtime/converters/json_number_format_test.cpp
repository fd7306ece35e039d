// Java's Double.toString / Float.toString (JDK 19+), byte for byte. Expected strings are what the
// JDK prints for these values (its specification, see json_number_format.h).
#include "runtime/converters/json_number_format.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace ferry::runtime {
namespace {

std::string java(double value) {
  char buffer[kJavaNumberMaxChars];
  return std::string(buffer, format_java_double(value, buffer));
}

std::string java(float value) {
  char buffer[kJavaNumberMaxChars];
  return std::string(buffer, format_java_float(value, buffer));
}

TEST(JsonNumberFormat, DoublesBetweenOneThousandthAndTenMillionArePlain) {
  EXPECT_EQ(java(1.0), "1.0");
  EXPECT_EQ(java(0.1), "0.1");
  EXPECT_EQ(java(100.0), "100.0");
  EXPECT_EQ(java(1234567.0), "1234567.0");
  EXPECT_EQ(java(9999999.999), "9999999.999");
  EXPECT_EQ(java(0.001), "0.001");
  EXPECT_EQ(java(0.002), "0.002");
  EXPECT_EQ(java(-2.5), "-2.5");
  EXPECT_EQ(java(123456.789), "123456.789");
  EXPECT_EQ(java(3.141592653589793), "3.141592653589793");
  EXPECT_EQ(java(1.0 / 3), "0.3333333333333333");
}

TEST(JsonNumberFormat, DoublesOutsideThatRangeAreComputerizedScientific) {
  EXPECT_EQ(java(1e7), "1.0E7");
  EXPECT_EQ(java(1e20), "1.0E20");
  EXPECT_EQ(java(1e23), "1.0E23");
  EXPECT_EQ(java(1e-5), "1.0E-5");
  EXPECT_EQ(java(1e-4), "1.0E-4");
  EXPECT_EQ(java(9.999999e-4), "9.999999E-4");
  EXPECT_EQ(java(1.5e300), "1.5E300");
  EXPECT_EQ(java(9223372036854775808.0), "9.223372036854776E18");
  EXPECT_EQ(java(std::numeric_limits<double>::max()), "1.7976931348623157E308");
  EXPECT_EQ(java(std::numeric_limits<double>::min()), "2.2250738585072014E-308");
}

TEST(JsonNumberFormat, OneDigitResultsMayUseTwoDigitsWhenCloser) {
  EXPECT_EQ(java(std::numeric_limits<double>::denorm_min()), "4.9E-324");
  EXPECT_EQ(java(2 * std::numeric_limits<double>::denorm_min()), "9.9E-324");
  EXPECT_EQ(java(4 * std::numeric_limits<double>::denorm_min()), "2.0E-323");
  EXPECT_EQ(java(std::numeric_limits<float>::denorm_min()), "1.4E-45");
}

TEST(JsonNumberFormat, ZerosAndNonFiniteValues) {
  EXPECT_EQ(java(0.0), "0.0");
  EXPECT_EQ(java(-0.0), "-0.0");
  EXPECT_EQ(java(0.0f), "0.0");
  EXPECT_EQ(java(-0.0f), "-0.0");
  EXPECT_EQ(java(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(java(std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(java(-std::numeric_limits<float>::infinity()), "-Infinity");
}

TEST(JsonNumberFormat, FloatsUseTheShortestFloatDigits) {
  EXPECT_EQ(java(1.0f), "1.0");
  EXPECT_EQ(java(0.1f), "0.1");
  EXPECT_EQ(java(0.3f), "0.3");
  EXPECT_EQ(java(1e-5f), "1.0E-5");
  EXPECT_EQ(java(1e7f), "1.0E7");
  EXPECT_EQ(java(9999999.0f), "9999999.0");
  EXPECT_EQ(java(16777216.0f), "1.6777216E7");
  EXPECT_EQ(java(3.14159265f), "3.1415927");
  EXPECT_EQ(java(std::numeric_limits<float>::max()), "3.4028235E38");
  // JDK 18 and older printed the non-shortest "1.17549435E-38".
  EXPECT_EQ(java(std::numeric_limits<float>::min()), "1.1754944E-38");
}

TEST(JsonNumberFormat, EveryOutputReadsBackAsTheSameValue) {
  // A spread of magnitudes and bit patterns; strtod must give back the exact double.
  std::uint64_t bits = 0x9E3779B97F4A7C15ULL;
  for (int i = 0; i < 20000; ++i) {
    bits ^= bits << 13;
    bits ^= bits >> 7;
    bits ^= bits << 17;
    double value;
    std::memcpy(&value, &bits, sizeof value);
    if (!std::isfinite(value)) continue;
    const std::string text = java(value);
    ASSERT_EQ(std::strtod(text.c_str(), nullptr), value) << text;
    float f;
    const auto low = static_cast<std::uint32_t>(bits);
    std::memcpy(&f, &low, sizeof f);
    if (!std::isfinite(f)) continue;
    const std::string float_text = java(f);
    ASSERT_EQ(std::strtof(float_text.c_str(), nullptr), f) << float_text;
  }
}

}  // namespace
}  // namespace ferry::runtime
