#include "runtime/config/config_file.h"

#include <gtest/gtest.h>

#include "tests/temp_directory.h"

namespace ferry::runtime {
namespace {

class ConfigFile : public ::testing::Test {
 protected:
  ferry::testing::TempDir dir_;
};

TEST_F(ConfigFile, YamlAndYmlInAnyCaseAreReadAsYaml) {
  for (const char* name : {"w.yaml", "w.yml", "W.YAML", "w.Yml"}) {
    auto result = load_config_file(dir_.write(name, "key:\n  converter: json\n"));
    ASSERT_TRUE(result.ok()) << name << ": " << result.status().message();
    EXPECT_EQ(result->values.at("key.converter"), "json") << name;
  }
}

TEST_F(ConfigFile, EverythingElseIsReadAsProperties) {
  for (const char* name : {"w.properties", "w.conf", "worker", "w.yaml.bak"}) {
    auto result = load_config_file(dir_.write(name, "key.converter: json\n"));
    ASSERT_TRUE(result.ok()) << name << ": " << result.status().message();
    // The .properties reading of this line, which YAML would read the same way; the difference
    // shows on a line only one format accepts.
    EXPECT_EQ(result->values.at("key.converter"), "json") << name;
  }
  auto properties = load_config_file(dir_.write("x.properties", "a=[1, 2]\n"));
  ASSERT_TRUE(properties.ok());
  EXPECT_EQ(properties->values.at("a"), "[1, 2]");
}

TEST_F(ConfigFile, MissingFileIsNotFoundNamingIt) {
  for (const char* name : {"absent.yaml", "absent.properties"}) {
    auto result = load_config_file(dir_.path() / name);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().kind(), Status::Kind::kNotFound);
    EXPECT_EQ(result.status().message(), (dir_.path() / name).string() + ": no such file");
  }
}

TEST_F(ConfigFile, DirectoryIsAnErrorNamingIt) {
  std::filesystem::create_directory(dir_.path() / "conf.yaml");
  auto result = load_config_file(dir_.path() / "conf.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(),
            (dir_.path() / "conf.yaml").string() + ": is a directory, not a file");
}

TEST_F(ConfigFile, UnreadableFileIsAnErrorNamingItAndTheReason) {
  const auto path = dir_.write("secret.properties", "a=1\n");
  std::filesystem::permissions(path, std::filesystem::perms::none);
  auto result = load_config_file(path);
  if (result.ok()) GTEST_SKIP() << "running with privileges that ignore file permissions";
  EXPECT_EQ(result.status().message(), path.string() + ": cannot open the file: Permission denied");
}

}  // namespace
}  // namespace ferry::runtime
