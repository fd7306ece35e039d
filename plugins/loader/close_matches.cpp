#include "plugins/loader/close_matches.h"

#include <algorithm>
#include <tuple>

namespace ferry::loader {
namespace {

std::string lower(std::string_view text) {
  std::string result(text.substr(0, kMaxComparedLength));
  for (char& c : result) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return result;
}

struct Score {
  std::size_t common = 0;
  std::size_t distance = 0;
  // Closer first: longer common substring, then fewer edits.
  bool closer_than(const Score& other) const {
    return std::tie(other.common, distance) < std::tie(common, other.distance);
  }
};

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // One row of the classic table: row[j] is the distance between a[0, i) and b[0, j).
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::size_t longest_common_substring(std::string_view a, std::string_view b) {
  // row[j]: length of the common suffix of a[0, i) and b[0, j).
  std::vector<std::size_t> row(b.size() + 1, 0);
  std::size_t longest = 0;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = b.size(); j >= 1; --j) {
      row[j] = a[i - 1] == b[j - 1] ? row[j - 1] + 1 : 0;
      longest = std::max(longest, row[j]);
    }
  }
  return longest;
}

std::vector<std::string> closest_matches(std::string_view query,
                                         std::span<const Candidate> candidates, std::size_t limit) {
  const std::string wanted = lower(query);
  std::vector<std::pair<Score, const Candidate*>> scored;
  scored.reserve(candidates.size());
  for (const Candidate& candidate : candidates) {
    bool first = true;
    Score best;
    for (const std::string& spelling : candidate.spellings) {
      const std::string known = lower(spelling);
      const Score score{longest_common_substring(wanted, known), edit_distance(wanted, known)};
      if (first || score.closer_than(best)) best = score;
      first = false;
    }
    scored.emplace_back(best, &candidate);
  }
  std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
    if (a.first.closer_than(b.first)) return true;
    if (b.first.closer_than(a.first)) return false;
    return a.second->name < b.second->name;
  });
  std::vector<std::string> names;
  for (std::size_t i = 0; i < scored.size() && names.size() < limit; ++i) {
    names.push_back(scored[i].second->name);
  }
  return names;
}

}  // namespace ferry::loader
