// Readable one-line forms of values and schemas, for logs and test failures. Not a wire format:
// converters own those.
#include <charconv>
#include <ostream>
#include <string>

#include "ferry/sdk/schema.h"
#include "ferry/sdk/value.h"

namespace ferry::sdk {
namespace {

void append_quoted(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          constexpr char kHex[] = "0123456789abcdef";
          out += "\\x";
          out += kHex[(c >> 4) & 0xF];
          out += kHex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

template <typename F>
void append_float(std::string& out, F value) {
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, error == std::errc() ? end : buffer);
}

void append_value(std::string& out, const Value& value);

void append_struct(std::string& out, const Struct& value) {
  out += "Struct{";
  bool first = true;
  for (const Field& field : value.schema()->fields()) {
    const Value& field_value = value.get(field.index());
    if (field_value.is_null()) continue;  // as Kafka Connect's Struct.toString
    if (!first) out += ',';
    first = false;
    out += field.name();
    out += '=';
    append_value(out, field_value);
  }
  out += '}';
}

void append_value(std::string& out, const Value& value) {
  std::visit(
      [&out](const auto& held) {
        using T = std::decay_t<decltype(held)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          out += "null";
        } else if constexpr (std::is_same_v<T, bool>) {
          out += held ? "true" : "false";
        } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
          append_float(out, held);
        } else if constexpr (std::is_integral_v<T>) {
          out += std::to_string(static_cast<long long>(held));
        } else if constexpr (std::is_same_v<T, std::string>) {
          append_quoted(out, held);
        } else if constexpr (std::is_same_v<T, Bytes>) {
          constexpr char kHex[] = "0123456789abcdef";
          out += "0x";
          for (auto byte : held) {
            out += kHex[byte >> 4];
            out += kHex[byte & 0xF];
          }
        } else if constexpr (std::is_same_v<T, Array>) {
          out += '[';
          for (std::size_t i = 0; i < held.size(); ++i) {
            if (i > 0) out += ',';
            append_value(out, held[i]);
          }
          out += ']';
        } else if constexpr (std::is_same_v<T, Map>) {
          out += '{';
          for (std::size_t i = 0; i < held.size(); ++i) {
            if (i > 0) out += ',';
            append_value(out, held[i].key);
            out += '=';
            append_value(out, held[i].value);
          }
          out += '}';
        } else if constexpr (std::is_same_v<T, Struct>) {
          append_struct(out, held);
        } else {
          out += held.to_string();  // Decimal, Date, Time, Timestamp
        }
      },
      value.storage());
}

void append_schema(std::string& out, const Schema& schema) {
  out += "Schema{";
  if (schema.name()) {
    out += *schema.name();
    out += ':';
  }
  out += type_name(schema.type());
  if (schema.is_optional()) out += ",optional";
  if (schema.version()) out += ",version=" + std::to_string(*schema.version());
  for (const auto& [key, value] : schema.parameters()) {
    out += ',';
    out += key;
    out += '=';
    out += value;
  }
  if (schema.default_value()) {
    out += ",default=";
    append_value(out, *schema.default_value());
  }
  if (schema.type() == Type::kArray) {
    out += ",items=";
    append_schema(out, *schema.value_schema());
  } else if (schema.type() == Type::kMap) {
    out += ",keys=";
    append_schema(out, *schema.key_schema());
    out += ",values=";
    append_schema(out, *schema.value_schema());
  } else if (schema.type() == Type::kStruct) {
    out += ",fields=[";
    for (const Field& field : schema.fields()) {
      if (field.index() > 0) out += ',';
      out += field.name();
      out += ':';
      append_schema(out, *field.schema());
    }
    out += ']';
  }
  out += '}';
}

}  // namespace

std::string to_string(const Value& value) {
  std::string out;
  append_value(out, value);
  return out;
}

std::string to_string(const Struct& value) {
  std::string out;
  append_struct(out, value);
  return out;
}

std::string to_string(const Schema& schema) {
  std::string out;
  append_schema(out, schema);
  return out;
}

std::ostream& operator<<(std::ostream& out, const Value& value) { return out << to_string(value); }
std::ostream& operator<<(std::ostream& out, const Struct& value) { return out << to_string(value); }
std::ostream& operator<<(std::ostream& out, const Schema& schema) {
  return out << to_string(schema);
}

}  // namespace ferry::sdk
