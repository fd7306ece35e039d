#include "broker/network/subscription_regex.h"

#include <gtest/gtest.h>
#include <regex.h>

namespace ferry::broker {
namespace {

// What librdkafka does with the result: POSIX extended regexec, a search.
bool posix_matches(const std::string& pattern, const std::string& topic) {
  regex_t compiled;
  EXPECT_EQ(regcomp(&compiled, pattern.c_str(), REG_EXTENDED | REG_NOSUB), 0) << pattern;
  const bool matched = regexec(&compiled, topic.c_str(), 0, nullptr, 0) == 0;
  regfree(&compiled);
  return matched;
}

TEST(SubscriptionRegexTest, MatchesWholeNamesOnly) {
  auto translated = librdkafka_subscription_regex("metrics-.*");
  ASSERT_TRUE(translated.ok());
  EXPECT_EQ(*translated, "^(metrics-.*)$");
  EXPECT_TRUE(posix_matches(*translated, "metrics-cpu"));
  EXPECT_FALSE(posix_matches(*translated, "old-metrics-cpu"));
  auto alternatives = librdkafka_subscription_regex("a|b");
  EXPECT_FALSE(posix_matches(*alternatives, "ab"));
  EXPECT_TRUE(posix_matches(*alternatives, "b"));
}

TEST(SubscriptionRegexTest, TranslatesJavaShorthands) {
  auto translated = librdkafka_subscription_regex(R"((?:orders|refunds)\.\d+[\w-]*?)");
  ASSERT_TRUE(translated.ok()) << translated.status().message();
  EXPECT_EQ(*translated, R"(^((orders|refunds)\.[0-9]+[A-Za-z0-9_-]*)$)");
  EXPECT_TRUE(posix_matches(*translated, "orders.12_eu-west"));
  EXPECT_FALSE(posix_matches(*translated, "orders.x"));
  EXPECT_FALSE(posix_matches(*translated, "ordersX12"));
  auto negated = librdkafka_subscription_regex(R"(\D\S*)");
  EXPECT_EQ(*negated, "^([^0-9][^[:space:]]*)$");
}

TEST(SubscriptionRegexTest, RefusesWhatPosixCannotSay) {
  EXPECT_EQ(librdkafka_subscription_regex("(?!internal).*").status().kind(),
            Status::Kind::kInvalidArgument);
  EXPECT_EQ(librdkafka_subscription_regex(R"(\bword)").status().kind(),
            Status::Kind::kInvalidArgument);
  EXPECT_EQ(librdkafka_subscription_regex("[unclosed").status().kind(),
            Status::Kind::kInvalidArgument);
}

}  // namespace
}  // namespace ferry::broker
