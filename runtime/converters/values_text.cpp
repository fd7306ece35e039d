#include "runtime/converters/values_text.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <unordered_map>
#include <utility>

#include "ferry/sdk/errors.h"
#include "ferry/sdk/logical_types.h"
#include "ferry/sdk/schema_builder.h"
#include "runtime/converters/json_number_format.h"
#include "runtime/converters/json_writer.h"

namespace ferry::runtime {
namespace {

using sdk::DataException;
using sdk::Schema;
using sdk::SchemaAndValue;
using sdk::SchemaPtr;
using sdk::Type;
using sdk::Value;
namespace logical = sdk::logical;

// ---- writing ---------------------------------------------------------------------------------

void append_escaped(std::string& out, std::string_view text) {
  out.push_back('"');
  for (char c : text) {
    if (c == '\\' || c == '"') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

void append_value(std::string& out, const Value& value, bool embedded);

struct TextAppender {
  std::string& out;
  bool embedded;

  void operator()(std::monostate) const { out.append("null"); }
  void operator()(std::int8_t v) const { out.append(std::to_string(v)); }
  void operator()(std::int16_t v) const { out.append(std::to_string(v)); }
  void operator()(std::int32_t v) const { out.append(std::to_string(v)); }
  void operator()(std::int64_t v) const { out.append(std::to_string(v)); }
  void operator()(float v) const {
    char buffer[kJavaNumberMaxChars];
    out.append(buffer, format_java_float(v, buffer));
  }
  void operator()(double v) const {
    char buffer[kJavaNumberMaxChars];
    out.append(buffer, format_java_double(v, buffer));
  }
  void operator()(bool v) const { out.append(v ? "true" : "false"); }
  void operator()(const std::string& v) const {
    if (embedded) {
      append_escaped(out, v);
    } else {
      out.append(v);
    }
  }
  void operator()(const sdk::Bytes& v) const {
    if (embedded) out.push_back('"');
    append_base64(v, out);
    if (embedded) out.push_back('"');
  }
  void operator()(const sdk::Array& v) const {
    out.push_back('[');
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out.push_back(',');
      append_value(out, v[i], true);
    }
    out.push_back(']');
  }
  void operator()(const sdk::Map& v) const {
    out.push_back('{');
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out.push_back(',');
      append_value(out, v[i].key, true);
      out.push_back(':');
      append_value(out, v[i].value, true);
    }
    out.push_back('}');
  }
  void operator()(const sdk::Struct& v) const {
    out.push_back('{');
    const auto& fields = v.schema()->fields();
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) out.push_back(',');
      append_escaped(out, fields[i].name());
      out.push_back(':');
      append_value(out, v.get(i), true);
    }
    out.push_back('}');
  }
  void operator()(const sdk::Decimal& v) const { out.append(v.to_string()); }
  void operator()(sdk::Date v) const { out.append(v.to_string()); }
  void operator()(sdk::Time v) const {
    out.append(v.to_string());
    out.push_back('Z');
  }
  void operator()(sdk::Timestamp v) const { out.append(v.to_string()); }
};

void append_value(std::string& out, const Value& value, bool embedded) {
  std::visit(TextAppender{out, embedded}, value.storage());
}

// ---- reading ---------------------------------------------------------------------------------

// Java's String.trim: everything up to and including ' ' is whitespace.
std::string_view trim(std::string_view text) {
  while (!text.empty() && static_cast<unsigned char>(text.front()) <= ' ') text.remove_prefix(1);
  while (!text.empty() && static_cast<unsigned char>(text.back()) <= ' ') text.remove_suffix(1);
  return text;
}

// Splits the text into tokens the way Kafka's Values.Parser does: each unescaped delimiter
// (: , { } [ ] ") is a token of its own and the text between delimiters is one token, so
// whitespace stays inside tokens. A backslash escapes the next character and stays in the text.
// One token of lookahead, with mark/rewind for backtracking.
class Tokens {
 public:
  explicit Tokens(std::string_view text) : text_(text) {}

  std::string_view original() const { return text_; }
  std::size_t mark() const { return index_ - (peeked_ ? peeked_->size() : 0); }
  void rewind_to(std::size_t position) {
    index_ = position;
    peeked_.reset();
    previous_.reset();
  }
  bool has_next() const { return peeked_.has_value() || index_ < text_.size(); }
  std::optional<std::string_view> previous() const { return previous_; }

  std::string_view next() {
    if (peeked_) {
      previous_ = *peeked_;
      peeked_.reset();
    } else {
      previous_ = consume();
    }
    return *previous_;
  }

  // The text of the next n tokens, or nullopt (and nothing consumed) if there are fewer.
  std::optional<std::string_view> next(int n) {
    const std::size_t start = mark();
    for (int i = 0; i < n; ++i) {
      if (!has_next()) {
        rewind_to(start);
        return std::nullopt;
      }
      next();
    }
    return text_.substr(start, index_ - start);
  }

  // Consumes the next token if, ignoring whitespace-only tokens and surrounding whitespace, it is
  // expected.
  bool can_consume(std::string_view expected) {
    if (!peeked_) {
      if (!has_next()) return false;
      peeked_ = consume();
    }
    while (trim(*peeked_).empty() && index_ < text_.size()) peeked_ = consume();
    if (trim(*peeked_) != expected) return false;
    peeked_.reset();
    return true;
  }

 private:
  static bool is_delimiter(char c) {
    return c == ':' || c == ',' || c == '{' || c == '}' || c == '[' || c == ']' || c == '"';
  }

  std::string_view consume() {
    const std::size_t start = index_;
    bool escaped = false;
    for (; index_ < text_.size(); ++index_) {
      const char c = text_[index_];
      if (c == '\\') {
        escaped = !escaped;
      } else if (is_delimiter(c) && !escaped) {
        if (index_ > start) return text_.substr(start, index_ - start);
        ++index_;
        return text_.substr(start, 1);
      } else {
        escaped = false;
      }
    }
    return text_.substr(start);
  }

  std::string_view text_;
  std::size_t index_ = 0;
  std::optional<std::string_view> peeked_;
  std::optional<std::string_view> previous_;
};

bool all_digits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return !text.empty();
}

int number_at(std::string_view text, std::size_t position, std::size_t length) {
  int value = 0;
  for (std::size_t i = position; i < position + length; ++i) value = value * 10 + (text[i] - '0');
  return value;
}

bool is_leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

std::optional<sdk::Date> parse_date(std::string_view text) {  // yyyy-MM-dd
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  if (!all_digits(text.substr(0, 4)) || !all_digits(text.substr(5, 2)) ||
      !all_digits(text.substr(8, 2))) {
    return std::nullopt;
  }
  const int year = number_at(text, 0, 4);
  const int month = number_at(text, 5, 2);
  const int day = number_at(text, 8, 2);
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return std::nullopt;
  if (day > kDays[month - 1] + (month == 2 && is_leap(year) ? 1 : 0)) return std::nullopt;
  return sdk::Date::from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

std::optional<sdk::Time> parse_time(std::string_view text) {  // HH:mm:ss.SSSZ
  if (text.size() != 13 || text[2] != ':' || text[5] != ':' || text[8] != '.' || text[12] != 'Z') {
    return std::nullopt;
  }
  if (!all_digits(text.substr(0, 2)) || !all_digits(text.substr(3, 2)) ||
      !all_digits(text.substr(6, 2)) || !all_digits(text.substr(9, 3))) {
    return std::nullopt;
  }
  const int hour = number_at(text, 0, 2);
  const int minute = number_at(text, 3, 2);
  const int second = number_at(text, 6, 2);
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  return sdk::Time::from_hms(static_cast<unsigned>(hour), static_cast<unsigned>(minute),
                             static_cast<unsigned>(second),
                             static_cast<unsigned>(number_at(text, 9, 3)));
}

// Kafka's parseAsTemporal: the form is chosen by the length alone.
std::optional<SchemaAndValue> parse_temporal(std::string_view token) {
  std::string text;
  text.reserve(token.size());
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '\\' && i + 1 < token.size() && token[i + 1] == ':') continue;
    text.push_back(token[i]);
  }
  if (text.size() == 13) {
    if (auto time = parse_time(text)) return SchemaAndValue{logical::time().build(), *time};
  } else if (text.size() == 24) {
    if (text[10] != 'T') return std::nullopt;
    const auto date = parse_date(std::string_view(text).substr(0, 10));
    const auto time = parse_time(std::string_view(text).substr(11));
    if (date && time) {
      return SchemaAndValue{
          logical::timestamp().build(),
          sdk::Timestamp{date->days_since_epoch * logical::kMillisPerDay + time->millis_of_day}};
    }
  } else if (text.size() == 10) {
    if (auto date = parse_date(text)) return SchemaAndValue{logical::date().build(), *date};
  }
  return std::nullopt;
}

bool is_temporal(const SchemaPtr& schema) {
  if (!schema || !schema->name()) return false;
  const std::string& name = *schema->name();
  return name == logical::kDateName || name == logical::kTimeName ||
         name == logical::kTimestampName;
}

// significant * 10^-scale (significant: digits without leading zeros, negated if negative) if
// that is an integer within INT64, else nullopt.
std::optional<std::int64_t> exact_int64(std::string_view significant, std::int64_t scale,
                                        bool negative) {
  if (significant.empty()) return 0;
  std::string whole;
  if (scale > 0) {
    const auto fraction_digits = static_cast<std::size_t>(scale);
    if (fraction_digits >= significant.size()) return std::nullopt;  // a nonzero fraction
    const std::string_view fraction = significant.substr(significant.size() - fraction_digits);
    if (fraction.find_first_not_of('0') != std::string_view::npos) return std::nullopt;
    whole = significant.substr(0, significant.size() - fraction_digits);
  } else {
    if (significant.size() + static_cast<std::size_t>(-scale) > 19) return std::nullopt;
    whole = significant;
    whole.append(static_cast<std::size_t>(-scale), '0');
  }
  if (whole.size() > 19) return std::nullopt;
  std::uint64_t magnitude = 0;
  std::from_chars(whole.data(), whole.data() + whole.size(), magnitude);
  const std::uint64_t limit =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + (negative ? 1 : 0);
  if (magnitude > limit) return std::nullopt;
  return negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
}

// A number in Java's BigDecimal(String) grammar, classified as Kafka's Values does.
std::optional<SchemaAndValue> parse_number(std::string_view token) {
  std::size_t i = 0;
  const bool negative = token[0] == '-';
  if (token[0] == '-' || token[0] == '+') ++i;
  std::string digits;  // integer and fraction digits, without the point
  std::int64_t fraction_length = 0;
  bool seen_point = false;
  for (; i < token.size(); ++i) {
    const char c = token[i];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
      if (seen_point) ++fraction_length;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (digits.empty()) return std::nullopt;
  std::int64_t exponent = 0;
  if (i < token.size()) {
    if (token[i] != 'e' && token[i] != 'E') return std::nullopt;
    ++i;
    bool exponent_negative = false;
    if (i < token.size() && (token[i] == '-' || token[i] == '+')) {
      exponent_negative = token[i] == '-';
      ++i;
    }
    const std::string_view exponent_text = token.substr(i);
    if (!all_digits(exponent_text)) return std::nullopt;
    const auto [end, error] = std::from_chars(
        exponent_text.data(), exponent_text.data() + exponent_text.size(), exponent);
    if (error != std::errc()) return std::nullopt;
    if (exponent_negative) exponent = -exponent;
  }
  // BigDecimal's scale: digits after the point minus the exponent, an int.
  const std::int64_t scale = fraction_length - exponent;
  if (scale < std::numeric_limits<std::int32_t>::min() ||
      scale > std::numeric_limits<std::int32_t>::max()) {
    return std::nullopt;
  }

  // An exact integer that fits INT64 takes the smallest integer type holding it.
  const std::size_t first_significant = digits.find_first_not_of('0');
  const std::string_view significant = first_significant == std::string::npos
                                           ? std::string_view()
                                           : std::string_view(digits).substr(first_significant);
  const std::optional<std::int64_t> integer = exact_int64(significant, scale, negative);
  if (integer) {
    const std::int64_t v = *integer;
    if (v >= INT8_MIN && v <= INT8_MAX) {
      return SchemaAndValue{Schema::int8(), static_cast<std::int8_t>(v)};
    }
    if (v >= INT16_MIN && v <= INT16_MAX) {
      return SchemaAndValue{Schema::int16(), static_cast<std::int16_t>(v)};
    }
    if (v >= INT32_MIN && v <= INT32_MAX) {
      return SchemaAndValue{Schema::int32(), static_cast<std::int32_t>(v)};
    }
    return SchemaAndValue{Schema::int64(), v};
  }
  if (scale != 0) {
    // strtof and strtod round correctly, as BigDecimal.floatValue and doubleValue do.
    const std::string text(token);
    const float as_float = std::strtof(text.c_str(), nullptr);
    if (std::isfinite(as_float)) return SchemaAndValue{Schema::float32(), as_float};
    const double as_double = std::strtod(text.c_str(), nullptr);
    if (std::isfinite(as_double)) return SchemaAndValue{Schema::float64(), as_double};
  }
  try {
    sdk::Decimal decimal = sdk::Decimal::parse(token);
    return SchemaAndValue{logical::decimal(decimal.scale()).build(), std::move(decimal)};
  } catch (const DataException&) {
    return std::nullopt;  // too large for Ferry's Decimal: the text stays a string
  }
}

bool is_numeric(Type type) {
  return type == Type::kInt8 || type == Type::kInt16 || type == Type::kInt32 ||
         type == Type::kInt64 || type == Type::kFloat32 || type == Type::kFloat64;
}

// Kafka's commonSchemaFor: the schema both the entries so far and the latest fit, or nullptr.
// Numbers widen (INT8 < INT16 < INT32 < INT64 < FLOAT32 < FLOAT64); anything else must be equal.
SchemaPtr common_schema(const SchemaPtr& previous, const std::optional<SchemaAndValue>& latest,
                        bool* seen) {
  if (!latest) return previous;
  if (!*seen) {
    *seen = true;
    return latest->schema;
  }
  const SchemaPtr& next = latest->schema;
  if (!previous || !next) return nullptr;
  if (previous->name() || next->name()) {
    return sdk::schemas_equal(previous, next) ? previous : nullptr;
  }
  if (is_numeric(previous->type()) && is_numeric(next->type())) {
    return next->type() > previous->type() ? next : previous;
  }
  return sdk::schemas_equal(previous, next) ? previous : nullptr;
}

// Kafka's convertTo for aligning an entry with the common schema: numbers widen; a null entry
// does not fit (the common schema is never optional), which fails the whole container.
Value align(const SchemaPtr& schema, Value value) {
  if (value.is_null()) {
    throw DataException("Unable to convert a null value to a schema that requires a value");
  }
  if (schema->name() || !is_numeric(schema->type())) return value;
  const auto widen = [&](auto number) -> Value {
    switch (schema->type()) {
      case Type::kInt8:
        return static_cast<std::int8_t>(number);
      case Type::kInt16:
        return static_cast<std::int16_t>(number);
      case Type::kInt32:
        return static_cast<std::int32_t>(number);
      case Type::kInt64:
        return static_cast<std::int64_t>(number);
      case Type::kFloat32:
        return static_cast<float>(number);
      default:
        return static_cast<double>(number);
    }
  };
  return std::visit(
      [&](const auto& held) -> Value {
        using T = std::decay_t<decltype(held)>;
        if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
          return widen(held);
        } else {
          return value;
        }
      },
      value.storage());
}

class ValueTextParser {
 public:
  explicit ValueTextParser(int depth) : depth_(depth) {}

  // Values.parse: nullopt is Kafka's null (the literal null, or no token left).
  std::optional<SchemaAndValue> parse(Tokens& tokens, bool embedded) {
    if (!tokens.has_next()) return std::nullopt;
    if (embedded && tokens.can_consume("\"")) return parse_quoted(tokens);
    if (literal(tokens, embedded, "null")) return std::nullopt;
    if (literal(tokens, embedded, "true")) return SchemaAndValue{Schema::boolean(), true};
    if (literal(tokens, embedded, "false")) return SchemaAndValue{Schema::boolean(), false};

    const std::size_t start = tokens.mark();
    if (depth_ < kMaxValueTextDepth) {
      try {
        if (tokens.can_consume("[")) return nested().parse_array(tokens);
        if (tokens.can_consume("{")) return nested().parse_map(tokens);
      } catch (const DataException&) {
        tokens.rewind_to(start);  // not a container after all: read it as text
      }
    }

    const std::string_view raw = tokens.next();
    if (trim(raw).empty()) return SchemaAndValue{Schema::string(), std::string(raw)};
    const std::string_view token = trim(raw);
    const bool starts_with_digit = token[0] >= '0' && token[0] <= '9';
    if (starts_with_digit) {
      // An unescaped ':' splits a time or timestamp into five tokens; try those first.
      const std::size_t position = tokens.mark();
      if (const auto remainder = tokens.next(4)) {
        if (auto temporal = parse_temporal(std::string(token) + std::string(*remainder))) {
          return temporal;
        }
      }
      tokens.rewind_to(position);
      if (auto temporal = parse_temporal(token)) return temporal;
    }
    if (starts_with_digit || token[0] == '+' || token[0] == '-') {
      if (auto number = parse_number(token)) return number;
    }
    if (embedded) throw DataException("Failed to parse embedded value");
    return SchemaAndValue{Schema::string(), std::string(tokens.original())};
  }

 private:
  ValueTextParser nested() const { return ValueTextParser(depth_ + 1); }

  // A single-token literal counts inside a container, or at the top level when nothing follows
  // ("true}" at the top level is the string "true}").
  static bool literal(Tokens& tokens, bool embedded, std::string_view literal) {
    const std::size_t start = tokens.mark();
    if (tokens.can_consume(literal) && (embedded || !tokens.has_next())) return true;
    tokens.rewind_to(start);
    return false;
  }

  std::optional<SchemaAndValue> parse_quoted(Tokens& tokens) {
    std::string content;
    while (tokens.has_next()) {
      if (tokens.can_consume("\"")) break;
      content.append(tokens.next());
    }
    // A quoted date or time keeps its type; any other quoted text is a string.
    Tokens inner(content);
    std::optional<SchemaAndValue> parsed;
    if (!content.empty() && depth_ < kMaxValueTextDepth) parsed = nested().parse(inner, false);
    if (parsed && is_temporal(parsed->schema)) return parsed;
    return SchemaAndValue{Schema::string(), std::move(content)};
  }

  SchemaAndValue parse_array(Tokens& tokens) {
    sdk::Array values;
    SchemaPtr element_schema;
    bool seen = false;
    while (tokens.has_next()) {
      if (tokens.can_consume("]")) {
        if (!element_schema) return SchemaAndValue{nullptr, std::move(values)};
        for (Value& value : values) value = align(element_schema, std::move(value));
        return SchemaAndValue{sdk::SchemaBuilder::array(element_schema).build(), std::move(values)};
      }
      if (tokens.can_consume(",")) throw DataException("empty array element");
      std::optional<SchemaAndValue> element = parse(tokens, true);
      element_schema = common_schema(element_schema, element, &seen);
      values.push_back(element ? std::move(element->value) : Value());
      const std::size_t here = tokens.mark();
      if (tokens.can_consume("]")) {
        tokens.rewind_to(here);
      } else if (!tokens.can_consume(",")) {
        throw DataException("array elements missing ','");
      }
    }
    throw DataException("array missing ']'");
  }

  SchemaAndValue parse_map(Tokens& tokens) {
    sdk::Map entries;
    // A repeated key replaces the earlier value in its place, as Java's LinkedHashMap.put does.
    std::unordered_multimap<std::size_t, std::size_t> index;
    SchemaPtr key_schema;
    SchemaPtr value_schema;
    bool seen_key = false;
    bool seen_value = false;
    while (tokens.has_next()) {
      if (tokens.can_consume("}")) {
        if (!key_schema || !value_schema) return SchemaAndValue{nullptr, std::move(entries)};
        for (sdk::MapEntry& entry : entries) {
          entry.key = align(key_schema, std::move(entry.key));
          entry.value = align(value_schema, std::move(entry.value));
        }
        return SchemaAndValue{sdk::SchemaBuilder::map(key_schema, value_schema).build(),
                              std::move(entries)};
      }
      if (tokens.can_consume(",")) throw DataException("map entry with no key or value");
      std::optional<SchemaAndValue> key = parse(tokens, true);
      if (!key || key->value.is_null()) throw DataException("map entry with a null key");
      if (!tokens.can_consume(":")) throw DataException("map entry missing ':'");
      std::optional<SchemaAndValue> value = parse(tokens, true);
      key_schema = common_schema(key_schema, key, &seen_key);
      value_schema = common_schema(value_schema, value, &seen_value);
      put(entries, index, std::move(key->value), value ? std::move(value->value) : Value());
      tokens.can_consume(",");
    }
    throw DataException("map missing '}'");
  }

  static void put(sdk::Map& entries, std::unordered_multimap<std::size_t, std::size_t>& index,
                  Value key, Value value) {
    const std::size_t hash = sdk::hash_value(key);
    const auto [first, last] = index.equal_range(hash);
    for (auto it = first; it != last; ++it) {
      if (entries[it->second].key == key) {
        entries[it->second].value = std::move(value);
        return;
      }
    }
    index.emplace(hash, entries.size());
    entries.push_back({std::move(key), std::move(value)});
  }

  int depth_;
};

}  // namespace

std::string value_to_text(const Value& value) {
  std::string out;
  append_value(out, value, false);
  return out;
}

SchemaAndValue parse_value_text(std::string_view text) {
  if (text.empty()) return SchemaAndValue{Schema::string(), std::string()};
  Tokens tokens(text);
  std::optional<SchemaAndValue> parsed;
  try {
    parsed = ValueTextParser(0).parse(tokens, false);
  } catch (const DataException&) {
    return SchemaAndValue{Schema::string(), std::string(text)};
  }
  if (!parsed) {
    // The literal null; anything after it would have made it a string.
    return SchemaAndValue{nullptr, Value()};
  }
  // Text after a complete value: the whole text is a string, rather than dropping the rest.
  if (parsed->schema != Schema::string() || !parsed->value.is<std::string>() ||
      parsed->value.as<std::string>() != text) {
    while (tokens.has_next()) {
      if (!trim(tokens.next()).empty()) {
        return SchemaAndValue{Schema::string(), std::string(text)};
      }
    }
  }
  return std::move(*parsed);
}

}  // namespace ferry::runtime
