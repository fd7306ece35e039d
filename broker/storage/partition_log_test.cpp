// The partition log on a real directory: offsets, reads, rolling, recovery from torn and damaged
// files, validation, retention, timestamps, and concurrent producers and consumers.
#include "broker/storage/partition_log.h"

#include <atomic>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "broker/storage/log_segment.h"
#include "broker/storage/record_batch.h"
#include "broker/storage/wire_format.h"
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

// Kafka's DeleteRecords: the start moves to any offset (not only a segment's base), reads below it
// are out of range, whole segments below it go, and the start survives clean and unclean
// reopens and is seen by a read-only view.
TEST(PartitionLog, DeleteRecordsMovesTheStartDurablyAndDropsSegmentsBelowIt) {
  ferry::testing::TempDir dir;
  LogConfig config;
  config.segment_bytes = 200;
  auto log = open_log(dir.path() / "t-0", config);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(append(*log, batch_of({std::to_string(i)}, 1000 + i), 1000).ok());
  }
  const std::size_t segments = log->segment_count();
  ASSERT_GT(segments, 3u);

  auto start = log->delete_records_before(5);
  ASSERT_TRUE(start.ok()) << start.status().message();
  EXPECT_EQ(*start, 5);
  EXPECT_EQ(log->log_start_offset(), 5);
  EXPECT_LT(log->segment_count(), segments);
  EXPECT_EQ(log->read(4, 1000).status().kind(), Status::Kind::kOutOfRange);
  auto from_start = log->read(5, 100000);
  ASSERT_TRUE(from_start.ok());
  EXPECT_EQ(from_start->log_start_offset, 5);
  auto records = records_in(from_start->records);
  ASSERT_FALSE(records.empty());
  EXPECT_LE(records.front().first, 5);  // a batch from its base; consumers skip what is below
  // ListOffsets by a timestamp before the start answers the start.
  EXPECT_EQ(log->offset_for_timestamp(0).value(), std::optional<std::int64_t>(5));

  // Going back changes nothing; past the end is refused.
  EXPECT_EQ(log->delete_records_before(2).value(), 5);
  EXPECT_EQ(log->delete_records_before(11).status().kind(), Status::Kind::kOutOfRange);

  std::vector<std::string> notes;
  auto view = PartitionLog::open_read_only(dir.path() / "t-0", config, notes);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ((*view)->log_start_offset(), 5);

  log.reset();
  log = open_log(dir.path() / "t-0", config, /*clean=*/false);
  EXPECT_EQ(log->log_start_offset(), 5);
  EXPECT_EQ(log->log_end_offset(), 10);
  // -1: everything there is; the active segment stays, empty of readable records.
  EXPECT_EQ(log->delete_records_before(-1).value(), 10);
  EXPECT_EQ(log->segment_count(), 1u);
  ASSERT_TRUE(append(*log, batch_of({"after"}, 2000), 2000).ok());
  log.reset();
  log = open_log(dir.path() / "t-0", config);
  EXPECT_EQ(log->log_start_offset(), 10);
  auto after = log->read(10, 1000);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(records_in(after->records).back(), (std::pair<std::int64_t, std::string>{10, "after"}));
}

// ListOffsets by timestamp answers the first record at or after it, inside its batch.
TEST(PartitionLog, OffsetForTimestampFindsTheRecordInsideItsBatch) {
  ferry::testing::TempDir dir;
  auto log = open_log(dir.path() / "t-0");
  RecordBatchBuilder builder(RecordBatchOptions{});
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(builder.append(1000 + i, std::nullopt, bytes_of(std::to_string(i))).ok());
  }
  auto batch = builder.build();
  ASSERT_TRUE(batch.ok());
  ASSERT_TRUE(append(*log, std::move(*batch), 2000).ok());
  ASSERT_TRUE(append(*log, batch_of({"later"}, 1500), 2000).ok());
  EXPECT_EQ(log->offset_for_timestamp(999).value(), std::optional<std::int64_t>(0));
  EXPECT_EQ(log->offset_for_timestamp(1002).value(), std::optional<std::int64_t>(2));
  EXPECT_EQ(log->offset_for_timestamp(1003).value(), std::optional<std::int64_t>(3));
  EXPECT_EQ(log->offset_for_timestamp(1004).value(), std::optional<std::int64_t>(4));
  EXPECT_EQ(log->offset_for_timestamp(1501).value(), std::nullopt);
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

std::vector<std::uint8_t> file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

std::string text_of(const std::filesystem::path& path) {
  const std::vector<std::uint8_t> bytes = file_bytes(path);
  return std::string(bytes.begin(), bytes.end());
}

// The positions of the batches in a segment file, from its headers.
std::vector<std::uint64_t> batch_positions(const std::filesystem::path& segment) {
  const std::vector<std::uint8_t> bytes = file_bytes(segment);
  std::vector<std::uint64_t> positions;
  for (std::uint64_t position = 0; position < bytes.size();) {
    auto header = read_batch_header(std::span(bytes).subspan(position));
    EXPECT_TRUE(header.ok());
    if (!header.ok()) break;
    positions.push_back(position);
    position += header->size();
  }
  return positions;
}

std::vector<std::filesystem::path> segment_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".log") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool any_note_has(const std::vector<std::string>& notes, const std::string& text) {
  return std::any_of(notes.begin(), notes.end(),
                     [&](const std::string& note) { return note.find(text) != std::string::npos; });
}

std::string joined(const std::vector<std::string>& notes) {
  std::string text;
  for (const std::string& note : notes) text += "\n  " + note;
  return text;
}

// A log of several small segments with index entries, closed cleanly: batch i holds value i
// with timestamp 1000 + i.
LogConfig small_segments() {
  LogConfig config;
  config.segment_bytes = 2000;
  config.index_interval_bytes = 64;
  return config;
}

void write_values(const std::filesystem::path& dir, int count, const LogConfig& config) {
  auto log = open_log(dir, config);
  for (int i = 0; i < count; ++i) {
    ASSERT_TRUE(append(*log, batch_of({std::to_string(i)}, 1000 + i), 1000 + i).ok());
  }
}

TEST(PartitionLog, RolledSegmentsAreSyncedInTheBackgroundAndTheRecoveryPointFollows) {
  ferry::testing::TempDir dir;
  const auto path = dir.path() / "t-0";
  auto log = open_log(path, small_segments());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(append(*log, batch_of({std::to_string(i)}, 1), 1).ok());
  }
  ASSERT_GT(log->segment_count(), 3u);
  // flush() waits for the background syncs still queued, so the point is then the active
  // segment's base, in memory and in the checkpoint.
  ASSERT_TRUE(log->flush().ok());
  const std::int64_t active_base =
      *LogSegment::parse_file_stem(segment_files(path).back().stem().string());
  EXPECT_EQ(log->recovery_point(), active_base);
  EXPECT_EQ(text_of(path / std::string(kRecoveryPointFile)),
            "0\n" + std::to_string(active_base) + "\n");
  // With flush.messages=1 every append is durable when it returns, rolls included.
  LogConfig every = small_segments();
  every.flush_messages = 1;
  log->set_config(every);
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(append(*log, batch_of({"more"}, 1), 1).ok());
    EXPECT_EQ(log->recovery_point(),
              *LogSegment::parse_file_stem(segment_files(path).back().stem().string()));
  }
}

// Damages a CRC-covered byte of batch `batch` of the first segment.
void damage_first_segment(const std::filesystem::path& dir, std::size_t batch) {
  const std::filesystem::path first = segment_files(dir).front();
  const std::vector<std::uint64_t> positions = batch_positions(first);
  ASSERT_GT(positions.size(), batch + 1);
  std::vector<std::uint8_t> bytes = file_bytes(first);
  bytes[positions[batch] + batch_layout::kRecords + 3] ^= 0x40;
  write_bytes(first, bytes);
}

TEST(PartitionLog, AnUncleanOpenReadsInFullEverySegmentAfterTheRecoveryPoint) {
  ferry::testing::TempDir dir;
  const LogConfig config = small_segments();
  const auto path = dir.path() / "t-0";
  write_values(path, 100, config);
  ASSERT_GE(segment_files(path).size(), 4u);
  const std::string first = segment_files(path).front().string();
  const std::uint64_t damaged_at = batch_positions(first)[2];
  damage_first_segment(path, 2);
  {
    // Synced up to the active segment: the first segment's tail is all that is read, and the
    // damage inside it is not seen at open.
    std::vector<std::string> notes;
    auto log = open_log(path, config, false, &notes);
    EXPECT_FALSE(any_note_has(notes, first)) << joined(notes);
    EXPECT_EQ(log->log_end_offset(), 100);
  }
  for (const std::string& checkpoint : {std::string("0\n0\n"), std::string()}) {
    SCOPED_TRACE(checkpoint.empty() ? "no checkpoint" : "checkpoint 0");
    const auto copy = dir.path() / "copy";
    std::filesystem::remove_all(copy);
    std::filesystem::copy(path, copy);
    if (checkpoint.empty()) {
      std::filesystem::remove(copy / std::string(kRecoveryPointFile));
    } else {
      std::ofstream(copy / std::string(kRecoveryPointFile)) << checkpoint;
    }
    // Nothing is known to be durable: every segment is read in full and the damage is found.
    std::vector<std::string> notes;
    auto log = open_log(copy, config, false, &notes);
    const std::string copied_first = (copy / std::filesystem::path(first).filename()).string();
    EXPECT_TRUE(any_note_has(notes, copied_first + " at position " + std::to_string(damaged_at)))
        << joined(notes);
    EXPECT_EQ(log->log_end_offset(), 100);
    // The segments after it are untouched, and the log moves its recovery point on once the
    // recovered segments are synced.
    auto read = log->read(99, 1);
    ASSERT_TRUE(read.ok()) << read.status().message();
    EXPECT_EQ(records_in(read->records).front(), (std::pair<std::int64_t, std::string>{99, "99"}));
    ASSERT_TRUE(log->flush().ok());
    EXPECT_EQ(log->recovery_point(),
              *LogSegment::parse_file_stem(segment_files(copy).back().stem().string()));
  }
}

TEST(PartitionLog, IndexEntriesACrashLostAreAddedBackAtOpen) {
  ferry::testing::TempDir dir;
  const LogConfig config = small_segments();
  const auto path = dir.path() / "t-0";
  write_values(path, 100, config);
  // Every segment's indexes lose their last entries, as buffered entries are lost in a crash.
  std::map<std::filesystem::path, std::vector<std::uint8_t>> originals;
  for (const auto& segment : segment_files(path)) {
    for (const char* extension : {".index", ".timeindex"}) {
      auto index = segment;
      index.replace_extension(extension);
      originals[index] = file_bytes(index);
      const std::size_t entry = std::string(extension) == ".index" ? 8 : 12;
      std::vector<std::uint8_t> shorter = originals[index];
      shorter.resize(shorter.size() / entry / 2 * entry);
      write_bytes(index, shorter);
    }
  }
  std::vector<std::string> notes;
  auto log = open_log(path, config, true, &notes);
  EXPECT_TRUE(any_note_has(notes, "entries were missing")) << joined(notes);
  // The indexes are whole again, byte for byte, and every lookup works.
  for (const auto& [index, bytes] : originals) EXPECT_EQ(file_bytes(index), bytes) << index;
  for (int i = 0; i < 100; ++i) {
    auto read = log->read(i, 1);
    ASSERT_TRUE(read.ok()) << read.status().message();
    EXPECT_EQ(records_in(read->records).front().first, i);
    auto by_time = log->offset_for_timestamp(1000 + i);
    ASSERT_TRUE(by_time.ok());
    EXPECT_EQ(*by_time, std::optional<std::int64_t>(i));
  }
}

TEST(PartitionLog, ADeletedIndexOfAnOlderSegmentIsRebuiltAndReported) {
  ferry::testing::TempDir dir;
  const LogConfig config = small_segments();
  const auto path = dir.path() / "t-0";
  write_values(path, 100, config);
  auto index = segment_files(path).front();
  index.replace_extension(".index");
  auto time_index = index;
  time_index.replace_extension(".timeindex");
  const std::vector<std::uint8_t> index_bytes = file_bytes(index);
  const std::vector<std::uint8_t> time_index_bytes = file_bytes(time_index);
  ASSERT_FALSE(index_bytes.empty());
  std::filesystem::remove(index);
  write_bytes(time_index, {});
  std::vector<std::string> notes;
  auto log = open_log(path, config, true, &notes);
  EXPECT_TRUE(any_note_has(notes, index.string() + ": missing")) << joined(notes);
  EXPECT_TRUE(any_note_has(notes, time_index.string())) << joined(notes);
  EXPECT_EQ(file_bytes(index), index_bytes);
  EXPECT_EQ(file_bytes(time_index), time_index_bytes);
}

// Writes 100 values and moves the position in the first segment's second offset index entry by
// one byte: still increasing, so open cannot tell. index and original: the index file and its
// bytes before the damage.
void write_values_and_nudge_an_index_entry(const std::filesystem::path& path,
                                           const LogConfig& config, std::filesystem::path& index,
                                           std::vector<std::uint8_t>& original) {
  write_values(path, 100, config);
  index = segment_files(path).front();
  index.replace_extension(".index");
  original = file_bytes(index);
  ASSERT_GE(original.size(), 24u);
  std::vector<std::uint8_t> nudged = original;
  ++nudged[8 + 7];
  write_bytes(index, nudged);
}

TEST(PartitionLog, AnIndexEntryTheLogContradictsIsRepairedAfterTheRead) {
  ferry::testing::TempDir dir;
  const LogConfig config = small_segments();
  const auto path = dir.path() / "t-0";
  std::filesystem::path index;
  std::vector<std::uint8_t> original;
  ASSERT_NO_FATAL_FAILURE(write_values_and_nudge_an_index_entry(path, config, index, original));
  auto log = open_log(path, config, true);
  const std::int64_t indexed_offset = (std::int64_t{original[8 + 2]} << 8) | original[8 + 3];
  auto read = log->read(indexed_offset, 1);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(records_in(read->records).front().first, indexed_offset);
  // The read rebuilt the indexes, and the file is what it was before the damage.
  EXPECT_EQ(file_bytes(index), original);
  for (int i = 0; i < 100; ++i) {
    auto again = log->read(i, 1);
    ASSERT_TRUE(again.ok()) << again.status().message();
    EXPECT_EQ(records_in(again->records).front().first, i);
  }
}

// The bytes of a located range, read through the file it holds.
std::vector<std::uint8_t> located_bytes(const ReadResult& result) {
  if (!result.file) return {};
  std::vector<std::uint8_t> bytes(result.file->size);
  auto read = result.file->file->read_at(result.file->position, bytes);
  EXPECT_TRUE(read.ok() && *read == bytes.size());
  return bytes;
}

std::vector<std::uint8_t> read_bytes(const ReadResult& result) {
  return std::vector<std::uint8_t>(result.records.begin(), result.records.end());
}

// What a fetch sends from the segment file is what read() returns, for every offset and budget:
// whole batches, the first one even past max_bytes, cut before a batch that would cross it.
TEST(PartitionLog, LocateFindsInTheFileTheBatchesReadReturns) {
  ferry::testing::TempDir dir;
  const LogConfig config = small_segments();
  const auto path = dir.path() / "t-0";
  write_values(path, 100, config);
  auto log = open_log(path, config);
  for (std::int64_t offset = 0; offset <= 100; ++offset) {
    for (const std::uint64_t max_bytes : {0, 1, 69, 70, 71, 150, 500, 1999, 1 << 20}) {
      auto read = log->read(offset, max_bytes);
      auto located = log->locate(offset, max_bytes);
      ASSERT_TRUE(read.ok()) << read.status().message();
      ASSERT_TRUE(located.ok()) << located.status().message();
      EXPECT_TRUE(located->records.empty());
      EXPECT_EQ(located->file.has_value(), offset < 100);
      EXPECT_EQ(located_bytes(*located), read_bytes(*read)) << offset << " " << max_bytes;
      EXPECT_EQ(located->high_watermark, read->high_watermark);
      EXPECT_EQ(located->log_start_offset, read->log_start_offset);
    }
  }
  // A budget ending inside a batch ends the range at the batch before it; one inside the first
  // batch still gets the first batch.
  const std::vector<std::uint64_t> positions = batch_positions(segment_files(path).front());
  ASSERT_GT(positions.size(), 5u);
  EXPECT_EQ(log->locate(0, positions[4] - 1)->file->size, positions[3]);
  EXPECT_EQ(log->locate(0, positions[4])->file->size, positions[4]);
  EXPECT_EQ(log->locate(0, 1)->file->size, positions[1]);
  EXPECT_FALSE(log->locate(101, 1).ok());
}

// A fetch being sent from a segment's file is not broken by retention deleting the segment: the
// range holds the file open, and the bytes stay what they were.
TEST(PartitionLog, ALocatedRangeStaysReadableAfterItsSegmentIsDeleted) {
  ferry::testing::TempDir dir;
  const LogConfig config = small_segments();
  const auto path = dir.path() / "t-0";
  write_values(path, 100, config);
  auto log = open_log(path, config);
  const std::filesystem::path first = segment_files(path).front();
  const std::vector<std::uint8_t> expected = file_bytes(first);
  auto located = log->locate(0, 1 << 20);
  ASSERT_TRUE(located.ok()) << located.status().message();
  ASSERT_EQ(located->file->size, expected.size());
  ASSERT_TRUE(log->delete_records_before(99).ok());
  ASSERT_FALSE(std::filesystem::exists(first));
  EXPECT_EQ(located_bytes(*located), expected);
}

// The index entry that ends a located range is checked like any other: one the log contradicts
// is not trusted (the range is still right) and the indexes are rebuilt after the lookup.
TEST(PartitionLog, LocateChecksTheIndexEntryItJumpsToAndHasADamagedIndexRepaired) {
  ferry::testing::TempDir dir;
  const LogConfig config = small_segments();
  const auto path = dir.path() / "t-0";
  std::filesystem::path index;
  std::vector<std::uint8_t> original;
  ASSERT_NO_FATAL_FAILURE(write_values_and_nudge_an_index_entry(path, config, index, original));
  auto log = open_log(path, config, true);
  const std::uint64_t second = load_be<std::uint32_t>(original.data() + 8 + 4);
  for (const std::uint64_t max_bytes : {second + 1, second + 2, second + 80}) {
    auto located = log->locate(0, max_bytes);
    ASSERT_TRUE(located.ok()) << located.status().message();
    auto read = log->read(0, max_bytes);
    ASSERT_TRUE(read.ok()) << read.status().message();
    EXPECT_EQ(located_bytes(*located), read_bytes(*read)) << max_bytes;
  }
  EXPECT_EQ(file_bytes(index), original);
}

TEST(PartitionLog, AReadStopsBeforeADamagedHeaderAndReportsItWhenItComesFirst) {
  ferry::testing::TempDir dir;
  LogConfig config = small_segments();
  config.segment_bytes = 4000;  // about fifty batches in the first segment
  const auto path = dir.path() / "t-0";
  write_values(path, 80, config);
  ASSERT_GE(segment_files(path).size(), 2u);
  const std::filesystem::path segment = segment_files(path).front();
  const std::vector<std::uint64_t> positions = batch_positions(segment);
  ASSERT_GT(positions.size(), 40u);
  std::vector<std::uint8_t> bytes = file_bytes(segment);
  bytes[positions[30] + batch_layout::kMagic] = 0x07;
  write_bytes(segment, bytes);
  // Inside an older segment, before its last index entry: open does not look there.
  std::vector<std::string> notes;
  auto log = open_log(path, config, false, &notes);
  ASSERT_FALSE(any_note_has(notes, segment.string())) << joined(notes);
  // From the start: exactly the thirty batches before the damage.
  auto read = log->read(0, 1 << 20);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->records.size(), positions[30]);
  EXPECT_EQ(records_in(read->records).size(), 30u);
  // At the damaged batch (its index entry fails verification; the scan from the entry before
  // meets the damage): an error that names the file and the position, never a skip. Twice: the
  // first read's attempt to rebuild the indexes fails on the damage and changes nothing.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto damaged = log->read(30, 1 << 20);
    ASSERT_FALSE(damaged.ok());
    EXPECT_EQ(damaged.status().kind(), Status::Kind::kCorruption);
    EXPECT_NE(damaged.status().message().find(segment.string() + " at position " +
                                              std::to_string(positions[30])),
              std::string::npos)
        << damaged.status().message();
  }
  // The batches after it are still found through their index entries.
  for (std::int64_t offset = 31; offset < 80; ++offset) {
    auto after = log->read(offset, 1);
    ASSERT_TRUE(after.ok()) << offset << ": " << after.status().message();
    EXPECT_EQ(records_in(after->records).front().first, offset);
  }
}

// The base offset is outside the CRC. In an older segment a batch may follow a gap (compaction
// leaves them), but it may not reach into the next segment: that used to fail the whole open.
TEST(PartitionLog, ABatchOfAnOlderSegmentReachingIntoTheNextOneIsCutAndReported) {
  ferry::testing::TempDir dir;
  const LogConfig config = small_segments();
  const auto path = dir.path() / "t-0";
  write_values(path, 100, config);
  const std::vector<std::filesystem::path> files = segment_files(path);
  ASSERT_GE(files.size(), 3u);
  const std::int64_t next_base = *LogSegment::parse_file_stem(files[2].stem().string());
  const std::vector<std::uint64_t> positions = batch_positions(files[1]);
  std::vector<std::uint8_t> bytes = file_bytes(files[1]);
  set_base_offset(std::span(bytes).subspan(positions.back()), next_base);
  write_bytes(files[1], bytes);
  for (const bool clean : {true, false}) {
    SCOPED_TRACE(clean ? "clean open" : "unclean open");
    const auto copy = dir.path() / (clean ? "clean" : "unclean");
    std::filesystem::copy(path, copy);
    std::vector<std::string> notes;
    auto log = open_log(copy, config, clean, &notes);
    ASSERT_NE(log, nullptr);
    EXPECT_TRUE(any_note_has(notes, (copy / files[1].filename()).string() + " at position " +
                                        std::to_string(positions.back())))
        << joined(notes);
    EXPECT_EQ(log->log_end_offset(), 100);
    // The batch is gone; a read at its offsets finds the next segment's first batch.
    const std::int64_t lost = next_base - 1;
    auto read = log->read(lost, 1);
    ASSERT_TRUE(read.ok()) << read.status().message();
    EXPECT_EQ(records_in(read->records).front().first, next_base);
  }
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
