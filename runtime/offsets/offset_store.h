// Where a standalone worker keeps source offsets (Kafka Connect's FileOffsetBackingStore with the
// OffsetStorageReader/Writer around it; docs: reference §5.1, §5.2): the map
//   (connector, source partition) -> source offset
// that source tasks report with each record and read back after a restart.
//
// Encoding, as Kafka's worker does it with its internal JsonConverter (schemas.enable=false), so
// Ferry and Kafka can use each other's files:
//   key    ["<connector>",{<source partition>}]   e.g.
//   ["local-file-source",{"filename":"test.txt"}] value  {<source offset>} e.g. {"position":54}
// both compact JSON written by runtime/converters JsonConverter (numbers and strings exactly as
// Kafka prints them). Partitions and offsets must be maps of primitive values (Kafka's
// OffsetUtils.validateFormat: no maps, arrays, structs or logical values); integers read back as
// INT64 and other numbers as FLOAT64, as in Kafka.
//
// Lookups. Kafka looks offsets up by the exact key bytes, and its key's member order is Java
// HashMap iteration order of the connector's partition map (e.g. {"table":"t","protocol":"1"}
// could come out in either order), while Ferry's SourceMap is sorted by key. So a lookup first
// tries Ferry's exact key bytes, then falls back on meaning: every stored key that parses as
// [string, object|null] is indexed by its canonical form (members sorted by name, then re-encoded,
// so types compare as Kafka's JSON reader sees them: 1 == 1, 1 != 1.0, "1" != 1), and a partition
// whose canonical key matches resolves to that entry. put() on such a partition updates the stored
// entry under the key bytes already in the file, so a Kafka worker reading the file later still
// finds it under the bytes it writes. If a file holds several keys with the same meaning (written
// by different member orders), an exact match wins, else the lowest key bytes; the next put()
// collapses them into one.
//
// Durability. put() and remove() change the map in memory only, visible to offset() at once;
// flush() makes everything so far durable. Kafka rewrites the file in place (truncate, write), so
// a crash mid-write leaves a truncated file that Kafka then reads as "no offsets" and every source
// starts over. Ferry writes the whole map to <file>.ferry-tmp in the same directory, fsyncs it,
// renames it over <file> and fsyncs the directory: after a crash the file holds the old map or the
// new one, never a mix. open() removes a temporary file left by a crash between write and rename.
// The file format is one Java-serialized HashMap<byte[],byte[]> (java_serialized_map.h).
//
// Reading a file, as Kafka does where the two agree:
//   missing file                 no offsets (a new worker)
//   empty, or cut short where Java's ObjectInputStream throws EOFException
//                                no offsets, with a warning in open_warnings() (Kafka: silently)
//   any other damage             open() fails with a corruption Status naming the file and byte
//                                (Kafka: ConnectException, the worker does not start)
//   null value                   dropped, as the tombstone it is (older Kafka versions kept
//                                deleted offsets as null values), with a warning
//   null key                     dropped, with a warning: no lookup can reach it
//   equal key bytes twice        the later one in the stream wins
//   a key that is not [string, object|null], or a value that is not JSON of a map of primitives
//                                kept and written back unchanged; offset() never returns it
//                                (Kafka logs and skips such entries), with a warning
//
// Thread-safety: every member may be called from any thread (task threads read offsets, the
// offset committer puts and flushes). One mutex guards the map and the JSON converters; flush()
// serializes the map under it and does its file I/O outside, and a second mutex keeps flushes in
// order so an older snapshot never replaces a newer one. One process per file: two workers
// sharing a file overwrite each other's offsets (as with Kafka).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "ferry/sdk/record.h"
#include "ferry/sdk/source_connector.h"
#include "runtime/offsets/java_serialized_map.h"

namespace ferry::runtime {

// A partition of a connector and its offset, as listed by FileOffsetStore::offsets.
struct PartitionOffset {
  sdk::SourceMap partition;
  sdk::SourceMap offset;
  friend bool operator==(const PartitionOffset&, const PartitionOffset&) = default;
};

class FileOffsetStore {
 public:
  // Appended to the file's name for the file flush() writes before renaming it.
  static constexpr std::string_view kTemporarySuffix = ".ferry-tmp";

  // Loads `file` (a symlink is followed once, here, so flushes replace its target). Errors: fatal
  // if the file exists but cannot be read (the message has the system's reason), corruption if its
  // bytes are damaged (see above). The file's directory must exist by the first flush().
  static Result<std::unique_ptr<FileOffsetStore>> open(const std::filesystem::path& file);

  ~FileOffsetStore();
  // One owner: it holds mutexes and is the one writer of its file.
  FileOffsetStore(const FileOffsetStore&) = delete;
  FileOffsetStore& operator=(const FileOffsetStore&) = delete;

  const std::filesystem::path& file() const { return file_; }
  static std::filesystem::path temporary_file(const std::filesystem::path& file);

  // What open() found and put right or set aside, one line each, for the worker to log.
  const std::vector<std::string>& open_warnings() const { return open_warnings_; }

  // The offset stored for the connector's partition (staged or flushed), or nullopt if there is
  // none, it is a tombstone, it is not a JSON map of primitives, or the partition itself is not a
  // map of primitives (no offset can be stored under such a partition).
  std::optional<sdk::SourceMap> offset(std::string_view connector,
                                       const sdk::SourceMap& partition) const;

  // Every partition of the connector with an offset, ordered by stored key bytes (Kafka's
  // GET /connectors/{name}/offsets for a source connector). Entries offset() cannot return are
  // left out, and so is a null partition (["<connector>",null]), which a SourceMap cannot express.
  std::vector<PartitionOffset> offsets(std::string_view connector) const;

  // Sets the partition's offset (nullopt: deletes it, as Kafka's null value does), in memory;
  // durable after the next flush(). Errors: invalid_argument, naming the field, if the partition
  // or the offset holds something other than primitive values (maps, arrays, structs, logical
  // values), as Kafka's OffsetUtils.validateFormat refuses them.
  [[nodiscard]] Status put(std::string_view connector, const sdk::SourceMap& partition,
                           const std::optional<sdk::SourceMap>& offset);

  // Deletes every offset of the connector (Kafka's DELETE /connectors/{name}/offsets), in memory;
  // durable after the next flush(). Returns how many partitions had offsets.
  std::size_t remove(std::string_view connector);

  // Writes the whole map atomically (see above) if anything changed since the last successful
  // flush. Errors: retriable with the file name and the system's reason (disk full, I/O error);
  // the map stays in memory and the next flush() writes it again.
  [[nodiscard]] Status flush();

  // The offsets of one connector, for its tasks' SourceTaskContext. The store must outlive it.
  std::unique_ptr<sdk::OffsetStorageReader> reader(std::string connector) const;

 private:
  class Codec;
  using Key = std::vector<std::uint8_t>;
  // What a key means when it is ["<connector>",{...}|null]: the connector and the canonical form.
  struct KeyMeaning {
    std::string connector;
    Key canonical;
  };
  struct Entry {
    std::vector<std::uint8_t> value;
    // Set when the key is ["<connector>",{...}|null]: its canonical form and its connector.
    std::optional<Key> canonical_key;
    std::string connector;
  };

  explicit FileOffsetStore(std::filesystem::path file);

  // Stores value under key (indexed by its meaning, if it has one); replaces what key held.
  // Requires mutex_.
  void insert(const Key& key, std::vector<std::uint8_t> value,
              const std::optional<KeyMeaning>& meaning);
  // Fills the map from a file's entries, noting what it sets aside. Called by open() only.
  void load(JavaByteArrayMap entries);
  // Removes key and its index entry. Requires mutex_.
  void erase(const Key& key);
  // The stored key that holds the offset for (our_key, canonical), or nullptr. Requires mutex_.
  const Key* find_stored_key(const Key& our_key, const Key& canonical) const;

  const std::filesystem::path file_;
  std::vector<std::string> open_warnings_;  // written by open() only

  mutable std::mutex mutex_;
  std::unique_ptr<Codec> codec_;                         // guarded by mutex_
  std::map<Key, Entry> entries_;                         // guarded by mutex_
  std::map<Key, std::set<Key>> stored_keys_by_meaning_;  // canonical key -> stored keys; mutex_
  std::uint64_t version_ = 0;          // guarded by mutex_: bumped by every change
  std::uint64_t flushed_version_ = 0;  // guarded by mutex_: version_ the file holds

  std::mutex flush_mutex_;  // held through a whole flush(), taken before mutex_
};

// sdk::OffsetStorageReader for one connector over a FileOffsetStore, which must outlive it.
// Thread-safety: as the store's.
class ConnectorOffsetReader final : public sdk::OffsetStorageReader {
 public:
  ConnectorOffsetReader(const FileOffsetStore& store, std::string connector);
  std::optional<sdk::SourceMap> offset(const sdk::SourceMap& partition) const override;

 private:
  const FileOffsetStore& store_;
  const std::string connector_;
};

}  // namespace ferry::runtime
