// Finding ${provider:path:key} references in a config value, exactly where Kafka's
// ConfigTransformer finds them. Kafka matches values against
//   \$\{([^}]*?):(([^}]*?):)?([^}]*?)\}
// and this scanner gives the same matches without a regex engine (std::regex recurses per
// character and can exhaust the stack on a long value, such as a PEM certificate):
//   - a reference starts at "${" and ends at the first '}' after it, and needs a ':' in between;
//     without one, scanning resumes one character after the '$';
//   - the provider runs up to the first ':'; if another ':' follows, the path runs up to it and
//     the key is the rest, colons included; otherwise the path is empty and the rest is the key.
// So ${env:HOME} and ${env::HOME} both have path "" and key "HOME", and ${file:/a:b:c} has path
// "/a" and key "b:c". Parts may be empty and may contain '$' or '{': ${${x:y} has provider "${x".
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace ferry::runtime {

struct ConfigReference {
  std::size_t begin = 0;  // offset of the '$'
  std::size_t end = 0;    // one past the '}'
  // Views into the scanned value; valid while it is.
  std::string_view provider;
  std::string_view path;
  std::string_view key;
};

// Every reference in `value`, in order, not overlapping.
std::vector<ConfigReference> find_config_references(std::string_view value);

}  // namespace ferry::runtime
