// The partition log on a real directory: offsets, reads, rolling, recovery from torn and damaged
// files, validation, retention, timestamps, and concurrent producers and consumers.
#include "broker/storage/partition_log.h"

#include <atomic>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "broker/storage/record_batch.h"
#include "tests/temp_directory.h"

namespace ferry::broker {
namespace {

std::span<const std::uint8_t> bytes_of(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// A producer's batch: base offset 0, one record per value, keys "k<value>" unless keyless.
std::vector<std::uint8_t> batch_of(const std::vector<std::string>& values, std::int64_t timestamp,
                                   bool keyless = false) {
  RecordBatchBuilder builder(RecordBatchOptions{});
  for (const std::string& value : values) {
    const std::string key = "k" + value;
    EXPECT_TRUE(builder
                    .append(timestamp, keyless ? std::nullopt : std::optional(bytes_of(key)),
                            bytes_of(value))
                    .ok());
  }
  auto batch = builder.build();
  EXPECT_TRUE(batch.ok()) << batch.status().message();
  return batch.ok() ? std::move(*batch) : std::vector<std::uint8_t>();
}

// Every (offset, value) in a run of batches read from the log.
std::vector<std::pair<std::int64_t, std::string>> records_in(std::span<const std::uint8_t> bytes) {
  std::vector<std::pair<std::int64_t, std::string>> out;
  while (!bytes.empty()) {
    auto header = read_batch_header(bytes);
    EXPECT_TRUE(header.ok()) << header.status().message();
    if (!header.ok()) break;
    auto decoded = decode_batch(bytes.subspan(0, header->size()), 1 << 26);
    EXPECT_TRUE(decoded.ok()) << decoded.status().message();
    if (!decoded.ok()) break;
    for (const RecordView& record : decoded->records()) {
      out.emplace_back(record.offset, record.value
                                          ? std::string(record.value->begin(), record.value->end())
                                          : std::string("<null>"));
    }
    bytes = bytes.subspan(header->size());
  }
  return out;
}

// The producer's buffer is the caller's to give: the log rewrites offsets in it.
Result<AppendResult> append(PartitionLog& log, std::vector<std::uint8_t> batch,
                            std::int64_t now_ms) {
  return log.append(batch, now_ms);
}

std::unique_ptr<PartitionLog> open_log(const std::filesystem::path& dir, LogConfig config = {},
                                       bool clean = true,
                                       std::vector<std::string>* notes_out = nullptr) {
  std::vector<std::string> notes;
  auto log = PartitionLog::open(dir, config, clean, notes);
  EXPECT_TRUE(log.ok()) << log.status().message();
  if (notes_out) *notes_out = notes;
  return log.ok() ? std::move(*log) : nullptr;
}

TEST(PartitionLog, AssignsOffsetsAndReadsBackTheSameRecords) {
  ferry::testing::TempDir dir;
  auto log = open_log(dir.path() / "orders-0");
  auto first = batch_of({"a", "b", "c"}, 1000);
  auto second = batch_of({"d"}, 2000);
  auto r1 = append(*log, first, 5000);
  ASSERT_TRUE(r1.ok()) << r1.status().message();
  EXPECT_EQ(r1->base_offset, 0);
  EXPECT_EQ(r1->last_offset, 2);
  auto r2 = append(*log, second, 5000);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->base_offset, 3);
  EXPECT_EQ(log->log_end_offset(), 4);

  auto read = log->read(0, 1 << 20);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->high_watermark, 4);
  EXPECT_EQ(records_in(read->records), (std::vector<std::pair<std::int64_t, std::string>>{
                                           {0, "a"}, {1, "b"}, {2, "c"}, {3, "d"}}));
  // The bytes stored are the producer's bytes with the base offset filled in.
  EXPECT_EQ(read->records.size(), first.size() + second.size());
}

TEST(PartitionLog, ReadsWholeBatchesAtLeastOneAndNothingAtTheEnd) {
  ferry::testing::TempDir dir;
  auto log = open_log(dir.path() / "t-0");
  ASSERT_TRUE(append(*log, batch_of({"a", "b", "c"}, 1), 1).ok());
  ASSERT_TRUE(append(*log, batch_of({"d", "e"}, 1), 1).ok());
  // From the middle of the first batch: the whole batch comes back.
  auto middle = log->read(1, 1);
  ASSERT_TRUE(middle.ok());
  EXPECT_EQ(records_in(middle->records).front().first, 0);
  EXPECT_EQ(records_in(middle->records).size(), 3u);  // one batch, though max_bytes is 1
  auto second = log->read(4, 1 << 20);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(records_in(second->records).front().first, 3);
  auto end = log->read(5, 1 << 20);
  ASSERT_TRUE(end.ok());
  EXPECT_TRUE(end->records.empty());
  auto past = log->read(6, 1 << 20);
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.status().kind(), Status::Kind::kOutOfRange);
  EXPECT_NE(past.status().message().find("offset 6"), std::string::npos);
  EXPECT_EQ(log->read(-1, 10).status().kind(), Status::Kind::kOutOfRange);
}

TEST(PartitionLog, RollsSegmentsWithKafkasFileNames) {
  ferry::testing::TempDir dir;
  LogConfig config;
  config.segment_bytes = 300;
  auto log = open_log(dir.path() / "t-0", config);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(append(*log, batch_of({"value-" + std::to_string(i)}, 1), 1).ok());
  }
  EXPECT_GT(log->segment_count(), 3u);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "t-0" / "00000000000000000000.log"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "t-0" / "00000000000000000000.index"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "t-0" / "00000000000000000000.timeindex"));
  // Every offset reads back, across segments, one read after another.
  std::int64_t next = 0;
  while (next < 20) {
    auto read = log->read(next, 1 << 20);
    ASSERT_TRUE(read.ok()) << read.status().message();
    const auto records = records_in(read->records);
    ASSERT_FALSE(records.empty());
    for (const auto& [offset, value] : records) {
      if (offset < next) continue;
      EXPECT_EQ(offset, next);
      EXPECT_EQ(value, "value-" + std::to_string(next));
      ++next;
    }
  }
}

TEST(PartitionLog, ReopensWithEverythingAfterACleanShutdown) {
  ferry::testing::TempDir dir;
  LogConfig config;
  config.segment_bytes = 500;
  config.index_interval_bytes = 100;
  {
    auto log = open_log(dir.path() / "t-0", config);
    for (int i = 0; i < 30; ++i)
      ASSERT_TRUE(append(*log, batch_of({std::to_string(i)}, i), i).ok());
  }
  std::vector<std::string> notes;
  auto log = open_log(dir.path() / "t-0", config, true, &notes);
  EXPECT_TRUE(notes.empty()) << notes.front();
  EXPECT_EQ(log->log_end_offset(), 30);
  auto read = log->read(17, 1);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(records_in(read->records).front(), (std::pair<std::int64_t, std::string>{17, "17"}));
  auto appended = append(*log, batch_of({"more"}, 99), 99);
  ASSERT_TRUE(appended.ok());
  EXPECT_EQ(appended->base_offset, 30);
}

std::filesystem::path last_segment(const std::filesystem::path& dir) {
  std::filesystem::path last;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".log" && entry.path() > last) last = entry.path();
  }
  return last;
}

TEST(PartitionLog, UncleanRestartTruncatesATornTailAndKeepsTheRest) {
  ferry::testing::TempDir dir;
  {
    auto log = open_log(dir.path() / "t-0");
    for (int i = 0; i < 10; ++i)
      ASSERT_TRUE(append(*log, batch_of({std::to_string(i)}, 1), 1).ok());
  }
  // A batch cut short by a crash in the middle of a write.
  const auto torn = batch_of({"torn"}, 1);
  {
    std::ofstream out(last_segment(dir.path() / "t-0"), std::ios::binary | std::ios::app);
    out.write(reinterpret_cast<const char*>(torn.data()),
              static_cast<std::streamsize>(torn.size() / 2));
  }
  std::vector<std::string> notes;
  auto log = open_log(dir.path() / "t-0", {}, false, &notes);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("00000000000000000000.log"), std::string::npos) << notes[0];
  EXPECT_NE(notes[0].find("truncating"), std::string::npos) << notes[0];
  EXPECT_EQ(log->log_end_offset(), 10);
  auto appended = append(*log, batch_of({"after"}, 1), 1);
  ASSERT_TRUE(appended.ok());
  EXPECT_EQ(appended->base_offset, 10);
  auto read = log->read(0, 1 << 20);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(records_in(read->records).size(), 11u);
}

TEST(PartitionLog, ADamagedBatchInTheTailIsCutAtThatBatch) {
  ferry::testing::TempDir dir;
  std::uint64_t size_before_last = 0;
  {
    auto log = open_log(dir.path() / "t-0");
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(append(*log, batch_of({std::to_string(i)}, 1), 1).ok());
    size_before_last = log->size_in_bytes();
    ASSERT_TRUE(append(*log, batch_of({"last"}, 1), 1).ok());
  }
  {
    std::fstream file(last_segment(dir.path() / "t-0"),
                      std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(static_cast<std::streamoff>(size_before_last + 70));
    file.put('X');
  }
  std::vector<std::string> notes;
  auto log = open_log(dir.path() / "t-0", {}, false, &notes);
  ASSERT_FALSE(notes.empty());
  EXPECT_NE(notes[0].find("position " + std::to_string(size_before_last)), std::string::npos)
      << notes[0];
  EXPECT_EQ(log->log_end_offset(), 5);
}

TEST(PartitionLog, DamagedIndexesAreRebuiltFromTheLog) {
  ferry::testing::TempDir dir;
  LogConfig config;
  config.index_interval_bytes = 64;
  {
    auto log = open_log(dir.path() / "t-0", config);
    for (int i = 0; i < 50; ++i)
      ASSERT_TRUE(append(*log, batch_of({std::to_string(i)}, i), i).ok());
  }
  {
    std::ofstream index(dir.path() / "t-0" / "00000000000000000000.index",
                        std::ios::binary | std::ios::trunc);
    index << "garbage";  // not a whole entry, and nonsense
  }
  std::filesystem::remove(dir.path() / "t-0" / "00000000000000000000.timeindex");
  std::vector<std::string> notes;
  auto log = open_log(dir.path() / "t-0", config, true, &notes);
  ASSERT_FALSE(notes.empty());
  EXPECT_NE(notes[0].find("rebuilding the indexes"), std::string::npos) << notes[0];
  EXPECT_EQ(log->log_end_offset(), 50);
  auto read = log->read(33, 1);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(records_in(read->records).front().first, 33);
  auto by_time = log->offset_for_timestamp(40);
  ASSERT_TRUE(by_time.ok());
  EXPECT_EQ(*by_time, 40);
}

TEST(PartitionLog, RejectsBadBatchesAndWritesNothingOfThem) {
  ferry::testing::TempDir dir;
  LogConfig config;
  config.max_message_bytes = 200;
  auto log = open_log(dir.path() / "t-0", config);
  ASSERT_TRUE(append(*log, batch_of({"ok"}, 1), 1).ok());
  auto flipped = batch_of({"payload"}, 1);
  flipped[flipped.size() - 3] ^= 0x01;
  auto bad_crc = append(*log, flipped, 1);
  ASSERT_FALSE(bad_crc.ok());
  EXPECT_EQ(bad_crc.status().kind(), Status::Kind::kCorruption);
  EXPECT_NE(bad_crc.status().message().find("t-0"), std::string::npos)
      << bad_crc.status().message();
  auto big = batch_of({std::string(500, 'x')}, 1);
  auto too_large = append(*log, big, 1);
  ASSERT_FALSE(too_large.ok());
  EXPECT_EQ(too_large.status().kind(), Status::Kind::kTooLarge);
  EXPECT_NE(too_large.status().message().find("max.message.bytes"), std::string::npos);
  std::vector<std::uint8_t> truncated = batch_of({"cut"}, 1);
  truncated.resize(truncated.size() - 5);
  EXPECT_FALSE(append(*log, truncated, 1).ok());
  std::vector<std::uint8_t> nothing;
  EXPECT_FALSE(append(*log, nothing, 1).ok());
  EXPECT_EQ(log->log_end_offset(), 1);
}

TEST(PartitionLog, CompactedTopicsNeedKeys) {
  ferry::testing::TempDir dir;
  LogConfig config;
  config.cleanup_compact = true;
  auto log = open_log(dir.path() / "t-0", config);
  auto keyless = batch_of({"v"}, 1, true);
  auto result = append(*log, keyless, 1);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("no key"), std::string::npos);
  auto keyed = batch_of({"v"}, 1);
  EXPECT_TRUE(append(*log, keyed, 1).ok());
}

TEST(PartitionLog, RetentionDeletesTheOldestSegmentsNeverTheActiveOne) {
  ferry::testing::TempDir dir;
  LogConfig config;
  config.segment_bytes = 200;
  config.retention_ms = 1000;
  auto log = open_log(dir.path() / "t-0", config);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(append(*log, batch_of({std::to_string(i)}, i < 5 ? 100 : 5000), 5000).ok());
  }
  const std::size_t before = log->segment_count();
  auto deleted = log->apply_retention(5500);
  ASSERT_TRUE(deleted.ok());
  EXPECT_GT(*deleted, 0);
  EXPECT_EQ(log->segment_count(), before - static_cast<std::size_t>(*deleted));
  EXPECT_GT(log->log_start_offset(), 0);
  EXPECT_LE(log->log_start_offset(), 5);
  EXPECT_EQ(log->read(0, 100).status().kind(), Status::Kind::kOutOfRange);
  // Everything expired: all but the active segment go.
  auto all = log->apply_retention(1000000);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(log->segment_count(), 1u);
  EXPECT_EQ(log->log_end_offset(), 10);

  LogConfig by_size = config;
  by_size.retention_ms = -1;
  by_size.retention_bytes = 400;
  auto sized = open_log(dir.path() / "s-0", by_size);
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(append(*sized, batch_of({std::to_string(i)}, 1), 1).ok());
  ASSERT_TRUE(sized->apply_retention(2).ok());
  EXPECT_LE(sized->size_in_bytes(), 400u + 200u);
}

TEST(PartitionLog, LogAppendTimeStampsTheBrokersClock) {
  ferry::testing::TempDir dir;
  LogConfig config;
  config.timestamp_type = TimestampType::kLogAppendTime;
  auto log = open_log(dir.path() / "t-0", config);
  auto result = append(*log, batch_of({"a"}, 1), 123456);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->log_append_time, 123456);
  auto read = log->read(0, 1 << 20);
  ASSERT_TRUE(read.ok());
  auto header = read_batch_header(read->records);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->max_timestamp, 123456);
  EXPECT_TRUE(verify_batch(read->records).ok());
}

TEST(PartitionLog, ManyProducersAndReadersLoseAndRepeatNothing) {
  ferry::testing::TempDir dir;
  LogConfig config;
  config.segment_bytes = 4096;
  auto log = open_log(dir.path() / "t-0", config);
  constexpr int kProducers = 8;
  constexpr int kBatches = 200;
  std::atomic<bool> done{false};
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kBatches; ++i) {
        auto batch = batch_of({std::to_string(p) + ":" + std::to_string(i)}, 1);
        auto result = append(*log, batch, 1);
        ASSERT_TRUE(result.ok()) << result.status().message();
      }
    });
  }
  std::vector<std::thread> readers;
  std::atomic<int> read_failures{0};
  for (int r = 0; r < 8; ++r) {
    readers.emplace_back([&] {
      std::int64_t next = 0;
      while (!done || next < log->log_end_offset()) {
        auto read = log->read(next, 2048);
        if (!read.ok()) {
          ++read_failures;
          return;
        }
        for (const auto& [offset, value] : records_in(read->records)) {
          if (offset >= next) next = offset + 1;
        }
        if (read->records.empty()) std::this_thread::yield();
      }
    });
  }
  for (auto& thread : producers) thread.join();
  done = true;
  for (auto& thread : readers) thread.join();
  EXPECT_EQ(read_failures, 0);

  auto all = std::vector<std::pair<std::int64_t, std::string>>{};
  std::int64_t next = 0;
  while (next < log->log_end_offset()) {
    auto read = log->read(next, 1 << 20);
    ASSERT_TRUE(read.ok());
    for (auto& record : records_in(read->records)) {
      if (record.first < next) continue;
      next = record.first + 1;
      all.push_back(record);
    }
  }
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kProducers * kBatches));
  std::set<std::string> values;
  std::vector<int> last_per_producer(kProducers, -1);
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].first, static_cast<std::int64_t>(i));
    values.insert(all[i].second);
    const auto colon = all[i].second.find(':');
    const int producer = std::stoi(all[i].second.substr(0, colon));
    const int sequence = std::stoi(all[i].second.substr(colon + 1));
    EXPECT_GT(sequence, last_per_producer[producer]);  // each producer's order is kept
    last_per_producer[producer] = sequence;
  }
  EXPECT_EQ(values.size(), all.size());
}

}  // namespace
}  // namespace ferry::broker
