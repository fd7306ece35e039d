// The store of connectors created through REST: what is put comes back after reopening, a
// missing file is empty, and a damaged one is an error naming it rather than an empty store.
#include "runtime/worker/connector_store.h"

#include <gtest/gtest.h>

#include "tests/temp_directory.h"

namespace ferry::runtime {
namespace {

TEST(ConnectorStore, WhatIsPutIsThereAfterReopening) {
  testing::TempDir dir;
  const auto file = dir.path() / std::string(ConnectorStore::kFileName);
  auto store = ConnectorStore::open(file);
  ASSERT_TRUE(store.ok()) << store.status().message();
  EXPECT_TRUE((*store)->connectors().empty());
  const StoredConnector a{{{"name", "a"}, {"connector.class", "X"}, {"password", "s \"q\""}},
                          TargetState::kPaused};
  const StoredConnector b{{{"name", "b"}}, TargetState::kStopped};
  ASSERT_TRUE((*store)->put("a", a).ok());
  ASSERT_TRUE((*store)->put("b", b).ok());
  ASSERT_TRUE((*store)->remove("b").ok());
  ASSERT_TRUE((*store)->put("c", {{{"name", "c"}}, TargetState::kStarted}).ok());
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  auto reopened = ConnectorStore::open(file);
  ASSERT_TRUE(reopened.ok()) << reopened.status().message();
  const auto connectors = (*reopened)->connectors();
  ASSERT_EQ(connectors.size(), 2u);
  EXPECT_EQ(connectors.at("a"), a);
  EXPECT_EQ(connectors.at("c").target, TargetState::kStarted);
}

TEST(ConnectorStore, ADamagedFileIsAnErrorNamingIt) {
  testing::TempDir dir;
  for (const std::string text :
       {"{", R"({"connectors":[]})",
        R"({"connectors":{"a":{"config":{"k":1},"target_state":"STARTED"}}})",
        R"({"connectors":{"a":{"config":{},"target_state":"RUNNING"}}})"}) {
    const auto file = dir.write("connectors.json", text);
    auto store = ConnectorStore::open(file);
    ASSERT_FALSE(store.ok()) << text;
    EXPECT_EQ(store.status().kind(), Status::Kind::kCorruption);
    EXPECT_NE(store.status().message().find(file.string()), std::string::npos)
        << store.status().message();
  }
}

}  // namespace
}  // namespace ferry::runtime
