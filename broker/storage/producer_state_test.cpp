// Idempotent producers' state: the checks of one partition's table, its snapshot format, and the
// partition log keeping it across clean and unclean reopens (snapshot, recovery scan, fallback
// to a scan when the snapshot is missing, damaged or past the log end) and forgetting producers
// whose batches retention or DeleteRecords removed.
#include "broker/storage/producer_state.h"

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "broker/storage/partition_log.h"
#include "broker/storage/record_batch.h"
#include "tests/temp_directory.h"

namespace ferry::broker {
namespace {

// A batch of producer id, epoch from sequence first, count records "<first + i>".
std::vector<std::uint8_t> producer_batch(std::int64_t id, std::int16_t epoch, std::int32_t first,
                                         int count, std::int64_t timestamp = 1000) {
  RecordBatchBuilder builder(
      RecordBatchOptions{.producer_id = id, .producer_epoch = epoch, .base_sequence = first});
  for (int i = 0; i < count; ++i) {
    const std::string value = std::to_string(first + i);
    EXPECT_TRUE(builder.append(timestamp, std::nullopt, as_bytes(value)).ok());
  }
  auto batch = builder.build();
  EXPECT_TRUE(batch.ok()) << batch.status().message();
  return batch.ok() ? std::move(*batch) : std::vector<std::uint8_t>();
}

RecordBatchHeader header_of(std::int64_t id, std::int16_t epoch, std::int32_t first, int count,
                            std::int64_t base_offset) {
  auto batch = producer_batch(id, epoch, first, count);
  auto header = read_batch_header(batch);
  EXPECT_TRUE(header.ok());
  header->base_offset = base_offset;
  return *header;
}

std::unique_ptr<PartitionLog> open_log(const std::filesystem::path& dir, bool clean,
                                       std::vector<std::string>* notes_out = nullptr,
                                       LogConfig config = {}) {
  std::vector<std::string> notes;
  auto log = PartitionLog::open(dir, config, clean, notes);
  EXPECT_TRUE(log.ok()) << log.status().message();
  if (notes_out) *notes_out = notes;
  return log.ok() ? std::move(*log) : nullptr;
}

ProducerAppend send(PartitionLog& log, std::int64_t id, std::int16_t epoch, std::int32_t first,
                    int count, bool new_producer = false) {
  auto batch = producer_batch(id, epoch, first, count);
  auto appended = log.append_idempotent(batch, 5000, new_producer);
  EXPECT_TRUE(appended.ok()) << appended.status().message();
  return appended.ok() ? *appended : ProducerAppend{};
}

bool mentions(const std::vector<std::string>& notes, const std::string& text) {
  for (const std::string& note : notes) {
    if (note.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string joined(const std::vector<std::string>& notes) {
  std::string out;
  for (const std::string& note : notes) out += note + "\n";
  return out;
}

TEST(ProducerStateTable, RetriesGapsAndEpochsAsKafkaChecksThem) {
  ProducerStateTable table;
  // Unknown producer: any sequence, unless it is new (then 0).
  EXPECT_EQ(table.check(header_of(7, 0, 5, 1, 0), false).verdict, ProducerVerdict::kAppend);
  EXPECT_EQ(table.check(header_of(7, 0, 5, 1, 0), true).verdict,
            ProducerVerdict::kOutOfOrderSequence);
  for (int i = 0; i < 7; ++i) table.record(header_of(7, 0, i * 2, 2, i * 2), -1);
  // The last five batches are retries, answered with their offsets; older ones are not.
  const ProducerCheck retry = table.check(header_of(7, 0, 4, 2, 99), false);
  EXPECT_EQ(retry.verdict, ProducerVerdict::kDuplicate);
  EXPECT_EQ(retry.original.base_offset, 4);
  EXPECT_EQ(retry.original.last_offset, 5);
  EXPECT_EQ(table.check(header_of(7, 0, 2, 2, 99), false).verdict,
            ProducerVerdict::kOutOfOrderSequence);
  EXPECT_EQ(table.check(header_of(7, 0, 14, 1, 99), false).verdict, ProducerVerdict::kAppend);
  const ProducerCheck gap = table.check(header_of(7, 0, 15, 1, 99), false);
  EXPECT_EQ(gap.verdict, ProducerVerdict::kOutOfOrderSequence);
  EXPECT_EQ(gap.why, "producer 7 epoch 0: sequence 15, expected 14");
  EXPECT_EQ(table.check(header_of(7, 1, 0, 1, 99), false).verdict, ProducerVerdict::kAppend);
  EXPECT_EQ(table.check(header_of(7, 1, 3, 1, 99), false).verdict,
            ProducerVerdict::kOutOfOrderSequence);
  table.record(header_of(7, 1, 0, 1, 14), -1);
  EXPECT_EQ(table.check(header_of(7, 0, 14, 1, 99), false).verdict, ProducerVerdict::kInvalidEpoch);
}

TEST(ProducerStateTable, SequencesWrapAtInt32Max) {
  ProducerStateTable table;
  const std::int32_t max = std::numeric_limits<std::int32_t>::max();
  table.record(header_of(3, 0, max - 1, 2, 0), -1);
  EXPECT_EQ(table.last_sequence(3)->second, max);
  EXPECT_EQ(table.check(header_of(3, 0, 0, 1, 2), false).verdict, ProducerVerdict::kAppend);
}

TEST(ProducerStateTable, SnapshotRoundTripsAndRefusesDamage) {
  ProducerStateTable table;
  for (int i = 0; i < 6; ++i) table.record(header_of(11, 2, i, 1, i), 777);
  table.record(header_of(12, 0, 0, 3, 6), -1);
  const std::vector<std::uint8_t> bytes = table.serialize(9);
  auto parsed = ProducerStateTable::parse(bytes, 9, "x.producer-snapshot");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->serialize(9), bytes);
  EXPECT_EQ(parsed->producer_count(), 2u);
  EXPECT_EQ(parsed->max_producer_id(), 12);
  const ProducerCheck retry = parsed->check(header_of(11, 2, 1, 1, 50), false);
  EXPECT_EQ(retry.verdict, ProducerVerdict::kDuplicate);
  EXPECT_EQ(retry.original.log_append_time, 777);

  std::vector<std::uint8_t> damaged = bytes;
  damaged[damaged.size() / 2] ^= 0x01;
  auto refused = ProducerStateTable::parse(damaged, 9, "x.producer-snapshot");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().kind(), Status::Kind::kCorruption);
  EXPECT_NE(refused.status().message().find("x.producer-snapshot"), std::string::npos);
  EXPECT_FALSE(ProducerStateTable::parse(bytes, 10, "x").ok());  // named for another offset
  EXPECT_FALSE(ProducerStateTable::parse(std::span(bytes).first(bytes.size() - 1), 9, "x").ok());
}

TEST(ProducerStateLog, DuplicatesAreNotAppendedAndGapsAndOldEpochsAreRefused) {
  ferry::testing::TempDir dir;
  auto log = open_log(dir.path() / "t-0", true);
  EXPECT_EQ(send(*log, 5, 0, 3, 1, true).verdict, ProducerVerdict::kOutOfOrderSequence);
  EXPECT_EQ(send(*log, 5, 0, 0, 3, true).appended.base_offset, 0);
  const ProducerAppend retry = send(*log, 5, 0, 0, 3);
  EXPECT_EQ(retry.verdict, ProducerVerdict::kDuplicate);
  EXPECT_EQ(retry.appended.base_offset, 0);
  EXPECT_EQ(retry.appended.last_offset, 2);
  EXPECT_EQ(log->log_end_offset(), 3);
  EXPECT_EQ(send(*log, 5, 0, 4, 1).verdict, ProducerVerdict::kOutOfOrderSequence);
  EXPECT_EQ(send(*log, 5, 1, 0, 1).appended.base_offset, 3);
  EXPECT_EQ(send(*log, 5, 0, 3, 1).verdict, ProducerVerdict::kInvalidEpoch);
  EXPECT_EQ(log->log_end_offset(), 4);
  // More than one batch is refused as Kafka refuses it.
  auto two = producer_batch(5, 1, 1, 1);
  auto more = producer_batch(5, 1, 2, 1);
  two.insert(two.end(), more.begin(), more.end());
  auto refused = log->append_idempotent(two, 5000, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().kind(), Status::Kind::kInvalidArgument);
}

TEST(ProducerStateLog, CleanReopenLoadsTheSnapshotWrittenAtClose) {
  ferry::testing::TempDir dir;
  const auto path = dir.path() / "t-0";
  {
    auto log = open_log(path, true);
    for (int i = 0; i < 8; ++i)
      ASSERT_EQ(send(*log, 40, 0, i * 2, 2).verdict, ProducerVerdict::kAppend);
    ASSERT_TRUE(log->close().ok());
  }
  EXPECT_TRUE(std::filesystem::exists(ProducerStateTable::snapshot_path(path, 16)));
  std::vector<std::string> notes;
  auto log = open_log(path, true, &notes);
  EXPECT_TRUE(notes.empty()) << joined(notes);
  EXPECT_EQ(log->producer_last_sequence(40), (std::pair<std::int16_t, std::int32_t>{0, 15}));
  // A retry of one of the last five batches sent before the restart is not appended again.
  const ProducerAppend retry = send(*log, 40, 0, 8, 2);
  EXPECT_EQ(retry.verdict, ProducerVerdict::kDuplicate);
  EXPECT_EQ(retry.appended.base_offset, 8);
  EXPECT_EQ(log->log_end_offset(), 16);
  EXPECT_EQ(send(*log, 40, 0, 17, 1).verdict, ProducerVerdict::kOutOfOrderSequence);
  EXPECT_EQ(send(*log, 40, 0, 16, 1).appended.base_offset, 16);
}

TEST(ProducerStateLog, UncleanReopenRebuildsFromTheRecoveryScan) {
  ferry::testing::TempDir dir;
  const auto path = dir.path() / "t-0";
  LogConfig config;
  config.segment_bytes = 400;  // a roll every few batches, each with its snapshot
  {
    auto log = open_log(path, true, nullptr, config);
    for (int i = 0; i < 40; ++i) {
      ASSERT_EQ(send(*log, 40 + i % 3, 0, (i / 3) * 2, 2).verdict, ProducerVerdict::kAppend);
    }
    ASSERT_GT(log->segment_count(), 3u);
    ASSERT_TRUE(log->flush().ok());
    // Destroyed without close(): no snapshot at the end, as after kill -9.
  }
  EXPECT_LE(ProducerStateTable::list_snapshots(path).size(), PartitionLog::kProducerSnapshotsKept);
  std::vector<std::string> notes;
  auto log = open_log(path, false, &notes, config);
  EXPECT_FALSE(mentions(notes, "producer")) << joined(notes);
  EXPECT_EQ(log->producer_last_sequence(40), (std::pair<std::int16_t, std::int32_t>{0, 27}));
  EXPECT_EQ(log->producer_last_sequence(41), (std::pair<std::int16_t, std::int32_t>{0, 25}));
  EXPECT_EQ(log->producer_last_sequence(42), (std::pair<std::int16_t, std::int32_t>{0, 25}));
  const std::int64_t end = log->log_end_offset();
  EXPECT_EQ(send(*log, 41, 0, 20, 2).verdict, ProducerVerdict::kDuplicate);
  EXPECT_EQ(send(*log, 40, 0, 26, 2).verdict, ProducerVerdict::kDuplicate);
  EXPECT_EQ(log->log_end_offset(), end);
  EXPECT_EQ(send(*log, 41, 0, 26, 2).appended.base_offset, end);
}

TEST(ProducerStateLog, UncleanReopenAfterACleanOneReplaysFromTheCloseSnapshot) {
  ferry::testing::TempDir dir;
  const auto path = dir.path() / "t-0";
  {
    auto log = open_log(path, true);
    ASSERT_EQ(send(*log, 9, 0, 0, 3).verdict, ProducerVerdict::kAppend);
    ASSERT_TRUE(log->close().ok());
  }
  {
    auto log = open_log(path, true);
    ASSERT_EQ(send(*log, 9, 0, 3, 2).verdict, ProducerVerdict::kAppend);
    ASSERT_EQ(send(*log, 10, 4, 0, 1).verdict, ProducerVerdict::kAppend);
  }
  std::vector<std::string> notes;
  auto log = open_log(path, false, &notes);
  EXPECT_FALSE(mentions(notes, "producer")) << joined(notes);
  EXPECT_EQ(log->producer_last_sequence(9), (std::pair<std::int16_t, std::int32_t>{0, 4}));
  EXPECT_EQ(log->producer_last_sequence(10), (std::pair<std::int16_t, std::int32_t>{4, 0}));
  EXPECT_EQ(send(*log, 9, 0, 0, 3).verdict, ProducerVerdict::kDuplicate);
}

TEST(ProducerStateLog, DamagedSnapshotIsReportedRemovedAndTheLogScanned) {
  ferry::testing::TempDir dir;
  const auto path = dir.path() / "t-0";
  {
    auto log = open_log(path, true);
    for (int i = 0; i < 4; ++i) ASSERT_EQ(send(*log, 3, 1, i, 1).verdict, ProducerVerdict::kAppend);
    ASSERT_TRUE(log->close().ok());
  }
  const auto snapshot = ProducerStateTable::snapshot_path(path, 4);
  {
    std::fstream file(snapshot, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(20);
    file.put('\x5a');
  }
  std::vector<std::string> notes;
  auto log = open_log(path, true, &notes);
  EXPECT_TRUE(mentions(notes, snapshot.string() + ": not a producer snapshot: CRC mismatch"))
      << joined(notes);
  EXPECT_TRUE(mentions(notes, "removed it and rebuilding the producer state")) << joined(notes);
  EXPECT_TRUE(mentions(notes, "rebuilt the state of 1 producers from every batch"))
      << joined(notes);
  EXPECT_FALSE(std::filesystem::exists(snapshot));
  EXPECT_EQ(log->producer_last_sequence(3), (std::pair<std::int16_t, std::int32_t>{1, 3}));
  EXPECT_EQ(send(*log, 3, 1, 3, 1).verdict, ProducerVerdict::kDuplicate);
}

TEST(ProducerStateLog, MissingSnapshotIsReportedAndTheLogScanned) {
  ferry::testing::TempDir dir;
  const auto path = dir.path() / "t-0";
  {
    auto log = open_log(path, true);
    for (int i = 0; i < 4; ++i) ASSERT_EQ(send(*log, 3, 0, i, 1).verdict, ProducerVerdict::kAppend);
    ASSERT_TRUE(log->close().ok());
  }
  std::filesystem::remove(ProducerStateTable::snapshot_path(path, 4));
  std::vector<std::string> notes;
  auto log = open_log(path, true, &notes);
  EXPECT_TRUE(mentions(notes, path.string() + ": no producer snapshot")) << joined(notes);
  EXPECT_EQ(send(*log, 3, 0, 2, 1).verdict, ProducerVerdict::kDuplicate);
  EXPECT_EQ(send(*log, 3, 0, 5, 1).verdict, ProducerVerdict::kOutOfOrderSequence);
}

TEST(ProducerStateLog, SnapshotPastTheRecoveredEndIsDropped) {
  ferry::testing::TempDir dir;
  const auto path = dir.path() / "t-0";
  {
    auto log = open_log(path, true);
    for (int i = 0; i < 4; ++i) ASSERT_EQ(send(*log, 3, 0, i, 1).verdict, ProducerVerdict::kAppend);
    ASSERT_TRUE(log->close().ok());
  }
  // The last batch torn off, as a crash of a log whose snapshot claims it would leave it.
  const auto segment = LogSegment::file_path(path, 0, ".log");
  std::filesystem::resize_file(segment, std::filesystem::file_size(segment) - 3);
  std::vector<std::string> notes;
  auto log = open_log(path, false, &notes);
  EXPECT_TRUE(mentions(
      notes, ProducerStateTable::snapshot_path(path, 4).string() + ": past the log end offset 3"))
      << joined(notes);
  EXPECT_EQ(log->log_end_offset(), 3);
  EXPECT_EQ(log->producer_last_sequence(3), (std::pair<std::int16_t, std::int32_t>{0, 2}));
  EXPECT_EQ(send(*log, 3, 0, 3, 1).appended.base_offset, 3);
}

TEST(ProducerStateLog, DeleteRecordsForgetsProducersBelowTheStartAcrossReopens) {
  ferry::testing::TempDir dir;
  const auto path = dir.path() / "t-0";
  {
    auto log = open_log(path, true);
    ASSERT_EQ(send(*log, 1, 0, 0, 2).verdict, ProducerVerdict::kAppend);
    ASSERT_EQ(send(*log, 2, 0, 0, 2).verdict, ProducerVerdict::kAppend);
    ASSERT_TRUE(log->delete_records_before(2).ok());
    EXPECT_FALSE(log->producer_last_sequence(1));
    EXPECT_TRUE(log->producer_last_sequence(2));
    ASSERT_TRUE(log->close().ok());
  }
  for (const bool clean : {true, false}) {
    auto log = open_log(path, clean);
    EXPECT_FALSE(log->producer_last_sequence(1)) << clean;
    EXPECT_EQ(log->max_producer_id(), 2);
  }
  // As Kafka since KIP-360: a producer without state is taken at its sequence.
  auto log = open_log(path, true);
  EXPECT_EQ(send(*log, 1, 0, 2, 1).verdict, ProducerVerdict::kAppend);
}

TEST(ProducerStateLog, BatchesWithoutTheCheckStillCount) {
  ferry::testing::TempDir dir;
  auto log = open_log(dir.path() / "t-0", true);
  auto batch = producer_batch(8, 0, 0, 2);
  ASSERT_TRUE(log->append(batch, 5000).ok());
  EXPECT_EQ(send(*log, 8, 0, 0, 2).verdict, ProducerVerdict::kDuplicate);
}

}  // namespace
}  // namespace ferry::broker
