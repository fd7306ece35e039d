#include "common/result.h"

#include <string>

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(Status, ContextIsPrefixedAndKindKept) {
  Status status = Status::corruption("CRC mismatch at position 88").with_context("00000.log");
  EXPECT_EQ(status.kind(), Status::Kind::kCorruption);
  EXPECT_EQ(status.message(), "00000.log: CRC mismatch at position 88");
  EXPECT_TRUE(Status().with_context("anywhere").ok());
}

TEST(Result, HoldsValue) {
  Result<std::string> good = std::string("seven");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, "seven");
  EXPECT_TRUE(good.status().ok());
}

TEST(Result, HoldsStatus) {
  Result<int> bad = Status::not_found("no such topic");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().kind(), Status::Kind::kNotFound);
}

}  // namespace
}  // namespace ferry
