// Which source offsets may be committed: only past records that are all acknowledged.
#include "runtime/worker/submitted_records.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

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

// A producer's batch acknowledges a run of entries in one call, across source partitions: each
// gets its own consecutive offset, and the counts drop by the whole run.
TEST(SubmittedRecords, AckAllAcknowledgesARunAtConsecutiveOffsets) {
  SubmittedRecords submitted;
  auto* a1 = submitted.submit(record("a", 1), 10);
  auto* b1 = submitted.submit(record("b", 1), 5);
  auto* a2 = submitted.submit(record("a", 2), 10);
  auto* a3 = submitted.submit(record("a", 3), 10);
  const std::vector<std::uint64_t> run = {SubmittedRecords::token(a1), SubmittedRecords::token(b1),
                                          SubmittedRecords::token(a2)};
  submitted.ack_all(run, "topic", 3, 100);
  EXPECT_EQ(submitted.outstanding_records(), 1u);
  EXPECT_EQ(submitted.outstanding_bytes(), 10u);
  auto taken = submitted.take_committable();
  ASSERT_EQ(taken.offsets.size(), 2u);
  ASSERT_EQ(taken.acknowledged.size(), 3u);
  for (const auto& [acknowledged, position] : taken.acknowledged) {
    EXPECT_EQ(position.topic, "topic");
    EXPECT_EQ(position.partition, 3);
    const bool is_b = acknowledged.source_partition.find("file")->second.as<std::string>() == "b";
    std::int64_t expected = 101;  // b1, between a1 and a2
    if (!is_b) expected = position_of(acknowledged.source_offset) == 1 ? 100 : 102;
    EXPECT_EQ(position.offset, expected);
  }
  // Entries are reused once handed out: a later run is told apart from the earlier one.
  submitted.ack_all(std::vector<std::uint64_t>{SubmittedRecords::token(a3)}, "t2", 0, 7);
  auto last = submitted.take_committable();
  ASSERT_EQ(last.offsets.size(), 1u);
  EXPECT_EQ(position_of(last.offsets[0].second), 3);
  ASSERT_EQ(last.acknowledged.size(), 1u);
  EXPECT_EQ(last.acknowledged[0].second.topic, "t2");
  EXPECT_EQ(last.acknowledged[0].second.offset, 7);
  EXPECT_EQ(submitted.outstanding_bytes(), 0u);
}

// A poll's records are handed out where the poll left them, and destroyed together once the last
// of them was handed out and the next poll is being submitted.
TEST(SubmittedRecords, PolledRecordsStayInPlaceUntilTheLastIsHandedOut) {
  SubmittedRecords submitted;
  const sdk::SchemaPtr schema = sdk::Schema::string();
  const long uses = schema.use_count();
  std::vector<sdk::SourceRecord> polled = {record("a", 1), record("b", 1), record("a", 2)};
  for (sdk::SourceRecord& r : polled) r.value_schema = schema;
  SubmittedRecords::Poll& first = submitted.hold(std::move(polled));
  std::vector<SubmittedRecords::Entry*> entries;
  for (std::size_t i = 0; i < first.records().size(); ++i) {
    entries.push_back(submitted.submit(first, i, 1));
  }
  submitted.ack(entries[1], {"t", 0, 1});
  submitted.ack(entries[2], {"t", 0, 2});
  std::vector<SubmittedRecords::SourceOffset> offsets;
  std::vector<const sdk::SourceRecord*> handed_out;
  const auto take = [&] {
    submitted.take_acknowledged(
        [&](const sdk::SourceRecord& r, const sdk::RecordPosition&) { handed_out.push_back(&r); },
        offsets);
  };
  take();  // b's record; a's second waits for its first
  ASSERT_EQ(handed_out.size(), 1u);
  EXPECT_EQ(handed_out[0], &first.records()[1]);
  EXPECT_EQ(schema.use_count(), uses + 3);
  submitted.ack(entries[0], {"t", 0, 0});
  take();
  ASSERT_EQ(handed_out.size(), 3u);
  EXPECT_EQ(handed_out[1], &first.records()[0]);
  EXPECT_EQ(handed_out[2], &first.records()[2]);
  ASSERT_EQ(offsets.size(), 1u);
  EXPECT_EQ(position_of(offsets[0].second), 2);
  // All handed out, but records may still be submitted from it until the next poll is held.
  EXPECT_EQ(schema.use_count(), uses + 3);
  SubmittedRecords::Poll& second = submitted.hold({record("a", 3)});
  EXPECT_EQ(schema.use_count(), uses);
  submitted.ack(submitted.submit(second, 0, 1), {"t", 0, 3});
  take();
  EXPECT_EQ(handed_out.size(), 4u);
  EXPECT_EQ(submitted.outstanding_records(), 0u);
}

// Polls end in the order their records are handed out, whichever poll that is.
TEST(SubmittedRecords, PollsEndOutOfOrder) {
  SubmittedRecords submitted;
  const sdk::SchemaPtr schema = sdk::Schema::string();
  const long uses = schema.use_count();
  const auto poll_of = [&](sdk::SourceRecord r) {
    r.value_schema = schema;
    std::vector<sdk::SourceRecord> records;
    records.push_back(std::move(r));
    return records;
  };
  auto* a1 = submitted.submit(submitted.hold(poll_of(record("a", 1))), 0, 1);
  auto* b1 = submitted.submit(submitted.hold(poll_of(record("b", 1))), 0, 1);
  auto* c1 = submitted.submit(submitted.hold(poll_of(record("c", 1))), 0, 1);
  submitted.ack(b1, {});
  EXPECT_EQ(submitted.take_committable().acknowledged.size(), 1u);
  EXPECT_EQ(schema.use_count(), uses + 2);  // the middle poll is gone
  submitted.ack(a1, {});
  submitted.ack(c1, {});
  EXPECT_EQ(submitted.take_committable().acknowledged.size(), 2u);
  EXPECT_EQ(schema.use_count(), uses + 1);  // the last poll stays until the next one
  submitted.hold({});
  EXPECT_EQ(schema.use_count(), uses);
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

// The task thread submits and collects while another thread acknowledges, as with the producer
// (one entry at a time, or all it finds queued in one ack_all): across many reused chunks of
// entries, every record is handed out once, in order, and the committable offset ends at the last
// one.
void check_concurrent_acks(bool in_runs) {
  constexpr std::int64_t kRecords = 20000;
  SubmittedRecords submitted;
  std::mutex mutex;
  std::condition_variable sent;
  std::deque<SubmittedRecords::Entry*> to_ack;
  bool done_sending = false;
  std::thread acker([&] {
    std::int64_t offset = 0;
    while (true) {
      std::unique_lock lock(mutex);
      sent.wait(lock, [&] { return !to_ack.empty() || done_sending; });
      if (to_ack.empty()) return;
      if (in_runs) {
        std::vector<std::uint64_t> run;
        for (SubmittedRecords::Entry* entry : to_ack) run.push_back(SubmittedRecords::token(entry));
        to_ack.clear();
        lock.unlock();
        submitted.ack_all(run, "t", 0, offset);
        offset += static_cast<std::int64_t>(run.size());
        continue;
      }
      SubmittedRecords::Entry* entry = to_ack.front();
      to_ack.pop_front();
      lock.unlock();
      submitted.ack(entry, {"t", 0, offset++});
    }
  });
  std::int64_t next_expected = 1;
  std::int64_t committable = 0;
  std::vector<SubmittedRecords::SourceOffset> offsets;
  const auto collect = [&] {
    submitted.take_acknowledged(
        [&](const sdk::SourceRecord& acknowledged, const sdk::RecordPosition& position) {
          EXPECT_EQ(position_of(acknowledged.source_offset), next_expected);
          EXPECT_EQ(position.offset, next_expected - 1);
          ++next_expected;
        },
        offsets);
    if (!offsets.empty()) committable = position_of(offsets.back().second);
  };
  for (std::int64_t i = 1; i <= kRecords; ++i) {
    SubmittedRecords::Entry* entry = submitted.submit(record("a", i), 100);
    {
      std::scoped_lock lock(mutex);
      to_ack.push_back(entry);
    }
    sent.notify_one();
    if (i % 97 == 0) collect();
    if (submitted.outstanding_bytes() > 100 * 1000) {
      submitted.wait_below(100 * 1000, std::chrono::steady_clock::now() + std::chrono::seconds(30),
                           [] { return false; });
    }
  }
  {
    std::scoped_lock lock(mutex);
    done_sending = true;
  }
  sent.notify_one();
  acker.join();
  collect();
  EXPECT_EQ(next_expected, kRecords + 1);
  EXPECT_EQ(committable, kRecords);
  EXPECT_EQ(submitted.outstanding_records(), 0u);
  EXPECT_EQ(submitted.outstanding_bytes(), 0u);
}

TEST(SubmittedRecords, ConcurrentAcksHandOutEveryRecordOnceInOrder) {
  check_concurrent_acks(false);
}

TEST(SubmittedRecords, ConcurrentRunsOfAcksHandOutEveryRecordOnceInOrder) {
  check_concurrent_acks(true);
}

}  // namespace
}  // namespace ferry::runtime
