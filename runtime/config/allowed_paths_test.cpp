#include "runtime/config/allowed_paths.h"

#include <gtest/gtest.h>

#include "tests/temp_directory.h"

namespace ferry::runtime {
namespace {

class AllowedPathsTest : public ::testing::Test {
 protected:
  AllowedPaths parse(const std::string& value) {
    auto allowed = AllowedPaths::parse(value);
    EXPECT_TRUE(allowed.ok()) << allowed.status().message();
    return allowed.ok() ? std::move(allowed).value() : AllowedPaths::parse("").value();
  }
  std::string secrets() const { return (dir_.path() / "secrets").string(); }

  void SetUp() override { dir_.write("secrets/db.properties", "password=x\n"); }

  ferry::testing::TempDir dir_;
};

TEST_F(AllowedPathsTest, EmptyAllowsEverything) {
  const AllowedPaths allowed = parse("");
  EXPECT_FALSE(allowed.restricts());
  EXPECT_EQ(allowed.check("relative/x").value(), "relative/x");
}

TEST_F(AllowedPathsTest, EntriesAreTrimmedAndATrailingSlashIgnored) {
  dir_.write("other/x", "");
  const AllowedPaths allowed = parse(" " + secrets() + "/ ,, " + (dir_.path() / "other").string());
  EXPECT_TRUE(allowed.restricts());
  EXPECT_TRUE(allowed.check(secrets() + "/db.properties").ok());
  EXPECT_TRUE(allowed.check((dir_.path() / "other/x").string()).ok());
  EXPECT_FALSE(allowed.check((dir_.path() / "x").string()).ok());
}

TEST_F(AllowedPathsTest, EntriesMustBeAbsoluteAndExist) {
  auto relative = AllowedPaths::parse("secrets");
  ASSERT_FALSE(relative.ok());
  EXPECT_EQ(relative.status().message(),
            "allowed.paths: path secrets is not valid. The path should be absolute and exist");
  EXPECT_FALSE(AllowedPaths::parse(secrets() + "/absent").ok());
}

TEST_F(AllowedPathsTest, InsideOutsideAndDotDot) {
  const AllowedPaths allowed = parse(secrets());
  EXPECT_EQ(allowed.check(secrets() + "/db.properties").value(), secrets() + "/db.properties");
  EXPECT_EQ(allowed.check(secrets() + "/./sub/../db.properties").value(),
            secrets() + "/db.properties");
  EXPECT_TRUE(allowed.check(secrets()).ok());
  EXPECT_TRUE(allowed.check(secrets() + "/not-yet-there").ok());

  const auto escaped = allowed.check(secrets() + "/../other.properties");
  ASSERT_FALSE(escaped.ok());
  EXPECT_EQ(escaped.status().kind(), Status::Kind::kInvalidArgument);
  EXPECT_EQ(escaped.status().message(), "path " + secrets() +
                                            "/../other.properties is outside "
                                            "allowed.paths (" +
                                            secrets() + ")");
  EXPECT_FALSE(allowed.check("/etc/passwd").ok());
  EXPECT_FALSE(allowed.check("db.properties").ok()) << "relative paths are never inside";
}

TEST_F(AllowedPathsTest, ComparesWholeComponents) {
  dir_.write("secrets2/x", "");
  EXPECT_FALSE(parse(secrets()).check(secrets() + "2/x").ok());
}

TEST_F(AllowedPathsTest, SymlinkLeadingOutIsRejected) {
  dir_.write("outside/key.properties", "password=x\n");
  std::filesystem::create_directory_symlink(dir_.path() / "outside", dir_.path() / "secrets/link");
  EXPECT_FALSE(parse(secrets()).check(secrets() + "/link/key.properties").ok());
}

TEST_F(AllowedPathsTest, SymlinkStayingInsideIsAllowed) {
  // Kubernetes secret volumes: db -> ..data/db, ..data -> ..2024_01_01/.
  dir_.write("secrets/..2024_01_01/db", "x");
  std::filesystem::create_directory_symlink("..2024_01_01", dir_.path() / "secrets/..data");
  std::filesystem::create_symlink("..data/db", dir_.path() / "secrets/db");
  EXPECT_TRUE(parse(secrets()).check(secrets() + "/db").ok());
}

}  // namespace
}  // namespace ferry::runtime
