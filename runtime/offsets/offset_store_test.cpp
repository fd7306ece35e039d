#include "runtime/offsets/offset_store.h"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/offsets/golden_offsets_file.h"
#include "runtime/offsets/java_serialized_map.h"
#include "tests/temp_directory.h"

namespace ferry::runtime {
namespace {

using sdk::SourceMap;
using sdk::Value;

JavaByteArray array_of(std::string_view text) { return JavaByteArray(text.begin(), text.end()); }

std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// An offsets file as Kafka writes it, from key and value JSON texts.
void write_kafka_file(const std::filesystem::path& path,
                      const std::vector<std::pair<std::string, std::string>>& entries) {
  JavaByteArrayMap map;
  for (const auto& [key, value] : entries) map.push_back({array_of(key), array_of(value)});
  write_bytes(path, write_java_serialized_map(map).value());
}

// The entries of an offsets file as key and value texts.
std::vector<std::pair<std::string, std::string>> file_entries(const std::filesystem::path& path) {
  const Result<JavaByteArrayMap> map = read_java_serialized_map(read_bytes(path));
  std::vector<std::pair<std::string, std::string>> entries;
  for (const JavaMapEntry& entry : map.value()) {
    entries.emplace_back(std::string(entry.key->begin(), entry.key->end()),
                         std::string(entry.value->begin(), entry.value->end()));
  }
  return entries;
}

class OffsetStore : public ::testing::Test {
 protected:
  std::unique_ptr<FileOffsetStore> open() {
    auto store = FileOffsetStore::open(file_);
    EXPECT_TRUE(store.ok()) << store.status().message();
    return std::move(store).value();
  }

  ferry::testing::TempDir dir_;
  const std::filesystem::path file_ = dir_.path() / "connect.offsets";
};

TEST_F(OffsetStore, FileSourceOffsetIsWrittenByteForByteAsKafkaWritesIt) {
  auto store = open();
  ASSERT_TRUE(store
                  ->put("local-file-source", {{"filename", "test.txt"}},
                        SourceMap{{"position", std::int64_t{54}}})
                  .ok());
  ASSERT_TRUE(store->flush().ok());
  EXPECT_EQ(read_bytes(file_), testing::golden_offsets_file());
}

TEST_F(OffsetStore, KafkaFileSourceOffsetIsRead) {
  write_bytes(file_, testing::golden_offsets_file());
  auto store = open();
  EXPECT_TRUE(store->open_warnings().empty());
  EXPECT_EQ(store->offset("local-file-source", {{"filename", "test.txt"}}),
            (SourceMap{{"position", std::int64_t{54}}}));
  EXPECT_EQ(store->offset("local-file-source", {{"filename", "other.txt"}}), std::nullopt);
  EXPECT_EQ(store->offset("other-source", {{"filename", "test.txt"}}), std::nullopt);
}

TEST_F(OffsetStore, MissingFileIsNoOffsetsAndNoFlushWritesNothing) {
  auto store = open();
  EXPECT_TRUE(store->open_warnings().empty());
  EXPECT_EQ(store->offset("c", {{"p", 1}}), std::nullopt);
  ASSERT_TRUE(store->flush().ok());
  EXPECT_FALSE(std::filesystem::exists(file_));
}

TEST_F(OffsetStore, PutIsVisibleAtOnceAndDurableOnlyAfterFlush) {
  auto store = open();
  ASSERT_TRUE(store->put("jdbc", {{"table", "orders"}}, SourceMap{{"id", 42}}).ok());
  EXPECT_EQ(store->offset("jdbc", {{"table", "orders"}}), (SourceMap{{"id", std::int64_t{42}}}));
  EXPECT_EQ(open()->offset("jdbc", {{"table", "orders"}}), std::nullopt);
  ASSERT_TRUE(store->flush().ok());
  EXPECT_EQ(open()->offset("jdbc", {{"table", "orders"}}), (SourceMap{{"id", std::int64_t{42}}}));
}

TEST_F(OffsetStore, KafkaMemberOrderResolvesByMeaning) {
  // Java's HashMap put "table" before "protocol" in this connector's partition.
  const std::string kafka_key = R"(["jdbc",{"table":"orders","protocol":"1"}])";
  write_kafka_file(file_, {{kafka_key, R"({"incrementing":41})"},
                           {R"(["jdbc",{"z":1,"a":[1]}])", R"({"x":1})"}});
  auto store = open();
  const SourceMap partition = {{"protocol", "1"}, {"table", "orders"}};
  EXPECT_EQ(store->offset("jdbc", partition), (SourceMap{{"incrementing", std::int64_t{41}}}));

  // An update goes to Kafka's key, so a Kafka worker reading the file finds it too.
  ASSERT_TRUE(store->put("jdbc", partition, SourceMap{{"incrementing", 42}}).ok());
  ASSERT_TRUE(store->flush().ok());
  const auto entries = file_entries(file_);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].first, kafka_key);
  EXPECT_EQ(entries[0].second, R"({"incrementing":42})");
  EXPECT_EQ(open()->offset("jdbc", partition), (SourceMap{{"incrementing", std::int64_t{42}}}));
}

TEST_F(OffsetStore, KeysWithTheSameMeaningCollapseOnPut) {
  write_kafka_file(
      file_, {{R"(["c",{"b":1,"a":2}])", R"({"n":1})"}, {R"(["c",{"a":2,"b":1}])", R"({"n":2})"}});
  auto store = open();
  // Ferry's own bytes match exactly and win.
  EXPECT_EQ(store->offset("c", {{"a", 2}, {"b", 1}}), (SourceMap{{"n", std::int64_t{2}}}));
  ASSERT_TRUE(store->put("c", {{"a", 2}, {"b", 1}}, SourceMap{{"n", 3}}).ok());
  ASSERT_TRUE(store->flush().ok());
  const std::vector<std::pair<std::string, std::string>> expected = {
      {R"(["c",{"a":2,"b":1}])", R"({"n":3})"}};
  EXPECT_EQ(file_entries(file_), expected);
}

TEST_F(OffsetStore, ValuesCompareAsKafkasJsonReaderSeesThem) {
  write_kafka_file(file_, {{R"(["c",{"p":1}])", R"({"n":1})"},
                           {R"(["c",{"f":1.5,"s":"x"}])", R"({"n":2})"},
                           {R"(["c",{"b":"AQI="}])", R"({"n":3})"}});
  auto store = open();
  EXPECT_TRUE(store->offset("c", {{"p", std::int32_t{1}}}).has_value());
  EXPECT_TRUE(store->offset("c", {{"p", std::int8_t{1}}}).has_value());
  EXPECT_FALSE(store->offset("c", {{"p", "1"}}).has_value());
  EXPECT_FALSE(store->offset("c", {{"p", 1.0}}).has_value());
  EXPECT_FALSE(store->offset("c", {{"p", true}}).has_value());
  EXPECT_FALSE(store->offset("c", {{"p", 1}, {"q", Value()}}).has_value());
  // Floating point and bytes go through the reading-back path.
  EXPECT_EQ(store->offset("c", {{"s", "x"}, {"f", 1.5f}}), (SourceMap{{"n", std::int64_t{2}}}));
  EXPECT_EQ(store->offset("c", {{"s", "x"}, {"f", 1.5}}), (SourceMap{{"n", std::int64_t{2}}}));
  EXPECT_EQ(store->offset("c", {{"b", sdk::Bytes{1, 2}}}), (SourceMap{{"n", std::int64_t{3}}}));
}

TEST_F(OffsetStore, TombstoneDeletesAndRemoveDeletesOneConnector) {
  auto store = open();
  ASSERT_TRUE(store->put("a", {{"p", 1}}, SourceMap{{"o", 1}}).ok());
  ASSERT_TRUE(store->put("a", {{"p", 2}}, SourceMap{{"o", 2}}).ok());
  ASSERT_TRUE(store->put("b", {{"p", 1}}, SourceMap{{"o", 3}}).ok());
  ASSERT_TRUE(store->put("a", {{"p", 1}}, std::nullopt).ok());
  EXPECT_EQ(store->offset("a", {{"p", 1}}), std::nullopt);
  const std::vector<PartitionOffset> listed = {
      {{{"p", std::int64_t{2}}}, {{"o", std::int64_t{2}}}}};
  EXPECT_EQ(store->offsets("a"), listed);

  EXPECT_EQ(store->remove("a"), 1u);
  EXPECT_TRUE(store->offsets("a").empty());
  EXPECT_EQ(store->offset("b", {{"p", 1}}), (SourceMap{{"o", std::int64_t{3}}}));
  ASSERT_TRUE(store->flush().ok());
  EXPECT_EQ(file_entries(file_).size(), 1u);
}

TEST_F(OffsetStore, OnlyPrimitiveValuesAreAccepted) {
  auto store = open();
  const Status nested = store->put("c", {{"p", Value(sdk::Array{Value(1)})}}, SourceMap{});
  EXPECT_EQ(nested.kind(), Status::Kind::kInvalidArgument);
  EXPECT_NE(nested.message().find(R"(source partition field "p" holds ARRAY)"), std::string::npos)
      << nested.message();
  const Status logical = store->put("c", {{"p", 1}}, SourceMap{{"o", Value(sdk::Date{3})}});
  EXPECT_EQ(logical.kind(), Status::Kind::kInvalidArgument);
  EXPECT_NE(logical.message().find(R"(source offset field "o" holds Date)"), std::string::npos)
      << logical.message();
  EXPECT_EQ(store->offset("c", {{"p", Value(sdk::Array{})}}), std::nullopt);
  EXPECT_TRUE(store->put("c", {}, SourceMap{{"o", Value()}, {"b", sdk::Bytes{0xFF}}}).ok());
  EXPECT_EQ(store->offset("c", {}), (SourceMap{{"b", "/w=="}, {"o", Value()}}));
}

TEST_F(OffsetStore, LeftoverTemporaryFileIsRemovedAndTheOldFileKept) {
  {
    auto store = open();
    ASSERT_TRUE(store->put("c", {{"p", 1}}, SourceMap{{"o", 1}}).ok());
    ASSERT_TRUE(store->flush().ok());
  }
  // A crash after writing (part of) the next map to the temporary file, before the rename.
  const std::filesystem::path temporary = FileOffsetStore::temporary_file(file_);
  EXPECT_EQ(temporary, dir_.path() / "connect.offsets.ferry-tmp");
  write_bytes(temporary, {0xAC, 0xED, 0x00});
  auto store = open();
  EXPECT_FALSE(std::filesystem::exists(temporary));
  ASSERT_EQ(store->open_warnings().size(), 1u);
  EXPECT_NE(store->open_warnings()[0].find("left by a flush that did not finish"),
            std::string::npos);
  EXPECT_EQ(store->offset("c", {{"p", 1}}), (SourceMap{{"o", std::int64_t{1}}}));
}

TEST_F(OffsetStore, FlushReplacesTheFileAndLeavesNoTemporaryFile) {
  auto store = open();
  ASSERT_TRUE(store->put("c", {{"p", 1}}, SourceMap{{"o", 1}}).ok());
  ASSERT_TRUE(store->flush().ok());
  std::filesystem::permissions(
      file_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  ASSERT_TRUE(store->put("c", {{"p", 1}}, SourceMap{{"o", 2}}).ok());
  ASSERT_TRUE(store->flush().ok());
  EXPECT_FALSE(std::filesystem::exists(FileOffsetStore::temporary_file(file_)));
  EXPECT_EQ(std::filesystem::status(file_).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EQ(open()->offset("c", {{"p", 1}}), (SourceMap{{"o", std::int64_t{2}}}));
}

TEST_F(OffsetStore, FailedFlushIsRetriableAndKeepsTheOffsets) {
  const auto file = dir_.path() / "missing-directory" / "connect.offsets";
  auto store = FileOffsetStore::open(file).value();
  ASSERT_TRUE(store->put("c", {{"p", 1}}, SourceMap{{"o", 1}}).ok());
  const Status failed = store->flush();
  EXPECT_EQ(failed.kind(), Status::Kind::kRetriable);
  EXPECT_NE(failed.message().find("connect.offsets.ferry-tmp: cannot create the temporary offsets "
                                  "file: No such file or directory"),
            std::string::npos)
      << failed.message();
  std::filesystem::create_directory(dir_.path() / "missing-directory");
  ASSERT_TRUE(store->flush().ok());
  EXPECT_EQ(FileOffsetStore::open(file).value()->offset("c", {{"p", 1}}),
            (SourceMap{{"o", std::int64_t{1}}}));
}

TEST_F(OffsetStore, SymlinkedFileIsReplacedThroughTheLink) {
  const auto target = dir_.path() / "real.offsets";
  write_bytes(target, testing::golden_offsets_file());
  std::filesystem::create_symlink(target, file_);
  auto store = open();
  ASSERT_TRUE(store->put("c", {{"p", 1}}, SourceMap{{"o", 1}}).ok());
  ASSERT_TRUE(store->flush().ok());
  EXPECT_TRUE(std::filesystem::is_symlink(file_));
  EXPECT_EQ(file_entries(target).size(), 2u);
}

TEST_F(OffsetStore, FileCutShortWhereJavaThrowsEofIsNoOffsets) {
  std::vector<std::uint8_t> bytes = testing::golden_offsets_file();
  bytes.resize(110);  // inside the key's bytes
  write_bytes(file_, bytes);
  auto store = open();
  EXPECT_EQ(store->offset("local-file-source", {{"filename", "test.txt"}}), std::nullopt);
  ASSERT_EQ(store->open_warnings().size(), 1u);
  EXPECT_EQ(store->open_warnings()[0],
            file_.string() +
                ": byte 110: the stream ends in the key of entry 0, a byte[] of 45 bytes with 6 "
                "left (Java: EOFException); Kafka reads a file that ends there as holding no "
                "offsets, and so does Ferry: every source connector starts from the beginning");

  write_bytes(file_, {});
  EXPECT_EQ(open()->open_warnings().size(), 1u);
}

TEST_F(OffsetStore, DamagedFileIsAnErrorNamingTheFileAndTheByte) {
  std::vector<std::uint8_t> bytes = testing::golden_offsets_file();
  bytes.resize(testing::kGoldenBlockDataOffset + 5);  // inside block data: Java's
  write_bytes(file_, bytes);                          // StreamCorruptedException
  auto cut = FileOffsetStore::open(file_);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().kind(), Status::Kind::kCorruption);
  EXPECT_EQ(cut.status().message(),
            file_.string() +
                ": byte 71: block data of 8 bytes, but only 3 follow (Java: "
                "StreamCorruptedException, unexpected EOF in middle of data block)");

  bytes = testing::golden_offsets_file();
  bytes[8] = 'X';
  write_bytes(file_, bytes);
  auto renamed = FileOffsetStore::open(file_);
  ASSERT_FALSE(renamed.ok());
  EXPECT_EQ(
      renamed.status().message(),
      file_.string() + R"(: byte 6: class name "Xava.util.HashMap", expected "java.util.HashMap")");
}

TEST_F(OffsetStore, UnreadableFileIsFatal) {
  std::filesystem::create_directory(file_);
  auto store = FileOffsetStore::open(file_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().kind(), Status::Kind::kFatal);
  EXPECT_EQ(store.status().message(), file_.string() + ": the offsets file is not a regular file");
}

TEST_F(OffsetStore, NullsAreDroppedAndOddEntriesKeptWithWarnings) {
  JavaByteArrayMap map = {
      {array_of(R"(["c",{"p":1}])"), array_of(R"({"o":1})")},
      {array_of(R"(["c",{"p":2}])"), std::nullopt},        // an older Kafka's deleted offset
      {std::nullopt, array_of(R"({"o":3})")},              // unreachable
      {array_of(R"(not json)"), array_of(R"({"o":4})")},   // kept as it is
      {array_of(R"(["c",{"p":5}])"), array_of(R"([1])")},  // not an offset map
  };
  write_bytes(file_, write_java_serialized_map(map).value());
  auto store = open();
  EXPECT_EQ(store->offset("c", {{"p", 1}}), (SourceMap{{"o", std::int64_t{1}}}));
  EXPECT_EQ(store->offset("c", {{"p", 2}}), std::nullopt);
  EXPECT_EQ(store->offset("c", {{"p", 5}}), std::nullopt);
  const std::vector<std::string> expected = {
      file_.string() + R"(: key ["c",{"p":5}]: the value is not JSON of a map of primitive )"
                       "values; kept as it is, but no connector will get an offset from it",
      file_.string() + R"(: key not json: the key is not JSON of ["<connector>",{<partition>}]; )"
                       "kept as it is, but no connector will get an offset from it",
      file_.string() + ": dropped 1 entries with a null key (no connector can look them up)",
      file_.string() +
          ": dropped 1 entries with a null value (deleted offsets, as an older "
          "Kafka kept them)",
  };
  EXPECT_EQ(store->open_warnings(), expected);

  ASSERT_TRUE(store->put("c", {{"p", 1}}, SourceMap{{"o", 10}}).ok());
  ASSERT_TRUE(store->flush().ok());
  const std::vector<std::pair<std::string, std::string>> written = {
      {R"(["c",{"p":1}])", R"({"o":10})"},
      {R"(["c",{"p":5}])", R"([1])"},
      {R"(not json)", R"({"o":4})"},
  };
  EXPECT_EQ(file_entries(file_), written);
}

TEST_F(OffsetStore, ReaderServesOneConnector) {
  auto store = open();
  ASSERT_TRUE(store->put("a", {{"p", 1}}, SourceMap{{"o", 1}}).ok());
  ASSERT_TRUE(store->put("b", {{"p", 1}}, SourceMap{{"o", 2}}).ok());
  const std::unique_ptr<sdk::OffsetStorageReader> reader = store->reader("b");
  EXPECT_EQ(reader->offset({{"p", 1}}), (SourceMap{{"o", std::int64_t{2}}}));
  EXPECT_EQ(reader->offset({{"p", 2}}), std::nullopt);
}

TEST_F(OffsetStore, TasksAndTheCommitterMayCallFromAnyThread) {
  auto store = open();
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int task = 0; task < 4; ++task) {
    threads.emplace_back([&, task] {
      const std::string connector = "source-" + std::to_string(task);
      const auto reader = store->reader(connector);
      for (int i = 0; i < 200; ++i) {
        if (!store->put(connector, {{"p", i % 10}}, SourceMap{{"o", i}}).ok()) failed = true;
        const auto offset = reader->offset({{"p", i % 10}});
        if (!offset || offset->at("o") != Value(std::int64_t{i})) failed = true;
        if (i % 50 == 0) (void)store->offsets(connector);
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 20; ++i) {
      if (!store->flush().ok()) failed = true;
    }
  });
  for (auto& thread : threads) thread.join();
  EXPECT_FALSE(failed);
  ASSERT_TRUE(store->flush().ok());
  auto reopened = open();
  for (int task = 0; task < 4; ++task) {
    const std::string connector = "source-" + std::to_string(task);
    for (int p = 0; p < 10; ++p) {
      EXPECT_EQ(reopened->offset(connector, {{"p", p}}), (SourceMap{{"o", std::int64_t{190 + p}}}));
    }
  }
}

}  // namespace
}  // namespace ferry::runtime
