// The byte sink the JSON converter writes into: compact JSON, exactly as Jackson's default
// ObjectMapper writes it, straight into the output buffer with no intermediate DOM.
//
// Format rules kept (what Kafka Connect's JsonConverter produces):
//   - no whitespace anywhere; the caller writes ':' and ',' itself;
//   - strings: '"' and '\' escaped with a backslash; control characters below 0x20 as \b \t \n
//     \f \r or \u00XX with upper-case hex digits; everything else, non-ASCII included, as is;
//   - integers in decimal; FLOAT32/FLOAT64 as Java's Float/Double.toString, NaN and the
//     infinities as the strings "NaN", "Infinity", "-Infinity" (Jackson's default);
//   - bytes as standard base64 with '=' padding and no line breaks.
//
// Thread-safety: a writer belongs to the one call that uses it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "ferry/sdk/value.h"

namespace ferry::runtime {

class JsonWriter {
 public:
  // Appends to *out, which must outlive the writer. The writer grows *out ahead of what it has
  // written (so each write is a pointer bump, not a vector resize) and trims it back to what was
  // written in finish() or its destructor.
  explicit JsonWriter(sdk::Bytes* out) : out_(out), position_(out->size()) {
    out_->resize(std::max(out_->capacity(), position_ + kInitialSlack));
  }
  ~JsonWriter() { finish(); }
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  // Trims *out to the bytes written; later writes may follow.
  void finish() { out_->resize(position_); }

  void raw(std::string_view text) {
    std::memcpy(room(text.size()), text.data(), text.size());
    position_ += text.size();
  }
  void raw(char c) {
    *room(1) = static_cast<std::uint8_t>(c);
    ++position_;
  }

  void null() { raw("null"); }
  void boolean(bool value) { raw(value ? std::string_view("true") : std::string_view("false")); }
  void integer(std::int64_t value);
  void float32(float value);
  void float64(double value);
  // A JSON string with escapes.
  void string(std::string_view value);
  // A JSON string holding the base64 form of bytes.
  void base64(std::span<const std::uint8_t> bytes);

  std::size_t size() const { return position_; }

 private:
  static constexpr std::size_t kInitialSlack = 256;

  // A pointer to at least n writable bytes at the current position.
  std::uint8_t* room(std::size_t n) {
    if (position_ + n > out_->size()) out_->resize(std::max(position_ + n, out_->size() * 2));
    return out_->data() + position_;
  }

  sdk::Bytes* out_;
  std::size_t position_;
};

// Standard base64 (RFC 4648 alphabet, '=' padding): the encoded length of n bytes, the encoding
// written to out (exactly base64_length(bytes.size()) bytes), or appended to a string.
constexpr std::size_t base64_length(std::size_t n) { return (n + 2) / 3 * 4; }
void encode_base64(std::span<const std::uint8_t> bytes, std::uint8_t* out);
void append_base64(std::span<const std::uint8_t> bytes, std::string& out);

// Decodes standard base64 into out; returns false, leaving out in an
// unspecified state, unless text is a complete, correctly padded encoding.
bool decode_base64(std::string_view text, sdk::Bytes& out);

}  // namespace ferry::runtime
