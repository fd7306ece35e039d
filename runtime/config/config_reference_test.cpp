#include "runtime/config/config_reference.h"

#include <random>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ferry::runtime {
namespace {

struct Found {
  std::string provider, path, key, text;
  bool operator==(const Found&) const = default;
};

std::vector<Found> find(std::string_view value) {
  std::vector<Found> found;
  for (const ConfigReference& r : find_config_references(value)) {
    found.push_back({std::string(r.provider), std::string(r.path), std::string(r.key),
                     std::string(value.substr(r.begin, r.end - r.begin))});
  }
  return found;
}

TEST(ConfigReference, ProviderPathAndKey) {
  EXPECT_EQ(find("${file:/etc/secrets.properties:db.password}"),
            (std::vector<Found>{{"file", "/etc/secrets.properties", "db.password",
                                 "${file:/etc/secrets.properties:db.password}"}}));
}

TEST(ConfigReference, KeyOnlyAndEmptyPathAreTheSame) {
  EXPECT_EQ(find("${env:HOME}"), (std::vector<Found>{{"env", "", "HOME", "${env:HOME}"}}));
  EXPECT_EQ(find("${env::HOME}"), (std::vector<Found>{{"env", "", "HOME", "${env::HOME}"}}));
}

TEST(ConfigReference, ColonsAfterThePathBelongToTheKey) {
  EXPECT_EQ(find("${file:/a:b:c}"), (std::vector<Found>{{"file", "/a", "b:c", "${file:/a:b:c}"}}));
}

TEST(ConfigReference, SeveralInsideALargerValue) {
  EXPECT_EQ(
      find("jdbc:mysql://db/x?user=${env:U}&password=${file:/s:p}!"),
      (std::vector<Found>{{"env", "", "U", "${env:U}"}, {"file", "/s", "p", "${file:/s:p}"}}));
}

TEST(ConfigReference, TextThatIsNotAReference) {
  EXPECT_TRUE(find("").empty());
  EXPECT_TRUE(find("plain $ { } : text").empty());
  EXPECT_TRUE(find("${no-colon}").empty());
  EXPECT_TRUE(find("${unclosed:x").empty());
  EXPECT_TRUE(find("$env:X}").empty());
}

TEST(ConfigReference, MatchesResumeAsARegexSearchWould) {
  // No ':' before the first '}': the search moves on to the next "${".
  EXPECT_EQ(find("${a}${env:X}"), (std::vector<Found>{{"env", "", "X", "${env:X}"}}));
  // A '}' always ends the reference, so an earlier "${" swallows a later one.
  EXPECT_EQ(find("${x${env:X}"), (std::vector<Found>{{"x${env", "", "X", "${x${env:X}"}}));
  EXPECT_EQ(find("${:}"), (std::vector<Found>{{"", "", "", "${:}"}}));
}

// Differential check against the pattern Kafka uses, run through std::regex on many short
// strings over the characters that matter.
TEST(ConfigReference, AgreesWithKafkasRegex) {
  const std::regex kafka(R"(\$\{([^}]*?):(([^}]*?):)?([^}]*?)\})");
  std::mt19937 random(12345);
  const std::string alphabet = "${}:a";
  for (int round = 0; round < 20000; ++round) {
    std::string value;
    const int length = static_cast<int>(random() % 14);
    for (int i = 0; i < length; ++i) value += alphabet[random() % alphabet.size()];
    std::vector<Found> expected;
    for (auto m = std::sregex_iterator(value.begin(), value.end(), kafka);
         m != std::sregex_iterator(); ++m) {
      expected.push_back(
          {(*m)[1].str(), (*m)[3].matched ? (*m)[3].str() : "", (*m)[4].str(), (*m)[0].str()});
    }
    ASSERT_EQ(find(value), expected) << "value: " << value;
  }
}

}  // namespace
}  // namespace ferry::runtime
