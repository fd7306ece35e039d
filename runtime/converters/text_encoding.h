// Character encodings for converters that turn text into bytes and back (the String converter's
// converter.encoding, the simple header converter's UTF-8). Ferry's strings are UTF-8 inside, so
// an encoding is a pair of translations between UTF-8 and the bytes on the wire.
//
// Java's behaviour is kept where it is observable: names resolve as Java's Charset.forName
// aliases do (case-insensitive), a character the encoding cannot hold is written as '?', and
// bytes that do not decode become U+FFFD, one per maximal ill-formed subsequence (what
// new String(bytes, UTF_8) gives), so no input is an error.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ferry/sdk/value.h"

namespace ferry::runtime {

enum class TextEncoding { kUtf8, kIso88591, kUsAscii };

// "UTF-8", "utf8", "ISO-8859-1", "latin1", "US-ASCII", "ascii", ... or nullopt.
std::optional<TextEncoding> text_encoding_named(std::string_view name);

// The canonical name ("UTF-8", "ISO-8859-1", "US-ASCII").
std::string_view text_encoding_name(TextEncoding encoding);

// utf8 must be UTF-8 (as every Ferry string is); ill-formed sequences in it are written as '?'
// for the single-byte encodings and kept as they are for UTF-8.
sdk::Bytes encode_text(std::string_view utf8, TextEncoding encoding);
// The same, appended to out.
void encode_text_into(std::string_view utf8, TextEncoding encoding, sdk::Bytes& out);

std::string decode_text(sdk::ByteView bytes, TextEncoding encoding);

// True if bytes are well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool is_valid_utf8(sdk::ByteView bytes);

}  // namespace ferry::runtime
