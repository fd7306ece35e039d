#include "rest/java_json.h"

#include <cmath>

#include <boost/json/serialize.hpp>

#include "runtime/converters/json_number_format.h"

namespace ferry::rest {
namespace {

namespace json = boost::json;

void write(const json::value& value, std::string& out) {
  switch (value.kind()) {
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : value.get_object()) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(json::string_view(key));
        out += ':';
        write(item, out);
      }
      out += '}';
      return;
    }
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const json::value& item : value.get_array()) {
        if (!first) out += ',';
        first = false;
        write(item, out);
      }
      out += ']';
      return;
    }
    case json::kind::double_: {
      const double number = value.get_double();
      char text[runtime::kJavaNumberMaxChars];
      const std::size_t length = runtime::format_java_double(number, text);
      // Jackson quotes what JSON has no number for ("NaN", "Infinity").
      const bool quoted = !std::isfinite(number);
      if (quoted) out += '"';
      out.append(text, length);
      if (quoted) out += '"';
      return;
    }
    default:
      out += json::serialize(value);
  }
}

}  // namespace

std::string java_json(const json::value& value) {
  std::string out;
  write(value, out);
  return out;
}

}  // namespace ferry::rest
