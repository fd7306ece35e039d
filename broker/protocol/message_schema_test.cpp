#include "broker/protocol/message_schema.h"

#include <set>

#include <gtest/gtest.h>

namespace ferry::broker::protocol {
namespace {

TEST(MessageSchemaTest, TableParsesWithEveryApiTheClientsNeed) {
  std::set<std::int16_t> keys;
  for (const ApiDef& api : api_definitions()) keys.insert(api.key);
  EXPECT_EQ(keys, (std::set<std::int16_t>{0,  1,  2,  3,  8,  9,  10, 11, 12, 13, 14, 15,
                                          16, 18, 19, 20, 21, 22, 32, 33, 37, 42, 44, 47}));
}

TEST(MessageSchemaTest, VersionsServedKeepLibrdkafkaFeatureMinimums) {
  // librdkafka 2.0.2 enables MsgVer2 with Produce 3 / Fetch 4, the balanced consumer with
  // FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup 0 and OffsetCommit 1-2,
  // OffsetFetch 1, the idempotent producer with InitProducerId 0 (reference/connect.md 12.2).
  EXPECT_TRUE(find_api(0)->versions.contains(3));
  EXPECT_TRUE(find_api(1)->versions.contains(4));
  for (std::int16_t key : {10, 11, 12, 13, 14, 22}) EXPECT_EQ(find_api(key)->versions.min, 0);
  EXPECT_TRUE(find_api(8)->versions.contains(2));
  EXPECT_TRUE(find_api(9)->versions.contains(1));
  // ApiVersions v3 is what librdkafka sends first; it is flexible.
  EXPECT_EQ(find_api(18)->versions.max, 3);
  EXPECT_TRUE(find_api(18)->flexible(3));
  EXPECT_FALSE(find_api(18)->flexible(2));
}

TEST(MessageSchemaTest, FieldsNestAndCarryTheirOptions) {
  const ApiDef& fetch = *find_api(1);
  const FieldDef& topics = fetch.response.fields[fetch.response.index_of("Responses")];
  ASSERT_EQ(topics.type, FieldType::kStructArray);
  const StructDef& partition_def =
      *topics.fields->fields[topics.fields->index_of("Partitions")].fields;
  const FieldDef& aborted = partition_def.fields[partition_def.index_of("AbortedTransactions")];
  EXPECT_TRUE(aborted.nullable.contains(4));
  EXPECT_EQ(aborted.versions.min, 4);
  const ApiDef& api_versions = *find_api(18);
  const FieldDef& epoch =
      api_versions.response.fields[api_versions.response.index_of("FinalizedFeaturesEpoch")];
  EXPECT_EQ(epoch.tag, 1);
  EXPECT_EQ(epoch.default_integer, -1);
}

TEST(MessageSchemaTest, UnknownFieldNameThrowsNamingTheStruct) {
  try {
    (void)find_api(3)->request.index_of("Topicz");
    FAIL();
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(), "MetadataRequest has no field Topicz");
  }
}

TEST(MessageSchemaTest, UnknownKeyIsNull) { EXPECT_EQ(find_api(4), nullptr); }

}  // namespace
}  // namespace ferry::broker::protocol
