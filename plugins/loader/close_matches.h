// "Did you mean" for names that resolve to nothing: ranks the known names by how close they are
// to the one asked for, so an error about an unknown connector.class shows the few classes the
// user most likely meant instead of every class installed.
//
// Closeness of a query to a spelling, both lower-cased (ASCII):
//   1. the longest common substring, longer first: "file" is closest to FileStreamSource...;
//   2. then the edit distance (Levenshtein), smaller first: "FileStreamSorce" is one edit away
//      from FileStreamSource and four from FileStreamSink;
//   3. then the name, alphabetically, so equal scores list in a stable order.
// A candidate scores its best spelling (the registry passes full, simple and pruned class names).
// Only the first kMaxComparedLength characters of the query count, so a megabyte of
// connector.class costs what 256 characters do.
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::loader {

inline constexpr std::size_t kMaxComparedLength = 256;

struct Candidate {
  std::string name;                    // what the message shows
  std::vector<std::string> spellings;  // what the query is compared with
};

// The names of at most limit candidates, closest first.
std::vector<std::string> closest_matches(std::string_view query,
                                         std::span<const Candidate> candidates, std::size_t limit);

// Levenshtein distance and longest common substring length, case-sensitive; exposed for tests.
std::size_t edit_distance(std::string_view a, std::string_view b);
std::size_t longest_common_substring(std::string_view a, std::string_view b);

}  // namespace ferry::loader
