#include "runtime/config/config_providers.h"

#include <map>
#include <string>

#include <gtest/gtest.h>
#include <stdlib.h>

#include "tests/temp_directory.h"

namespace ferry::runtime {
namespace {

using Config = std::map<std::string, std::string>;

class ConfigProvidersTest : public ::testing::Test {
 protected:
  EnvironmentLookup fake_environment() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      const auto found = environment_.find(name);
      if (found == environment_.end()) return std::nullopt;
      return found->second;
    };
  }

  ConfigProviders providers(const Config& worker) {
    auto built = ConfigProviders::from_worker_config(worker, fake_environment());
    EXPECT_TRUE(built.ok()) << built.status().message();
    return built.ok() ? std::move(built).value() : ConfigProviders::from_worker_config({}).value();
  }

  // The worker config of the brief: file, env and dir, by full class name.
  ConfigProviders all_three(const Config& extra = {}) {
    Config worker = {
        {"config.providers", "file,env,dir"},
        {"config.providers.file.class",
         "org.apache.kafka.common.config.provider.FileConfigProvider"},
        {"config.providers.env.class",
         "org.apache.kafka.common.config.provider.EnvVarConfigProvider"},
        {"config.providers.dir.class",
         "org.apache.kafka.common.config.provider.DirectoryConfigProvider"},
    };
    worker.insert(extra.begin(), extra.end());
    return providers(worker);
  }

  Config resolve(const ConfigProviders& providers, const Config& config) {
    auto resolved = providers.resolve(config);
    EXPECT_TRUE(resolved.ok()) << resolved.status().message();
    return resolved.ok() ? std::move(resolved).value() : Config{};
  }

  std::string resolve_error(const ConfigProviders& providers, const Config& config) {
    auto resolved = providers.resolve(config);
    if (resolved.ok()) return "(resolved without error)";
    EXPECT_EQ(resolved.status().kind(), Status::Kind::kInvalidArgument);
    return resolved.status().message();
  }

  std::string build_error(const Config& worker) {
    auto built = ConfigProviders::from_worker_config(worker, fake_environment());
    if (built.ok()) return "(built without error)";
    EXPECT_EQ(built.status().kind(), Status::Kind::kInvalidArgument);
    return built.status().message();
  }

  std::string path(const std::string& relative) const { return (dir_.path() / relative).string(); }

  ferry::testing::TempDir dir_;
  std::map<std::string, std::string> environment_;
};

TEST_F(ConfigProvidersTest, WithoutProvidersConfigsPassThroughUnchanged) {
  const ConfigProviders none = providers({{"bootstrap.servers", "localhost:9092"}});
  EXPECT_TRUE(none.empty());
  const Config config = {{"password", "${file:/etc/x.properties:password}"}};
  EXPECT_EQ(resolve(none, config), config);
}

TEST_F(ConfigProvidersTest, FileProviderReadsAKeyOfAPropertiesFile) {
  dir_.write("db.properties", "user = alice\npassword=p\\u0041ss\n");
  const Config resolved = resolve(
      all_three(), {{"connection.user", "${file:" + path("db.properties") + ":user}"},
                    {"connection.password", "${file:" + path("db.properties") + ":password}"},
                    {"tasks.max", "1"}});
  EXPECT_EQ(
      resolved,
      (Config{{"connection.user", "alice"}, {"connection.password", "pAss"}, {"tasks.max", "1"}}));
}

TEST_F(ConfigProvidersTest, DirectoryProviderReadsAWholeFileByteForByte) {
  dir_.write("secrets/db-password", "s3cret\n");
  const Config resolved =
      resolve(all_three(), {{"connection.password", "${dir:" + path("secrets") + ":db-password}"}});
  EXPECT_EQ(resolved.at("connection.password"), "s3cret\n");
}

TEST_F(ConfigProvidersTest, EnvProviderTakesKeyOnlyOrAnEmptyPath) {
  environment_ = {{"DB_USER", "alice"}, {"EMPTY", ""}};
  const Config resolved = resolve(
      all_three(), {{"a", "${env:DB_USER}"}, {"b", "${env::DB_USER}"}, {"c", "[${env:EMPTY}]"}});
  EXPECT_EQ(resolved, (Config{{"a", "alice"}, {"b", "alice"}, {"c", "[]"}}));
}

TEST_F(ConfigProvidersTest, EnvProviderRejectsAPath) {
  environment_ = {{"X", "1"}};
  EXPECT_EQ(resolve_error(all_three(), {{"a", "${env:some/path:X}"}}),
            "config 'a': provider 'env', path 'some/path': Path is not supported for "
            "EnvVarConfigProvider, invalid value 'some/path'");
}

TEST_F(ConfigProvidersTest, EnvAllowlistPatternMustMatchTheWholeName) {
  environment_ = {{"DB_PASSWORD", "s3cret"}, {"HOME", "/root"}, {"XDB_USER", "bob"}};
  const ConfigProviders allowlisted =
      all_three({{"config.providers.env.param.allowlist.pattern", "DB_.*"}});
  EXPECT_EQ(resolve(allowlisted, {{"p", "${env:DB_PASSWORD}"}}).at("p"), "s3cret");
  // Set but not allowed, and allowed but not set, read the same, so an error does not reveal
  // which variables exist.
  EXPECT_EQ(resolve_error(allowlisted, {{"home", "${env:HOME}"}}),
            "config 'home': ${env:HOME}: environment variable 'HOME' is not set or not allowed by "
            "allowlist.pattern");
  EXPECT_EQ(resolve_error(allowlisted, {{"u", "${env:XDB_USER}"}}),
            "config 'u': ${env:XDB_USER}: environment variable 'XDB_USER' is not set or not "
            "allowed by allowlist.pattern");
  EXPECT_EQ(resolve_error(allowlisted, {{"u", "${env:DB_USER}"}}),
            "config 'u': ${env:DB_USER}: environment variable 'DB_USER' is not set or not "
            "allowed by allowlist.pattern");
}

TEST_F(ConfigProvidersTest, SimpleClassNamesAreAccepted) {
  dir_.write("s/k", "from-dir");
  environment_ = {{"E", "from-env"}};
  const ConfigProviders simple =
      providers({{"config.providers", " e , d "},
                 {"config.providers.e.class", "EnvVarConfigProvider"},
                 {"config.providers.d.class", "DirectoryConfigProvider"}});
  EXPECT_EQ(resolve(simple, {{"x", "${e:E}/${d:" + path("s") + ":k}"}}).at("x"),
            "from-env/from-dir");
}

TEST_F(ConfigProvidersTest, SeveralReferencesInOneValueAndReplacementsAreNotRescanned) {
  dir_.write("db.properties", "user=alice\nnested=${env:USER_B}\n");
  environment_ = {{"HOST", "db.internal"}, {"USER_B", "bob"}};
  const std::string file = path("db.properties");
  const Config resolved = resolve(
      all_three(), {{"connection.url", "jdbc:mysql://${env:HOST}:3306/shop?user=${file:" + file +
                                           ":user}&again=${env:HOST}"},
                    {"literal", "${file:" + file + ":nested}"}});
  EXPECT_EQ(resolved.at("connection.url"),
            "jdbc:mysql://db.internal:3306/shop?user=alice&again=db.internal");
  EXPECT_EQ(resolved.at("literal"), "${env:USER_B}");
}

TEST_F(ConfigProvidersTest, UnknownProviderReferenceIsLeftAsWritten) {
  environment_ = {{"A", "1"}};
  const Config config = {{"x", "${vault:secret/db:password} and ${env:A} and ${}"},
                         {"y", "${no-colon} ${unclosed:x"}};
  const Config resolved = resolve(all_three(), config);
  EXPECT_EQ(resolved.at("x"), "${vault:secret/db:password} and 1 and ${}");
  EXPECT_EQ(resolved.at("y"), config.at("y"));
}

TEST_F(ConfigProvidersTest, MissingKeyNamesConfigKeyAndReferenceButNoValueText) {
  dir_.write("db.properties", "user=alice-the-secret-user\n");
  const std::string file = path("db.properties");
  const std::string message = resolve_error(
      all_three(),
      {{"connection.url", "jdbc:mysql://db?password-hint=HUNTER2&user=${file:" + file +
                              ":user}&password=${file:" + file + ":password}&tail=CORRECTHORSE"}});
  EXPECT_EQ(message,
            "config 'connection.url': ${file:" + file + ":password}: no key 'password' in " + file);
  EXPECT_EQ(message.find("alice-the-secret-user"), std::string::npos);
  EXPECT_EQ(message.find("HUNTER2"), std::string::npos);
  EXPECT_EQ(message.find("CORRECTHORSE"), std::string::npos);
}

TEST_F(ConfigProvidersTest, MissingFileDirectoryEntryOrVariableIsAnError) {
  dir_.write("secrets/present", "x");
  const ConfigProviders all = all_three();
  EXPECT_EQ(resolve_error(all, {{"a", "${file:" + path("absent.properties") + ":k}"}}),
            "config 'a': provider 'file', path '" + path("absent.properties") +
                "': " + path("absent.properties") + ": no such file");
  EXPECT_EQ(resolve_error(all, {{"b", "${dir:" + path("secrets") + ":absent}"}}),
            "config 'b': ${dir:" + path("secrets") + ":absent}: no file 'absent' in directory " +
                path("secrets"));
  EXPECT_EQ(resolve_error(all, {{"c", "${dir:" + path("nowhere") + ":k}"}}),
            "config 'c': provider 'dir', path '" + path("nowhere") + "': " + path("nowhere") +
                ": no such directory");
  EXPECT_EQ(resolve_error(all, {{"d", "${env:NOT_SET}"}}),
            "config 'd': ${env:NOT_SET}: environment variable 'NOT_SET' is not set");
  EXPECT_EQ(resolve_error(all, {{"e", "${file:k}"}}),
            "config 'e': provider 'file', path '': a file path is required: "
            "${<provider>:<file>:<key>}");
}

TEST_F(ConfigProvidersTest, DirectoryKeyMustBeAFileNameInTheDirectory) {
  dir_.write("secrets/inner/k", "x");
  dir_.write("outside", "x");
  const ConfigProviders all = all_three();
  EXPECT_EQ(
      resolve_error(all, {{"a", "${dir:" + path("secrets") + ":../outside}"}}),
      "config 'a': ${dir:" + path("secrets") + ":../outside}: '../outside' is not a file name");
  EXPECT_EQ(resolve_error(all, {{"b", "${dir:" + path("secrets") + ":inner}"}}),
            "config 'b': ${dir:" + path("secrets") + ":inner}: no file 'inner' in directory " +
                path("secrets"));
}

TEST_F(ConfigProvidersTest, AllowedPathsRejectsFilesOutside) {
  dir_.write("secrets/db.properties", "password=inside\n");
  dir_.write("other/db.properties", "password=outside\n");
  const ConfigProviders restricted =
      all_three({{"config.providers.file.param.allowed.paths", path("secrets")},
                 {"config.providers.dir.param.allowed.paths", path("secrets")}});
  EXPECT_EQ(resolve(restricted, {{"p", "${file:" + path("secrets/db.properties") + ":password}"}})
                .at("p"),
            "inside");
  const std::string escape = path("secrets/../other/db.properties");
  const std::string message = resolve_error(restricted, {{"p", "${file:" + escape + ":password}"}});
  EXPECT_EQ(message, "config 'p': provider 'file', path '" + escape + "': path " + escape +
                         " is outside allowed.paths (" + path("secrets") + ")");
  EXPECT_EQ(message.find("outside\n"), std::string::npos);
  EXPECT_NE(resolve_error(restricted, {{"p", "${dir:" + path("other") + ":db.properties}"}})
                .find("is outside allowed.paths"),
            std::string::npos);
}

TEST_F(ConfigProvidersTest, AllowedPathsRejectsASymlinkOutOfTheDirectory) {
  dir_.write("secrets/ok", "fine");
  dir_.write("other/password", "outside");
  std::filesystem::create_symlink(dir_.path() / "other/password", dir_.path() / "secrets/password");
  const ConfigProviders restricted =
      all_three({{"config.providers.dir.param.allowed.paths", path("secrets")}});
  EXPECT_EQ(resolve(restricted, {{"a", "${dir:" + path("secrets") + ":ok}"}}).at("a"), "fine");
  EXPECT_NE(resolve_error(restricted, {{"a", "${dir:" + path("secrets") + ":password}"}})
                .find("is outside allowed.paths"),
            std::string::npos);
}

TEST_F(ConfigProvidersTest, ProviderDeclarationErrors) {
  EXPECT_EQ(build_error({{"config.providers", "file"}}),
            "config.providers lists 'file' but config.providers.file.class is not set");
  EXPECT_EQ(build_error({{"config.providers", "vault"},
                         {"config.providers.vault.class", "com.example.VaultConfigProvider"}}),
            "config.providers.vault.class: unknown config provider class "
            "'com.example.VaultConfigProvider' (known: FileConfigProvider, "
            "DirectoryConfigProvider, EnvVarConfigProvider)");
  EXPECT_EQ(build_error({{"config.providers", "file"},
                         {"config.providers.file.class", "FileConfigProvider"},
                         {"config.providers.file.param.allowed.path", "/etc"}}),
            "config.providers.file.param.allowed.path: FileConfigProvider has no parameter "
            "'allowed.path'");
  EXPECT_EQ(build_error({{"config.providers", "file"},
                         {"config.providers.file.class", "FileConfigProvider"},
                         {"config.providers.file.param.allowed.paths", "relative/dir"}}),
            "config provider 'file': allowed.paths: path relative/dir is not valid. The path "
            "should be absolute and exist");
  EXPECT_NE(build_error({{"config.providers", "env"},
                         {"config.providers.env.class", "EnvVarConfigProvider"},
                         {"config.providers.env.param.allowlist.pattern", "(unclosed"}})
                .find("config provider 'env': allowlist.pattern: not a valid regular expression"),
            std::string::npos);
}

TEST_F(ConfigProvidersTest, ProcessEnvironmentIsTheDefault) {
  ASSERT_EQ(::setenv("FERRY_CONFIG_PROVIDERS_TEST", "from-process", 1), 0);
  auto built = ConfigProviders::from_worker_config(
      {{"config.providers", "env"}, {"config.providers.env.class", "EnvVarConfigProvider"}});
  ::unsetenv("FERRY_CONFIG_PROVIDERS_TEST");
  ASSERT_TRUE(built.ok()) << built.status().message();
  ASSERT_EQ(::setenv("FERRY_CONFIG_PROVIDERS_TEST", "from-process", 1), 0);
  auto resolved = built->resolve({{"x", "${env:FERRY_CONFIG_PROVIDERS_TEST}"}});
  ::unsetenv("FERRY_CONFIG_PROVIDERS_TEST");
  ASSERT_TRUE(resolved.ok()) << resolved.status().message();
  EXPECT_EQ(resolved->at("x"), "from-process");
}

}  // namespace
}  // namespace ferry::runtime
