#include "runtime/config/yaml_config_file.h"

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "runtime/config/properties_file.h"
#include "tests/temp_directory.h"

namespace ferry::runtime {
namespace {

std::map<std::string, std::string> parse(std::string_view text) {
  auto result = parse_yaml_config(text, "t.yaml");
  EXPECT_TRUE(result.ok()) << result.status().message();
  return result.ok() ? result->values : std::map<std::string, std::string>{};
}

// The whole message, so that file, line and column are all checked.
std::string error_of(std::string_view text) {
  auto result = parse_yaml_config(text, "t.yaml");
  if (result.ok()) return "(parsed without error)";
  EXPECT_EQ(result.status().kind(), Status::Kind::kInvalidArgument);
  return result.status().message();
}

TEST(YamlConfig, NestedMapsFlattenToDottedKeys) {
  const auto values = parse("key: {converter: {schemas: {enable: false}}}\n");
  EXPECT_EQ(values,
            (std::map<std::string, std::string>{{"key.converter.schemas.enable", "false"}}));
}

TEST(YamlConfig, LiteralDottedKeysMixWithNesting) {
  const auto values = parse(
      "key.converter: org.apache.kafka.connect.json.JsonConverter\n"
      "key.converter.schemas.enable: false\n"
      "value:\n"
      "  converter: org.apache.kafka.connect.json.JsonConverter\n"
      "  converter.schemas:\n"
      "    enable: true\n");
  EXPECT_EQ(values, (std::map<std::string, std::string>{
                        {"key.converter", "org.apache.kafka.connect.json.JsonConverter"},
                        {"key.converter.schemas.enable", "false"},
                        {"value.converter", "org.apache.kafka.connect.json.JsonConverter"},
                        {"value.converter.schemas.enable", "true"}}));
}

TEST(YamlConfig, SequencesOfScalarsBecomeCommaSeparatedLists) {
  const auto values = parse(
      "topics: [orders, payments]\n"
      "transforms:\n"
      "  - route\n"
      "  - mask\n"
      "empty: []\n");
  EXPECT_EQ(values.at("topics"), "orders,payments");
  EXPECT_EQ(values.at("transforms"), "route,mask");
  EXPECT_EQ(values.at("empty"), "");
}

TEST(YamlConfig, ScalarsKeepTheirTextAsWritten) {
  const auto values = parse(
      "tasks.max: 1\n"
      "ratio: 1.50\n"
      "hex: 0x10\n"
      "flag: true\n"
      "yes.word: yes\n"
      "quoted: \"a: b # c\"\n"
      "single: 'it''s'\n"
      "escaped: \"tab\\tend\"\n"
      "block: |\n"
      "  line one\n"
      "  line two\n");
  EXPECT_EQ(values.at("tasks.max"), "1");
  EXPECT_EQ(values.at("ratio"), "1.50");
  EXPECT_EQ(values.at("hex"), "0x10");
  EXPECT_EQ(values.at("flag"), "true");
  EXPECT_EQ(values.at("yes.word"), "yes");
  EXPECT_EQ(values.at("quoted"), "a: b # c");
  EXPECT_EQ(values.at("single"), "it's");
  EXPECT_EQ(values.at("escaped"), "tab\tend");
  EXPECT_EQ(values.at("block"), "line one\nline two\n");
}

TEST(YamlConfig, NullsBecomeEmptyButQuotedNullIsText) {
  const auto values = parse("tilde: ~\nword: null\nnothing:\nquoted: \"null\"\nlist: [a, ~, b]\n");
  EXPECT_EQ(values.at("tilde"), "");
  EXPECT_EQ(values.at("word"), "");
  EXPECT_EQ(values.at("nothing"), "");
  EXPECT_EQ(values.at("quoted"), "null");
  EXPECT_EQ(values.at("list"), "a,,b");
}

TEST(YamlConfig, AliasesOfScalarsAndMapsExpand) {
  const auto values = parse(
      "base: &converter {converter: json, schemas.enable: false}\n"
      "key: *converter\n"
      "name: &n orders\n"
      "topic: *n\n");
  EXPECT_EQ(values.at("key.converter"), "json");
  EXPECT_EQ(values.at("key.schemas.enable"), "false");
  EXPECT_EQ(values.at("topic"), "orders");
}

TEST(YamlConfig, LineOfKeyIsTheOneBasedLineOfTheInnermostKey) {
  auto result = parse_yaml_config(
      "# worker\n"
      "bootstrap.servers: localhost:9092\n"
      "\n"
      "key:\n"
      "  converter:\n"
      "    schemas.enable: false\n"
      "topics: [a,\n"
      "  b]\n",
      "w.yaml");
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->source, "w.yaml");
  EXPECT_EQ(result->line_of_key.at("bootstrap.servers"), 2);
  EXPECT_EQ(result->line_of_key.at("key.converter.schemas.enable"), 6);
  EXPECT_EQ(result->line_of_key.at("topics"), 7);
  EXPECT_EQ(result->line_of_key.size(), result->values.size());
}

TEST(YamlConfig, SameKeysAsTheEquivalentPropertiesFile) {
  const auto yaml = parse(
      "bootstrap.servers: localhost:9092\n"
      "key.converter: org.apache.kafka.connect.json.JsonConverter\n"
      "key.converter.schemas.enable: true\n"
      "offset.storage.file.filename: /tmp/connect.offsets\n"
      "offset.flush.interval.ms: 10000\n"
      "plugin.path: [/usr/share/java, /opt/connectors]\n");
  auto properties = parse_properties(
      "bootstrap.servers=localhost:9092\n"
      "key.converter=org.apache.kafka.connect.json.JsonConverter\n"
      "key.converter.schemas.enable=true\n"
      "offset.storage.file.filename=/tmp/connect.offsets\n"
      "offset.flush.interval.ms=10000\n"
      "plugin.path=/usr/share/java,/opt/connectors\n",
      "w.properties");
  ASSERT_TRUE(properties.ok());
  EXPECT_EQ(yaml, properties->values);
}

TEST(YamlConfig, EmptyCommentOnlyAndNullDocumentsAreEmptyConfigs) {
  EXPECT_TRUE(parse("").empty());
  EXPECT_TRUE(parse("# nothing here\n\n").empty());
  EXPECT_TRUE(parse("---\n").empty());
  EXPECT_TRUE(parse("~\n").empty());
}

TEST(YamlConfig, SyntaxErrorNamesFileLineAndColumn) {
  EXPECT_EQ(error_of("a: 1\nb: [1, 2\nc: 3\n"), "t.yaml:3:2: end of sequence flow not found");
}

TEST(YamlConfig, TopLevelMustBeAMap) {
  EXPECT_EQ(error_of("# list\n- a\n- b\n"),
            "t.yaml:2:1: the top level must be a map of config keys, found a sequence");
  EXPECT_EQ(error_of("\n  just text\n"),
            "t.yaml:2:3: the top level must be a map of config keys, found a scalar");
}

TEST(YamlConfig, SequenceHoldingAMapIsRejected) {
  EXPECT_EQ(error_of("transforms:\n  - route\n  - {type: x}\n"),
            "t.yaml:3:5: a list may hold only scalars, found a map");
}

TEST(YamlConfig, SequenceHoldingASequenceIsRejected) {
  EXPECT_EQ(error_of("topics: [a, [b, c]]\n"),
            "t.yaml:1:13: a list may hold only scalars, found a sequence");
}

TEST(YamlConfig, ListItemWithACommaIsRejected) {
  EXPECT_EQ(error_of("topics: [a, \"b,c\"]\n"),
            "t.yaml:1:13: a list item contains ',', which would split it in two in the "
            "comma-separated value");
}

TEST(YamlConfig, DuplicateKeyAfterFlatteningIsRejectedWithoutItsValue) {
  const std::string message = error_of(
      "database.password: hunter2\n"
      "database:\n"
      "  password: s3cret\n");
  EXPECT_EQ(message, "t.yaml:3:3: duplicate key 'database.password' (first defined at line 1)");
  EXPECT_EQ(message.find("hunter2"), std::string::npos);
  EXPECT_EQ(message.find("s3cret"), std::string::npos);
}

TEST(YamlConfig, DuplicateKeyInOneMapIsRejected) {
  EXPECT_EQ(error_of("a: 1\nb: 2\na: 3\n"),
            "t.yaml:3:1: duplicate key 'a' (first defined at line 1)");
}

TEST(YamlConfig, KeysMustBeNonEmptyScalars) {
  EXPECT_EQ(error_of("ok: 1\n? [a, b]\n: 2\n"),
            "t.yaml:2:3: a key must be a non-empty scalar, found a sequence");
  EXPECT_EQ(error_of("\"\": 1\n"),
            "t.yaml:1:1: a key must be a non-empty scalar, found an empty string");
  EXPECT_EQ(error_of("~: 1\n"), "t.yaml:1:1: a key must be a non-empty scalar, found null");
}

TEST(YamlConfig, MergeKeysAreRejected) {
  EXPECT_EQ(error_of("base: &b {x: 1}\nconnector:\n  <<: *b\n"),
            "t.yaml:3:3: YAML merge keys (<<) are not supported");
}

TEST(YamlConfig, MoreThanOneDocumentIsRejected) {
  EXPECT_EQ(error_of("a: 1\n---\nb: 2\n"),
            "t.yaml:2:1: a config file holds one YAML document, found another after the first");
}

// yaml-cpp 0.7's LoadAll never returns on these (jbeder/yaml-cpp#1040); found by the fuzzer.
TEST(YamlConfig, StrayTopLevelCommaIsAnErrorNotAHang) {
  EXPECT_EQ(error_of(","), "t.yaml:1:1: not valid YAML here");
  EXPECT_EQ(error_of(", a\n- {b: [c, {d: e}]}\n---\nx: 1\n"), "t.yaml:1:1: not valid YAML here");
  EXPECT_EQ(error_of("a: 1\n---\n,\n"),
            "t.yaml:2:1: a config file holds one YAML document, found another after the first");
}

TEST(YamlConfig, InvalidUtf8NamesLineAndColumn) {
  EXPECT_EQ(error_of("a: 1\nb: caf\xC3\xA9 \xFF\n"), "t.yaml:2:9: invalid UTF-8");
}

TEST(YamlConfig, NestingUpToTheCapIsAccepted) {
  std::string text;
  for (int level = 1; level < kMaxYamlConfigDepth; ++level)
    text += "k" + std::to_string(level) + ": {";
  text += "leaf: v" + std::string(kMaxYamlConfigDepth - 1, '}') + "\n";
  const auto values = parse(text);
  ASSERT_EQ(values.size(), 1u);
  EXPECT_EQ(values.begin()->second, "v");
}

TEST(YamlConfig, NestingBeyondTheCapIsRejected) {
  std::string text;
  for (int level = 1; level <= kMaxYamlConfigDepth; ++level) text += "k: {";
  text += "leaf: v" + std::string(kMaxYamlConfigDepth, '}') + "\n";
  EXPECT_EQ(error_of(text),
            "t.yaml:1:256: maps nested deeper than 64 levels (an alias that refers "
            "to its own map?)");
}

TEST(YamlConfig, HundredThousandOpenBracketsIsAnErrorNotACrash) {
  const std::string message = error_of("a: " + std::string(100000, '['));
  EXPECT_EQ(message.rfind("t.yaml:", 0), 0u) << message;
  EXPECT_EQ(error_of(std::string(100000, '{')).rfind("t.yaml:", 0), 0u);
}

TEST(YamlConfig, AliasOfItsOwnMapIsAnErrorNotAnEndlessWalk) {
  const std::string message = error_of("a: &x {b: *x}\n");
  EXPECT_NE(message.find("nested deeper than 64 levels"), std::string::npos) << message;
}

TEST(YamlConfig, ExponentialAliasExpansionIsCut) {
  // Each level doubles the keys of the one before: 2^40 keys if nothing stopped it.
  std::string text = "l0: &l0 {a: xxxxxxxxxxxxxxxx, b: xxxxxxxxxxxxxxxx}\n";
  for (int level = 1; level <= 40; ++level) {
    const std::string previous = "*l" + std::to_string(level - 1);
    text += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " {a: " + previous +
            ", b: " + previous + "}\n";
  }
  const std::string message = error_of(text);
  EXPECT_NE(message.find("expands to more than 16 MiB"), std::string::npos) << message;
}

TEST(YamlConfig, ExponentialAliasesOfEmptyMapsAreCutToo) {
  std::string text = "l0: &l0 {}\n";
  for (int level = 1; level <= 60; ++level) {
    const std::string previous = "*l" + std::to_string(level - 1);
    text += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " {a: " + previous +
            ", b: " + previous + "}\n";
  }
  EXPECT_NE(error_of(text).find("expands to more than"), std::string::npos);
}

TEST(YamlConfig, ListOfAliasesToALongScalarIsCutBeforeItIsBuilt) {
  std::string text = "v: &v " + std::string(4000, 'y') + "\nbig: [*v";
  for (int i = 1; i < 20000; ++i) text += ", *v";  // 80 MB if joined
  text += "]\n";
  // An aliased node carries the mark of its anchor.
  EXPECT_EQ(error_of(text),
            "t.yaml:1:4: the config expands to more than 16 MiB (aliases repeated too often?)");
}

class YamlConfigFile : public ::testing::Test {
 protected:
  ferry::testing::TempDir dir_;
};

TEST_F(YamlConfigFile, LoadsFromDiskWithThePathAsSource) {
  const auto path = dir_.write("worker.yaml", "tasks.max: 2\n");
  auto result = load_yaml_config_file(path);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->source, path.string());
  EXPECT_EQ(result->values.at("tasks.max"), "2");
}

TEST_F(YamlConfigFile, ErrorsNameThePath) {
  const auto path = dir_.write("bad.yaml", "a: [\n");
  auto result = load_yaml_config_file(path);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message().rfind(path.string() + ":2:1: ", 0), 0u)
      << result.status().message();
}

TEST_F(YamlConfigFile, MissingFileIsNotFound) {
  auto result = load_yaml_config_file(dir_.path() / "absent.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().kind(), Status::Kind::kNotFound);
  EXPECT_EQ(result.status().message(), (dir_.path() / "absent.yaml").string() + ": no such file");
}

}  // namespace
}  // namespace ferry::runtime
