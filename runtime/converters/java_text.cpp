#include "runtime/converters/java_text.h"

#include <chrono>
#include <cstdio>

#include "ferry/sdk/logical_types.h"
#include "ferry/sdk/schema.h"
#include "runtime/converters/json_number_format.h"
#include "runtime/converters/json_writer.h"

namespace ferry::runtime {
namespace {

// java.util.Date.toString: "EEE MMM dd HH:mm:ss zzz yyyy", here always in UTC.
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

void append_java(std::string& out, const sdk::Value& value, bool top_level);

struct JavaAppender {
  std::string& out;
  bool top_level;

  void operator()(std::monostate) const { out.append("null"); }
  template <typename Integer>
  requires std::is_integral_v<Integer>
  void operator()(Integer v) const {
    if constexpr (std::is_same_v<Integer, bool>) {
      out.append(v ? "true" : "false");
    } else {
      out.append(std::to_string(v));
    }
  }
  void operator()(float v) const {
    char buffer[kJavaNumberMaxChars];
    out.append(buffer, format_java_float(v, buffer));
  }
  void operator()(double v) const {
    char buffer[kJavaNumberMaxChars];
    out.append(buffer, format_java_double(v, buffer));
  }
  void operator()(const std::string& v) const { out.append(v); }
  void operator()(const sdk::Bytes& v) const {
    if (top_level) {
      out.append(v.begin(), v.end());
    } else {
      append_base64(v, out);
    }
  }
  void operator()(const sdk::Array& v) const {
    out.push_back('[');
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out.append(", ");
      append_java(out, v[i], false);
    }
    out.push_back(']');
  }
  void operator()(const sdk::Map& v) const {
    out.push_back('{');
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out.append(", ");
      append_java(out, v[i].key, false);
      out.push_back('=');
      append_java(out, v[i].value, false);
    }
    out.push_back('}');
  }
  void operator()(const sdk::Struct& v) const {
    out.append("Struct{");
    bool first = true;
    const auto& fields = v.schema()->fields();
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (v.get(i).is_null()) continue;
      if (!first) out.push_back(',');
      first = false;
      out.append(fields[i].name());
      out.push_back('=');
      append_java(out, v.get(i), false);
    }
    out.push_back('}');
  }
  void operator()(const sdk::Decimal& v) const { out.append(v.to_string()); }
  void operator()(sdk::Date v) const {
    append_java_date(out, v.days_since_epoch * sdk::logical::kMillisPerDay);
  }
  void operator()(sdk::Time v) const { append_java_date(out, v.millis_of_day); }
  void operator()(sdk::Timestamp v) const { append_java_date(out, v.millis_since_epoch); }
};

void append_java(std::string& out, const sdk::Value& value, bool top_level) {
  std::visit(JavaAppender{out, top_level}, value.storage());
}

}  // namespace

std::string java_to_string(const sdk::Value& value) {
  std::string out;
  append_java(out, value, true);
  return out;
}

}  // namespace ferry::runtime
