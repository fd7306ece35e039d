// Java's Float.toString and Double.toString, byte for byte, for the JSON converter.
//
// Kafka Connect's JsonConverter writes FLOAT32 and FLOAT64 through Jackson, which prints them with
// Java's toString. Records written by Ferry must be the bytes Kafka Connect writes, so this file
// reproduces those rules (the JDK 19+ specification, Raffaello Giulietti's algorithm):
//   - digits: the shortest decimal that reads back as the same value; among equally short ones
//     the closest. When one digit would do, two digits are allowed if that is closer
//     (Double.MIN_VALUE is "4.9E-324", not "5.0E-324"; Float.MIN_VALUE is "1.4E-45").
//   - 1.0E-3 <= |x| < 1.0E7: plain notation with at least one digit after the point
//     ("100.0", "0.001", "1234567.0").
//   - otherwise computerized scientific notation d.ddd"E"n with at least one digit after the point
//     and no '+' or leading zeros in the exponent ("1.0E7", "1.0E-5", "3.4028235E38").
//   - zero is "0.0" or "-0.0". NaN and the infinities are the caller's business (Jackson writes
//     them as the strings "NaN", "Infinity", "-Infinity"); here they print as Java prints them.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>

namespace ferry::runtime {

// The longest output: "-" + 17 digits + "." + "E-324" and change; 32 leaves room.
inline constexpr std::size_t kJavaNumberMaxChars = 32;

// Writes Java's Double.toString(value) to out (at least kJavaNumberMaxChars bytes, no NUL
// terminator) and returns the number of bytes written.
std::size_t format_java_double(double value, char* out);

// Writes Java's Float.toString(value), as format_java_double does.
std::size_t format_java_float(float value, char* out);

}  // namespace ferry::runtime
