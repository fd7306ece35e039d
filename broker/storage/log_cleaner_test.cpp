// Compaction on a real partition directory: what stays and what goes (latest value per key,
// tombstones after delete.retention.ms, min.compaction.lag.ms, the active segment), offsets and
// reads across the gaps it leaves, compressed batches, the dedupe buffer's bound, the checkpoint,
// a crash at every step of the swap, and producers and consumers running through a compaction.
#include "broker/storage/log_cleaner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "broker/storage/record_batch.h"
#include "tests/temp_directory.h"

namespace ferry::broker {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxDecompressed = 64 << 20;

struct Record {
  std::int64_t offset = 0;
  std::string key;
  std::optional<std::string> value;  // nullopt: a tombstone
  std::int64_t timestamp = 0;
  bool operator==(const Record&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Record& record) {
  return out << record.offset << ":" << record.key << "=" << record.value.value_or("<null>");
}

using KeyValue = std::pair<std::string, std::optional<std::string>>;

std::vector<std::uint8_t> batch_of(const std::vector<KeyValue>& records, std::int64_t timestamp,
                                   RecordBatchOptions options = {}) {
  RecordBatchBuilder builder(options);
  for (const auto& [key, value] : records) {
    const std::optional<std::span<const std::uint8_t>> value_bytes =
        value ? std::optional(as_bytes(*value)) : std::nullopt;
    EXPECT_TRUE(builder.append(timestamp, as_bytes(key), value_bytes).ok());
  }
  auto batch = builder.build();
  EXPECT_TRUE(batch.ok()) << batch.status().message();
  return batch.ok() ? std::move(*batch) : std::vector<std::uint8_t>();
}

std::int64_t append(PartitionLog& log, const std::vector<KeyValue>& records, std::int64_t timestamp,
                    RecordBatchOptions options = {}) {
  auto batch = batch_of(records, timestamp, options);
  auto result = log.append(batch, timestamp);
  EXPECT_TRUE(result.ok()) << result.status().message();
  return result.ok() ? result->base_offset : -1;
}

std::vector<Record> decode_all(std::span<const std::uint8_t> bytes, std::int64_t from = 0) {
  std::vector<Record> out;
  while (!bytes.empty()) {
    auto header = read_batch_header(bytes);
    EXPECT_TRUE(header.ok()) << header.status().message();
    if (!header.ok()) break;
    auto decoded = decode_batch(bytes.first(header->size()), kMaxDecompressed);
    EXPECT_TRUE(decoded.ok()) << decoded.status().message();
    if (!decoded.ok()) break;
    for (const RecordView& record : decoded->records()) {
      if (record.offset < from) continue;  // what a consumer skips in the first batch
      Record copy;
      copy.offset = record.offset;
      copy.key = record.key ? std::string(record.key->begin(), record.key->end()) : "";
      if (record.value) copy.value = std::string(record.value->begin(), record.value->end());
      copy.timestamp = record.timestamp;
      out.push_back(std::move(copy));
    }
    bytes = bytes.subspan(header->size());
  }
  return out;
}

// A Kafka consumer's loop: fetch at the position, take the records at or after it, move to one
// past the last batch's last offset (which compaction keeps, though the record may be gone).
std::vector<Record> consume(const PartitionLog& log, std::int64_t from = -1,
                            std::uint64_t max_bytes = 300) {
  std::vector<Record> out;
  std::int64_t position = from < 0 ? log.log_start_offset() : from;
  while (position < log.log_end_offset()) {
    auto read = log.read(position, max_bytes);
    EXPECT_TRUE(read.ok()) << read.status().message();
    if (!read.ok() || read->records.empty()) {
      ADD_FAILURE() << "no records at " << position << " below the end " << log.log_end_offset();
      break;
    }
    for (Record& record : decode_all(read->records, position)) out.push_back(std::move(record));
    std::span<const std::uint8_t> bytes = read->records;
    while (!bytes.empty()) {
      const RecordBatchHeader header = read_batch_header(bytes).value();
      position = header.last_offset() + 1;
      bytes = bytes.subspan(header.size());
    }
  }
  return out;
}

// The header of every batch a consumer would fetch, each checked by its CRC.
std::vector<RecordBatchHeader> batch_headers(const PartitionLog& log) {
  std::vector<RecordBatchHeader> headers;
  std::int64_t position = log.log_start_offset();
  while (position < log.log_end_offset()) {
    auto read = log.read(position, 1);
    EXPECT_TRUE(read.ok()) << read.status().message();
    if (!read.ok() || read->records.empty()) break;
    const RecordBatchHeader header = read_batch_header(read->records).value();
    EXPECT_TRUE(
        verify_batch(std::span<const std::uint8_t>(read->records).first(header.size())).ok());
    headers.push_back(header);
    position = header.last_offset() + 1;
  }
  return headers;
}

// What compaction must leave of records (in offset order) when it mapped [.., end): records
// at or after end, and below it the latest of each key unless a tombstone older than horizon.
std::vector<Record> compacted(const std::vector<Record>& records, std::int64_t end,
                              std::int64_t horizon = std::numeric_limits<std::int64_t>::min()) {
  std::map<std::string, std::int64_t> latest;
  for (const Record& record : records) {
    if (record.offset < end) latest[record.key] = record.offset;
  }
  std::vector<Record> out;
  for (const Record& record : records) {
    if (record.offset < end && latest[record.key] != record.offset) continue;
    if (record.offset < end && !record.value && record.timestamp < horizon) continue;
    out.push_back(record);
  }
  return out;
}

std::map<std::string, std::optional<std::string>> latest_values(
    const std::vector<Record>& records) {
  std::map<std::string, std::optional<std::string>> latest;
  for (const Record& record : records) latest[record.key] = record.value;
  return latest;
}

// What a consumer that applies the records in order ends up with: a tombstone deletes its key.
std::map<std::string, std::string> live_values(const std::vector<Record>& records) {
  std::map<std::string, std::string> live;
  for (const auto& [key, value] : latest_values(records)) {
    if (value) live[key] = *value;
  }
  return live;
}

std::set<std::string> files_in(const fs::path& directory) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

bool any_file_ends_with(const fs::path& directory, std::string_view suffix) {
  for (const std::string& name : files_in(directory)) {
    if (name.ends_with(suffix)) return true;
  }
  return false;
}

LogConfig compacted_config() {
  LogConfig config;
  config.cleanup_compact = true;
  config.cleanup_delete = false;
  config.segment_bytes = 1;  // one batch per segment: every append rolls
  config.index_interval_bytes = 1;
  return config;
}

std::unique_ptr<PartitionLog> open_log(const fs::path& directory, const LogConfig& config,
                                       std::vector<std::string>* notes_out = nullptr) {
  std::vector<std::string> notes;
  auto log = PartitionLog::open(directory, config, true, notes);
  EXPECT_TRUE(log.ok()) << log.status().message();
  if (notes_out) *notes_out = notes;
  return log.ok() ? std::move(*log) : nullptr;
}

CleanerStats clean(PartitionLog& log, std::int64_t now_ms, LogCleanerOptions options = {}) {
  auto stats = LogCleaner(std::move(options)).clean(log, now_ms);
  EXPECT_TRUE(stats.ok()) << stats.status().message();
  return stats.ok() ? std::move(*stats) : CleanerStats{};
}

// Five keys written five times over, one batch per segment, then a record of another key in the
// active segment.
std::vector<Record> write_five_rounds(PartitionLog& log, std::int64_t timestamp = 1000) {
  for (int round = 0; round < 5; ++round) {
    for (int key = 0; key < 5; ++key) {
      append(log, {{"k" + std::to_string(key), "v" + std::to_string(round)}}, timestamp);
    }
  }
  append(log, {{"tail", "t"}}, timestamp);
  return consume(log);
}

TEST(LogCleaner, KeepsTheLatestValueOfEveryKeyAtItsOriginalOffset) {
  ferry::testing::TempDir dir;
  auto log = open_log(dir.path() / "t-0", compacted_config());
  const std::vector<Record> before = write_five_rounds(*log);
  ASSERT_EQ(before.size(), 26u);
  const std::int64_t active_base = log->log_end_offset() - 1;

  const CleanerStats stats = clean(*log, 10'000);
  EXPECT_EQ(stats.first_dirty_offset, 0);
  EXPECT_EQ(stats.end_offset, active_base);
  EXPECT_EQ(stats.records_read, 25);
  EXPECT_EQ(stats.records_kept, 5);
  EXPECT_EQ(stats.tombstones_removed, 0);
  EXPECT_LT(stats.bytes_written, stats.bytes_read);
  EXPECT_FALSE(stats.dedupe_buffer_full);

  const std::vector<Record> after = consume(*log);
  EXPECT_EQ(after, compacted(before, active_base));
  EXPECT_EQ(after.size(), 6u);
  for (const Record& record : after) {
    EXPECT_EQ(record.value, record.key == "tail" ? "t" : "v4") << record;
    EXPECT_GE(record.offset, 20);  // the last round, at the offsets it was written at
  }
  EXPECT_EQ(latest_values(after), latest_values(before));
  // The offsets a consumer knows stay where they were.
  EXPECT_EQ(log->log_start_offset(), 0);
  EXPECT_EQ(log->log_end_offset(), 26);
  EXPECT_EQ(log->cleaner_checkpoint(), active_base);
  EXPECT_FALSE(any_file_ends_with(dir.path() / "t-0", ".cleaned"));
  EXPECT_FALSE(any_file_ends_with(dir.path() / "t-0", ".swap"));
}

TEST(LogCleaner, AReadFromACompactedAwayOffsetReturnsTheNextRecord) {
  ferry::testing::TempDir dir;
  auto log = open_log(dir.path() / "t-0", compacted_config());
  const std::vector<Record> before = write_five_rounds(*log);
  clean(*log, 10'000);
  const std::vector<Record> after = consume(*log);
  for (std::int64_t offset = 0; offset < log->log_end_offset(); ++offset) {
    auto read = log->read(offset, 1);
    ASSERT_TRUE(read.ok()) << offset << ": " << read.status().message();
    const std::vector<Record> records = decode_all(read->records, offset);
    ASSERT_FALSE(records.empty()) << offset;
    const auto next = std::find_if(after.begin(), after.end(),
                                   [&](const Record& record) { return record.offset >= offset; });
    ASSERT_NE(next, after.end());
    EXPECT_EQ(records.front(), *next) << "read from " << offset;
  }
  // Every position a consumer could hold gives the same records from there on.
  for (std::int64_t from = 0; from < log->log_end_offset(); ++from) {
    std::vector<Record> expected;
    std::copy_if(after.begin(), after.end(), std::back_inserter(expected),
                 [&](const Record& record) { return record.offset >= from; });
    EXPECT_EQ(consume(*log, from, 1), expected) << "from " << from;
  }
}

TEST(LogCleaner, ARebuiltBatchKeepsItsLastOffsetCodecAndProducerFields) {
  ferry::testing::TempDir dir;
  LogConfig config = compacted_config();
  auto log = open_log(dir.path() / "t-0", config);
  const RecordBatchOptions producer{.producer_id = 7, .producer_epoch = 2, .base_sequence = 10};
  // Offsets 0..3; a, c and then d are superseded later, b is not.
  append(*log, {{"a", "1"}, {"b", "1"}, {"c", "1"}, {"d", "1"}}, 1000, producer);
  append(*log, {{"a", "2"}, {"c", "2"}, {"d", "2"}}, 2000);
  append(*log, {{"tail", "t"}}, 3000);
  clean(*log, 10'000);

  auto read = log->read(0, 1);
  ASSERT_TRUE(read.ok());
  const RecordBatchHeader header = read_batch_header(read->records).value();
  EXPECT_EQ(header.base_offset, 0);
  EXPECT_EQ(header.last_offset_delta, 3);  // ends where the producer's batch ended
  EXPECT_EQ(header.records_count, 1);
  EXPECT_EQ(header.producer_id, 7);
  EXPECT_EQ(header.producer_epoch, 2);
  EXPECT_EQ(header.base_sequence, 10);
  EXPECT_EQ(header.max_timestamp, 1000);
  EXPECT_EQ(decode_all(read->records), (std::vector<Record>{{1, "b", "1", 1000}}));
  // Reading at offset 3, whose record went, still finds that batch (it claims offsets 0..3).
  auto at_three = log->read(3, 1);
  ASSERT_TRUE(at_three.ok());
  EXPECT_EQ(read_batch_header(at_three->records)->base_offset, 0);
  EXPECT_TRUE(decode_all(at_three->records, 3).empty());
  EXPECT_EQ(consume(*log, 3).front().offset, 4);
}

TEST(LogCleaner, TombstonesStayForDeleteRetentionThenTheKeyIsGone) {
  ferry::testing::TempDir dir;
  LogConfig config = compacted_config();
  config.delete_retention_ms = 1000;
  auto log = open_log(dir.path() / "t-0", config);
  append(*log, {{"gone", "1"}, {"kept", "1"}}, 1000);
  append(*log, {{"gone", std::nullopt}}, 2000);  // offset 2
  append(*log, {{"other", "1"}}, 2000);
  const std::vector<Record> before = consume(*log);

  // 500 ms after the tombstone: the value it deletes goes, the tombstone stays.
  CleanerStats stats = clean(*log, 2500);
  EXPECT_EQ(stats.tombstones_removed, 0);
  std::vector<Record> after = consume(*log);
  EXPECT_EQ(after,
            (std::vector<Record>{
                {1, "kept", "1", 1000}, {2, "gone", std::nullopt, 2000}, {3, "other", "1", 2000}}));

  // Past delete.retention.ms the tombstone goes too, and nothing of the key is left.
  append(*log, {{"later", "1"}}, 3001);
  stats = clean(*log, 3001);
  EXPECT_EQ(stats.tombstones_removed, 1);
  after = consume(*log);
  EXPECT_EQ(after, (std::vector<Record>{
                       {1, "kept", "1", 1000}, {3, "other", "1", 2000}, {4, "later", "1", 3001}}));
  EXPECT_FALSE(latest_values(after).contains("gone"));
  // A read at the tombstone's offset moves on to the next record.
  EXPECT_EQ(decode_all(log->read(2, 1)->records, 2).front().offset, 3);
}

TEST(LogCleaner, ExpiredTombstonesGoEvenWithNothingNewToClean) {
  ferry::testing::TempDir dir;
  LogConfig config = compacted_config();
  config.delete_retention_ms = 1000;
  auto log = open_log(dir.path() / "t-0", config);
  append(*log, {{"gone", std::nullopt}}, 1000);
  append(*log, {{"tail", "t"}}, 1000);
  clean(*log, 1500);
  ASSERT_EQ(consume(*log).size(), 2u);
  // No record was appended since: the dirty section is empty, the tombstone still expires.
  EXPECT_EQ(clean(*log, 5000).tombstones_removed, 1);
  EXPECT_EQ(consume(*log), (std::vector<Record>{{1, "tail", "t", 1000}}));
}

TEST(LogCleaner, MinCompactionLagProtectsRecentRecords) {
  ferry::testing::TempDir dir;
  LogConfig config = compacted_config();
  config.min_compaction_lag_ms = 1000;
  auto log = open_log(dir.path() / "t-0", config);
  append(*log, {{"a", "old1"}}, 1000);
  append(*log, {{"a", "old2"}}, 1000);
  const std::int64_t recent = append(*log, {{"a", "new1"}}, 5000);
  append(*log, {{"a", "new2"}}, 5000);
  append(*log, {{"tail", "t"}}, 5000);
  const std::vector<Record> before = consume(*log);

  const CleanerStats stats = clean(*log, 5500);
  EXPECT_EQ(stats.first_uncleanable_offset, recent);
  EXPECT_EQ(stats.end_offset, recent);
  // old1 is superseded within the cleanable part; old2 only by records too young to count, and
  // those stay although they supersede each other.
  EXPECT_EQ(consume(*log), compacted(before, recent));
  EXPECT_EQ(consume(*log).size(), 4u);
  EXPECT_EQ(log->cleaner_checkpoint(), recent);

  // Once they are old enough, they are compacted like the rest.
  clean(*log, 7000);
  EXPECT_EQ(consume(*log), (std::vector<Record>{{3, "a", "new2", 5000}, {4, "tail", "t", 5000}}));
}

TEST(LogCleaner, TheActiveSegmentIsNeverTouched) {
  ferry::testing::TempDir dir;
  LogConfig config = compacted_config();
  config.segment_bytes = 1 << 20;
  auto log = open_log(dir.path() / "t-0", config);
  for (int i = 0; i < 10; ++i) append(*log, {{"same", "v" + std::to_string(i)}}, 1000);
  ASSERT_EQ(log->segment_count(), 1u);
  const auto segment = dir.path() / "t-0" / "00000000000000000000.log";
  const auto size = fs::file_size(segment);
  const CleanerStats stats = clean(*log, 100'000);
  EXPECT_EQ(stats.segments_read, 0);
  EXPECT_EQ(stats.records_read, 0);
  EXPECT_EQ(fs::file_size(segment), size);
  EXPECT_EQ(consume(*log).size(), 10u);
  EXPECT_EQ(LogCleaner::dirty_ratio(*log), 0.0);
}

class CompressedCompaction : public ::testing::TestWithParam<Compression> {};

TEST_P(CompressedCompaction, BatchesStayCompressedWithTheirCodec) {
  ferry::testing::TempDir dir;
  auto log = open_log(dir.path() / "t-0", compacted_config());
  const RecordBatchOptions options{.compression = GetParam()};
  const std::string filler(200, 'x');  // something for the codec to squeeze
  // a repeats inside the first batch; b, c are superseded by the second batch.
  append(*log, {{"a", "1" + filler}, {"b", "1" + filler}, {"a", "2" + filler}, {"c", "1"}}, 1000,
         options);
  append(*log, {{"b", "2" + filler}, {"c", "2"}, {"d", "1"}}, 1000, options);
  append(*log, {{"tail", "t"}}, 1000, options);
  const std::vector<Record> before = consume(*log);
  const std::int64_t active_base = log->log_end_offset() - 1;
  clean(*log, 10'000);

  EXPECT_EQ(consume(*log), compacted(before, active_base));
  const std::vector<RecordBatchHeader> headers = batch_headers(*log);
  ASSERT_EQ(headers.size(), 3u);
  for (const RecordBatchHeader& header : headers) {
    EXPECT_EQ(header.compression(), GetParam()) << "batch at " << header.base_offset;
  }
  EXPECT_EQ(headers[0].base_offset, 0);
  EXPECT_EQ(headers[0].last_offset_delta, 3);
  EXPECT_EQ(headers[0].records_count, 1);  // a at offset 2
  EXPECT_EQ(headers[1].base_offset, 4);
  EXPECT_EQ(headers[1].records_count, 3);  // untouched
}

INSTANTIATE_TEST_SUITE_P(Codecs, CompressedCompaction,
                         ::testing::Values(Compression::kGzip, Compression::kZstd),
                         [](const auto& info) {
                           return info.param == Compression::kGzip ? "Gzip" : "Zstd";
                         });

TEST(LogCleaner, SegmentsAreMergedWhileTheyFitInSegmentBytes) {
  ferry::testing::TempDir dir;
  LogConfig config = compacted_config();
  auto log = open_log(dir.path() / "t-0", config);
  const std::vector<Record> before = write_five_rounds(*log);
  ASSERT_EQ(log->segment_count(), 26u);
  config.segment_bytes = 1 << 20;  // altered: now every cleaned segment fits in one
  log->set_config(config);
  const CleanerStats stats = clean(*log, 10'000);
  EXPECT_EQ(stats.segments_read, 25);
  EXPECT_EQ(stats.segments_written, 1);
  EXPECT_EQ(log->segment_count(), 2u);
  EXPECT_EQ(consume(*log), compacted(before, 25));
  // After a flush, the rolled segments' background fsyncs have moved the recovery point.
  ASSERT_TRUE(log->flush().ok());
  EXPECT_EQ(files_in(dir.path() / "t-0"),
            (std::set<std::string>{
                "00000000000000000000.log", "00000000000000000000.index",
                "00000000000000000000.timeindex", "00000000000000000025.log",
                "00000000000000000025.index", "00000000000000000025.timeindex",
                // The producer state at the last two rolls.
                "00000000000000000024.producer-snapshot", "00000000000000000025.producer-snapshot",
                std::string(kCleanerCheckpointFile), std::string(kRecoveryPointFile)}));
  // The merged segment opens again as it was.
  log.reset();
  log = open_log(dir.path() / "t-0", config);
  EXPECT_EQ(consume(*log), compacted(before, 25));
  EXPECT_EQ(log->cleaner_checkpoint(), 25);
}

TEST(LogCleaner, OffsetForTimestampFindsTheNextRetainedRecord) {
  ferry::testing::TempDir dir;
  auto log = open_log(dir.path() / "t-0", compacted_config());
  for (int i = 0; i < 10; ++i) {
    append(*log, {{"k" + std::to_string(i % 3), "v" + std::to_string(i)}}, 1000 + i * 10);
  }
  append(*log, {{"tail", "t"}}, 2000);
  clean(*log, 10'000);
  const std::vector<Record> after = consume(*log);
  ASSERT_EQ(after.size(), 4u);  // offsets 7, 8, 9, 10
  for (int i = 0; i < 10; ++i) {
    const std::int64_t timestamp = 1000 + i * 10;
    auto offset = log->offset_for_timestamp(timestamp);
    ASSERT_TRUE(offset.ok()) << offset.status().message();
    ASSERT_TRUE(offset->has_value()) << timestamp;
    const std::vector<Record> found = consume(*log, **offset);
    ASSERT_FALSE(found.empty());
    EXPECT_GE(found.front().timestamp, timestamp);
    EXPECT_EQ(found.front().offset, std::max<std::int64_t>(i, 7)) << timestamp;
  }
  EXPECT_EQ(*log->offset_for_timestamp(2001), std::nullopt);
}

TEST(LogCleaner, AFullDedupeBufferCleansThePrefixThatFits) {
  ferry::testing::TempDir dir;
  auto log = open_log(dir.path() / "t-0", compacted_config());
  const std::vector<Record> before = write_five_rounds(*log);
  // Room for two keys of two bytes: rounds of five keys need more than one pass each.
  LogCleanerOptions options;
  options.dedupe_buffer_bytes = 2 * (80 + 2);
  CleanerStats stats = clean(*log, 10'000, options);
  EXPECT_TRUE(stats.dedupe_buffer_full);
  EXPECT_EQ(stats.end_offset, 2);
  EXPECT_EQ(log->cleaner_checkpoint(), 2);
  EXPECT_EQ(latest_values(consume(*log)), latest_values(before));
  int passes = 1;
  while (log->cleaner_checkpoint() < 25 && passes < 100) {
    stats = clean(*log, 10'000, options);
    ++passes;
    EXPECT_EQ(latest_values(consume(*log)), latest_values(before));
  }
  EXPECT_EQ(log->cleaner_checkpoint(), 25);
  EXPECT_GT(passes, 2);
  // Piecewise, the log ends up as one whole pass leaves it.
  EXPECT_EQ(consume(*log), compacted(before, 25));
}

TEST(LogCleaner, TheCheckpointSurvivesARestartAndDrivesTheDirtyRatio) {
  ferry::testing::TempDir dir;
  const LogConfig config = compacted_config();
  auto log = open_log(dir.path() / "t-0", config);
  write_five_rounds(*log);
  EXPECT_EQ(log->cleaner_checkpoint(), 0);
  EXPECT_EQ(LogCleaner::dirty_ratio(*log), 1.0);
  clean(*log, 10'000);
  EXPECT_EQ(LogCleaner::dirty_ratio(*log), 0.0);
  std::ifstream checkpoint(dir.path() / "t-0" / std::string(kCleanerCheckpointFile));
  const std::string content((std::istreambuf_iterator<char>(checkpoint)),
                            std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "0\n25\n");

  log.reset();
  log = open_log(dir.path() / "t-0", config);
  EXPECT_EQ(log->cleaner_checkpoint(), 25);
  EXPECT_EQ(LogCleaner::dirty_ratio(*log), 0.0);
  for (const char* value : {"v8", "v9"}) {
    for (int key = 0; key < 5; ++key) append(*log, {{"k" + std::to_string(key), value}}, 1000);
  }
  // Dirty: the tail and nine new batches; clean: the five left of the first 25.
  const double ratio = LogCleaner::dirty_ratio(*log);
  EXPECT_GT(ratio, 0.6);
  EXPECT_LT(ratio, 0.7);
  const CleanerStats stats = clean(*log, 10'000);
  EXPECT_EQ(stats.first_dirty_offset, 25);
  EXPECT_EQ(stats.end_offset, 35);
  for (const Record& record : consume(*log)) {
    if (record.key != "k4") {
      EXPECT_EQ(record.value, record.key == "tail" ? "t" : "v9") << record;
    }
  }

  // A damaged checkpoint is reported and ignored: the next compaction maps the whole log.
  log.reset();
  std::ofstream(dir.path() / "t-0" / std::string(kCleanerCheckpointFile)) << "garbage";
  std::vector<std::string> notes;
  log = open_log(dir.path() / "t-0", config, &notes);
  EXPECT_EQ(log->cleaner_checkpoint(), 0);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("not a cleaner checkpoint"), std::string::npos) << notes[0];
}

TEST(LogCleaner, GivesWayToRetentionThatDeletedItsSegments) {
  ferry::testing::TempDir dir;
  LogConfig config = compacted_config();
  config.cleanup_delete = true;
  config.retention_bytes = 0;  // retention deletes every segment but the active one
  auto log = open_log(dir.path() / "t-0", config);
  write_five_rounds(*log);
  LogCleanerOptions options;
  // Retention runs between the cleaned files being written and the swap.
  options.crash_after = [&](CleanerStep step) {
    if (step == CleanerStep::kCleanedWritten) {
      EXPECT_EQ(log->apply_retention(10'000).value(), 25);
    }
    return false;
  };
  const CleanerStats stats = clean(*log, 10'000, options);
  EXPECT_TRUE(stats.aborted);
  EXPECT_EQ(log->cleaner_checkpoint(), 0);
  EXPECT_EQ(consume(*log), (std::vector<Record>{{25, "tail", "t", 1000}}));
  ASSERT_TRUE(log->flush().ok());
  EXPECT_EQ(files_in(dir.path() / "t-0"),
            (std::set<std::string>{"00000000000000000025.log", "00000000000000000025.index",
                                   "00000000000000000025.timeindex",
                                   // The producer state at the last roll; those below the log start
                                   // went with their segments.
                                   "00000000000000000025.producer-snapshot",
                                   std::string(kRecoveryPointFile)}));
}

TEST(LogCleaner, RetentionPassesASegmentCompactionEmptied) {
  ferry::testing::TempDir dir;
  LogConfig config = compacted_config();
  config.cleanup_delete = true;
  config.retention_ms = 1000;
  config.delete_retention_ms = 0;
  auto log = open_log(dir.path() / "t-0", config);
  append(*log, {{"a", "1"}}, 1000);
  append(*log, {{"a", std::nullopt}}, 1000);
  append(*log, {{"b", "1"}}, 5000);
  append(*log, {{"tail", "t"}}, 9000);
  clean(*log, 5000);
  // Offsets 0 and 1 are compacted away, which leaves their segments empty.
  EXPECT_EQ(consume(*log), (std::vector<Record>{{2, "b", "1", 5000}, {3, "tail", "t", 9000}}));
  EXPECT_EQ(log->segment_count(), 4u);
  // The empty segments go with the next one that has records, when that expires, not before.
  EXPECT_EQ(log->apply_retention(5500).value(), 0);
  EXPECT_EQ(log->log_start_offset(), 0);
  EXPECT_EQ(log->apply_retention(6001).value(), 3);
  EXPECT_EQ(log->log_start_offset(), 3);
}

// ---- crashes ------------------------------------------------------------------------------

// Two rounds of keys over one-batch segments, altered to allow merging, so that one group of
// many segments is swapped in; a tombstone for k1 whose value sits in an earlier segment.
struct CrashFixture {
  fs::path directory;
  LogConfig config;
  std::vector<Record> before;
};

CrashFixture write_crash_fixture(const fs::path& directory) {
  CrashFixture fixture{directory, compacted_config(), {}};
  fixture.config.delete_retention_ms = 1000;
  auto log = open_log(directory, fixture.config);
  for (int round = 0; round < 3; ++round) {
    for (int key = 0; key < 4; ++key) {
      append(*log, {{"k" + std::to_string(key), "v" + std::to_string(round)}}, 1000);
    }
  }
  append(*log, {{"k1", std::nullopt}}, 1000);
  append(*log, {{"tail", "t"}}, 1000);
  fixture.before = consume(*log);
  fixture.config.segment_bytes = 1 << 20;
  return fixture;
}

std::string step_name(CleanerStep step) {
  static constexpr const char* kNames[] = {"CleanedWritten", "SwapCommitted", "OldDeleted",
                                           "IndexesRenamed", "Swapped"};
  return kNames[static_cast<int>(step)];
}

class CleanerCrash : public ::testing::TestWithParam<CleanerStep> {};

TEST_P(CleanerCrash, ReopeningLeavesAConsistentLogAndNoTemporaryFiles) {
  ferry::testing::TempDir dir;
  const CrashFixture fixture = write_crash_fixture(dir.path() / "t-0");
  const std::int64_t end = fixture.before.back().offset;  // the tail is in the active segment
  const std::vector<Record> done = compacted(fixture.before, end, 5000 - 1000);
  // What a crash between the commit and the deletion of the old segments leaves: the segment
  // of k1's tombstone lies past the last record kept, outside the swap file's offsets.
  const std::vector<Record> done_but_the_tombstone = compacted(fixture.before, end);
  {
    auto log = open_log(fixture.directory, fixture.config);
    LogCleanerOptions options;
    options.crash_after = [](CleanerStep step) { return step == GetParam(); };
    auto stats = LogCleaner(options).clean(*log, 5000);
    ASSERT_FALSE(stats.ok());
    EXPECT_NE(stats.status().message().find("test crash point"), std::string::npos);
    const bool cleaned_files = GetParam() == CleanerStep::kCleanedWritten;
    const bool swap_files = GetParam() == CleanerStep::kSwapCommitted ||
                            GetParam() == CleanerStep::kOldDeleted ||
                            GetParam() == CleanerStep::kIndexesRenamed;
    EXPECT_EQ(any_file_ends_with(fixture.directory, ".cleaned"), cleaned_files);
    EXPECT_EQ(any_file_ends_with(fixture.directory, ".log.swap"), swap_files);
  }
  std::vector<std::string> notes;
  auto log = open_log(fixture.directory, fixture.config, &notes);
  ASSERT_NE(log, nullptr);
  EXPECT_FALSE(any_file_ends_with(fixture.directory, ".cleaned"));
  EXPECT_FALSE(any_file_ends_with(fixture.directory, ".swap"));
  const std::vector<Record> reopened = consume(*log);
  if (GetParam() == CleanerStep::kCleanedWritten) {
    // Not committed: the log is as it was.
    EXPECT_EQ(reopened, fixture.before);
    ASSERT_FALSE(notes.empty());
    EXPECT_NE(notes[0].find("interrupted compaction; deleted"), std::string::npos) << notes[0];
  } else {
    // Committed: the swap is finished (by the cleaner, or by the reopen).
    const bool tombstone_segment_left = GetParam() == CleanerStep::kSwapCommitted;
    EXPECT_EQ(reopened, tombstone_segment_left ? done_but_the_tombstone : done);
    EXPECT_EQ(log->segment_count(), tombstone_segment_left ? 3u : 2u);
    if (GetParam() != CleanerStep::kSwapped) {
      ASSERT_FALSE(notes.empty());
      EXPECT_NE(notes[0].find("completed an interrupted compaction"), std::string::npos)
          << notes[0];
    }
  }
  // Either way no key came back, no offset moved, and the next compaction finishes the work.
  EXPECT_EQ(live_values(reopened), live_values(fixture.before));
  EXPECT_EQ(log->cleaner_checkpoint(), 0);
  clean(*log, 5000);
  EXPECT_EQ(consume(*log), done);
}

INSTANTIATE_TEST_SUITE_P(EveryStep, CleanerCrash,
                         ::testing::Values(CleanerStep::kCleanedWritten,
                                           CleanerStep::kSwapCommitted, CleanerStep::kOldDeleted,
                                           CleanerStep::kIndexesRenamed, CleanerStep::kSwapped),
                         [](const auto& info) { return step_name(info.param); });

TEST(LogCleaner, ACrashAfterTheCommitKeepsTrailingRemovedSegmentsButNoDeletedKey) {
  ferry::testing::TempDir dir;
  LogConfig config = compacted_config();
  config.delete_retention_ms = 0;
  auto log = open_log(dir.path() / "t-0", config);
  append(*log, {{"a", "1"}, {"b", "1"}}, 1000);  // 0, 1
  append(*log, {{"a", std::nullopt}}, 1000);     // 2
  append(*log, {{"b", std::nullopt}}, 1000);     // 3
  append(*log, {{"tail", "t"}}, 1000);           // 4, active
  config.segment_bytes = 1 << 20;
  log->set_config(config);
  LogCleanerOptions options;
  options.crash_after = [](CleanerStep step) { return step == CleanerStep::kSwapCommitted; };
  ASSERT_FALSE(LogCleaner(options).clean(*log, 5000).ok());
  log.reset();

  // Everything the group held goes, so the swap file is empty and covers no offset; the
  // segments of the tombstones survive the crash, and with them the deletes.
  std::vector<std::string> notes;
  log = open_log(dir.path() / "t-0", config, &notes);
  const std::vector<Record> reopened = consume(*log);
  EXPECT_EQ(reopened, (std::vector<Record>{{2, "a", std::nullopt, 1000},
                                           {3, "b", std::nullopt, 1000},
                                           {4, "tail", "t", 1000}}));
  EXPECT_EQ(log->log_start_offset(), 0);
  clean(*log, 5000);
  EXPECT_EQ(consume(*log), (std::vector<Record>{{4, "tail", "t", 1000}}));
}

TEST(LogCleaner, StrayTemporaryFilesAreDeletedOnOpen) {
  ferry::testing::TempDir dir;
  const fs::path directory = dir.path() / "t-0";
  {
    auto log = open_log(directory, compacted_config());
    write_five_rounds(*log);
  }
  // A .cleaned set of files, index swaps whose .log.swap was never made, a checkpoint's
  // temporary file: all from compactions that died before their commit.
  for (const char* name : {"00000000000000000000.log.cleaned", "00000000000000000000.index.cleaned",
                           "00000000000000000003.index.swap", "00000000000000000003.timeindex.swap",
                           "cleaner-offset-checkpoint.tmp"}) {
    std::ofstream(directory / name) << "junk";
  }
  std::vector<std::string> notes;
  auto log = open_log(directory, compacted_config(), &notes);
  EXPECT_EQ(notes.size(), 5u);
  EXPECT_FALSE(any_file_ends_with(directory, ".cleaned"));
  EXPECT_FALSE(any_file_ends_with(directory, ".swap"));
  EXPECT_FALSE(any_file_ends_with(directory, ".tmp"));
  EXPECT_EQ(consume(*log).size(), 26u);
}

// ---- concurrency --------------------------------------------------------------------------

TEST(LogCleaner, ProducersAndConsumersRunThroughCompactions) {
  ferry::testing::TempDir dir;
  LogConfig config = compacted_config();
  config.segment_bytes = 2048;
  config.index_interval_bytes = 256;
  auto log = open_log(dir.path() / "t-0", config);
  constexpr int kProducers = 3;
  constexpr int kAppends = 400;
  constexpr int kKeys = 20;
  std::atomic<int> producing{kProducers};
  std::atomic<int> compactions{0};  // that swapped segments in while producers ran
  std::atomic<std::int64_t> clock{1000};

  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < kAppends; ++i) {
        if (i == kAppends / 2) {
          // Halfway, until the cleaner has swapped segments in (it may get no CPU before the
          // producers are done on a loaded machine), so compaction surely meets appends.
          const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
          while (compactions.load() == 0 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        const std::string key = "p" + std::to_string(p) + "-k" + std::to_string(i % kKeys);
        std::vector<std::uint8_t> batch = batch_of({{key, std::to_string(i)}}, clock.load());
        auto result = log->append(batch, clock.fetch_add(1));
        ASSERT_TRUE(result.ok()) << result.status().message();
      }
      --producing;
    });
  }
  threads.emplace_back([&] {
    const LogCleaner cleaner;
    while (producing.load() > 0) {
      auto stats = cleaner.clean(*log, clock.load());
      ASSERT_TRUE(stats.ok()) << stats.status().message();
      if (stats->segments_written > 0) ++compactions;
    }
  });
  // A consumer that reads from the start again and again: offsets only ever increase, and the
  // latest value of a key never goes back (compaction never removes the latest record).
  threads.emplace_back([&] {
    std::map<std::string, int> previous_sweep;
    while (producing.load() > 0) {
      std::map<std::string, int> sweep;
      std::int64_t previous = -1;
      for (const Record& record : consume(*log, -1, 4096)) {
        ASSERT_GT(record.offset, previous);
        previous = record.offset;
        sweep[record.key] = std::max(sweep[record.key], std::stoi(*record.value));
      }
      for (const auto& [key, value] : previous_sweep) {
        ASSERT_TRUE(sweep.contains(key)) << key;
        ASSERT_GE(sweep[key], value) << key;
      }
      previous_sweep = std::move(sweep);
    }
  });
  for (auto& thread : threads) thread.join();
  EXPECT_GT(compactions.load(), 0);

  clean(*log, clock.load());
  const std::vector<Record> after = consume(*log);
  const auto latest = latest_values(after);
  ASSERT_EQ(latest.size(), static_cast<std::size_t>(kProducers * kKeys));
  for (int p = 0; p < kProducers; ++p) {
    for (int k = 0; k < kKeys; ++k) {
      const std::string key = "p" + std::to_string(p) + "-k" + std::to_string(k);
      const int last = (kAppends - kKeys) + k;  // the last i with i % kKeys == k
      EXPECT_EQ(latest.at(key), std::to_string(last)) << key;
    }
  }
  // Compacted below the checkpoint: one record per key there.
  std::set<std::string> below;
  for (const Record& record : after) {
    if (record.offset >= log->cleaner_checkpoint()) continue;
    EXPECT_TRUE(below.insert(record.key).second) << record;
  }
  EXPECT_EQ(log->log_end_offset(), kProducers * kAppends);
}

}  // namespace
}  // namespace ferry::broker
