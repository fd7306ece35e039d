#include "runtime/converters/json_number_format.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ferry::runtime {
namespace {

// A finite, non-zero number as decimal digits and the exponent of the first digit:
// value = 0.d1d2d3... * 10^(exponent + 1), i.e. d1.d2d3... * 10^exponent.
struct DecimalDigits {
  char digits[24];
  int count = 0;
  int exponent = 0;
};

// Reads "d.ddde±x" (what to_chars and printf write in scientific form).
DecimalDigits read_scientific(const char* text, const char* end) {
  DecimalDigits result;
  const char* p = text;
  if (*p == '-') ++p;
  for (; p < end && *p != 'e'; ++p) {
    if (*p >= '0' && *p <= '9') result.digits[result.count++] = *p;
  }
  if (p < end) {
    ++p;  // 'e'
    int exponent = 0;
    std::from_chars(*p == '+' ? p + 1 : p, end, exponent);
    result.exponent = exponent;
  }
  while (result.count > 1 && result.digits[result.count - 1] == '0') --result.count;
  return result;
}

// Java's rule for numbers whose shortest form has one digit: a two-digit decimal may be used
// instead if it is closer and still reads back as the same value.
template <typename F>
DecimalDigits shortest_digits(F value) {
  char buffer[64];
  const auto [end, error] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  (void)error;  // cannot fail: the buffer fits every float and double
  DecimalDigits digits = read_scientific(buffer, end);
  if (digits.count != 1) return digits;
  // printf rounds exactly (glibc), so "%.1e" is the two-digit decimal closest to the value.
  const int length = std::snprintf(buffer, sizeof buffer, "%.1e", static_cast<double>(value));
  F read_back;
  if constexpr (sizeof(F) == sizeof(float)) {
    read_back = std::strtof(buffer, nullptr);
  } else {
    read_back = std::strtod(buffer, nullptr);
  }
  if (read_back == value) return read_scientific(buffer, buffer + length);
  return digits;
}

std::size_t format_java(const DecimalDigits& d, bool negative, char* out) {
  char* p = out;
  if (negative) *p++ = '-';
  if (d.exponent >= -3 && d.exponent < 7) {
    if (d.exponent >= 0) {
      const int integer_digits = d.exponent + 1;
      for (int i = 0; i < integer_digits; ++i) *p++ = i < d.count ? d.digits[i] : '0';
      *p++ = '.';
      if (d.count > integer_digits) {
        for (int i = integer_digits; i < d.count; ++i) *p++ = d.digits[i];
      } else {
        *p++ = '0';
      }
    } else {
      *p++ = '0';
      *p++ = '.';
      for (int i = -1; i > d.exponent; --i) *p++ = '0';
      for (int i = 0; i < d.count; ++i) *p++ = d.digits[i];
    }
  } else {
    *p++ = d.digits[0];
    *p++ = '.';
    if (d.count > 1) {
      for (int i = 1; i < d.count; ++i) *p++ = d.digits[i];
    } else {
      *p++ = '0';
    }
    *p++ = 'E';
    p = std::to_chars(p, p + 8, d.exponent).ptr;
  }
  return static_cast<std::size_t>(p - out);
}

template <typename F>
std::size_t format_java_number(F value, char* out) {
  if (std::isnan(value)) {
    std::memcpy(out, "NaN", 3);
    return 3;
  }
  if (std::isinf(value)) {
    if (value < 0) {
      std::memcpy(out, "-Infinity", 9);
      return 9;
    }
    std::memcpy(out, "Infinity", 8);
    return 8;
  }
  if (value == 0) {
    if (std::signbit(value)) {
      std::memcpy(out, "-0.0", 4);
      return 4;
    }
    std::memcpy(out, "0.0", 3);
    return 3;
  }
  return format_java(shortest_digits(value), std::signbit(value), out);
}

}  // namespace

std::size_t format_java_double(double value, char* out) { return format_java_number(value, out); }

std::size_t format_java_float(float value, char* out) { return format_java_number(value, out); }

}  // namespace ferry::runtime
