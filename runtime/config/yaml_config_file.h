// Worker and connector configs written in YAML, loaded into the same PropertiesFile a .properties
// file gives, with the same keys, so nothing after loading knows which format was used.
//
// Mapping to properties keys:
//   - nested maps flatten to dotted keys, and a dotted key may also be written literally:
//       key: {converter: {schemas: {enable: false}}}   and   key.converter.schemas.enable: false
//     both give key.converter.schemas.enable=false;
//   - a sequence of scalars becomes the comma-separated list Kafka's LIST type reads:
//       topics: [orders, payments]  ->  topics=orders,payments
//   - scalars keep their text as written, with no YAML typing: 1 stays "1", 1.50 stays "1.50",
//     yes stays "yes" (Kafka parses values itself, by its own rules);
//   - null, ~ and an empty value become "".
// line_of_key holds the 1-based line of the innermost key of each flattened key.
//
// Rejected, each as invalid_argument "<source>:<line>:<col>: <what>": YAML syntax errors, invalid
// UTF-8, more than one document, a top level that is not a map, a sequence holding a map or a
// sequence, a list item containing ',' (it would split into two items), a key that is not a plain
// non-empty scalar, YAML merge keys (<<), two keys that flatten to the same name, and nesting
// deeper than kMaxYamlConfigDepth. An empty file, or one holding only comments or a null, is an
// empty config, as an empty .properties file is. Messages never contain values: they may be
// passwords.
//
// Values only; thread-safe as any free function.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"
#include "runtime/config/properties_file.h"

namespace ferry::runtime {

// Map nesting allowed in a config. Real configs nest a handful of levels; the cap also ends the
// walk over a YAML alias that refers to the map containing it (`a: &x {b: *x}`), which yaml-cpp
// builds into a cyclic graph. yaml-cpp guards its own parser recursion (it stops at 500 levels,
// enough to keep its stack small), so no pre-scan of the text is needed.
inline constexpr int kMaxYamlConfigDepth = 64;

// Aliases let a few bytes of YAML expand into gigabytes of keys ("billion laughs"). The walk
// charges every node it visits and roughly the memory of every key and value it produces against
// this budget, and stops with an error when it runs out. A real config uses well under 1%.
inline constexpr std::size_t kMaxYamlConfigExpandedBytes = 16 * 1024 * 1024;

// `source` names the text in messages and becomes PropertiesFile::source.
Result<PropertiesFile> parse_yaml_config(std::string_view text, std::string source);
Result<PropertiesFile> load_yaml_config_file(const std::filesystem::path& path);

}  // namespace ferry::runtime
