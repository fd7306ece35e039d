#include "broker/topics/topic_name.h"

#include <gtest/gtest.h>

namespace ferry::broker {
namespace {

TEST(TopicName, KafkasRulesAndMessages) {
  EXPECT_TRUE(validate_topic_name("orders.v2_eu-1").ok());
  EXPECT_TRUE(validate_topic_name(std::string(249, 'a')).ok());
  EXPECT_EQ(validate_topic_name("").message(), "Topic name is illegal, it can't be empty");
  EXPECT_EQ(validate_topic_name("..").message(), "Topic name cannot be \".\" or \"..\"");
  EXPECT_NE(validate_topic_name(std::string(250, 'a')).message().find("longer than 249"),
            std::string::npos);
  const Status slash = validate_topic_name("a/b");
  EXPECT_EQ(slash.kind(), Status::Kind::kInvalidArgument);
  EXPECT_EQ(slash.message(),
            "Topic name \"a/b\" is illegal, it contains a character other than ASCII "
            "alphanumerics, '.', '_' and '-'");
  EXPECT_FALSE(validate_topic_name("caf\xC3\xA9").ok());
  EXPECT_FALSE(validate_topic_name("with space").ok());
}

TEST(TopicName, DotAndUnderscoreCollide) {
  EXPECT_EQ(unify_collision_chars("a.b_c"), "a_b_c");
  EXPECT_TRUE(is_internal_topic("__consumer_offsets"));
  EXPECT_FALSE(is_internal_topic("consumer_offsets"));
}

}  // namespace
}  // namespace ferry::broker
