#include "broker/groups/group_offsets.h"

#include <gtest/gtest.h>

#include "tests/temp_directory.h"

namespace ferry::broker {
namespace {

std::unique_ptr<LogManager> open_logs(const std::filesystem::path& dir) {
  LogManagerOptions options;
  options.data_directory = dir;
  auto logs = LogManager::open(options);
  EXPECT_TRUE(logs.ok()) << logs.status().message();
  return logs.ok() ? std::move(*logs) : nullptr;
}

TEST(GroupOffsets, CommitsSurviveARestartAndTombstonesRemoveThem) {
  ferry::testing::TempDir dir;
  {
    auto logs = open_logs(dir.path());
    auto offsets = GroupOffsets::open(*logs, 5);
    ASSERT_TRUE(offsets.ok()) << offsets.status().message();
    ASSERT_TRUE((*offsets)
                    ->commit("g1", {{"orders", 0, {.offset = 10, .metadata = "a"}},
                                    {"orders", 1, {.offset = 20}}})
                    .ok());
    ASSERT_TRUE((*offsets)->commit("g1", {{"orders", 0, {.offset = 11}}}).ok());
    ASSERT_TRUE((*offsets)->commit("g2", {{"audit", 0, {.offset = 3}}}).ok());
    ASSERT_TRUE((*offsets)->commit("gone", {{"audit", 0, {.offset = 1}}}).ok());
    ASSERT_TRUE((*offsets)->remove_group("gone").ok());
    EXPECT_EQ((*offsets)->fetch("g1", "orders", 0)->offset, 11);
  }
  auto logs = open_logs(dir.path());
  auto description = logs->describe_topic("__consumer_offsets");
  ASSERT_TRUE(description.ok());
  EXPECT_EQ(description->partitions, 5);
  EXPECT_TRUE(description->config.cleanup_compact);
  auto offsets = GroupOffsets::open(*logs, 50);  // an existing topic keeps its partition count
  ASSERT_TRUE(offsets.ok()) << offsets.status().message();
  EXPECT_EQ((*offsets)->fetch("g1", "orders", 0)->offset, 11);
  EXPECT_EQ((*offsets)->fetch("g1", "orders", 1)->offset, 20);
  EXPECT_EQ((*offsets)->fetch("g2", "audit", 0)->offset, 3);
  EXPECT_FALSE((*offsets)->fetch("gone", "audit", 0));
  EXPECT_FALSE((*offsets)->fetch("g1", "orders", 2));
  EXPECT_EQ((*offsets)->groups(), (std::vector<std::string>{"g1", "g2"}));
  EXPECT_EQ((*offsets)->fetch_all("g1").size(), 2u);
}

TEST(GroupOffsets, BesideARunningBrokerTheCommittedOffsetsAreReadAndNothingIsWritten) {
  ferry::testing::TempDir dir;
  auto writer = open_logs(dir.path() / "data");
  auto committed = GroupOffsets::open(*writer, 5);
  ASSERT_TRUE(committed.ok()) << committed.status().message();
  ASSERT_TRUE((*committed)->commit("g1", {{"orders", 0, {.offset = 7}}}).ok());
  ASSERT_TRUE((*committed)->commit("g1", {{"orders", 0, {.offset = 9}}}).ok());

  LogManagerOptions options;
  options.data_directory = dir.path() / "data";
  options.access = LogAccess::kReadOnlyWhenLocked;
  auto reader = LogManager::open(options);
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  ASSERT_TRUE((*reader)->read_only());
  auto offsets = GroupOffsets::open(**reader, 50);
  ASSERT_TRUE(offsets.ok()) << offsets.status().message();
  EXPECT_EQ((*offsets)->groups(), (std::vector<std::string>{"g1"}));
  EXPECT_EQ((*offsets)->fetch("g1", "orders", 0)->offset, 9);
  const Status refused = (*offsets)->commit("g1", {{"orders", 0, {.offset = 1}}});
  EXPECT_EQ(refused.kind(), Status::Kind::kConflict);
  EXPECT_NE(refused.message().find("is open read-only"), std::string::npos) << refused.message();
  EXPECT_EQ((*offsets)->remove_group("g1").kind(), Status::Kind::kConflict);
  EXPECT_EQ((*offsets)->fetch("g1", "orders", 0)->offset, 9);
  EXPECT_EQ((*committed)->fetch("g1", "orders", 0)->offset, 9);

  // Without __consumer_offsets there is nothing committed, and a reader does not create it.
  auto plain = open_logs(dir.path() / "plain");
  options.data_directory = dir.path() / "plain";
  auto plain_reader = LogManager::open(options);
  ASSERT_TRUE(plain_reader.ok()) << plain_reader.status().message();
  auto none = GroupOffsets::open(**plain_reader, 50);
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_TRUE((*none)->groups().empty());
  EXPECT_TRUE(plain->list_topics().empty());
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "plain" / "__consumer_offsets-0"));
}

}  // namespace
}  // namespace ferry::broker
