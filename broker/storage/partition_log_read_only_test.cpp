// Read-only partition logs: a reader beside a writer that appends, rolls, applies retention,
// compacts and recovers, on real files. The reader must change no byte of the directory, never
// see a torn batch, and follow the writer without crashing when files go away under it.
#include <atomic>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "broker/storage/crc32c.h"
#include "broker/storage/log_cleaner.h"
#include "broker/storage/log_segment.h"
#include "broker/storage/partition_log.h"
#include "broker/storage/record_batch.h"
#include "tests/temp_directory.h"

namespace ferry::broker {
namespace {

namespace fs = std::filesystem;

using Record = std::pair<std::int64_t, std::string>;  // offset, value

std::span<const std::uint8_t> bytes_of(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// A producer's batch of one record per value, keyed "k<key>".
std::vector<std::uint8_t> batch_of(const std::vector<std::string>& values, std::int64_t timestamp,
                                   const std::string& key = "") {
  RecordBatchBuilder builder(RecordBatchOptions{});
  for (const std::string& value : values) {
    const std::string record_key = "k" + (key.empty() ? value : key);
    EXPECT_TRUE(builder.append(timestamp, bytes_of(record_key), bytes_of(value)).ok());
  }
  auto batch = builder.build();
  EXPECT_TRUE(batch.ok()) << batch.status().message();
  return batch.ok() ? std::move(*batch) : std::vector<std::uint8_t>();
}

Result<AppendResult> append(PartitionLog& log, std::vector<std::uint8_t> batch,
                            std::int64_t now_ms = 1000) {
  return log.append(batch, now_ms);
}

// Every (offset, value) of the batches read, each decoded, so a CRC mismatch (a torn batch)
// fails the test.
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
      out.emplace_back(record.offset, std::string(record.value->begin(), record.value->end()));
    }
    bytes = bytes.subspan(header->size());
  }
  return out;
}

// Everything a log holds from its start, read the way a consumer reads it.
std::vector<std::pair<std::int64_t, std::string>> read_all(const PartitionLog& log) {
  std::vector<std::pair<std::int64_t, std::string>> out;
  std::int64_t position = log.log_start_offset();
  while (position < log.log_end_offset()) {
    auto read = log.read(position, 1 << 20);
    EXPECT_TRUE(read.ok()) << read.status().message();
    if (!read.ok() || read->records.empty()) break;
    for (auto& record : records_in(read->records)) {
      if (record.first >= position) out.push_back(std::move(record));
    }
    auto last = read_batch_header(read->records).value();
    std::span<const std::uint8_t> rest = read->records;
    while (!rest.empty()) {
      last = read_batch_header(rest).value();
      rest = rest.subspan(last.size());
    }
    position = last.last_offset() + 1;
  }
  return out;
}

// Every file and directory under root with a checksum of its bytes: what "nothing written"
// means.
std::map<std::string, std::pair<std::uint64_t, std::uint32_t>> snapshot(const fs::path& root) {
  std::map<std::string, std::pair<std::uint64_t, std::uint32_t>> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string name = fs::relative(entry.path(), root).string();
    if (entry.is_directory()) {
      files[name + "/"] = {0, 0};
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string content((std::istreambuf_iterator<char>(in)), {});
    files[name] = {content.size(), crc32c(bytes_of(content))};
  }
  return files;
}

std::unique_ptr<PartitionLog> open_writer(const fs::path& dir, LogConfig config,
                                          bool clean = true) {
  std::vector<std::string> notes;
  auto log = PartitionLog::open(dir, config, clean, notes);
  EXPECT_TRUE(log.ok()) << log.status().message();
  return log.ok() ? std::move(*log) : nullptr;
}

std::unique_ptr<PartitionLog> open_reader(const fs::path& dir, LogConfig config = {},
                                          std::vector<std::string>* notes_out = nullptr) {
  std::vector<std::string> notes;
  auto log = PartitionLog::open_read_only(dir, config, notes);
  EXPECT_TRUE(log.ok()) << log.status().message();
  if (notes_out) *notes_out = notes;
  return log.ok() ? std::move(*log) : nullptr;
}

LogConfig small_segments() {
  LogConfig config;
  config.segment_bytes = 300;
  config.index_interval_bytes = 100;
  return config;
}

std::string segment_name(std::int64_t base, std::string_view extension) {
  return LogSegment::file_stem(base) + std::string(extension);
}

TEST(ReadOnlyPartitionLog, OpenChangesNoByteOfADamagedDirectoryAndReadsItsValidPrefix) {
  ferry::testing::TempDir dir;
  const fs::path log_dir = dir.path() / "t-0";
  constexpr int kRecords = 20;
  std::vector<std::int64_t> bases;
  {
    auto writer = open_writer(log_dir, small_segments());
    for (int i = 0; i < kRecords; ++i)
      ASSERT_TRUE(append(*writer, batch_of({"v" + std::to_string(i)}, i)).ok());
    ASSERT_GE(writer->segment_count(), 4u);
  }
  for (const auto& entry : fs::directory_iterator(log_dir)) {
    if (entry.path().extension() == ".log") {
      bases.push_back(*LogSegment::parse_file_stem(entry.path().stem().string()));
    }
  }
  std::sort(bases.begin(), bases.end());
  // What a crash and a broker that died in the middle of its work leave: a torn batch at the end
  // of the last segment, a missing offset index, half an index entry, the leftovers of an
  // interrupted compaction and of a checkpoint write. A read-write open would repair all of it.
  const auto torn = batch_of({"torn"}, 99);
  {
    std::ofstream out(log_dir / segment_name(bases.back(), ".log"),
                      std::ios::binary | std::ios::app);
    out.write(reinterpret_cast<const char*>(torn.data()), 30);
  }
  fs::remove(log_dir / segment_name(bases[1], ".index"));
  {
    std::ofstream out(log_dir / segment_name(bases[2], ".timeindex"),
                      std::ios::binary | std::ios::app);
    out.write("\x01\x02\x03", 3);
  }
  std::ofstream(log_dir / (segment_name(bases[0], ".log") + ".cleaned")) << "half a compaction";
  std::ofstream(log_dir / (std::string(kRecoveryPointFile) + ".tmp")) << "0\n";
  const auto before = snapshot(dir.path());

  std::vector<std::string> notes;
  {
    auto reader = open_reader(log_dir, small_segments(), &notes);
    ASSERT_NE(reader, nullptr);
    EXPECT_TRUE(reader->read_only());
    EXPECT_EQ(reader->log_end_offset(), kRecords);
    const auto records = read_all(*reader);
    ASSERT_EQ(records.size(), static_cast<std::size_t>(kRecords));
    for (int i = 0; i < kRecords; ++i) EXPECT_EQ(records[i], Record(i, "v" + std::to_string(i)));
    EXPECT_EQ(reader->offset_for_timestamp(5).value(), std::optional<std::int64_t>(5));
    EXPECT_EQ(reader->segment_count(), bases.size());
    ASSERT_TRUE(reader->flush().ok());
  }
  EXPECT_EQ(snapshot(dir.path()), before);
  const bool torn_noted = std::any_of(notes.begin(), notes.end(), [](const std::string& note) {
    return note.find("read-only: the segment ends at position") != std::string::npos;
  });
  EXPECT_TRUE(torn_noted) << ::testing::PrintToString(notes);
}

TEST(ReadOnlyPartitionLog, RefusesEveryWriteAndCreatesNothing) {
  ferry::testing::TempDir dir;
  auto missing = open_reader(dir.path() / "none-0");
  ASSERT_NE(missing, nullptr);
  EXPECT_EQ(missing->log_end_offset(), 0);
  EXPECT_EQ(missing->log_start_offset(), 0);
  auto empty = missing->read(0, 100);
  ASSERT_TRUE(empty.ok()) << empty.status().message();
  EXPECT_TRUE(empty->records.empty());
  EXPECT_FALSE(fs::exists(dir.path() / "none-0"));

  {
    auto writer = open_writer(dir.path() / "t-0", {});
    ASSERT_TRUE(append(*writer, batch_of({"a"}, 1)).ok());
  }
  const auto before = snapshot(dir.path());
  auto reader = open_reader(dir.path() / "t-0");
  const Status appended = append(*reader, batch_of({"b"}, 1)).status();
  EXPECT_EQ(appended.kind(), Status::Kind::kConflict);
  EXPECT_NE(appended.message().find("t-0: cannot append: the log is open read-only"),
            std::string::npos)
      << appended.message();
  EXPECT_EQ(reader->apply_retention(1 << 30).status().kind(), Status::Kind::kConflict);
  EXPECT_EQ(reader->remove().kind(), Status::Kind::kConflict);
  EXPECT_EQ(LogCleaner().clean(*reader, 1000).status().kind(), Status::Kind::kConflict);
  EXPECT_EQ(reader->log_end_offset(), 1);
  reader.reset();
  EXPECT_EQ(snapshot(dir.path()), before);
}

TEST(ReadOnlyPartitionLog, AnEmptyDirectoryFillsWhenTheWriterStarts) {
  ferry::testing::TempDir dir;
  auto reader = open_reader(dir.path() / "t-0");
  auto writer = open_writer(dir.path() / "t-0", small_segments());
  for (int i = 0; i < 6; ++i)
    ASSERT_TRUE(append(*writer, batch_of({"v" + std::to_string(i)}, i)).ok());
  EXPECT_EQ(reader->log_end_offset(), 6);
  EXPECT_EQ(read_all(*reader).size(), 6u);
  EXPECT_EQ(reader->segment_count(), writer->segment_count());
}

// The property the tools rely on: a reader polling while a writer appends and rolls sees every
// record once, in order, each batch whole (decode_batch checks every CRC), its end offset never
// going back, and in the end the writer's segments.
TEST(ReadOnlyPartitionLog, FollowsAWriterAcrossAppendsAndRollsWithoutATornBatch) {
  ferry::testing::TempDir dir;
  const fs::path log_dir = dir.path() / "t-0";
  LogConfig config;
  config.segment_bytes = 8192;
  config.index_interval_bytes = 256;
  auto writer = open_writer(log_dir, config);
  ASSERT_TRUE(append(*writer, batch_of({"v0"}, 0)).ok());
  auto reader = open_reader(log_dir, config);
  constexpr std::int64_t kRecords = 6000;
  std::atomic<bool> written{false};
  std::thread producer([&] {
    std::int64_t next = 1;
    while (next < kRecords) {
      // One to three records a batch; each value names its offset.
      std::vector<std::string> values;
      for (std::int64_t i = 0; i < 1 + next % 3 && next + i < kRecords; ++i) {
        values.push_back("v" + std::to_string(next + i));
      }
      auto result = append(*writer, batch_of(values, next));
      ASSERT_TRUE(result.ok()) << result.status().message();
      ASSERT_EQ(result->base_offset, next);
      next += static_cast<std::int64_t>(values.size());
    }
    written = true;
  });

  std::int64_t position = 0;
  std::int64_t last_end = 0;
  std::size_t reads = 0;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (position < kRecords && std::chrono::steady_clock::now() < give_up) {
    const std::int64_t end = reader->log_end_offset();
    ASSERT_GE(end, last_end);
    last_end = end;
    auto read = reader->read(position, 700);
    ASSERT_TRUE(read.ok()) << read.status().message();
    ++reads;
    for (const auto& [offset, value] : records_in(read->records)) {
      if (offset < position) continue;
      ASSERT_EQ(offset, position);
      ASSERT_EQ(value, "v" + std::to_string(offset));
      ++position;
    }
  }
  producer.join();
  ASSERT_TRUE(written);
  EXPECT_EQ(position, kRecords);
  EXPECT_EQ(reader->log_end_offset(), kRecords);
  ASSERT_GT(writer->segment_count(), 10u);
  EXPECT_EQ(reader->segment_count(), writer->segment_count());
  EXPECT_EQ(reader->offset_for_timestamp(4000).value(), writer->offset_for_timestamp(4000).value());
  EXPECT_GT(reads, 10u);
}

TEST(ReadOnlyPartitionLog, SegmentsDeletedByRetentionAreReadOrOutOfRangeNeverACrash) {
  ferry::testing::TempDir dir;
  const fs::path log_dir = dir.path() / "t-0";
  LogConfig config = small_segments();
  config.retention_bytes = 400;
  auto writer = open_writer(log_dir, config);
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(append(*writer, batch_of({"v" + std::to_string(i)}, i)).ok());
  auto reader = open_reader(log_dir, config);
  ASSERT_EQ(reader->log_start_offset(), 0);
  auto deleted = writer->apply_retention(1000);
  ASSERT_TRUE(deleted.ok());
  ASSERT_GT(*deleted, 0);
  const std::int64_t start = writer->log_start_offset();
  ASSERT_GT(start, 0);
  // The reader still holds the deleted segments open: the old bytes, whole.
  auto stale = reader->read(0, 1 << 20);
  ASSERT_TRUE(stale.ok()) << stale.status().message();
  EXPECT_EQ(records_in(stale->records).front(), Record(0, "v0"));
  // Its next listing of the directory drops them.
  std::this_thread::sleep_for(PartitionLog::kRelistInterval + std::chrono::milliseconds(50));
  EXPECT_EQ(reader->log_start_offset(), start);
  EXPECT_EQ(reader->read(0, 1 << 20).status().kind(), Status::Kind::kOutOfRange);
  EXPECT_EQ(read_all(*reader), read_all(*writer));
}

TEST(ReadOnlyPartitionLog, SegmentsReplacedByCompactionAreOpenedAgain) {
  ferry::testing::TempDir dir;
  const fs::path log_dir = dir.path() / "t-0";
  LogConfig config = small_segments();
  config.cleanup_compact = true;
  config.cleanup_delete = false;
  auto writer = open_writer(log_dir, config);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(
        append(*writer, batch_of({"v" + std::to_string(i)}, i, "key" + std::to_string(i % 3)))
            .ok());
  }
  auto reader = open_reader(log_dir, config);
  ASSERT_EQ(read_all(*reader).size(), 20u);
  auto stats = LogCleaner().clean(*writer, 1000);
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  ASSERT_GT(stats->segments_written, 0);
  std::this_thread::sleep_for(PartitionLog::kRelistInterval + std::chrono::milliseconds(50));
  const auto compacted = read_all(*writer);
  ASSERT_LT(compacted.size(), 20u);
  EXPECT_EQ(read_all(*reader), compacted);
}

TEST(ReadOnlyPartitionLog, TakesInAWriterThatRecoversATornTailAndAppends) {
  ferry::testing::TempDir dir;
  const fs::path log_dir = dir.path() / "t-0";
  {
    auto writer = open_writer(log_dir, {});
    for (int i = 0; i < 3; ++i)
      ASSERT_TRUE(append(*writer, batch_of({"v" + std::to_string(i)}, i)).ok());
  }
  const auto torn = batch_of({"torn"}, 9);
  {
    std::ofstream out(log_dir / segment_name(0, ".log"), std::ios::binary | std::ios::app);
    out.write(reinterpret_cast<const char*>(torn.data()),
              static_cast<std::streamsize>(torn.size() - 5));
  }
  auto reader = open_reader(log_dir);
  EXPECT_EQ(reader->log_end_offset(), 3);
  // The broker starts after a crash: it truncates the torn batch and appends again.
  auto writer = open_writer(log_dir, {}, false);
  for (int i = 3; i < 6; ++i)
    ASSERT_TRUE(append(*writer, batch_of({"v" + std::to_string(i)}, i)).ok());
  EXPECT_EQ(reader->log_end_offset(), 6);
  EXPECT_EQ(read_all(*reader), read_all(*writer));
}

}  // namespace
}  // namespace ferry::broker
