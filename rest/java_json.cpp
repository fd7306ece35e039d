#include "rest/java_json.h"

#include <string>

#include "runtime/converters/json_writer.h"

namespace ferry::rest {
namespace {

namespace json = boost::json;

// Through the JSON converter's writer, which writes exactly what Jackson writes.
void write(const json::value& value, runtime::JsonWriter& out) {
  switch (value.kind()) {
    case json::kind::object: {
      out.raw('{');
      bool first = true;
      for (const auto& [key, item] : value.get_object()) {
        if (!first) out.raw(',');
        first = false;
        out.string(key);
        out.raw(':');
        write(item, out);
      }
      out.raw('}');
      return;
    }
    case json::kind::array: {
      out.raw('[');
      bool first = true;
      for (const json::value& item : value.get_array()) {
        if (!first) out.raw(',');
        first = false;
        write(item, out);
      }
      out.raw(']');
      return;
    }
    case json::kind::string:
      out.string(value.get_string());
      return;
    case json::kind::int64:
      out.integer(value.get_int64());
      return;
    case json::kind::uint64:
      out.raw(std::to_string(value.get_uint64()));
      return;
    case json::kind::double_:
      out.float64(value.get_double());
      return;
    case json::kind::bool_:
      out.boolean(value.get_bool());
      return;
    case json::kind::null:
      out.null();
      return;
  }
}

}  // namespace

std::string java_json(const json::value& value) {
  sdk::Bytes bytes;
  {
    runtime::JsonWriter writer(&bytes);
    write(value, writer);
  }
  return {bytes.begin(), bytes.end()};
}

}  // namespace ferry::rest
