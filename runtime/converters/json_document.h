// A parsed JSON text as a flat array of tokens (a "tape"), built by Boost.JSON's basic_parser.
//
// Why not boost::json::value: the converter needs the exact text of numbers (a NUMERIC Decimal
// "12.30" keeps its scale, a 38-digit decimal keeps every digit, FLOAT32 is rounded once from the
// text as Java's BigDecimal.floatValue() does) and Boost 1.81's DOM keeps only a double. A tape is
// also cheaper: one reused token vector and one reused text buffer, no allocation per node.
//
// Layout: tokens in document order. An array or object token is followed by its contents and
// records end (the index one past its last token) and count (elements, or members). An object's
// contents alternate key tokens (kind kString) and values. Strings and number texts live in one
// buffer; a token refers to them by offset and size.
//
// Limits: parsing enforces Boost's checks (syntax, UTF-8 validity, nesting up to max_depth) and
// rejects trailing non-whitespace; tokens and text never exceed the input size, so memory stays
// proportional to the input.
//
// Thread-safety: a JsonDocument belongs to one thread; JsonNode views into it are valid until the
// next parse().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::runtime {

// Jackson's JsonNodeType names are used in error messages, so the kinds follow them.
enum class JsonKind : std::uint8_t { kNull, kBoolean, kInteger, kNumber, kString, kArray, kObject };

// Jackson's name for a kind ("NULL", "BOOLEAN", "NUMBER", "STRING", "ARRAY", "OBJECT").
std::string_view json_kind_name(JsonKind kind);

struct JsonToken {
  JsonKind kind;
  bool boolean = false;
  // kInteger whose value did not fit int64 (above INT64_MAX) has big_integer set.
  bool big_integer = false;
  std::uint32_t text_offset = 0;  // strings, keys and numbers: the text in the buffer
  std::uint32_t text_size = 0;
  std::uint32_t end = 0;    // containers: index one past the last token; others: own index + 1
  std::uint32_t count = 0;  // containers: elements or members
  union {
    std::int64_t integer;
    double number;
  };
  JsonToken() : integer(0) {}
};

class JsonDocument;

// A view of one value in a JsonDocument.
class JsonNode {
 public:
  JsonNode(const JsonDocument* document, std::uint32_t index)
      : document_(document), index_(index) {}

  JsonKind kind() const;
  bool is_null() const { return kind() == JsonKind::kNull; }
  bool is_number() const { return kind() == JsonKind::kInteger || kind() == JsonKind::kNumber; }
  bool boolean() const;
  // kInteger within int64 range.
  bool fits_int64() const;
  std::int64_t integer() const;
  // Numbers as Boost parsed them (only used for reading doubles that came from integers).
  double number() const;
  // Strings: the unescaped text; numbers: the literal text as written.
  std::string_view text() const;
  std::uint32_t count() const;

  // Containers: the first element or the first member's key; step with next().
  JsonNode first_child() const { return {document_, index_ + 1}; }
  // The token after this whole value: the next element, or the next key/value in an object.
  JsonNode next() const;
  // Objects: the value of the last member with that key (Jackson keeps the last of duplicates),
  // or an invalid node.
  JsonNode member(std::string_view key) const;
  bool valid() const { return document_ != nullptr; }

  const JsonDocument* document() const { return document_; }
  std::uint32_t index() const { return index_; }

 private:
  const JsonDocument* document_;
  std::uint32_t index_;
};

class JsonDocument {
 public:
  // Boost's depth limit; the converter's own recursion over a document is bounded by it too.
  static constexpr std::size_t kMaxDepth = 512;

  // max_depth: the nesting limit of parse(), at most kMaxDepth (a document parsing a part of a
  // larger text passes the depth left to that part).
  explicit JsonDocument(std::size_t max_depth = kMaxDepth);
  ~JsonDocument();
  JsonDocument(const JsonDocument&) = delete;
  JsonDocument& operator=(const JsonDocument&) = delete;

  // Parses one JSON text, replacing what was held. Throws sdk::DataException with Boost's error
  // text and the byte offset where parsing stopped.
  void parse(std::string_view json);
  // As parse(), but a text that does not parse is false instead of an exception (what was held is
  // then unspecified).
  bool try_parse(std::string_view json);

  JsonNode root() const { return {this, 0}; }
  const std::vector<JsonToken>& tokens() const { return tokens_; }
  std::string_view text(const JsonToken& token) const {
    return std::string_view(text_.data() + token.text_offset, token.text_size);
  }

  // A hash of the value at node (structure and contents), for caching by JSON content.
  std::size_t hash(JsonNode node) const;
  // True if the value at a in this document and the value at b in other are the same JSON
  // (same kinds, same member order, same texts).
  bool same_value(JsonNode a, const JsonDocument& other, JsonNode b) const;
  // Copies the value at node into a new document of its own (for use as a cache key).
  std::unique_ptr<JsonDocument> copy_of(JsonNode node) const;

 private:
  friend class JsonTapeBuilder;
  struct Parser;

  // Parses json; on error returns false and, if error is not null, sets it to Boost's error text
  // and the byte offset where parsing stopped.
  bool parse_into(std::string_view json, std::string* error);

  std::size_t max_depth_;
  std::vector<JsonToken> tokens_;
  std::string text_;
  std::unique_ptr<Parser> parser_;
};

inline JsonKind JsonNode::kind() const { return document_->tokens()[index_].kind; }
inline bool JsonNode::boolean() const { return document_->tokens()[index_].boolean; }
inline bool JsonNode::fits_int64() const {
  const JsonToken& token = document_->tokens()[index_];
  return token.kind == JsonKind::kInteger && !token.big_integer;
}
inline std::int64_t JsonNode::integer() const { return document_->tokens()[index_].integer; }
inline double JsonNode::number() const { return document_->tokens()[index_].number; }
inline std::string_view JsonNode::text() const {
  return document_->text(document_->tokens()[index_]);
}
inline std::uint32_t JsonNode::count() const { return document_->tokens()[index_].count; }
inline JsonNode JsonNode::next() const { return {document_, document_->tokens()[index_].end}; }

}  // namespace ferry::runtime
