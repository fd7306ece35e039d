// Java .properties files, read the way java.util.Properties.load reads them, so the worker and
// connector files written for Kafka Connect load unchanged.
//
// Rules kept (java.util.Properties.load):
//   - a natural line ends at \n, \r or \r\n; a logical line joins natural lines whose end has an
//     odd number of backslashes, dropping the backslash and the next line's leading whitespace;
//   - lines whose first non-blank character is '#' or '!' are comments (and are never continued);
//   - the key ends at the first unescaped '=', ':' or whitespace; whitespace around the separator
//     is skipped; the value's leading whitespace is dropped and its trailing whitespace KEPT;
//   - escapes \t \n \r \f, \uXXXX (surrogate pairs become one code point) and \X meaning X;
//   - a later definition of a key replaces an earlier one.
// Deliberate difference: the text is read as UTF-8 (Java's Properties.load(InputStream) reads
// ISO-8859-1); invalid UTF-8 is an error, as is a malformed \u escape (Java: "Malformed \uxxxx
// encoding."). Errors name the source and the line.
//
// Values only; thread-safe as any const object.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ferry::runtime {

struct PropertiesFile {
  std::string source;  // file name, for messages
  std::map<std::string, std::string> values;
  std::map<std::string, int> line_of_key;  // 1-based line where each key was last defined
};

Result<PropertiesFile> parse_properties(std::string_view text, std::string source);
Result<PropertiesFile> load_properties_file(const std::filesystem::path& path);

}  // namespace ferry::runtime
