// ASCII case for the JDBC plugin's names and settings (drivers read URL parameters and Confluent
// reads enum-like settings without regard to case). A plugin builds against the SDK alone, so it
// has its own.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace ferry::connectors::jdbc {

inline char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string ascii_lower(std::string_view text) {
  std::string lowered(text);
  for (char& c : lowered) c = ascii_lower(c);
  return lowered;
}

inline bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

}  // namespace ferry::connectors::jdbc
