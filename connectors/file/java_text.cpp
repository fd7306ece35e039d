#include "connectors/file/java_text.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <type_traits>
#include <variant>

#include "ferry/sdk/schema.h"

namespace ferry::connectors::file {
namespace {

// Java's Float.toString and Double.toString (JDK 19+): the shortest digits that read back as the
// same value (two digits allowed when one would do, if closer), plain notation with at least one
// fraction digit for 1e-3 <= |x| < 1e7, "d.dddEn" otherwise.
template <typename F>
void append_java_floating(std::string& out, F value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value < 0 ? "-Infinity" : "Infinity";
    return;
  }
  if (value == 0) {
    out += std::signbit(value) ? "-0.0" : "0.0";
    return;
  }
  char buffer[64];
  // "d.ddde±x" (to_chars and printf in scientific form) to its digits and decimal exponent.
  auto scientific = [](std::string_view text, std::string& digits, int& exponent) {
    digits.clear();
    const std::size_t e = text.find('e');
    for (char c : text.substr(0, e)) {
      if (c >= '0' && c <= '9') digits += c;
    }
    std::string_view exponent_text = text.substr(e + 1);
    if (exponent_text.front() == '+') exponent_text.remove_prefix(1);
    std::from_chars(exponent_text.data(), exponent_text.data() + exponent_text.size(), exponent);
    while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  };
  std::string digits;
  int exponent = 0;
  const auto shortest =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  scientific(std::string_view(buffer, static_cast<std::size_t>(shortest.ptr - buffer)), digits,
             exponent);
  if (digits.size() == 1) {
    // printf rounds exactly, so "%.1e" is the closest two-digit decimal; Java takes it if it
    // reads back as the same value (Double.MIN_VALUE is "4.9E-324", not "5.0E-324").
    const int length = std::snprintf(buffer, sizeof buffer, "%.1e", static_cast<double>(value));
    F read_back;
    if constexpr (std::is_same_v<F, float>) {
      read_back = std::strtof(buffer, nullptr);
    } else {
      read_back = std::strtod(buffer, nullptr);
    }
    if (read_back == value) {
      scientific(std::string_view(buffer, static_cast<std::size_t>(length)), digits, exponent);
    }
  }
  if (std::signbit(value)) out += '-';
  if (exponent >= -3 && exponent < 7) {
    if (exponent < 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-exponent - 1), '0');
      out += digits;
      return;
    }
    const auto integer_digits = static_cast<std::size_t>(exponent) + 1;
    if (digits.size() <= integer_digits) {
      out += digits;
      out.append(integer_digits - digits.size(), '0');
      out += ".0";
      return;
    }
    out.append(digits, 0, integer_digits);
    out += '.';
    out.append(digits, integer_digits);
    return;
  }
  out += digits[0];
  out += '.';
  out += digits.size() > 1 ? std::string_view(digits).substr(1) : std::string_view("0");
  out += 'E';
  out += std::to_string(exponent);
}

// java.util.Date.toString ("EEE MMM dd HH:mm:ss zzz yyyy"), in UTC.
void append_java_date(std::string& out, std::int64_t millis_since_epoch) {
  using namespace std::chrono;
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const sys_time<milliseconds> instant{milliseconds(millis_since_epoch)};
  const sys_days day = floor<days>(instant);
  const year_month_day date{day};
  const hh_mm_ss<milliseconds> time{instant - day};
  char buffer[64];
  const int length = std::snprintf(
      buffer, sizeof buffer, "%s %s %02u %02d:%02d:%02d UTC %d", kDays[weekday(day).c_encoding()],
      kMonths[static_cast<unsigned>(date.month()) - 1], static_cast<unsigned>(date.day()),
      static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
      static_cast<int>(time.seconds().count()), static_cast<int>(date.year()));
  out.append(buffer, static_cast<std::size_t>(length));
}

void append_base64(std::string& out, const sdk::Bytes& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == bytes.size()) {
    const unsigned n = bytes[i] << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const unsigned n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
}

void append_value(std::string& out, const sdk::Value& value, bool top_level);

struct JavaTextAppender {
  std::string& out;
  bool top_level;

  void operator()(std::monostate) const { out += "null"; }
  void operator()(bool v) const { out += v ? "true" : "false"; }
  template <typename Integer>
  requires(std::is_integral_v<Integer> && !std::is_same_v<Integer, bool>) void operator()(
      Integer v) const {
    char buffer[24];
    out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, v).ptr);
  }
  void operator()(float v) const { append_java_floating(out, v); }
  void operator()(double v) const { append_java_floating(out, v); }
  void operator()(const std::string& v) const { out += v; }
  void operator()(const sdk::Bytes& v) const {
    if (top_level) {
      out.append(v.begin(), v.end());
    } else {
      append_base64(out, v);
    }
  }
  void operator()(const sdk::Array& v) const {
    out += '[';
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out += ", ";
      append_value(out, v[i], false);
    }
    out += ']';
  }
  void operator()(const sdk::Map& v) const {
    out += '{';
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out += ", ";
      append_value(out, v[i].key, false);
      out += '=';
      append_value(out, v[i].value, false);
    }
    out += '}';
  }
  void operator()(const sdk::Struct& v) const {
    out += "Struct{";
    bool first = true;
    const std::vector<sdk::Field>& fields = v.schema()->fields();
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const sdk::Value& field_value = v.get(i);
      if (field_value.is_null()) continue;
      if (!first) out += ',';
      first = false;
      out += fields[i].name();
      out += '=';
      append_value(out, field_value, false);
    }
    out += '}';
  }
  void operator()(const sdk::Decimal& v) const { out += v.to_string(); }
  void operator()(sdk::Date v) const {
    append_java_date(out, std::int64_t{v.days_since_epoch} * 24 * 60 * 60 * 1000);
  }
  void operator()(sdk::Time v) const { append_java_date(out, v.millis_of_day); }
  void operator()(sdk::Timestamp v) const { append_java_date(out, v.millis_since_epoch); }
};

void append_value(std::string& out, const sdk::Value& value, bool top_level) {
  std::visit(JavaTextAppender{out, top_level}, value.storage());
}

}  // namespace

void append_java_text(std::string& out, const sdk::Value& value) {
  // The hot case first: a STRING value goes to the file as it is.
  if (const auto* text = value.get_if<std::string>()) {
    out += *text;
    return;
  }
  append_value(out, value, true);
}

}  // namespace ferry::connectors::file
