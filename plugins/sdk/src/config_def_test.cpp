#include "ferry/sdk/config_def.h"

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ferry::sdk {
namespace {

using Strings = std::vector<std::string>;

// Parses one raw value for a single key of the given type; throws ConfigException on bad input.
ParsedValue parse_one(ConfigType type, const std::string& raw) {
  ConfigDef def = ConfigDef().define({.name = "k", .type = type});
  return def.parse({{"k", raw}}).get("k");
}

// The errors validate reports for one key holding raw (or absent when raw is nullopt).
Strings errors_for(ConfigKey key, std::optional<std::string> raw) {
  std::string name = key.name;
  ConfigDef def = ConfigDef().define(std::move(key));
  ConfigMap props;
  if (raw) props[name] = *raw;
  return def.validate(props).at(0).errors;
}

std::string printed(const auto& value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

ConfigDef connector_def() {
  return ConfigDef()
      .define({.name = "name",
               .type = ConfigType::kString,
               .validator = NonEmptyStringWithoutControlChars(),
               .importance = Importance::kHigh,
               .documentation = "Globally unique name to use for this connector.",
               .group = "Common",
               .order_in_group = 1,
               .width = Width::kMedium,
               .display_name = "Connector name"})
      .define({.name = "tasks.max",
               .type = ConfigType::kInt,
               .default_value = 1,
               .validator = Range::at_least(1),
               .importance = Importance::kHigh,
               .documentation = "Maximum number of tasks to use for this connector.",
               .group = "Common",
               .order_in_group = 3,
               .width = Width::kShort,
               .display_name = "Tasks max"})
      .define({.name = "topic",
               .type = ConfigType::kString,
               .validator = NonEmptyString(),
               .importance = Importance::kHigh,
               .documentation = "The topic to publish data to",
               .group = "Connector"})
      .define({.name = "connection.password",
               .type = ConfigType::kPassword,
               .default_value = nullptr,
               .importance = Importance::kHigh,
               .group = "Connector"})
      .define({.name = "transforms",
               .type = ConfigType::kList,
               .default_value = "",
               .importance = Importance::kLow,
               .group = "Transforms"})
      .define({.name = "key.converter",
               .type = ConfigType::kClass,
               .default_value = nullptr,
               .importance = Importance::kLow,
               .group = "Common"});
}

TEST(ConfigDefTest, EnumNamesAreKafkasUpperCaseNames) {
  EXPECT_EQ(type_name(ConfigType::kBoolean), "BOOLEAN");
  EXPECT_EQ(type_name(ConfigType::kString), "STRING");
  EXPECT_EQ(type_name(ConfigType::kInt), "INT");
  EXPECT_EQ(type_name(ConfigType::kShort), "SHORT");
  EXPECT_EQ(type_name(ConfigType::kLong), "LONG");
  EXPECT_EQ(type_name(ConfigType::kDouble), "DOUBLE");
  EXPECT_EQ(type_name(ConfigType::kList), "LIST");
  EXPECT_EQ(type_name(ConfigType::kClass), "CLASS");
  EXPECT_EQ(type_name(ConfigType::kPassword), "PASSWORD");
  EXPECT_EQ(importance_name(Importance::kHigh), "HIGH");
  EXPECT_EQ(importance_name(Importance::kMedium), "MEDIUM");
  EXPECT_EQ(importance_name(Importance::kLow), "LOW");
  EXPECT_EQ(width_name(Width::kNone), "NONE");
  EXPECT_EQ(width_name(Width::kShort), "SHORT");
  EXPECT_EQ(width_name(Width::kMedium), "MEDIUM");
  EXPECT_EQ(width_name(Width::kLong), "LONG");
}

// --- Password ---

TEST(PasswordTest, EveryPrinterShowsHidden) {
  Password secret("hunter2");
  EXPECT_EQ(to_string(secret), "[hidden]");
  EXPECT_EQ(printed(secret), "[hidden]");
  EXPECT_EQ(display_string(ParsedValue(secret)), "[hidden]");
  EXPECT_EQ(convert_to_string(ParsedValue(secret)), "[hidden]");
  EXPECT_EQ(::testing::PrintToString(secret), "[hidden]");
  EXPECT_EQ(::testing::PrintToString(ParsedValue(secret)).find("hunter2"), std::string::npos);
}

TEST(PasswordTest, SecretIsReachableThroughValue) {
  EXPECT_EQ(Password("hunter2").value(), "hunter2");
  EXPECT_EQ(Password("a"), Password("a"));
  EXPECT_NE(Password("a"), Password("b"));
}

// --- parsing, type by type ---

TEST(ParseTypeTest, BooleanAcceptsTrueAndFalseInAnyCaseAfterTrimming) {
  EXPECT_EQ(parse_one(ConfigType::kBoolean, "true"), ParsedValue(true));
  EXPECT_EQ(parse_one(ConfigType::kBoolean, " TRUE "), ParsedValue(true));
  EXPECT_EQ(parse_one(ConfigType::kBoolean, "False"), ParsedValue(false));
}

TEST(ParseTypeTest, BooleanRejectsOtherWordsWithKafkasMessage) {
  EXPECT_EQ(errors_for({.name = "k", .type = ConfigType::kBoolean}, "maybe"),
            Strings{"Invalid value maybe for configuration k: Expected value to be either true "
                    "or false"});
  EXPECT_EQ(errors_for({.name = "k", .type = ConfigType::kBoolean}, "1").size(), 1u);
  EXPECT_EQ(errors_for({.name = "k", .type = ConfigType::kBoolean}, "yes").size(), 1u);
}

TEST(ParseTypeTest, IntParsesTrimmedSignedDecimalsWithinInt32) {
  EXPECT_EQ(parse_one(ConfigType::kInt, " 42 "), ParsedValue(std::int32_t{42}));
  EXPECT_EQ(parse_one(ConfigType::kInt, "+7"), ParsedValue(std::int32_t{7}));
  EXPECT_EQ(parse_one(ConfigType::kInt, "-2147483648"), ParsedValue(std::int32_t{INT32_MIN}));
  EXPECT_EQ(parse_one(ConfigType::kInt, "2147483647"), ParsedValue(std::int32_t{INT32_MAX}));
}

TEST(ParseTypeTest, IntRejectsNonNumbersAndOverflowWithKafkasMessage) {
  EXPECT_EQ(errors_for({.name = "tasks.max", .type = ConfigType::kInt}, "x"),
            Strings{"Invalid value x for configuration tasks.max: Not a number of type INT"});
  for (const char* bad : {"2147483648", "1.5", "", "0x10", "+-1", "1 2", "1e3"}) {
    EXPECT_EQ(errors_for({.name = "k", .type = ConfigType::kInt}, bad),
              Strings{"Invalid value " + std::string(bad) +
                      " for configuration k: Not a number of type INT"})
        << bad;
  }
}

TEST(ParseTypeTest, ShortIsAJavaShort) {
  EXPECT_EQ(parse_one(ConfigType::kShort, "32767"), ParsedValue(std::int16_t{32767}));
  EXPECT_EQ(parse_one(ConfigType::kShort, "-32768"), ParsedValue(std::int16_t{-32768}));
  EXPECT_EQ(errors_for({.name = "k", .type = ConfigType::kShort}, "32768"),
            Strings{"Invalid value 32768 for configuration k: Not a number of type SHORT"});
}

TEST(ParseTypeTest, LongIsAJavaLong) {
  EXPECT_EQ(parse_one(ConfigType::kLong, "9223372036854775807"),
            ParsedValue(std::int64_t{INT64_MAX}));
  EXPECT_EQ(parse_one(ConfigType::kLong, "-1"), ParsedValue(std::int64_t{-1}));
  EXPECT_EQ(errors_for({.name = "k", .type = ConfigType::kLong}, "9223372036854775808"),
            Strings{"Invalid value 9223372036854775808 for configuration k: Not a number of type "
                    "LONG"});
}

TEST(ParseTypeTest, DoubleFollowsJavaParseDouble) {
  EXPECT_EQ(parse_one(ConfigType::kDouble, " 1.5 "), ParsedValue(1.5));
  EXPECT_EQ(parse_one(ConfigType::kDouble, "1e3"), ParsedValue(1000.0));
  EXPECT_EQ(parse_one(ConfigType::kDouble, ".5"), ParsedValue(0.5));
  EXPECT_EQ(parse_one(ConfigType::kDouble, "2."), ParsedValue(2.0));
  EXPECT_EQ(parse_one(ConfigType::kDouble, "+3"), ParsedValue(3.0));
  EXPECT_EQ(parse_one(ConfigType::kDouble, "1.5f"), ParsedValue(1.5));
  EXPECT_EQ(parse_one(ConfigType::kDouble, "0x1p3"), ParsedValue(8.0));
  EXPECT_EQ(parse_one(ConfigType::kDouble, "-Infinity"), ParsedValue(-HUGE_VAL));
  EXPECT_EQ(parse_one(ConfigType::kDouble, "1e400"), ParsedValue(HUGE_VAL));
  EXPECT_TRUE(std::isnan(std::get<double>(parse_one(ConfigType::kDouble, "NaN"))));
  for (const char* bad : {"abc", "1e", "inf", "nan", "", "1,5", "e3"}) {
    EXPECT_EQ(errors_for({.name = "k", .type = ConfigType::kDouble}, bad),
              Strings{"Invalid value " + std::string(bad) +
                      " for configuration k: Not a number of type DOUBLE"})
        << bad;
  }
}

TEST(ParseTypeTest, ListSplitsOnCommasAndTrimsEachElement) {
  EXPECT_EQ(parse_one(ConfigType::kList, "a, b ,c"), ParsedValue(Strings{"a", "b", "c"}));
  EXPECT_EQ(parse_one(ConfigType::kList, " single "), ParsedValue(Strings{"single"}));
  EXPECT_EQ(parse_one(ConfigType::kList, "a b, c"), ParsedValue(Strings{"a b", "c"}));
}

TEST(ParseTypeTest, ListOfEmptyStringIsEmptyAndEmptyElementsAreKept) {
  EXPECT_EQ(parse_one(ConfigType::kList, ""), ParsedValue(Strings{}));
  EXPECT_EQ(parse_one(ConfigType::kList, "   "), ParsedValue(Strings{}));
  // As Java's " a , b ,,c, ".trim().split("\\s*,\\s*", -1).
  EXPECT_EQ(parse_one(ConfigType::kList, " a , b ,,c, "),
            ParsedValue(Strings{"a", "b", "", "c", ""}));
}

TEST(ParseTypeTest, StringClassAndPasswordAreTrimmedAsKafkaDoes) {
  EXPECT_EQ(parse_one(ConfigType::kString, "  orders \t"), ParsedValue(std::string("orders")));
  EXPECT_EQ(parse_one(ConfigType::kString, ""), ParsedValue(std::string()));
  EXPECT_EQ(parse_one(ConfigType::kClass, " com.example.Sink "),
            ParsedValue(std::string("com.example.Sink")));
  EXPECT_EQ(parse_one(ConfigType::kPassword, " secret "), ParsedValue(Password("secret")));
}

// --- defining keys ---

TEST(DefineTest, StringDefaultsAreParsedLikePropertyValues) {
  ConfigDef def = ConfigDef()
                      .define({.name = "i", .type = ConfigType::kInt, .default_value = "12"})
                      .define({.name = "l", .type = ConfigType::kList, .default_value = "a, b"})
                      .define({.name = "s", .type = ConfigType::kString, .default_value = " x "});
  EXPECT_EQ(def.find("i")->default_value, ParsedValue(std::int32_t{12}));
  EXPECT_EQ(def.find("l")->default_value, ParsedValue(Strings{"a", "b"}));
  EXPECT_EQ(def.find("s")->default_value, ParsedValue(std::string("x")));
}

TEST(DefineTest, TypedDefaultsAreConvertedToTheKeysAlternative) {
  ConfigDef def = ConfigDef()
                      .define({.name = "l", .type = ConfigType::kLong, .default_value = 60000})
                      .define({.name = "s", .type = ConfigType::kShort, .default_value = 3})
                      .define({.name = "d", .type = ConfigType::kDouble, .default_value = 2})
                      .define({.name = "n", .type = ConfigType::kInt, .default_value = nullptr});
  EXPECT_EQ(def.find("l")->default_value, ParsedValue(std::int64_t{60000}));
  EXPECT_EQ(def.find("s")->default_value, ParsedValue(std::int16_t{3}));
  EXPECT_EQ(def.find("d")->default_value, ParsedValue(2.0));
  EXPECT_EQ(def.find("n")->default_value, ParsedValue(nullptr));
}

TEST(DefineTest, BadDefaultsAndDuplicateNamesThrowWhenDefined) {
  ConfigDef def;
  EXPECT_THROW(def.define({.name = "b", .type = ConfigType::kBoolean, .default_value = 1}),
               ConfigException);
  EXPECT_THROW(def.define({.name = "s", .type = ConfigType::kShort, .default_value = 40000}),
               ConfigException);
  EXPECT_THROW(def.define({.name = "i", .type = ConfigType::kInt, .default_value = "x"}),
               ConfigException);
  try {
    def.define({.name = "t",
                .type = ConfigType::kInt,
                .default_value = 0,
                .validator = Range::at_least(1)});
    FAIL() << "a default the validator rejects must throw";
  } catch (const ConfigException& e) {
    EXPECT_STREQ(e.what(), "Invalid value 0 for configuration t: Value must be at least 1");
  }
  def.define({.name = "once", .type = ConfigType::kString, .default_value = ""});
  try {
    def.define({.name = "once", .type = ConfigType::kString});
    FAIL() << "a second definition must throw";
  } catch (const ConfigException& e) {
    EXPECT_STREQ(e.what(), "Configuration once is defined twice.");
  }
}

TEST(DefineTest, KeysAndGroupsKeepDefinitionOrderAndDisplayNameDefaultsToName) {
  ConfigDef def = connector_def();
  EXPECT_EQ(def.names(), (Strings{"name", "tasks.max", "topic", "connection.password", "transforms",
                                  "key.converter"}));
  EXPECT_EQ(def.groups(), (Strings{"Common", "Connector", "Transforms"}));
  EXPECT_EQ(def.find("tasks.max")->display_name, "Tasks max");
  EXPECT_EQ(def.find("topic")->display_name, "topic");
  EXPECT_EQ(def.find("nope"), nullptr);
  EXPECT_FALSE(def.find("name")->has_default());
}

// --- validators ---

TEST(ValidatorTest, RangeMessagesAreKafkas) {
  EXPECT_EQ(
      errors_for({.name = "tasks.max", .type = ConfigType::kInt, .validator = Range::at_least(1)},
                 "0"),
      Strings{"Invalid value 0 for configuration tasks.max: Value must be at least 1"});
  EXPECT_EQ(errors_for({.name = "k", .type = ConfigType::kLong, .validator = Range::between(1, 10)},
                       "11"),
            Strings{"Invalid value 11 for configuration k: Value must be no more than 10"});
  EXPECT_EQ(
      errors_for({.name = "r", .type = ConfigType::kDouble, .validator = Range::between(0.0, 1.0)},
                 "1.5"),
      Strings{"Invalid value 1.5 for configuration r: Value must be no more than 1.0"});
  EXPECT_TRUE(
      errors_for({.name = "k", .type = ConfigType::kInt, .validator = Range::between(1, 10)}, "10")
          .empty());
}

TEST(ValidatorTest, RangeOnAMissingValueSaysNonNull) {
  // Kafka runs the validator on the null of a missing required key too.
  EXPECT_EQ(errors_for({.name = "k", .type = ConfigType::kInt, .validator = Range::at_least(1)},
                       std::nullopt),
            (Strings{"Missing required configuration \"k\" which has no default value.",
                     "Invalid value null for configuration k: Value must be non-null"}));
}

TEST(ValidatorTest, NullDefaultRejectedByRangeThrowsWhenDefinedAsInKafka) {
  EXPECT_THROW(ConfigDef().define({.name = "k",
                                   .type = ConfigType::kInt,
                                   .default_value = nullptr,
                                   .validator = Range::at_least(1)}),
               ConfigException);
}

TEST(ValidatorTest, ValidStringListsTheChoices) {
  ConfigKey key{.name = "errors.tolerance",
                .type = ConfigType::kString,
                .default_value = "none",
                .validator = ValidString::in({"none", "all"})};
  EXPECT_EQ(errors_for(key, "some"),
            Strings{"Invalid value some for configuration errors.tolerance: String must be one "
                    "of: none, all"});
  EXPECT_TRUE(errors_for(key, "all").empty());
  EXPECT_EQ(key.validator.description(), "[none, all]");
}

TEST(ValidatorTest, CaseInsensitiveValidStringListsInJavaHashSetOrder) {
  // The orders below are what Java 17 prints for these HashSets.
  ConfigKey key{.name = "exactly.once.support",
                .type = ConfigType::kString,
                .default_value = "requested",
                .validator = CaseInsensitiveValidString::in({"requested", "required"})};
  EXPECT_TRUE(errors_for(key, "REQUIRED").empty());
  EXPECT_EQ(errors_for(key, "maybe"),
            Strings{"Invalid value maybe for configuration exactly.once.support: String must be "
                    "one of (case insensitive): REQUIRED, REQUESTED"});
  EXPECT_EQ(CaseInsensitiveValidString::in({"poll", "interval", "connector"}).description(),
            "(case insensitive) [INTERVAL, POLL, CONNECTOR]");
}

TEST(ValidatorTest, ValidListChecksEveryElement) {
  ConfigKey key{.name = "modes",
                .type = ConfigType::kList,
                .default_value = "",
                .validator = ValidList::in({"a", "b"})};
  EXPECT_TRUE(errors_for(key, "a, b").empty());
  EXPECT_EQ(errors_for(key, "a,c"),
            Strings{"Invalid value c for configuration modes: String must be one of: a, b"});
}

TEST(ValidatorTest, NonEmptyStringRejectsOnlyTheEmptyString) {
  ConfigKey key{.name = "topic", .type = ConfigType::kString, .validator = NonEmptyString()};
  EXPECT_EQ(errors_for(key, "  "),
            Strings{"Invalid value  for configuration topic: String must be non-empty"});
  EXPECT_TRUE(errors_for(key, "t").empty());
}

TEST(ValidatorTest, NonEmptyStringWithoutControlCharsNamesTheCodePoints) {
  ConfigKey key{.name = "name",
                .type = ConfigType::kString,
                .validator = NonEmptyStringWithoutControlChars()};
  EXPECT_EQ(errors_for(key, ""),
            Strings{"Invalid value  for configuration name: String may not be empty"});
  EXPECT_EQ(errors_for(key, "a\tb\x7F\xC2\x85"),
            Strings{"Invalid value a\tb\x7F\xC2\x85 for configuration name: String may not contain "
                    "control sequences but had the following ASCII chars: 9, 127, 133"});
  EXPECT_TRUE(errors_for(key, "caf\xC3\xA9").empty());
}

TEST(ValidatorTest, NonNullValidatorRejectsNull) {
  EXPECT_EQ(errors_for({.name = "k", .type = ConfigType::kString, .validator = NonNullValidator()},
                       std::nullopt),
            (Strings{"Missing required configuration \"k\" which has no default value.",
                     "Invalid value null for configuration k: entry must be non null"}));
}

TEST(ValidatorTest, CustomValidatorReturningAReasonGetsKafkasPrefix) {
  Validator even = [](std::string_view, const ParsedValue& v) -> std::optional<std::string> {
    if (std::get<std::int32_t>(v) % 2 != 0) return "must be even";
    return std::nullopt;
  };
  EXPECT_EQ(errors_for({.name = "k", .type = ConfigType::kInt, .validator = even}, "3"),
            Strings{"Invalid value 3 for configuration k: must be even"});
  EXPECT_TRUE(errors_for({.name = "k", .type = ConfigType::kInt, .validator = even}, "4").empty());
}

TEST(ValidatorTest, CustomValidatorThrowingKeepsItsWholeMessage) {
  Validator no_self = [](std::string_view name, const ParsedValue& v) {
    if (v == ParsedValue(std::string("self")))
      throw ConfigException(std::string(name) + " is self");
  };
  EXPECT_EQ(errors_for({.name = "k", .type = ConfigType::kString, .validator = no_self}, "self"),
            Strings{"k is self"});
}

TEST(ValidatorTest, CompositeStopsAtTheFirstFailureAndJoinsDescriptions) {
  Validator both = CompositeValidator::of({NonEmptyString(), ValidString::in({"x"})});
  EXPECT_EQ(errors_for({.name = "k", .type = ConfigType::kString, .validator = both}, ""),
            Strings{"Invalid value  for configuration k: String must be non-empty"});
  EXPECT_EQ(both.description(), "non-empty string, [x]");
}

TEST(ValidatorTest, DescriptionsAreKafkasValidValuesText) {
  EXPECT_EQ(Range::at_least(1).description(), "[1,...]");
  EXPECT_EQ(Range::between(1, 10).description(), "[1,...,10]");
  EXPECT_EQ(Range::between(0.0, 0.5).description(), "[0.0,...,0.5]");
  EXPECT_EQ(NonEmptyString().description(), "non-empty string");
  EXPECT_EQ(NonNullValidator().description(), "non-null string");
  EXPECT_EQ(NonEmptyStringWithoutControlChars().description(),
            "non-empty string without ISO control characters");
  EXPECT_EQ(ValidList::in({"a", "b"}).description(), "[a, b]");
}

// --- validate ---

TEST(ValidateTest, MissingRequiredKeyHasKafkasMessage) {
  EXPECT_EQ(errors_for({.name = "topic", .type = ConfigType::kString}, std::nullopt),
            Strings{"Missing required configuration \"topic\" which has no default value."});
}

TEST(ValidateTest, EveryProblemOfOneKeyIsReported) {
  // Kafka runs the validator on the null left by a failed parse, so both errors are reported.
  EXPECT_EQ(errors_for({.name = "tasks.max",
                        .type = ConfigType::kInt,
                        .default_value = 1,
                        .validator = Range::at_least(1)},
                       "x"),
            (Strings{"Invalid value x for configuration tasks.max: Not a number of type INT",
                     "Invalid value null for configuration tasks.max: Value must be non-null"}));
}

TEST(ValidateTest, ResultsAndErrorsComeInDefinitionOrder) {
  ConfigDef def = connector_def();
  std::vector<ConfigValue> results = def.validate({{"tasks.max", "0"}, {"unknown.key", "v"}});
  ASSERT_EQ(results.size(), 6u);
  EXPECT_EQ(results[0].name, "name");
  EXPECT_EQ(results[0].errors,
            Strings{"Missing required configuration \"name\" which has no default value."});
  EXPECT_EQ(results[1].name, "tasks.max");
  EXPECT_EQ(results[1].errors,
            Strings{"Invalid value 0 for configuration tasks.max: Value must be at least 1"});
  EXPECT_EQ(results[2].name, "topic");
  EXPECT_EQ(results[2].errors.size(), 1u);
  EXPECT_EQ(error_count(results), 3u);
}

TEST(ValidateTest, ValueIsTheRestStringOfTheParsedValueOrDefault) {
  ConfigDef def = connector_def();
  std::vector<ConfigValue> results = def.validate({{"name", "c1"},
                                                   {"tasks.max", "x"},
                                                   {"topic", "t"},
                                                   {"connection.password", "hunter2"},
                                                   {"transforms", "a, b"}});
  EXPECT_EQ(results[0].value, "c1");
  EXPECT_EQ(results[1].value, std::nullopt);  // did not parse: null, as in Kafka
  EXPECT_EQ(results[3].value, "[hidden]");
  EXPECT_EQ(results[4].value, "a,b");
  EXPECT_EQ(results[5].value, std::nullopt);  // null default
  EXPECT_EQ(def.validate({}).at(1).value, "1");
  EXPECT_EQ(results[3].parsed, ParsedValue(Password("hunter2")));
}

TEST(ValidateTest, PrintedResultsHidePasswords) {
  ConfigDef def = connector_def();
  std::vector<ConfigValue> results = def.validate({{"connection.password", "hunter2"}});
  EXPECT_EQ(to_string(results[3]), "[connection.password,[hidden],[],[],true]");
  EXPECT_EQ(printed(results[3]), "[connection.password,[hidden],[],[],true]");
  EXPECT_EQ(::testing::PrintToString(results).find("hunter2"), std::string::npos);
}

TEST(ValidateTest, RecommenderGivesValuesAndVisibilityFromOtherKeys) {
  ConfigDef def =
      ConfigDef()
          .define({.name = "mode",
                   .type = ConfigType::kString,
                   .default_value = "bulk",
                   .dependents = {"column"}})
          .define({.name = "column",
                   .type = ConfigType::kString,
                   .default_value = "",
                   .recommender = {
                       .valid_values =
                           [](std::string_view, const ParsedValues&) {
                             return std::vector<ParsedValue>{std::string("id"), std::string("ts")};
                           },
                       .visible =
                           [](std::string_view, const ParsedValues& parsed) {
                             return parsed.at("mode") == ParsedValue(std::string("incrementing"));
                           }}})
          .define({.name = "broken",
                   .type = ConfigType::kString,
                   .default_value = "",
                   .recommender = {.visible = [](std::string_view, const ParsedValues&) -> bool {
                     throw ConfigException("cannot decide");
                   }}});
  std::vector<ConfigValue> bulk = def.validate({});
  EXPECT_EQ(bulk[1].recommended_values, (Strings{"id", "ts"}));
  EXPECT_FALSE(bulk[1].visible);
  EXPECT_EQ(bulk[2].errors, Strings{"cannot decide"});
  EXPECT_TRUE(def.validate({{"mode", "incrementing"}})[1].visible);
}

TEST(ValidateTest, UndefinedDependentIsReportedAfterTheKeys) {
  ConfigDef def = ConfigDef().define(
      {.name = "a", .type = ConfigType::kString, .default_value = "", .dependents = {"ghost"}});
  std::vector<ConfigValue> results = def.validate({});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1].name, "ghost");
  EXPECT_EQ(results[1].errors, Strings{"ghost is referred in the dependents, but not defined."});
  EXPECT_FALSE(results[1].visible);
  try {
    (void)def.parse({});
    FAIL();
  } catch (const ConfigException& e) {
    EXPECT_STREQ(e.what(),
                 "Some configurations in are referred in the dependents, but not defined: ghost");
  }
}

// --- parse ---

TEST(ParseTest, GivesTypedValuesAndDefaults) {
  ConfigDef def = connector_def().define(
      {.name = "enabled", .type = ConfigType::kBoolean, .default_value = true});
  ParsedConfig config = def.parse({{"name", "c1"},
                                   {"topic", "orders"},
                                   {"connection.password", "hunter2"},
                                   {"transforms", "a,b"},
                                   {"key.converter", "org.example.JsonConverter"}});
  EXPECT_EQ(config.get_string("name"), "c1");
  EXPECT_EQ(config.get_int("tasks.max"), 1);
  EXPECT_EQ(config.get_list("transforms"), (Strings{"a", "b"}));
  EXPECT_EQ(config.get_password("connection.password").value(), "hunter2");
  EXPECT_EQ(config.get_class("key.converter"), "org.example.JsonConverter");
  EXPECT_TRUE(config.get_bool("enabled"));
  ConfigDef numbers = ConfigDef()
                          .define({.name = "s", .type = ConfigType::kShort, .default_value = 1})
                          .define({.name = "l", .type = ConfigType::kLong, .default_value = 2})
                          .define({.name = "d", .type = ConfigType::kDouble, .default_value = 0.5});
  ParsedConfig parsed = numbers.parse({{"l", "9000000000"}});
  EXPECT_EQ(parsed.get_short("s"), 1);
  EXPECT_EQ(parsed.get_long("l"), 9000000000);
  EXPECT_EQ(parsed.get_double("d"), 0.5);
}

TEST(ParseTest, ThrowsOneExceptionListingEveryProblemInDefinitionOrder) {
  try {
    (void)connector_def().parse({{"tasks.max", "x"}, {"topic", ""}});
    FAIL() << "parse must throw";
  } catch (const ConfigException& e) {
    Strings expected{"Missing required configuration \"name\" which has no default value.",
                     "Invalid value x for configuration tasks.max: Not a number of type INT",
                     "Invalid value null for configuration tasks.max: Value must be non-null",
                     "Invalid value  for configuration topic: String must be non-empty"};
    EXPECT_EQ(e.errors(), expected);
    std::string message = e.what();
    for (const std::string& error : expected) {
      EXPECT_NE(message.find(error), std::string::npos) << error;
    }
  }
}

TEST(ParseTest, GettersRejectUnknownNamesOtherTypesAndNull) {
  ParsedConfig config = connector_def().parse({{"name", "c1"}, {"topic", "t"}});
  EXPECT_THROW((void)config.get("nope"), ConfigException);
  try {
    (void)config.get_string("nope");
  } catch (const ConfigException& e) {
    EXPECT_STREQ(e.what(), "Unknown configuration 'nope'");
  }
  EXPECT_THROW((void)config.get_long("tasks.max"), ConfigException);
  EXPECT_THROW((void)config.get_class("key.converter"), ConfigException);
  EXPECT_TRUE(config.is_null("key.converter"));
  EXPECT_FALSE(config.is_null("tasks.max"));
}

TEST(ParseTest, OriginalsKeepEveryPropIncludingUnknownKeys) {
  ConfigMap props{{"name", "c1"}, {"topic", "t"}, {"my.own.key", "v"}};
  ParsedConfig config = connector_def().parse(props);
  EXPECT_EQ(config.originals(), props);
  EXPECT_FALSE(config.values().contains("my.own.key"));
}

TEST(ParseTest, OriginalsWithPrefixStripsOrKeepsThePrefix) {
  ParsedConfig config = connector_def().parse({{"name", "c1"},
                                               {"topic", "t"},
                                               {"key.converter", "org.example.Json"},
                                               {"key.converter.schemas.enable", "false"},
                                               {"key.converter.", "ignored"}});
  EXPECT_EQ(config.originals_with_prefix("key.converter."),
            (ConfigMap{{"schemas.enable", "false"}}));
  EXPECT_EQ(config.originals_with_prefix("key.converter.", false),
            (ConfigMap{{"key.converter.schemas.enable", "false"}}));
}

TEST(ParseTest, ValuesWithPrefixOverrideParsesAndValidatesTheOverrides) {
  ConfigDef def = ConfigDef()
                      .define({.name = "batch.size",
                               .type = ConfigType::kInt,
                               .default_value = 10,
                               .validator = Range::at_least(1)})
                      .define({.name = "acks", .type = ConfigType::kString, .default_value = "1"});
  ParsedConfig config = def.parse({{"batch.size", "20"}, {"producer.batch.size", " 30 "}});
  ParsedConfig producer = config.values_with_prefix_override("producer.");
  EXPECT_EQ(producer.get_int("batch.size"), 30);
  EXPECT_EQ(producer.get_string("acks"), "1");
  EXPECT_EQ(config.get_int("batch.size"), 20);
  ParsedConfig bad = def.parse({{"producer.batch.size", "0"}});
  try {
    (void)bad.values_with_prefix_override("producer.");
    FAIL();
  } catch (const ConfigException& e) {
    EXPECT_STREQ(e.what(),
                 "Invalid value 0 for configuration batch.size: Value must be at least 1");
  }
}

TEST(ParseTest, EveryPrinterOfAParsedConfigHidesPasswords) {
  ConfigMap props{{"name", "c1"}, {"topic", "t"}, {"connection.password", "hunter2"}};
  ParsedConfig config = connector_def().parse(props);
  std::string text = to_string(config);
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  EXPECT_NE(text.find("\tconnection.password = [hidden]\n"), std::string::npos);
  EXPECT_NE(text.find("\ttransforms = []\n"), std::string::npos);
  EXPECT_NE(text.find("\tkey.converter = null\n"), std::string::npos);
  EXPECT_EQ(printed(config), text);
  EXPECT_EQ(config.masked_originals().at("connection.password"), "[hidden]");
  EXPECT_EQ(connector_def().masked(props),
            (ConfigMap{{"name", "c1"}, {"topic", "t"}, {"connection.password", "[hidden]"}}));
}

// --- rendering for REST and docs ---

TEST(RenderTest, DefaultValueStringIsWhatRestShows) {
  ConfigDef def =
      connector_def()
          .define({.name = "list", .type = ConfigType::kList, .default_value = "a, b"})
          .define({.name = "secret", .type = ConfigType::kPassword, .default_value = "s3cret"})
          .define({.name = "ratio", .type = ConfigType::kDouble, .default_value = 1})
          .define({.name = "flag", .type = ConfigType::kBoolean, .default_value = false});
  EXPECT_EQ(default_value_string(*def.find("name")), std::nullopt);           // required
  EXPECT_EQ(default_value_string(*def.find("key.converter")), std::nullopt);  // null
  EXPECT_EQ(default_value_string(*def.find("tasks.max")), "1");
  EXPECT_EQ(default_value_string(*def.find("transforms")), "");
  EXPECT_EQ(default_value_string(*def.find("list")), "a,b");
  EXPECT_EQ(default_value_string(*def.find("secret")), "[hidden]");
  EXPECT_EQ(default_value_string(*def.find("ratio")), "1.0");
  EXPECT_EQ(default_value_string(*def.find("flag")), "false");
}

TEST(RenderTest, DoublesAreWrittenAsJavaWritesThem) {
  EXPECT_EQ(convert_to_string(1e7), "1.0E7");
  EXPECT_EQ(convert_to_string(9999999.0), "9999999.0");
  EXPECT_EQ(convert_to_string(0.001), "0.001");
  EXPECT_EQ(convert_to_string(0.0001), "1.0E-4");
  EXPECT_EQ(convert_to_string(123.456), "123.456");
  EXPECT_EQ(convert_to_string(100.0), "100.0");
  EXPECT_EQ(convert_to_string(-1.5e-10), "-1.5E-10");
  EXPECT_EQ(convert_to_string(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(convert_to_string(5e-324), "4.9E-324");
  EXPECT_EQ(convert_to_string(0.0), "0.0");
  EXPECT_EQ(convert_to_string(2e23), "2.0E23");  // JDK 19+; Java 17 printed 1.9999999999999998E23
}

TEST(RenderTest, ListsAreCommaJoinedForRestAndBracketedInMessages) {
  ParsedValue list = Strings{"a", "b"};
  EXPECT_EQ(convert_to_string(list), "a,b");
  EXPECT_EQ(display_string(list), "[a, b]");
  EXPECT_EQ(display_string(nullptr), "null");
  EXPECT_EQ(convert_to_string(nullptr), std::nullopt);
}

TEST(RenderTest, RstDocsFollowKafkasLayoutAndOrder) {
  ConfigDef def = ConfigDef()
                      .define({.name = "b.timeout.ms",
                               .type = ConfigType::kLong,
                               .default_value = 60000,
                               .validator = Range::at_least(0),
                               .importance = Importance::kLow,
                               .documentation = "How long to wait."})
                      .define({.name = "a.hidden",
                               .type = ConfigType::kString,
                               .default_value = "",
                               .internal = true})
                      .define({.name = "c.topic",
                               .type = ConfigType::kString,
                               .importance = Importance::kLow,
                               .documentation = "Where to write."});
  EXPECT_EQ(def.to_rst(),
            "``c.topic``\n  Where to write.\n\n  * Type: string\n  * Importance: low\n\n"
            "``b.timeout.ms``\n  How long to wait.\n\n  * Type: long\n"
            "  * Default: 60000 (1 minute)\n  * Valid Values: [0,...]\n  * Importance: low\n\n");
}

// --- combining definitions ---

TEST(MergeTest, FirstDefsKeysComeFirstAndRedefinedKeysAreSkipped) {
  ConfigDef framework =
      ConfigDef()
          .define({.name = "name", .type = ConfigType::kString, .group = "Common"})
          .define({.name = "tasks.max",
                   .type = ConfigType::kInt,
                   .default_value = 1,
                   .group = "Common"});
  ConfigDef plugin =
      ConfigDef()
          .define(
              {.name = "file", .type = ConfigType::kString, .default_value = "", .group = "File"})
          .define(
              {.name = "tasks.max", .type = ConfigType::kInt, .default_value = 4, .group = "File"});
  ConfigDef merged = plugin.merged_with(framework);
  EXPECT_EQ(merged.names(), (Strings{"file", "tasks.max", "name"}));
  EXPECT_EQ(merged.find("tasks.max")->default_value, ParsedValue(std::int32_t{4}));
  EXPECT_EQ(merged.groups(), (Strings{"File", "Common"}));
}

TEST(MergeTest, EmbedPrefixesKeysGroupsAndDependentsButValidatorsSeeTheBareName) {
  ConfigDef transform = ConfigDef()
                            .define({.name = "field",
                                     .type = ConfigType::kString,
                                     .validator = NonEmptyString(),
                                     .importance = Importance::kHigh})
                            .define({.name = "replacement",
                                     .type = ConfigType::kString,
                                     .default_value = "x",
                                     .importance = Importance::kLow,
                                     .group = "Masking",
                                     .dependents = {"field"}});
  ConfigDef def = ConfigDef().embed("transforms.mask.", "Transforms: mask", 2, transform);
  EXPECT_EQ(def.names(), (Strings{"transforms.mask.field", "transforms.mask.replacement"}));
  EXPECT_EQ(def.find("transforms.mask.field")->group, "Transforms: mask");
  EXPECT_EQ(def.find("transforms.mask.field")->order_in_group, 2);
  EXPECT_EQ(def.find("transforms.mask.replacement")->group, "Transforms: mask: Masking");
  EXPECT_EQ(def.find("transforms.mask.replacement")->dependents, Strings{"transforms.mask.field"});
  EXPECT_EQ(def.validate({{"transforms.mask.field", ""}})[0].errors,
            Strings{"Invalid value  for configuration field: String must be non-empty"});
}

}  // namespace
}  // namespace ferry::sdk
