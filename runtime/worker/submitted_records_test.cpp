// Which source offsets may be committed: only past records that are all acknowledged.
#include "runtime/worker/submitted_records.h"

#include <gtest/gtest.h>

namespace ferry::runtime {
namespace {

sdk::SourceRecord record(const std::string& partition, std::int64_t offset) {
  sdk::SourceRecord out;
  out.source_partition = {{"file", sdk::Value(partition)}};
  out.source_offset = {{"position", sdk::Value(offset)}};
  out.topic = "t";
  return out;
}

std::int64_t position_of(const sdk::SourceMap& offset) {
  return offset.at("position").as<std::int64_t>();
}

TEST(SubmittedRecords, OffsetsMoveOnlyPastAnAcknowledgedPrefix) {
  SubmittedRecords submitted;
  auto* a1 = submitted.submit(record("a", 1), 10);
  auto* a2 = submitted.submit(record("a", 2), 10);
  auto* a3 = submitted.submit(record("a", 3), 10);
  EXPECT_EQ(submitted.outstanding_records(), 3u);
  EXPECT_EQ(submitted.outstanding_bytes(), 30u);

  submitted.ack(a2, {"t", 0, 7});  // out of order: a1 is still in flight
  auto none = submitted.take_committable();
  EXPECT_TRUE(none.offsets.empty());
  EXPECT_TRUE(none.acknowledged.empty());

  submitted.ack(a1, {"t", 0, 6});
  auto two = submitted.take_committable();
  ASSERT_EQ(two.offsets.size(), 1u);
  EXPECT_EQ(position_of(two.offsets[0].second), 2);
  ASSERT_EQ(two.acknowledged.size(), 2u);
  EXPECT_EQ(two.acknowledged[0].second.offset, 6);
  EXPECT_EQ(two.acknowledged[1].second.offset, 7);

  submitted.ack(a3, {"t", 0, 8});
  auto three = submitted.take_committable();
  ASSERT_EQ(three.offsets.size(), 1u);
  EXPECT_EQ(position_of(three.offsets[0].second), 3);
  EXPECT_EQ(submitted.outstanding_records(), 0u);
  EXPECT_EQ(submitted.outstanding_bytes(), 0u);
}

TEST(SubmittedRecords, PartitionsAreIndependent) {
  SubmittedRecords submitted;
  auto* a1 = submitted.submit(record("a", 1), 1);
  auto* b1 = submitted.submit(record("b", 1), 1);
  auto* a2 = submitted.submit(record("a", 2), 1);
  submitted.ack(b1, {});
  submitted.ack(a2, {});
  auto only_b = submitted.take_committable();
  ASSERT_EQ(only_b.offsets.size(), 1u);
  EXPECT_EQ(only_b.offsets[0].first.at("file").as<std::string>(), "b");
  submitted.ack(a1, {});
  auto a = submitted.take_committable();
  ASSERT_EQ(a.offsets.size(), 1u);
  EXPECT_EQ(position_of(a.offsets[0].second), 2);
}

TEST(SubmittedRecords, RecordsWithoutOffsetsAreAcknowledgedButNotCommitted) {
  SubmittedRecords submitted;
  sdk::SourceRecord from_stdin;
  from_stdin.topic = "t";
  submitted.ack(submitted.submit(from_stdin, 5), {});
  auto taken = submitted.take_committable();
  EXPECT_TRUE(taken.offsets.empty());
  EXPECT_EQ(taken.acknowledged.size(), 1u);
}

TEST(SubmittedRecords, WaitBelowReturnsOnceAcknowledged) {
  SubmittedRecords submitted;
  auto* big = submitted.submit(record("a", 1), 1000);
  EXPECT_FALSE(submitted.wait_below(10, std::chrono::steady_clock::now(), [] { return false; }));
  std::thread acker([&] { submitted.ack(big, {}); });
  EXPECT_TRUE(submitted.wait_below(10, std::chrono::steady_clock::now() + std::chrono::seconds(30),
                                   [] { return false; }));
  acker.join();
}

}  // namespace
}  // namespace ferry::runtime
