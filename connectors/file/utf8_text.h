// Text from bytes as Kafka's file source decodes it: Java's UTF-8 decoder with malformed input
// replaced, so every line handed on is valid UTF-8 (converters and Kafka clients expect that).
//
// Java replaces each malformed subsequence with one U+FFFD, taking the longest prefix of a
// well-formed sequence as one subsequence (Unicode's "maximal subpart" practice): "\xE2\x82x" is
// one U+FFFD then "x"; a byte that cannot start a sequence (0x80-0xC1, 0xF5-0xFF) is one U+FFFD
// each. One Java quirk is kept: an encoded UTF-16 surrogate (0xED 0xA0-0xBF 0x80-0xBF) is one
// U+FFFD for all three bytes.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace ferry::connectors::file {

// bytes as a std::string, with every malformed subsequence replaced by U+FFFD ("\xEF\xBF\xBD").
// Valid input (the usual case, checked eight ASCII bytes at a time) is copied as it is.
std::string decode_utf8_replacing(std::string_view bytes);

}  // namespace ferry::connectors::file
