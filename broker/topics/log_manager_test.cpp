// The broker's topics on a real data directory: create/delete/alter, reopen with recovery,
// auto-creation, the directory lock, long-poll wake-ups and background retention.
#include "broker/topics/log_manager.h"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "broker/storage/crc32c.h"
#include "broker/storage/record_batch.h"
#include "tests/temp_directory.h"

namespace ferry::broker {
namespace {

std::vector<std::uint8_t> batch_of(const std::string& value, std::int64_t timestamp = 1) {
  RecordBatchBuilder builder(RecordBatchOptions{});
  EXPECT_TRUE(builder.append(timestamp, as_bytes("key"), as_bytes(value)).ok());
  auto batch = builder.build();
  EXPECT_TRUE(batch.ok());
  return batch.ok() ? std::move(*batch) : std::vector<std::uint8_t>();
}

// Every file and directory under root with a checksum of its bytes.
std::map<std::string, std::pair<std::uint64_t, std::uint32_t>> snapshot(
    const std::filesystem::path& root) {
  std::map<std::string, std::pair<std::uint64_t, std::uint32_t>> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    const std::string name = std::filesystem::relative(entry.path(), root).string();
    if (entry.is_directory()) {
      files[name + "/"] = {0, 0};
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string content((std::istreambuf_iterator<char>(in)), {});
    files[name] = {content.size(),
                   crc32c({reinterpret_cast<const std::uint8_t*>(content.data()), content.size()})};
  }
  return files;
}

// The values of a partition from start to end, each batch decoded (so CRC-checked).
std::vector<std::string> values_of(const PartitionLog& log) {
  std::vector<std::string> out;
  std::int64_t position = log.log_start_offset();
  while (position < log.log_end_offset()) {
    auto read = log.read(position, 1 << 20);
    EXPECT_TRUE(read.ok()) << read.status().message();
    if (!read.ok() || read->records.empty()) break;
    std::span<const std::uint8_t> bytes = read->records;
    while (!bytes.empty()) {
      const RecordBatchHeader header = read_batch_header(bytes).value();
      auto decoded = decode_batch(bytes.first(header.size()), 1 << 20);
      EXPECT_TRUE(decoded.ok()) << decoded.status().message();
      if (!decoded.ok()) return out;
      for (const RecordView& record : decoded->records()) {
        out.emplace_back(record.value->begin(), record.value->end());
      }
      position = header.last_offset() + 1;
      bytes = bytes.subspan(header.size());
    }
  }
  return out;
}

class LogManagerTest : public ::testing::Test {
 protected:
  std::unique_ptr<LogManager> open(bool auto_create = true,
                                   LogAccess access = LogAccess::kReadWrite) {
    LogManagerOptions options;
    options.data_directory = dir_.path() / "data";
    options.access = access;
    options.auto_create_topics = auto_create;
    options.default_partitions = 2;
    options.log = [this](const std::string& message) { notes_.push_back(message); };
    options.now_ms = [this] { return clock_.load(); };
    auto manager = LogManager::open(std::move(options));
    EXPECT_TRUE(manager.ok()) << manager.status().message();
    return manager.ok() ? std::move(*manager) : nullptr;
  }

  Result<AppendResult> append(LogManager& manager, const std::string& topic, int partition,
                              const std::string& value) {
    auto batch = batch_of(value);
    return manager.append(topic, partition, batch);
  }

  ferry::testing::TempDir dir_;
  std::vector<std::string> notes_;
  std::atomic<std::int64_t> clock_{1000};
};

TEST_F(LogManagerTest, CreatesDescribesListsAndDeletesTopics) {
  auto manager = open();
  ASSERT_TRUE(manager->create_topic("orders", 3, {{"retention.ms", "1000"}}).ok());
  ASSERT_TRUE(manager->create_topic("audit", 1).ok());
  EXPECT_EQ(manager->list_topics(), (std::vector<std::string>{"audit", "orders"}));
  auto description = manager->describe_topic("orders");
  ASSERT_TRUE(description.ok());
  EXPECT_EQ(description->partitions, 3);
  EXPECT_EQ(description->config.retention_ms, 1000);
  EXPECT_EQ(description->topic_id.size(), 22u);
  EXPECT_TRUE(std::filesystem::is_directory(dir_.path() / "data" / "orders-2"));

  EXPECT_EQ(manager->create_topic("orders", 1).kind(), Status::Kind::kConflict);
  EXPECT_EQ(manager->create_topic("audit_", 1).kind(), Status::Kind::kOk);
  EXPECT_EQ(manager->create_topic("audit.", 1).kind(), Status::Kind::kConflict);
  EXPECT_EQ(manager->create_topic("bad/name", 1).kind(), Status::Kind::kInvalidArgument);
  EXPECT_EQ(manager->create_topic("zero", 0).message(),
            "Number of partitions must be larger than 0.");
  EXPECT_EQ(manager->create_topic("conf", 1, {{"retention.ms", "x"}}).kind(),
            Status::Kind::kInvalidArgument);
  EXPECT_FALSE(manager->describe_topic("conf").ok());  // nothing of a refused topic stays

  ASSERT_TRUE(manager->delete_topic("orders").ok());
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "data" / "orders-0"));
  EXPECT_EQ(manager->delete_topic("orders").kind(), Status::Kind::kNotFound);
  EXPECT_EQ(manager->partition("orders", 0).status().kind(), Status::Kind::kNotFound);
}

TEST_F(LogManagerTest, ReopensTopicsWithTheirDataAndConfig) {
  {
    auto manager = open();
    ASSERT_TRUE(manager->create_topic("t", 2, {{"cleanup.policy", "compact"}}).ok());
    ASSERT_TRUE(append(*manager, "t", 1, "one").ok());
    ASSERT_TRUE(append(*manager, "t", 1, "two").ok());
  }
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "data" / ".clean_shutdown"));
  auto manager = open();
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "data" / ".clean_shutdown"));
  auto description = manager->describe_topic("t");
  ASSERT_TRUE(description.ok());
  EXPECT_TRUE(description->config.cleanup_compact);
  auto log = manager->partition("t", 1);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->log_end_offset(), 2);
  EXPECT_TRUE(notes_.empty());
}

TEST_F(LogManagerTest, AutoCreatesOnFirstAppendWhenEnabled) {
  auto manager = open(true);
  auto result = append(*manager, "fresh", 1, "v");
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(manager->describe_topic("fresh")->partitions, 2);
  EXPECT_EQ(append(*manager, "fresh", 5, "v").status().kind(), Status::Kind::kNotFound);
  manager.reset();
  auto strict = open(false);
  EXPECT_EQ(append(*strict, "other", 0, "v").status().kind(), Status::Kind::kNotFound);
}

TEST_F(LogManagerTest, OneBrokerPerDataDirectory) {
  auto manager = open();
  LogManagerOptions options;
  options.data_directory = dir_.path() / "data";
  auto second = LogManager::open(options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().kind(), Status::Kind::kConflict);
  EXPECT_NE(second.status().message().find("in use"), std::string::npos);
}

TEST_F(LogManagerTest, AppendsWakeLongPolls) {
  auto manager = open();
  ASSERT_TRUE(manager->create_topic("t", 1).ok());
  const std::uint64_t seen = manager->append_count();
  std::thread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(append(*manager, "t", 0, "wake").ok());
  });
  const auto start = std::chrono::steady_clock::now();
  manager->wait_for_append(seen, start + std::chrono::seconds(30));
  producer.join();
  EXPECT_NE(manager->append_count(), seen);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST_F(LogManagerTest, MaintenanceAppliesRetentionAndReportsIt) {
  auto manager = open();
  ASSERT_TRUE(
      manager->create_topic("t", 1, {{"segment.bytes", "100"}, {"retention.ms", "500"}}).ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(append(*manager, "t", 0, "v" + std::to_string(i)).ok());
  auto log = manager->partition("t", 0);
  ASSERT_TRUE(log.ok());
  ASSERT_GT((*log)->segment_count(), 1u);
  clock_ =
      1000 + 300000 + 1;  // past retention.ms of the records (timestamp 1) and the check interval
  manager->run_maintenance();
  EXPECT_EQ((*log)->segment_count(), 1u);
  ASSERT_FALSE(notes_.empty());
  EXPECT_NE(notes_.back().find("retention deleted"), std::string::npos) << notes_.back();
}

TEST_F(LogManagerTest, FlushMsIsTheBackgroundChecksFsyncNotTheAppends) {
  auto manager = open();
  ASSERT_TRUE(manager->create_topic("t", 1, {{"flush.ms", "1000"}}).ok());
  auto log = manager->partition("t", 0);
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE(append(*manager, "t", 0, "first").ok());  // at 1000
  EXPECT_EQ((*log)->unflushed_messages(), 1);
  clock_ = 1999;
  manager->run_maintenance();
  EXPECT_EQ((*log)->unflushed_messages(), 1);  // not due yet
  clock_ = 2000;
  // Due now, but the append does not wait for an fsync: the producer goes on.
  ASSERT_TRUE(append(*manager, "t", 0, "second").ok());
  EXPECT_EQ((*log)->unflushed_messages(), 2);
  manager->run_maintenance();
  EXPECT_EQ((*log)->unflushed_messages(), 0);
  // flush.messages is still the append's own: the append that reaches it is synced on return.
  ASSERT_TRUE(manager->alter_topic_config("t", {{"flush.messages", "2"}}).ok());
  ASSERT_TRUE(append(*manager, "t", 0, "third").ok());
  EXPECT_EQ((*log)->unflushed_messages(), 1);
  ASSERT_TRUE(append(*manager, "t", 0, "fourth").ok());
  EXPECT_EQ((*log)->unflushed_messages(), 0);
}

TEST_F(LogManagerTest, AlterAndAddPartitions) {
  auto manager = open();
  ASSERT_TRUE(manager->create_topic("t", 1).ok());
  ASSERT_TRUE(manager->alter_topic_config("t", {{"max.message.bytes", "100"}}).ok());
  auto big = batch_of(std::string(500, 'x'));
  EXPECT_EQ(manager->append("t", 0, big).status().kind(), Status::Kind::kTooLarge);
  EXPECT_EQ(manager->add_partitions("t", 1).kind(), Status::Kind::kInvalidArgument);
  ASSERT_TRUE(manager->add_partitions("t", 4).ok());
  EXPECT_TRUE(append(*manager, "t", 3, "new").ok());
  manager.reset();
  auto reopened = open();
  EXPECT_EQ(reopened->describe_topic("t")->partitions, 4);
  EXPECT_EQ(reopened->describe_topic("t")->config.max_message_bytes, 100);
}

TEST_F(LogManagerTest, ACrashedBrokerRecoversItsLastSegments) {
  {
    auto manager = open();
    ASSERT_TRUE(manager->create_topic("t", 1).ok());
    ASSERT_TRUE(append(*manager, "t", 0, "kept").ok());
  }
  // As if the process died: no clean-shutdown marker, and half a batch at the end of the log.
  std::filesystem::remove(dir_.path() / "data" / ".clean_shutdown");
  const auto torn = batch_of("torn");
  {
    std::ofstream out(dir_.path() / "data" / "t-0" / "00000000000000000000.log",
                      std::ios::binary | std::ios::app);
    out.write(reinterpret_cast<const char*>(torn.data()), 20);
  }
  auto manager = open();
  EXPECT_EQ((*manager->partition("t", 0))->log_end_offset(), 1);
  ASSERT_EQ(notes_.size(), 1u);
  EXPECT_NE(notes_[0].find("truncating"), std::string::npos) << notes_[0];
}

TEST_F(LogManagerTest, MaintenanceCompactsDirtyCompactedTopicsAndReportsIt) {
  auto manager = open();
  // segment.bytes 100: every append rolls, so all but the last record can be compacted.
  ASSERT_TRUE(
      manager->create_topic("t", 1, {{"cleanup.policy", "compact"}, {"segment.bytes", "100"}})
          .ok());
  ASSERT_TRUE(manager->create_topic("plain", 1, {{"segment.bytes", "100"}}).ok());
  ASSERT_TRUE(manager
                  ->create_topic("lazy", 1,
                                 {{"cleanup.policy", "compact"},
                                  {"segment.bytes", "100"},
                                  {"min.cleanable.dirty.ratio", "1"}})
                  .ok());
  for (const char* topic : {"t", "plain", "lazy"}) {
    for (int i = 0; i < 5; ++i)
      ASSERT_TRUE(append(*manager, topic, 0, "v" + std::to_string(i)).ok());
  }
  const auto values = [&](const std::string& topic) {
    std::vector<std::string> out;
    auto log = manager->partition(topic, 0).value();
    std::int64_t position = log->log_start_offset();
    while (position < log->log_end_offset()) {
      auto read = log->read(position, 1 << 20);
      EXPECT_TRUE(read.ok());
      if (!read.ok() || read->records.empty()) break;
      std::span<const std::uint8_t> bytes = read->records;
      while (!bytes.empty()) {
        const RecordBatchHeader header = read_batch_header(bytes).value();
        auto decoded = decode_batch(bytes.first(header.size()), 1 << 20);
        EXPECT_TRUE(decoded.ok());
        for (const RecordView& record : decoded->records()) {
          out.emplace_back(record.value->begin(), record.value->end());
        }
        position = header.last_offset() + 1;
        bytes = bytes.subspan(header.size());
      }
    }
    return out;
  };

  clock_ = 14999;  // not yet cleaner_interval_ms (15000) after the notional last run at 0
  manager->run_maintenance();
  EXPECT_EQ(values("t").size(), 5u);
  clock_ = 15000;
  manager->run_maintenance();
  // The latest value of the key, and the active segment's record (the same key, later).
  EXPECT_EQ(values("t"), (std::vector<std::string>{"v3", "v4"}));
  EXPECT_EQ(values("plain").size(), 5u);  // cleanup.policy=delete
  EXPECT_EQ(values("lazy").size(), 5u);   // a dirty ratio of 1 is not above 1
  const auto report = std::find_if(notes_.begin(), notes_.end(), [](const std::string& note) {
    return note.starts_with("t-0: compaction");
  });
  ASSERT_NE(report, notes_.end());
  EXPECT_NE(report->find("kept 1 of 4 records, removed 0 tombstones, "), std::string::npos)
      << *report;
  EXPECT_EQ((*manager->partition("t", 0))->cleaner_checkpoint(), 4);

  // Nothing dirty is left, so the next round leaves the topic alone.
  const std::size_t reported = notes_.size();
  clock_ = 30000;
  manager->run_maintenance();
  EXPECT_EQ(notes_.size(), reported);
}

TEST_F(LogManagerTest, BesideARunningBrokerToolsOpenReadOnlyAndFollowItsTopics) {
  auto writer = open();
  ASSERT_TRUE(writer->create_topic("t", 2).ok());
  ASSERT_TRUE(append(*writer, "t", 1, "one").ok());
  // A second open of the directory is another open file description: its flock is refused as
  // another process's would be.
  auto reader = open(true, LogAccess::kReadOnlyWhenLocked);
  ASSERT_NE(reader, nullptr);
  EXPECT_TRUE(reader->read_only());
  EXPECT_FALSE(writer->read_only());
  EXPECT_FALSE(reader->options().auto_create_topics);
  EXPECT_EQ(reader->list_topics(), (std::vector<std::string>{"t"}));
  EXPECT_EQ((*reader->partition("t", 1))->log_end_offset(), 1);

  ASSERT_TRUE(writer->create_topic("u", 1, {{"retention.ms", "1000"}}).ok());
  ASSERT_TRUE(append(*writer, "u", 0, "new").ok());
  ASSERT_TRUE(append(*writer, "t", 1, "two").ok());
  EXPECT_EQ(reader->list_topics(), (std::vector<std::string>{"t", "u"}));
  EXPECT_EQ(reader->describe_topic("u")->config.retention_ms, 1000);
  EXPECT_EQ(values_of(**reader->partition("u", 0)), (std::vector<std::string>{"new"}));
  EXPECT_EQ(values_of(**reader->partition("t", 1)), (std::vector<std::string>{"one", "two"}));

  ASSERT_TRUE(writer->alter_topic_config("t", {{"retention.ms", "5000"}}).ok());
  ASSERT_TRUE(writer->add_partitions("t", 3).ok());
  ASSERT_TRUE(append(*writer, "t", 2, "three").ok());
  auto described = reader->describe_topic("t");
  ASSERT_TRUE(described.ok());
  EXPECT_EQ(described->partitions, 3);
  EXPECT_EQ(described->config.retention_ms, 5000);
  EXPECT_EQ(values_of(**reader->partition("t", 2)), (std::vector<std::string>{"three"}));

  ASSERT_TRUE(writer->delete_topic("u").ok());
  EXPECT_EQ(reader->list_topics(), (std::vector<std::string>{"t"}));
  EXPECT_EQ(reader->partition("u", 0).status().kind(), Status::Kind::kNotFound);

  const std::string refusal = (dir_.path() / "data").string() +
                              " is open read-only: a running broker holds it (its .lock is held)";
  for (const Status& status : {reader->create_topic("v", 1), reader->delete_topic("t"),
                               reader->alter_topic_config("t", {}), reader->add_partitions("t", 4),
                               append(*reader, "t", 0, "x").status()}) {
    EXPECT_EQ(status.kind(), Status::Kind::kConflict);
    EXPECT_TRUE(status.message().starts_with(refusal)) << status.message();
  }
  EXPECT_EQ(append(*reader, "fresh", 0, "x").status().kind(), Status::Kind::kConflict);
  EXPECT_FALSE(writer->describe_topic("fresh").ok());
  EXPECT_EQ(writer->describe_topic("t")->partitions, 3);

  // No append happens in the reader's process: a wait polls, and counts as one.
  const std::uint64_t seen = reader->append_count();
  const auto start = std::chrono::steady_clock::now();
  reader->wait_for_append(seen, start + std::chrono::seconds(30));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_NE(reader->append_count(), seen);

  // With the lock free, the same access opens read-write, as a broker.
  reader.reset();
  writer.reset();
  auto alone = open(true, LogAccess::kReadOnlyWhenLocked);
  ASSERT_NE(alone, nullptr);
  EXPECT_FALSE(alone->read_only());
  EXPECT_TRUE(alone->create_topic("v", 1).ok());
}

TEST_F(LogManagerTest, AReadOnlyOpenChangesNoByteOfACrashedBrokersDirectory) {
  {
    auto manager = open();
    ASSERT_TRUE(manager->create_topic("t", 1, {{"segment.bytes", "200"}}).ok());
    for (int i = 0; i < 8; ++i) ASSERT_TRUE(append(*manager, "t", 0, "v" + std::to_string(i)).ok());
  }
  // As a crash leaves it: no clean-shutdown marker, a torn batch at the end of the last segment.
  const std::filesystem::path data = dir_.path() / "data";
  std::filesystem::remove(data / ".clean_shutdown");
  std::filesystem::path last;
  for (const auto& entry : std::filesystem::directory_iterator(data / "t-0")) {
    if (entry.path().extension() == ".log" && entry.path() > last) last = entry.path();
  }
  const auto torn = batch_of("torn");
  {
    std::ofstream out(last, std::ios::binary | std::ios::app);
    out.write(reinterpret_cast<const char*>(torn.data()), 20);
  }
  const auto before = snapshot(data);
  {
    auto reader = open(true, LogAccess::kReadOnly);
    ASSERT_NE(reader, nullptr);
    EXPECT_TRUE(reader->read_only());
    auto log = reader->partition("t", 0);
    ASSERT_TRUE(log.ok());
    EXPECT_EQ((*log)->log_end_offset(), 8);
    EXPECT_EQ(values_of(**log).size(), 8u);
    EXPECT_GT((*log)->segment_count(), 1u);
    reader->run_maintenance();  // does nothing: the writer's work
  }
  EXPECT_EQ(snapshot(data), before);
  EXPECT_FALSE(std::filesystem::exists(data / ".clean_shutdown"));

  LogManagerOptions missing;
  missing.data_directory = dir_.path() / "nowhere";
  missing.access = LogAccess::kReadOnly;
  EXPECT_EQ(LogManager::open(missing).status().kind(), Status::Kind::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "nowhere"));
}

// A writer manager appending from one thread, rolling segments, while a read-only manager of the
// same directory reads from another as a consumer does (reading to the end, then waiting): the
// reader sees every record once, in order, each batch whole, and the writer's segments.
TEST_F(LogManagerTest, AReadOnlyManagerFollowsAWriterAppendingInAnotherThread) {
  auto writer = open();
  ASSERT_TRUE(writer->create_topic("t", 1, {{"segment.bytes", "8192"}}).ok());
  auto reader = open(true, LogAccess::kReadOnlyWhenLocked);
  ASSERT_TRUE(reader->read_only());
  constexpr int kRecords = 3000;
  std::thread producer([&] {
    for (int i = 0; i < kRecords; ++i) {
      ASSERT_TRUE(append(*writer, "t", 0, "v" + std::to_string(i)).ok());
      if (i % 500 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  auto log = reader->partition("t", 0);
  ASSERT_TRUE(log.ok());
  std::int64_t position = 0;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (position < kRecords && std::chrono::steady_clock::now() < give_up) {
    const std::uint64_t appends = reader->append_count();
    auto read = (*log)->read(position, 4096);
    ASSERT_TRUE(read.ok()) << read.status().message();
    if (read->records.empty()) {
      reader->wait_for_append(appends, std::chrono::steady_clock::now() + std::chrono::seconds(1));
      continue;
    }
    std::span<const std::uint8_t> bytes = read->records;
    while (!bytes.empty()) {
      const RecordBatchHeader header = read_batch_header(bytes).value();
      auto decoded = decode_batch(bytes.first(header.size()), 1 << 20);
      ASSERT_TRUE(decoded.ok()) << decoded.status().message();
      for (const RecordView& record : decoded->records()) {
        if (record.offset < position) continue;
        ASSERT_EQ(record.offset, position);
        ASSERT_EQ(std::string(record.value->begin(), record.value->end()),
                  "v" + std::to_string(position));
        ++position;
      }
      bytes = bytes.subspan(header.size());
    }
  }
  producer.join();
  EXPECT_EQ(position, kRecords);
  const auto written = writer->partition("t", 0).value();
  ASSERT_GT(written->segment_count(), 5u);
  EXPECT_EQ((*log)->segment_count(), written->segment_count());
  EXPECT_EQ((*log)->log_end_offset(), kRecords);
}

}  // namespace
}  // namespace ferry::broker
