#include "runtime/converters/json_payload_codec.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "ferry/sdk/errors.h"
#include "ferry/sdk/logical_types.h"

namespace ferry::runtime {
namespace {

using sdk::DataException;
using sdk::logical::LogicalType;

// Where in the value a conversion is, kept on the stack and rendered only for error messages.
struct Path {
  const Path* parent = nullptr;
  std::string_view name;
  std::size_t index = 0;
  bool is_index = false;
};

void render(const Path* path, std::string& out) {
  if (path == nullptr) return;
  render(path->parent, out);
  if (path->is_index) {
    out += '[';
    out += std::to_string(path->index);
    out += ']';
  } else {
    if (!out.empty()) out += '.';
    out += path->name;
  }
}

// " for field \"address.zip\"", or nothing at the top level.
std::string field_suffix(const Path* path) {
  std::string rendered;
  render(path, rendered);
  return rendered.empty() ? std::string() : " for field \"" + rendered + "\"";
}

// Kafka's limit on number literals (Jackson's StreamReadConstraints.maxNumberLength); it also
// bounds the quadratic cost of reading a decimal's digits.
constexpr std::size_t kMaxDecimalChars = 1000;
// Rescaling a Decimal read as a number to its schema's scale multiplies by a power of ten; a
// hostile exponent must not turn that into gigabytes of digits.
constexpr std::int64_t kMaxRescaleDigits = 1000;

// ---------------------------------------------------------------------------------------------
// Writing

class PayloadWriter {
 public:
  PayloadWriter(JsonWriter& writer, const JsonCodecOptions& options)
      : writer_(writer), options_(options) {}

  // is_default: value is schema's own default. A STRUCT default was built against the schema
  // before the default was set (it cannot hold the final schema, which contains it), so for it
  // the struct check compares the fields only.
  void write(const sdk::Schema* schema, const sdk::Value& value, const Path* path,
             std::size_t depth, bool is_default = false) {
    if (depth > kMaxJsonNesting) {
      throw DataException("Value is nested more than " + std::to_string(kMaxJsonNesting) +
                          " levels deep" + field_suffix(path));
    }
    if (value.is_null()) {
      write_null(schema, path, depth);
      return;
    }
    if (schema == nullptr) {
      write_schemaless(value, path, depth);
      return;
    }
    if (schema->name() && write_logical(*schema, value, path)) return;
    switch (schema->type()) {
      case sdk::Type::kInt8:
        writer_.integer(expect<std::int8_t>(*schema, value, path));
        return;
      case sdk::Type::kInt16:
        writer_.integer(expect<std::int16_t>(*schema, value, path));
        return;
      case sdk::Type::kInt32:
        writer_.integer(expect<std::int32_t>(*schema, value, path));
        return;
      case sdk::Type::kInt64:
        writer_.integer(expect<std::int64_t>(*schema, value, path));
        return;
      case sdk::Type::kFloat32:
        writer_.float32(expect<float>(*schema, value, path));
        return;
      case sdk::Type::kFloat64:
        writer_.float64(expect<double>(*schema, value, path));
        return;
      case sdk::Type::kBoolean:
        writer_.boolean(expect<bool>(*schema, value, path));
        return;
      case sdk::Type::kString:
        writer_.string(expect<std::string>(*schema, value, path));
        return;
      case sdk::Type::kBytes:
        writer_.base64(expect<sdk::Bytes>(*schema, value, path));
        return;
      case sdk::Type::kArray:
        write_array(schema->value_schema().get(), expect<sdk::Array>(*schema, value, path), path,
                    depth);
        return;
      case sdk::Type::kMap: {
        const sdk::Schema* key_schema = schema->key_schema().get();
        write_map(key_schema, schema->value_schema().get(), expect<sdk::Map>(*schema, value, path),
                  key_schema->type() == sdk::Type::kString, path, depth);
        return;
      }
      case sdk::Type::kStruct:
        write_struct(*schema, expect<sdk::Struct>(*schema, value, path), path, depth, is_default);
        return;
    }
  }

 private:
  template <typename T>
  const T& expect(const sdk::Schema& schema, const sdk::Value& value, const Path* path) {
    if (const T* held = value.get_if<T>()) return *held;
    throw DataException("Invalid type for " + std::string(sdk::type_name(schema.type())) + ": " +
                        std::string(value.kind_name()) + field_suffix(path));
  }

  void write_null(const sdk::Schema* schema, const Path* path, std::size_t depth) {
    if (schema == nullptr) {
      writer_.null();
    } else if (schema->default_value() && options_.replace_null_with_default) {
      write(schema, *schema->default_value(), path, depth + 1, /*is_default=*/true);
    } else if (schema->is_optional()) {
      writer_.null();
    } else {
      throw DataException(
          "Conversion error: null value for field that is required and has no default value" +
          field_suffix(path));
    }
  }

  // Returns false for names that are not logical types.
  bool write_logical(const sdk::Schema& schema, const sdk::Value& value, const Path* path) {
    switch (sdk::logical::logical_type_of(schema)) {
      case LogicalType::kNone:
        return false;
      case LogicalType::kDecimal: {
        const auto* decimal = value.get_if<sdk::Decimal>();
        if (decimal == nullptr) throw wrong_logical("Decimal", value, path);
        if (options_.decimal_format == DecimalFormat::kNumeric) {
          writer_.raw(decimal->to_string());
        } else {
          if (decimal->scale() != sdk::logical::decimal_scale(schema)) {
            throw DataException("BigDecimal has mismatching scale value for given Decimal schema" +
                                field_suffix(path));
          }
          writer_.base64(decimal->unscaled_bytes());
        }
        return true;
      }
      case LogicalType::kDate: {
        const auto* date = value.get_if<sdk::Date>();
        if (date == nullptr) throw wrong_logical("Date", value, path);
        writer_.integer(date->days_since_epoch);
        return true;
      }
      case LogicalType::kTime: {
        const auto* time = value.get_if<sdk::Time>();
        if (time == nullptr) throw wrong_logical("Time", value, path);
        if (time->millis_of_day < 0 || time->millis_of_day > sdk::logical::kMillisPerDay) {
          throw DataException(
              "Kafka Connect Time type should not have any date fields set to non-zero values." +
              field_suffix(path));
        }
        writer_.integer(time->millis_of_day);
        return true;
      }
      case LogicalType::kTimestamp: {
        const auto* timestamp = value.get_if<sdk::Timestamp>();
        if (timestamp == nullptr) throw wrong_logical("Timestamp", value, path);
        writer_.integer(timestamp->millis_since_epoch);
        return true;
      }
    }
    return false;
  }

  static DataException wrong_logical(std::string_view logical, const sdk::Value& value,
                                     const Path* path) {
    return DataException("Invalid type for " + std::string(logical) + ", expected " +
                         std::string(logical) + " but was " + std::string(value.kind_name()) +
                         field_suffix(path));
  }

  void write_array(const sdk::Schema* element_schema, const sdk::Array& elements, const Path* path,
                   std::size_t depth) {
    writer_.raw('[');
    for (std::size_t i = 0; i < elements.size(); ++i) {
      if (i != 0) writer_.raw(',');
      const Path element_path{path, {}, i, true};
      write(element_schema, elements[i], &element_path, depth + 1);
    }
    writer_.raw(']');
  }

  void write_map(const sdk::Schema* key_schema, const sdk::Schema* value_schema,
                 const sdk::Map& entries, bool object_mode, const Path* path, std::size_t depth) {
    writer_.raw(object_mode ? '{' : '[');
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (i != 0) writer_.raw(',');
      const sdk::MapEntry& entry = entries[i];
      if (object_mode) {
        const std::string& key = object_key(key_schema, entry.key, path);
        writer_.string(key);
        writer_.raw(':');
        const Path value_path{path, key};
        write(value_schema, entry.value, &value_path, depth + 1);
      } else {
        const Path entry_path{path, {}, i, true};
        writer_.raw('[');
        write(key_schema, entry.key, &entry_path, depth + 1);
        writer_.raw(',');
        write(value_schema, entry.value, &entry_path, depth + 1);
        writer_.raw(']');
      }
    }
    writer_.raw(object_mode ? '}' : ']');
  }

  // The text of a key in an object-mode map: Kafka converts the key and takes its text, so a
  // null key becomes the default or "null".
  const std::string& object_key(const sdk::Schema* key_schema, const sdk::Value& key,
                                const Path* path) {
    static const std::string kNullText = "null";
    if (const auto* text = key.get_if<std::string>()) return *text;
    if (!key.is_null() || key_schema == nullptr) {
      throw DataException("Invalid type for STRING: " + std::string(key.kind_name()) +
                          " (map key)" + field_suffix(path));
    }
    if (key_schema->default_value() && options_.replace_null_with_default) {
      if (const auto* text = key_schema->default_value()->get_if<std::string>()) return *text;
    }
    if (key_schema->is_optional()) return kNullText;
    throw DataException(
        "Conversion error: null value for field that is required and has no default value" +
        field_suffix(path));
  }

  void write_struct(const sdk::Schema& schema, const sdk::Struct& value, const Path* path,
                    std::size_t depth, bool is_default) {
    const sdk::Schema& own = *value.schema();
    if (&own != &schema && !(own == schema) && !(is_default && own.fields() == schema.fields())) {
      throw DataException("Mismatching schema." + field_suffix(path));
    }
    writer_.raw('{');
    const auto& fields = schema.fields();
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i != 0) writer_.raw(',');
      writer_.string(fields[i].name());
      writer_.raw(':');
      const Path field_path{path, fields[i].name()};
      write(fields[i].schema().get(), value.values()[i], &field_path, depth + 1);
    }
    writer_.raw('}');
  }

  void write_schemaless(const sdk::Value& value, const Path* path, std::size_t depth) {
    std::visit(
        [&](const auto& held) {
          using T = std::decay_t<decltype(held)>;
          if constexpr (std::is_same_v<T, std::int8_t> || std::is_same_v<T, std::int16_t> ||
                        std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::int64_t>) {
            writer_.integer(held);
          } else if constexpr (std::is_same_v<T, float>) {
            writer_.float32(held);
          } else if constexpr (std::is_same_v<T, double>) {
            writer_.float64(held);
          } else if constexpr (std::is_same_v<T, bool>) {
            writer_.boolean(held);
          } else if constexpr (std::is_same_v<T, std::string>) {
            writer_.string(held);
          } else if constexpr (std::is_same_v<T, sdk::Bytes>) {
            writer_.base64(held);
          } else if constexpr (std::is_same_v<T, sdk::Array>) {
            write_array(nullptr, held, path, depth);
          } else if constexpr (std::is_same_v<T, sdk::Map>) {
            bool all_string_keys = true;
            for (const auto& entry : held) {
              if (!entry.key.template is<std::string>()) {
                all_string_keys = false;
                break;
              }
            }
            write_map(nullptr, nullptr, held, all_string_keys, path, depth);
          } else if constexpr (std::is_same_v<T, sdk::Struct>) {
            // Kafka compares the struct's schema with the (null) schema given and fails.
            throw DataException("Mismatching schema." + field_suffix(path));
          } else if constexpr (std::is_same_v<T, std::monostate>) {
            writer_.null();
          } else {
            throw DataException(std::string(value.kind_name()) +
                                " value does not have a corresponding schema type; logical "
                                "values need a schema" +
                                field_suffix(path));
          }
        },
        value.storage());
  }

  JsonWriter& writer_;
  const JsonCodecOptions& options_;
};

// ---------------------------------------------------------------------------------------------
// Reading

double parse_double(std::string_view text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc() && end == text.data() + text.size()) return value;
  // Out of range: BigDecimal.doubleValue() gives an infinity or a zero; so does strtod.
  return std::strtod(std::string(text).c_str(), nullptr);
}

float parse_float(std::string_view text) {
  float value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc() && end == text.data() + text.size()) return value;
  return std::strtof(std::string(text).c_str(), nullptr);
}

// The strings Jackson writes for non-finite numbers, read back.
bool parse_non_finite(std::string_view text, double& value) {
  if (text == "NaN") {
    value = std::numeric_limits<double>::quiet_NaN();
  } else if (text == "Infinity") {
    value = std::numeric_limits<double>::infinity();
  } else if (text == "-Infinity") {
    value = -std::numeric_limits<double>::infinity();
  } else {
    return false;
  }
  return true;
}

// A Decimal rescaled exactly to scale, without letting a hostile exponent cost unbounded work.
sdk::Decimal rescale(const sdk::Decimal& decimal, std::int32_t scale, const Path* path) {
  if (decimal.scale() == scale) return decimal;
  const auto& unscaled = decimal.unscaled_bytes();
  if (unscaled.size() == 1 && unscaled[0] == 0) return sdk::Decimal::from_unscaled(0, scale);
  const std::int64_t difference =
      static_cast<std::int64_t>(scale) - static_cast<std::int64_t>(decimal.scale());
  // A non-zero value has at most 2.41 decimal digits per byte; dropping more digits than it has
  // cannot be exact.
  const auto max_digits = static_cast<std::int64_t>(unscaled.size() * 5 / 2 + 1);
  if (difference > kMaxRescaleDigits || -difference > max_digits) {
    throw DataException("Decimal " + decimal.to_string() + " cannot be represented with scale " +
                        std::to_string(scale) + field_suffix(path));
  }
  try {
    return decimal.with_scale(scale);
  } catch (const DataException& e) {
    throw DataException(std::string(e.what()) + field_suffix(path));
  }
}

class PayloadReader {
 public:
  explicit PayloadReader(const JsonCodecOptions& options) : options_(options) {}

  sdk::Value read(JsonNode node, const sdk::SchemaPtr& schema, const Path* path) {
    if (!node.valid() || node.is_null()) return read_null(schema.get(), path);
    if (!schema) return infer(node, path);
    const sdk::Schema& s = *schema;
    if (s.name()) {
      switch (sdk::logical::logical_type_of(s)) {
        case LogicalType::kNone:
          break;
        case LogicalType::kDecimal:
          return read_decimal(node, s, path);
        case LogicalType::kDate:
          if (node.fits_int64() && fits<std::int32_t>(node.integer())) {
            return sdk::Date{static_cast<std::int32_t>(node.integer())};
          }
          throw DataException(
              "Invalid type for Date, underlying representation should be integer but was " +
              std::string(json_kind_name(node.kind())) + field_suffix(path));
        case LogicalType::kTime:
          if (node.fits_int64() && fits<std::int32_t>(node.integer())) {
            if (node.integer() < 0 || node.integer() > sdk::logical::kMillisPerDay) {
              throw DataException(
                  "Time values must use number of milliseconds greater than 0 and less than "
                  "86400000" +
                  field_suffix(path));
            }
            return sdk::Time{static_cast<std::int32_t>(node.integer())};
          }
          throw DataException(
              "Invalid type for Time, underlying representation should be integer but was " +
              std::string(json_kind_name(node.kind())) + field_suffix(path));
        case LogicalType::kTimestamp:
          if (node.fits_int64()) return sdk::Timestamp{node.integer()};
          if (node.kind() == JsonKind::kInteger) throw out_of_range(node, "Timestamp", path);
          throw DataException(
              "Invalid type for Timestamp, underlying representation should be integral but was " +
              std::string(json_kind_name(node.kind())) + field_suffix(path));
      }
    }
    switch (s.type()) {
      case sdk::Type::kInt8:
        return integer<std::int8_t>(node, s, path);
      case sdk::Type::kInt16:
        return integer<std::int16_t>(node, s, path);
      case sdk::Type::kInt32:
        return integer<std::int32_t>(node, s, path);
      case sdk::Type::kInt64:
        return integer<std::int64_t>(node, s, path);
      case sdk::Type::kFloat32:
        if (node.is_number()) return parse_float(node.text());
        if (double special;
            node.kind() == JsonKind::kString && parse_non_finite(node.text(), special)) {
          return static_cast<float>(special);
        }
        throw wrong_json(node, s, "a number", path);
      case sdk::Type::kFloat64:
        if (node.is_number()) return parse_double(node.text());
        if (double special;
            node.kind() == JsonKind::kString && parse_non_finite(node.text(), special)) {
          return special;
        }
        throw wrong_json(node, s, "a number", path);
      case sdk::Type::kBoolean:
        if (node.kind() == JsonKind::kBoolean) return node.boolean();
        throw wrong_json(node, s, "a boolean", path);
      case sdk::Type::kString:
        if (node.kind() == JsonKind::kString) return std::string(node.text());
        throw wrong_json(node, s, "a string", path);
      case sdk::Type::kBytes: {
        if (node.kind() != JsonKind::kString) throw wrong_json(node, s, "a base64 string", path);
        sdk::Bytes bytes;
        if (!decode_base64(node.text(), bytes)) {
          throw DataException("Invalid bytes field: not base64" + field_suffix(path));
        }
        return bytes;
      }
      case sdk::Type::kArray:
        if (node.kind() != JsonKind::kArray) throw wrong_json(node, s, "an array", path);
        return read_array(node, s.value_schema(), path);
      case sdk::Type::kMap:
        return read_map(node, s.key_schema(), s.value_schema(), path);
      case sdk::Type::kStruct:
        return read_struct(node, schema, path);
    }
    throw DataException("Unknown schema type" + field_suffix(path));
  }

 private:
  template <typename T>
  static bool fits(std::int64_t value) {
    return value >= std::numeric_limits<T>::min() && value <= std::numeric_limits<T>::max();
  }

  static DataException out_of_range(JsonNode node, std::string_view type, const Path* path) {
    return DataException("Value " + std::string(node.text().substr(0, 64)) +
                         " is out of range for " + std::string(type) + field_suffix(path));
  }

  static DataException wrong_json(JsonNode node, const sdk::Schema& schema,
                                  std::string_view expected, const Path* path) {
    return DataException("Invalid JSON for " + std::string(sdk::type_name(schema.type())) +
                         ": expected " + std::string(expected) + " but found " +
                         std::string(json_kind_name(node.kind())) + field_suffix(path));
  }

  template <typename T>
  static sdk::Value integer(JsonNode node, const sdk::Schema& schema, const Path* path) {
    if (node.kind() != JsonKind::kInteger) throw wrong_json(node, schema, "an integer", path);
    if (!node.fits_int64() || !fits<T>(node.integer())) {
      throw out_of_range(node, sdk::type_name(schema.type()), path);
    }
    return static_cast<T>(node.integer());
  }

  sdk::Value read_null(const sdk::Schema* schema, const Path* path) {
    if (schema == nullptr) return {};
    if (schema->default_value() && options_.replace_null_with_default) {
      return *schema->default_value();
    }
    if (schema->is_optional()) return {};
    throw DataException("Invalid null value for required " +
                        std::string(sdk::type_name(schema->type())) + " field" +
                        field_suffix(path));
  }

  sdk::Value read_decimal(JsonNode node, const sdk::Schema& schema, const Path* path) {
    const std::int32_t scale = sdk::logical::decimal_scale(schema);
    if (node.is_number()) {
      if (node.text().size() > kMaxDecimalChars) {
        throw DataException("Decimal number has more than " + std::to_string(kMaxDecimalChars) +
                            " characters" + field_suffix(path));
      }
      return rescale(sdk::Decimal::parse(node.text()), scale, path);
    }
    if (node.kind() == JsonKind::kString) {
      sdk::Bytes bytes;
      if (!decode_base64(node.text(), bytes) || bytes.empty()) {
        throw DataException("Invalid bytes for Decimal field" + field_suffix(path));
      }
      return sdk::Decimal::from_unscaled_bytes(std::move(bytes), scale);
    }
    throw DataException(
        "Invalid type for Decimal, underlying representation should be numeric or bytes but was " +
        std::string(json_kind_name(node.kind())) + field_suffix(path));
  }

  sdk::Value infer(JsonNode node, const Path* path) {
    switch (node.kind()) {
      case JsonKind::kNull:
        return {};
      case JsonKind::kBoolean:
        return node.boolean();
      case JsonKind::kInteger:
        if (!node.fits_int64()) throw out_of_range(node, "INT64", path);
        return node.integer();
      case JsonKind::kNumber:
        return parse_double(node.text());
      case JsonKind::kString:
        return std::string(node.text());
      case JsonKind::kArray:
        return read_array(node, nullptr, path);
      case JsonKind::kObject:
        return read_string_keyed_map(node, nullptr, path);
    }
    return {};
  }

  sdk::Value read_array(JsonNode node, const sdk::SchemaPtr& element_schema, const Path* path) {
    sdk::Array elements;
    elements.reserve(node.count());
    JsonNode element = node.first_child();
    for (std::uint32_t i = 0; i < node.count(); ++i, element = element.next()) {
      const Path element_path{path, {}, i, true};
      elements.push_back(read(element, element_schema, &element_path));
    }
    return elements;
  }

  sdk::Value read_map(JsonNode node, const sdk::SchemaPtr& key_schema,
                      const sdk::SchemaPtr& value_schema, const Path* path) {
    if (key_schema->type() == sdk::Type::kString) {
      if (node.kind() != JsonKind::kObject) {
        throw DataException(
            "Maps with string fields should be encoded as JSON objects, but found " +
            std::string(json_kind_name(node.kind())) + field_suffix(path));
      }
      return read_string_keyed_map(node, value_schema, path);
    }
    if (node.kind() != JsonKind::kArray) {
      throw DataException(
          "Maps with non-string fields should be encoded as JSON array of tuples, but found " +
          std::string(json_kind_name(node.kind())) + field_suffix(path));
    }
    MapBuilder entries(node.count());
    JsonNode entry = node.first_child();
    for (std::uint32_t i = 0; i < node.count(); ++i, entry = entry.next()) {
      const Path entry_path{path, {}, i, true};
      if (entry.kind() != JsonKind::kArray) {
        throw DataException("Found invalid map entry instead of array tuple: " +
                            std::string(json_kind_name(entry.kind())) + field_suffix(&entry_path));
      }
      if (entry.count() != 2) {
        throw DataException("Found invalid map entry, expected length 2 but found :" +
                            std::to_string(entry.count()) + field_suffix(&entry_path));
      }
      JsonNode key = entry.first_child();
      sdk::Value key_value = read(key, key_schema, &entry_path);
      sdk::Value value = read(key.next(), value_schema, &entry_path);
      entries.put(std::move(key_value), std::move(value));
    }
    return entries.take();
  }

  sdk::Value read_string_keyed_map(JsonNode node, const sdk::SchemaPtr& value_schema,
                                   const Path* path) {
    if (!has_duplicate_keys(node)) {
      sdk::Map entries;
      entries.reserve(node.count());
      JsonNode key = node.first_child();
      for (std::uint32_t i = 0; i < node.count(); ++i) {
        JsonNode value = key.next();
        const Path value_path{path, key.text()};
        entries.push_back({std::string(key.text()), read(value, value_schema, &value_path)});
        key = value.next();
      }
      return entries;
    }
    MapBuilder entries(node.count());
    JsonNode key = node.first_child();
    for (std::uint32_t i = 0; i < node.count(); ++i) {
      JsonNode value = key.next();
      const Path value_path{path, key.text()};
      entries.put(std::string(key.text()), read(value, value_schema, &value_path));
      key = value.next();
    }
    return entries.take();
  }

  // Duplicate keys are rare (Jackson and Kafka never write them), so they are looked for on the
  // JSON keys, which is cheaper than comparing Values while building the map.
  static bool has_duplicate_keys(JsonNode object) {
    const std::uint32_t count = object.count();
    if (count < 2) return false;
    if (count <= 16) {
      std::string_view keys[16];
      JsonNode key = object.first_child();
      for (std::uint32_t i = 0; i < count; ++i, key = key.next().next()) {
        keys[i] = key.text();
        for (std::uint32_t j = 0; j < i; ++j) {
          if (keys[j] == keys[i]) return true;
        }
      }
      return false;
    }
    std::unordered_set<std::string_view> seen;
    seen.reserve(count);
    JsonNode key = object.first_child();
    for (std::uint32_t i = 0; i < count; ++i, key = key.next().next()) {
      if (!seen.insert(key.text()).second) return true;
    }
    return false;
  }

  // Jackson's ObjectNode and Java's HashMap keep one entry per key, the last value winning. Small
  // maps search linearly; larger ones through an index, so hostile input stays linear.
  class MapBuilder {
   public:
    explicit MapBuilder(std::size_t expected) { entries_.reserve(expected); }

    void put(sdk::Value key, sdk::Value value) {
      if (entries_.size() < kLinearLimit) {
        for (auto& existing : entries_) {
          if (existing.key == key) {
            existing.value = std::move(value);
            return;
          }
        }
      } else {
        if (index_.empty()) {
          for (std::size_t i = 0; i < entries_.size(); ++i) {
            index_.emplace(sdk::hash_value(entries_[i].key), i);
          }
        }
        const std::size_t hash = sdk::hash_value(key);
        const auto [first, last] = index_.equal_range(hash);
        for (auto it = first; it != last; ++it) {
          if (entries_[it->second].key == key) {
            entries_[it->second].value = std::move(value);
            return;
          }
        }
        index_.emplace(hash, entries_.size());
      }
      entries_.push_back({std::move(key), std::move(value)});
    }

    sdk::Map take() { return std::move(entries_); }

   private:
    static constexpr std::size_t kLinearLimit = 16;
    sdk::Map entries_;
    std::unordered_multimap<std::size_t, std::size_t> index_;
  };

  sdk::Value read_struct(JsonNode node, const sdk::SchemaPtr& schema, const Path* path) {
    if (node.kind() != JsonKind::kObject) {
      throw DataException("Structs should be encoded as JSON objects, but found " +
                          std::string(json_kind_name(node.kind())) + field_suffix(path));
    }
    const auto& fields = schema->fields();
    // Records written by a JsonConverter list the fields in schema order; then each field's
    // value is the next member and no lookup by name is needed.
    bool in_order = node.count() == fields.size();
    if (in_order) {
      JsonNode key = node.first_child();
      for (const auto& field : fields) {
        if (key.text() != field.name()) {
          in_order = false;
          break;
        }
        key = key.next().next();
      }
    }
    sdk::Struct result(schema);
    JsonNode key = node.first_child();
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const sdk::Field& field = fields[i];
      JsonNode member(nullptr, 0);
      if (in_order) {
        member = key.next();
        key = member.next();
      } else {
        member = node.member(field.name());
      }
      const Path field_path{path, field.name()};
      sdk::Value value = read(member, field.schema(), &field_path);
      if (!value.is_null()) result.put(i, std::move(value));
    }
    return result;
  }

  const JsonCodecOptions& options_;
};

}  // namespace

void write_payload(JsonWriter& writer, const sdk::Schema* schema, const sdk::Value& value,
                   const JsonCodecOptions& options) {
  PayloadWriter(writer, options).write(schema, value, nullptr, 0);
}

void write_default(JsonWriter& writer, const sdk::Schema& schema, const JsonCodecOptions& options) {
  PayloadWriter(writer, options).write(&schema, *schema.default_value(), nullptr, 0, true);
}

sdk::Value read_payload(JsonNode node, const sdk::SchemaPtr& schema,
                        const JsonCodecOptions& options) {
  return PayloadReader(options).read(node, schema, nullptr);
}

}  // namespace ferry::runtime
