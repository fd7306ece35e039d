#include "plugins/loader/close_matches.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ferry::loader {
namespace {

std::vector<Candidate> connectors() {
  return {
      {"org.apache.kafka.connect.file.FileStreamSourceConnector",
       {"org.apache.kafka.connect.file.FileStreamSourceConnector", "FileStreamSourceConnector",
        "FileStreamSource"}},
      {"org.apache.kafka.connect.file.FileStreamSinkConnector",
       {"org.apache.kafka.connect.file.FileStreamSinkConnector", "FileStreamSinkConnector",
        "FileStreamSink"}},
      {"io.confluent.connect.jdbc.JdbcSourceConnector",
       {"io.confluent.connect.jdbc.JdbcSourceConnector", "JdbcSourceConnector", "JdbcSource"}},
      {"io.confluent.connect.jdbc.JdbcSinkConnector",
       {"io.confluent.connect.jdbc.JdbcSinkConnector", "JdbcSinkConnector", "JdbcSink"}},
      {"io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",
       {"io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",
        "ElasticsearchSinkConnector", "ElasticsearchSink"}},
  };
}

TEST(CloseMatches, EditDistanceAndCommonSubstring) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("same", "same"), 0u);
  EXPECT_EQ(longest_common_substring("xxfilexx", "FileStream"), 3u);  // case-sensitive: "ile"
  EXPECT_EQ(longest_common_substring("abc", "xyz"), 0u);
}

TEST(CloseMatches, TypoRanksTheIntendedClassFirst) {
  const auto matches = closest_matches("FileStreamSorce", connectors(), 2);
  ASSERT_EQ(matches.size(), 2u);
  EXPECT_EQ(matches[0], "org.apache.kafka.connect.file.FileStreamSourceConnector");
  EXPECT_EQ(matches[1], "org.apache.kafka.connect.file.FileStreamSinkConnector");
}

TEST(CloseMatches, TypoInAFullNameRanksThatClassFirst) {
  const auto matches =
      closest_matches("io.confluent.connect.jdbc.JdbcSourceConector", connectors(), 1);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0], "io.confluent.connect.jdbc.JdbcSourceConnector");
}

TEST(CloseMatches, FragmentFindsTheClassesContainingItIgnoringCase) {
  const auto matches = closest_matches("jdbc", connectors(), 2);
  ASSERT_EQ(matches.size(), 2u);
  // Both contain "jdbc"; JdbcSink is fewer edits away.
  EXPECT_EQ(matches[0], "io.confluent.connect.jdbc.JdbcSinkConnector");
  EXPECT_EQ(matches[1], "io.confluent.connect.jdbc.JdbcSourceConnector");
  EXPECT_EQ(closest_matches("ELASTIC", connectors(), 1).front(),
            "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector");
}

TEST(CloseMatches, LimitCutsTheList) {
  EXPECT_EQ(closest_matches("x", connectors(), 3).size(), 3u);
  EXPECT_EQ(closest_matches("x", connectors(), 10).size(), 5u);
  EXPECT_TRUE(closest_matches("x", {}, 3).empty());
}

TEST(CloseMatches, HugeQueryCostsNoMoreThanItsFirstCharacters) {
  const std::string huge = "FileStreamSorce" + std::string(1 << 20, 'z');
  const auto matches = closest_matches(huge, connectors(), 1);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0], "org.apache.kafka.connect.file.FileStreamSourceConnector");
}

}  // namespace
}  // namespace ferry::loader
