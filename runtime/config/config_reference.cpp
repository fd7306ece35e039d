#include "runtime/config/config_reference.h"

namespace ferry::runtime {

std::vector<ConfigReference> find_config_references(std::string_view value) {
  std::vector<ConfigReference> references;
  std::size_t from = 0;
  while (true) {
    const std::size_t begin = value.find("${", from);
    if (begin == std::string_view::npos) break;
    // No group of the pattern can hold '}', so a match from here must end at the first one.
    const std::size_t close = value.find('}', begin + 2);
    if (close == std::string_view::npos) break;  // nor can any later "${" find one
    const std::string_view inside = value.substr(begin + 2, close - begin - 2);
    const std::size_t first_colon = inside.find(':');
    if (first_colon == std::string_view::npos) {
      from = begin + 1;  // as a regex search would: retry from the next character
      continue;
    }
    ConfigReference reference;
    reference.begin = begin;
    reference.end = close + 1;
    reference.provider = inside.substr(0, first_colon);
    const std::string_view rest = inside.substr(first_colon + 1);
    if (const std::size_t second_colon = rest.find(':'); second_colon != std::string_view::npos) {
      reference.path = rest.substr(0, second_colon);
      reference.key = rest.substr(second_colon + 1);
    } else {
      reference.key = rest;
    }
    references.push_back(reference);
    from = close + 1;
  }
  return references;
}

}  // namespace ferry::runtime
