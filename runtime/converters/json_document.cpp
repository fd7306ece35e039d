#include "runtime/converters/json_document.h"

#include <cstring>
#include <functional>
#include <limits>

#include <boost/json/basic_parser_impl.hpp>

#include "ferry/sdk/errors.h"

namespace ferry::runtime {

// The basic_parser handler: appends tokens to the document as Boost reports them.
class JsonTapeBuilder {
 public:
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  using error_code = boost::json::error_code;
  using string_view = boost::json::string_view;

  explicit JsonTapeBuilder(JsonDocument* document) : document_(document) {}

  void reset() {
    open_.clear();
    in_text_ = false;
  }

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_array_begin(error_code&) { return begin(JsonKind::kArray); }
  bool on_array_end(std::size_t n, error_code&) { return end(n); }
  bool on_object_begin(error_code&) { return begin(JsonKind::kObject); }
  bool on_object_end(std::size_t n, error_code&) { return end(n); }
  bool on_string_part(string_view s, std::size_t, error_code&) { return part(s); }
  bool on_string(string_view s, std::size_t, error_code&) { return text(JsonKind::kString, s); }
  bool on_key_part(string_view s, std::size_t, error_code&) { return part(s); }
  bool on_key(string_view s, std::size_t, error_code&) { return text(JsonKind::kString, s); }
  bool on_number_part(string_view s, error_code&) { return part(s); }
  bool on_int64(std::int64_t i, string_view s, error_code&) {
    text(JsonKind::kInteger, s);
    document_->tokens_.back().integer = i;
    return true;
  }
  bool on_uint64(std::uint64_t u, string_view s, error_code&) {
    text(JsonKind::kInteger, s);
    document_->tokens_.back().big_integer = true;
    document_->tokens_.back().number = static_cast<double>(u);
    return true;
  }
  bool on_double(double d, string_view s, error_code&) {
    text(JsonKind::kNumber, s);
    JsonToken& token = document_->tokens_.back();
    // An integer too large for 64 bits is still an integer to Jackson (a BigIntegerNode).
    const std::string_view literal = document_->text(token);
    if (literal.find_first_of(".eE") == std::string_view::npos) {
      token.kind = JsonKind::kInteger;
      token.big_integer = true;
    }
    token.number = d;
    return true;
  }
  bool on_bool(bool b, error_code&) {
    push(JsonKind::kBoolean).boolean = b;
    return true;
  }
  bool on_null(error_code&) {
    push(JsonKind::kNull);
    return true;
  }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }

 private:
  JsonToken& push(JsonKind kind) {
    auto& tokens = document_->tokens_;
    tokens.emplace_back();
    JsonToken& token = tokens.back();
    token.kind = kind;
    token.end = static_cast<std::uint32_t>(tokens.size());
    return token;
  }
  bool begin(JsonKind kind) {
    open_.push_back(static_cast<std::uint32_t>(document_->tokens_.size()));
    push(kind);
    return true;
  }
  bool end(std::size_t n) {
    JsonToken& token = document_->tokens_[open_.back()];
    open_.pop_back();
    token.end = static_cast<std::uint32_t>(document_->tokens_.size());
    token.count = static_cast<std::uint32_t>(n);
    return true;
  }
  bool part(string_view s) {
    if (!in_text_) {
      text_start_ = document_->text_.size();
      in_text_ = true;
    }
    document_->text_.append(s.data(), s.size());
    return true;
  }
  bool text(JsonKind kind, string_view s) {
    part(s);
    in_text_ = false;
    JsonToken& token = push(kind);
    token.text_offset = static_cast<std::uint32_t>(text_start_);
    token.text_size = static_cast<std::uint32_t>(document_->text_.size() - text_start_);
    return true;
  }

  JsonDocument* document_;
  std::vector<std::uint32_t> open_;  // indices of the containers being filled
  bool in_text_ = false;
  std::size_t text_start_ = 0;
};

struct JsonDocument::Parser {
  static boost::json::parse_options options(std::size_t max_depth) {
    boost::json::parse_options options;
    options.max_depth = max_depth;
    return options;
  }
  Parser(JsonDocument* document, std::size_t max_depth) : parser(options(max_depth), document) {}
  boost::json::basic_parser<JsonTapeBuilder> parser;
};

std::string_view json_kind_name(JsonKind kind) {
  switch (kind) {
    case JsonKind::kNull:
      return "NULL";
    case JsonKind::kBoolean:
      return "BOOLEAN";
    case JsonKind::kInteger:
    case JsonKind::kNumber:
      return "NUMBER";
    case JsonKind::kString:
      return "STRING";
    case JsonKind::kArray:
      return "ARRAY";
    case JsonKind::kObject:
      return "OBJECT";
  }
  return "UNKNOWN";
}

JsonNode JsonNode::member(std::string_view key) const {
  const auto& tokens = document_->tokens();
  JsonNode found(nullptr, 0);
  const std::uint32_t end = tokens[index_].end;
  for (std::uint32_t i = index_ + 1; i < end;) {
    const std::uint32_t value = i + 1;
    if (document_->text(tokens[i]) == key) found = JsonNode(document_, value);
    i = tokens[value].end;
  }
  return found;
}

JsonDocument::JsonDocument(std::size_t max_depth) : max_depth_(max_depth) {}
JsonDocument::~JsonDocument() = default;

void JsonDocument::parse(std::string_view json) {
  if (json.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw sdk::DataException("JSON text of " + std::to_string(json.size()) +
                             " bytes is too large to parse");
  }
  std::string error;
  if (!parse_into(json, &error)) {
    throw sdk::DataException(
        "Converting byte[] to Kafka Connect data failed due to serialization error: " + error);
  }
}

bool JsonDocument::try_parse(std::string_view json) { return parse_into(json, nullptr); }

bool JsonDocument::parse_into(std::string_view json, std::string* error_text) {
  // Token offsets are 32-bit (parse() names this limit in its error).
  if (json.size() > std::numeric_limits<std::uint32_t>::max()) return false;
  tokens_.clear();
  text_.clear();
  // Created on first use, so documents that are only cache keys carry no parser.
  if (!parser_) parser_ = std::make_unique<Parser>(this, max_depth_);
  parser_->parser.reset();
  parser_->parser.handler().reset();
  boost::json::error_code error;
  const std::size_t consumed = parser_->parser.write_some(false, json.data(), json.size(), error);
  if (!error && consumed != json.size()) error = boost::json::error::extra_data;
  if (!error) return true;
  if (error_text) *error_text = error.message() + " at byte offset " + std::to_string(consumed);
  return false;
}

std::size_t JsonDocument::hash(JsonNode node) const {
  std::size_t seed = 0;
  auto mix = [&seed](std::size_t value) {
    seed ^= value + 0x9e3779b97f4a7c15ULL + (seed << 12) + (seed >> 4);
  };
  const std::uint32_t end = tokens_[node.index()].end;
  for (std::uint32_t i = node.index(); i < end; ++i) {
    const JsonToken& token = tokens_[i];
    mix(static_cast<std::size_t>(token.kind) | (static_cast<std::size_t>(token.boolean) << 4) |
        (static_cast<std::size_t>(token.count) << 8));
    if (token.text_size != 0) mix(std::hash<std::string_view>{}(text(token)));
  }
  return seed;
}

bool JsonDocument::same_value(JsonNode a, const JsonDocument& other, JsonNode b) const {
  const std::uint32_t a_begin = a.index();
  const std::uint32_t b_begin = b.index();
  const std::uint32_t length = tokens_[a_begin].end - a_begin;
  if (other.tokens_[b_begin].end - b_begin != length) return false;
  for (std::uint32_t i = 0; i < length; ++i) {
    const JsonToken& x = tokens_[a_begin + i];
    const JsonToken& y = other.tokens_[b_begin + i];
    if (x.kind != y.kind || x.boolean != y.boolean || x.count != y.count ||
        x.end - a_begin != y.end - b_begin || text(x) != other.text(y)) {
      return false;
    }
  }
  return true;
}

std::unique_ptr<JsonDocument> JsonDocument::copy_of(JsonNode node) const {
  auto copy = std::make_unique<JsonDocument>();
  const std::uint32_t begin = node.index();
  const std::uint32_t end = tokens_[begin].end;
  copy->tokens_.reserve(end - begin);
  for (std::uint32_t i = begin; i < end; ++i) {
    JsonToken token = tokens_[i];
    token.end -= begin;
    if (token.text_size != 0) {
      const std::size_t offset = copy->text_.size();
      copy->text_.append(text(token));
      token.text_offset = static_cast<std::uint32_t>(offset);
    } else {
      token.text_offset = 0;
    }
    copy->tokens_.push_back(token);
  }
  return copy;
}

}  // namespace ferry::runtime
