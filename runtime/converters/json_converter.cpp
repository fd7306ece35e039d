#include "runtime/converters/json_converter.h"

#include <cstddef>
#include <list>
#include <unordered_map>
#include <utility>

#include "ferry/sdk/errors.h"
#include "runtime/converters/json_document.h"
#include "runtime/converters/json_schema_codec.h"
#include "runtime/converters/json_writer.h"

namespace ferry::runtime {
namespace {

using sdk::DataException;

constexpr std::string_view kEnvelopeError =
    "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not "
    "contain additional fields. If you are trying to deserialize plain JSON data, set "
    "schemas.enable=false in your converter configuration.";

bool is_whitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool all_whitespace(std::string_view text) {
  for (char c : text) {
    if (!is_whitespace(c)) return false;
  }
  return true;
}

// How the envelope begins and how its schema is followed, as written (compact) by Kafka and Ferry.
constexpr std::string_view kEnvelopeStart = "{\"schema\":";
constexpr std::string_view kPayloadStart = ",\"payload\":";
// Learning a schema's text tries at most this many ,"payload": occurrences as its end (a schema
// whose strings hold more of them is just never on the fast path).
constexpr int kMaxSchemaEndCandidates = 4;

// schema -> its JSON text, least recently used first out.
class SchemaTextCache {
 public:
  void reset(std::size_t capacity) {
    capacity_ = capacity;
    entries_.clear();
    index_.clear();
    last_ = entries_.end();
  }

  template <typename Render>
  const std::string& get(const sdk::SchemaPtr& schema, Render render) {
    // The entry holds the SchemaPtr, so its address cannot be reused while it is cached.
    if (last_ != entries_.end() && last_->schema.get() == schema.get()) return last_->text;
    const std::size_t hash = sdk::hash_value(*schema);
    const auto [first, end] = index_.equal_range(hash);
    for (auto it = first; it != end; ++it) {
      if (*it->second->schema == *schema) {
        entries_.splice(entries_.begin(), entries_, it->second);
        last_ = entries_.begin();
        return last_->text;
      }
    }
    if (capacity_ == 0) {
      uncached_ = render(*schema);
      return uncached_;
    }
    entries_.push_front({schema, hash, render(*schema)});
    index_.emplace(hash, entries_.begin());
    if (entries_.size() > capacity_) evict_last();
    last_ = entries_.begin();
    return last_->text;
  }

 private:
  struct Entry {
    sdk::SchemaPtr schema;
    std::size_t hash;
    std::string text;
  };
  using Iterator = std::list<Entry>::iterator;

  void evict_last() {
    const Iterator victim = std::prev(entries_.end());
    const auto [first, end] = index_.equal_range(victim->hash);
    for (auto it = first; it != end; ++it) {
      if (it->second == victim) {
        index_.erase(it);
        break;
      }
    }
    entries_.erase(victim);
  }

  std::size_t capacity_ = 0;
  std::list<Entry> entries_;
  std::unordered_multimap<std::size_t, Iterator> index_;
  Iterator last_ = entries_.end();
  std::string uncached_;
};

// schema JSON (by content) -> the schema read from it, least recently used first out.
class SchemaReadCache {
 public:
  void reset(std::size_t capacity) {
    capacity_ = capacity;
    entries_.clear();
    index_.clear();
    last_ = entries_.end();
  }

  template <typename Read>
  sdk::SchemaPtr get(const JsonDocument& document, JsonNode node, Read read) {
    if (last_ != entries_.end() && document.same_value(node, *last_->json, last_->json->root())) {
      return last_->schema;
    }
    const std::size_t hash = document.hash(node);
    const auto [first, end] = index_.equal_range(hash);
    for (auto it = first; it != end; ++it) {
      const Entry& entry = *it->second;
      if (document.same_value(node, *entry.json, entry.json->root())) {
        entries_.splice(entries_.begin(), entries_, it->second);
        last_ = entries_.begin();
        return last_->schema;
      }
    }
    sdk::SchemaPtr schema = read(node);
    if (capacity_ == 0) return schema;
    entries_.push_front({document.copy_of(node), hash, schema});
    index_.emplace(hash, entries_.begin());
    if (entries_.size() > capacity_) evict_last();
    last_ = entries_.begin();
    return schema;
  }

 private:
  struct Entry {
    std::unique_ptr<JsonDocument> json;
    std::size_t hash;
    sdk::SchemaPtr schema;
  };
  using Iterator = std::list<Entry>::iterator;

  void evict_last() {
    const Iterator victim = std::prev(entries_.end());
    const auto [first, end] = index_.equal_range(victim->hash);
    for (auto it = first; it != end; ++it) {
      if (it->second == victim) {
        index_.erase(it);
        break;
      }
    }
    entries_.erase(victim);
  }

  std::size_t capacity_ = 0;
  std::list<Entry> entries_;
  std::unordered_multimap<std::size_t, Iterator> index_;
  Iterator last_ = entries_.end();
};

}  // namespace

struct JsonConverter::State {
  JsonConverterSettings settings;
  SchemaTextCache schema_texts;
  SchemaReadCache schemas_read;
  JsonDocument document;
  sdk::Bytes scratch;  // for rendering schema texts
  std::size_t last_output_size = 64;

  // The fast path of to_connect_data for a stream of envelopes with one schema: the exact text
  // of the last envelope's schema (empty: none known) and the schema read from it. Valid only
  // while the read cache would answer that text with that schema without changing (its last
  // entry, or a null schema), so a record taking the fast path converts exactly as a full parse
  // would, caches included.
  std::string known_schema_text;
  sdk::SchemaPtr known_schema;
  // Parses a part of an envelope: the payload (or a schema text being learned), one level deeper
  // than the envelope's own top, so its depth limit is one less.
  JsonDocument part_document{JsonDocument::kMaxDepth - 1};

  std::string render_schema(const sdk::Schema& schema) {
    scratch.clear();
    {
      JsonWriter writer(&scratch);
      write_schema(writer, schema, settings.codec);
    }
    return std::string(scratch.begin(), scratch.end());
  }

  sdk::SchemaPtr read_schema_cached(JsonNode node) {
    forget_known_schema();
    if (node.is_null()) return nullptr;
    return schemas_read.get(document, node,
                            [this](JsonNode n) { return read_schema(n, settings.codec); });
  }

  void forget_known_schema() {
    known_schema_text.clear();
    known_schema = nullptr;
  }

  // The fast path: text is {"schema":<known_schema_text>,"payload":<P>} followed by whitespace
  // only, P being one JSON value (whitespace around it allowed). Such a text is exactly an envelope
  // with those two members, so only P needs parsing. Anything else (including a P that does not
  // parse) is nullopt, for the full parse to accept or to report.
  std::optional<sdk::SchemaAndValue> read_known_envelope(std::string_view text) {
    const std::string_view schema_text = known_schema_text;
    if (schema_text.empty() || !text.starts_with(kEnvelopeStart)) return std::nullopt;
    std::string_view rest = text.substr(kEnvelopeStart.size());
    if (!rest.starts_with(schema_text)) return std::nullopt;
    rest.remove_prefix(schema_text.size());
    if (!rest.starts_with(kPayloadStart)) return std::nullopt;
    rest.remove_prefix(kPayloadStart.size());
    while (!rest.empty() && is_whitespace(rest.back())) rest.remove_suffix(1);
    if (rest.empty() || rest.back() != '}') return std::nullopt;
    rest.remove_suffix(1);
    if (!part_document.try_parse(rest)) return std::nullopt;
    return sdk::SchemaAndValue{known_schema,
                               read_payload(part_document.root(), known_schema, settings.codec)};
  }

  // After a full parse of text read schema_node (in document) as schema: remembers the schema's
  // exact text for the fast path, if text begins the way the fast path expects and the schema
  // will be answered the same way next time (schema texts are cached, or it is null).
  void learn_known_schema(std::string_view text, JsonNode schema_node,
                          const sdk::SchemaPtr& schema) {
    if (!text.starts_with(kEnvelopeStart)) return;
    if (schema && settings.schemas_cache_size == 0) return;
    const std::string_view rest = text.substr(kEnvelopeStart.size());
    std::size_t end = 0;
    for (int i = 0; i < kMaxSchemaEndCandidates; ++i, ++end) {
      end = rest.find(kPayloadStart, end);
      if (end == std::string_view::npos) return;
      const std::string_view candidate = rest.substr(0, end);
      if (part_document.try_parse(candidate) &&
          part_document.same_value(part_document.root(), document, schema_node)) {
        known_schema_text.assign(candidate);
        known_schema = schema;
        return;
      }
    }
  }
};

JsonConverter::JsonConverter() : state_(std::make_unique<State>()) {
  state_->schema_texts.reset(static_cast<std::size_t>(state_->settings.schemas_cache_size));
  state_->schemas_read.reset(static_cast<std::size_t>(state_->settings.schemas_cache_size));
}

JsonConverter::~JsonConverter() = default;

sdk::ConfigDef JsonConverter::config_def() {
  using sdk::ConfigType;
  using sdk::Importance;
  return sdk::ConfigDef()
      .define({.name = std::string(kSchemasEnableConfig),
               .type = ConfigType::kBoolean,
               .default_value = true,
               .importance = Importance::kHigh,
               .documentation = "Include schemas within each of the serialized values and keys."})
      .define({.name = std::string(kSchemasCacheSizeConfig),
               .type = ConfigType::kInt,
               .default_value = 1000,
               .validator = sdk::Range::at_least(0),
               .importance = Importance::kHigh,
               .documentation =
                   "The maximum number of schemas that can be cached in this converter instance."})
      .define({.name = std::string(kDecimalFormatConfig),
               .type = ConfigType::kString,
               .default_value = std::string("BASE64"),
               .validator = sdk::CaseInsensitiveValidString::in({"BASE64", "NUMERIC"}),
               .importance = Importance::kLow,
               .documentation =
                   "Controls which format this converter will serialize decimals in. This value "
                   "is case insensitive and can be either 'BASE64' (default) or 'NUMERIC'"})
      .define({.name = std::string(kReplaceNullWithDefaultConfig),
               .type = ConfigType::kBoolean,
               .default_value = true,
               .importance = Importance::kLow,
               .documentation =
                   "Whether to replace fields that have a default value and that are null to the "
                   "default value. When set to true, the default value is used, otherwise null is "
                   "used."})
      .define(converter_type_key());
}

void JsonConverter::configure(const sdk::ConfigMap& configs, bool is_key) {
  apply(with_converter_type(configs, is_key));
}

void JsonConverter::configure(const sdk::ConfigMap& configs) {
  apply(with_header_converter_type(configs));
}

void JsonConverter::apply(const sdk::ConfigMap& configs) {
  const sdk::ParsedConfig parsed = config_def().parse(configs);
  JsonConverterSettings settings;
  settings.schemas_enable = parsed.get_bool(kSchemasEnableConfig);
  settings.schemas_cache_size = parsed.get_int(kSchemasCacheSizeConfig);
  std::string format = parsed.get_string(kDecimalFormatConfig);
  for (char& c : format) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  settings.codec.decimal_format =
      format == "NUMERIC" ? DecimalFormat::kNumeric : DecimalFormat::kBase64;
  settings.codec.replace_null_with_default = parsed.get_bool(kReplaceNullWithDefaultConfig);
  settings.type = parse_converter_type(parsed.get_string(kConverterTypeConfig));
  state_->settings = settings;
  state_->forget_known_schema();
  state_->schema_texts.reset(static_cast<std::size_t>(settings.schemas_cache_size));
  state_->schemas_read.reset(static_cast<std::size_t>(settings.schemas_cache_size));
}

const JsonConverterSettings& JsonConverter::settings() const { return state_->settings; }

std::optional<sdk::Bytes> JsonConverter::from_connect_data(std::string_view topic,
                                                           const sdk::SchemaPtr& schema,
                                                           const sdk::Value& value) {
  sdk::Bytes out;
  out.reserve(state_->last_output_size + state_->last_output_size / 4);
  if (!from_connect_data_into(topic, schema, value, out)) return std::nullopt;
  return out;
}

bool JsonConverter::from_connect_data_into(std::string_view /*topic*/, const sdk::SchemaPtr& schema,
                                           const sdk::Value& value, sdk::Bytes& out) {
  out.clear();
  if (!schema && value.is_null()) return false;
  State& state = *state_;
  {
    JsonWriter writer(&out);
    if (state.settings.schemas_enable) {
      writer.raw("{\"schema\":");
      if (schema) {
        writer.raw(state.schema_texts.get(
            schema, [&state](const sdk::Schema& s) { return state.render_schema(s); }));
      } else {
        writer.null();
      }
      writer.raw(",\"payload\":");
      write_payload(writer, schema.get(), value, state.settings.codec);
      writer.raw('}');
    } else {
      write_payload(writer, schema.get(), value, state.settings.codec);
    }
  }  // the writer trims out to what it wrote
  state.last_output_size = out.size();
  return true;
}

sdk::SchemaAndValue JsonConverter::to_connect_data(std::string_view /*topic*/,
                                                   std::optional<sdk::ByteView> bytes) {
  if (!bytes) return {};
  State& state = *state_;
  const std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  // Jackson reads empty input as a missing node: no envelope, or a null value.
  if (all_whitespace(text)) {
    if (state.settings.schemas_enable) throw DataException(std::string(kEnvelopeError));
    return {};
  }
  if (state.settings.schemas_enable) {
    if (auto known = state.read_known_envelope(text)) return std::move(*known);
  }
  state.document.parse(text);
  const JsonNode root = state.document.root();
  if (!state.settings.schemas_enable) {
    return {nullptr, read_payload(root, nullptr, state.settings.codec)};
  }
  if (root.kind() != JsonKind::kObject) throw DataException(std::string(kEnvelopeError));
  JsonNode schema_node(nullptr, 0);
  JsonNode payload_node(nullptr, 0);
  JsonNode key = root.first_child();
  for (std::uint32_t i = 0; i < root.count(); ++i) {
    const JsonNode member = key.next();
    if (key.text() == "schema") {
      schema_node = member;
    } else if (key.text() == "payload") {
      payload_node = member;
    } else {
      throw DataException(std::string(kEnvelopeError));
    }
    key = member.next();
  }
  if (!schema_node.valid() || !payload_node.valid()) {
    throw DataException(std::string(kEnvelopeError));
  }
  sdk::SchemaPtr schema = state.read_schema_cached(schema_node);
  state.learn_known_schema(text, schema_node, schema);
  sdk::Value value = read_payload(payload_node, schema, state.settings.codec);
  return {std::move(schema), std::move(value)};
}

std::optional<sdk::Bytes> JsonConverter::from_connect_header(std::string_view topic,
                                                             std::string_view /*header_key*/,
                                                             const sdk::SchemaPtr& schema,
                                                             const sdk::Value& value) {
  return from_connect_data(topic, schema, value);
}

sdk::SchemaAndValue JsonConverter::to_connect_header(std::string_view topic,
                                                     std::string_view /*header_key*/,
                                                     std::optional<sdk::ByteView> bytes) {
  return to_connect_data(topic, bytes);
}

std::string JsonConverter::as_json_schema(const sdk::SchemaPtr& schema) {
  if (!schema) return "null";
  State& state = *state_;
  return state.schema_texts.get(schema,
                                [&state](const sdk::Schema& s) { return state.render_schema(s); });
}

sdk::SchemaPtr JsonConverter::as_connect_schema(std::string_view schema_json) {
  state_->document.parse(schema_json);
  return state_->read_schema_cached(state_->document.root());
}

}  // namespace ferry::runtime
