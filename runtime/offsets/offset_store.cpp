#include "runtime/offsets/offset_store.h"

#include <algorithm>
#include <cerrno>
#include <span>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ferry/sdk/value.h"
#include "runtime/converters/json_converter.h"

namespace ferry::runtime {
namespace {

// At most this many per-entry warnings from open(); the rest are counted.
constexpr std::size_t kMaxEntryWarnings = 10;

std::string system_reason(int error) { return std::generic_category().message(error); }

// A file descriptor, closed when it goes out of scope.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Closes now, reporting the error close() gives (a deferred write error on some file systems).
  int close() {
    const int fd = std::exchange(fd_, -1);
    return fd >= 0 && ::close(fd) != 0 ? errno : 0;
  }

 private:
  int fd_;
};

// The file's bytes, nullopt if it does not exist.
Result<std::optional<std::vector<std::uint8_t>>> read_whole_file(
    const std::filesystem::path& file) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    // A missing file, or a missing directory on its path: Java's NoSuchFileException, which
    // Kafka reads as "no offsets yet".
    if (errno == ENOENT) return std::optional<std::vector<std::uint8_t>>();
    return Status::fatal(file.string() + ": cannot open the offsets file: " + system_reason(errno));
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    return Status::fatal(file.string() + ": cannot stat the offsets file: " + system_reason(errno));
  }
  if (!S_ISREG(info.st_mode)) {
    return Status::fatal(file.string() + ": the offsets file is not a regular file");
  }
  std::vector<std::uint8_t> bytes;
  bytes.reserve(static_cast<std::size_t>(info.st_size));
  std::uint8_t buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return Status::fatal(file.string() +
                           ": cannot read the offsets file: " + system_reason(errno));
    }
    if (n == 0) break;
    bytes.insert(bytes.end(), buffer, buffer + n);
  }
  return std::optional<std::vector<std::uint8_t>>(std::move(bytes));
}

Status write_error(const std::filesystem::path& path, std::string_view step, int error) {
  return Status::retriable(path.string() + ": cannot " + std::string(step) + ": " +
                           system_reason(error));
}

// Writes bytes to temporary, fsyncs it, renames it over file and fsyncs the directory. On an
// error before the rename the temporary file is removed and file is untouched.
Status replace_file_atomically(const std::filesystem::path& file,
                               const std::filesystem::path& temporary,
                               std::span<const std::uint8_t> bytes) {
  UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666));
  if (!fd.valid()) return write_error(temporary, "create the temporary offsets file", errno);
  const auto fail = [&](std::string_view step, int error) {
    fd.close();
    ::unlink(temporary.c_str());
    return write_error(temporary, step, error);
  };
  // A replaced file keeps its permissions (Kafka's in-place rewrite keeps them too).
  struct stat existing {};
  if (::stat(file.c_str(), &existing) == 0) ::fchmod(fd.get(), existing.st_mode & 07777);
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd.get(), bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("write", errno);
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return fail("fsync", errno);
  if (const int error = fd.close(); error != 0) {
    ::unlink(temporary.c_str());
    return write_error(temporary, "close", error);
  }
  if (::rename(temporary.c_str(), file.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    return write_error(file, "rename the temporary offsets file over it", error);
  }
  // The rename is durable once the directory is.
  const std::filesystem::path directory =
      file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
  UniqueFd directory_fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!directory_fd.valid()) return write_error(directory, "open the directory to fsync it", errno);
  if (::fsync(directory_fd.get()) != 0) return write_error(directory, "fsync the directory", errno);
  return Status::ok_status();
}

bool is_primitive(const sdk::Value& value) {
  return value.is_null() || value.is<std::int8_t>() || value.is<std::int16_t>() ||
         value.is<std::int32_t>() || value.is<std::int64_t>() || value.is<float>() ||
         value.is<double>() || value.is<bool>() || value.is<std::string>() ||
         value.is<sdk::Bytes>();
}

// Kafka's OffsetUtils.validateFormat: string keys (a SourceMap's are), primitive values.
Status check_primitive_values(const sdk::SourceMap& map, std::string_view what) {
  for (const auto& [name, value] : map) {
    if (is_primitive(value)) continue;
    return Status::invalid_argument(std::string(what) + " field \"" + name + "\" holds " +
                                    std::string(value.kind_name()) +
                                    "; source partitions and offsets may only hold primitive "
                                    "values (strings, numbers, booleans, bytes, null)");
  }
  return Status::ok_status();
}

// Whether Ferry's encoding of the partition is already its canonical form: members sorted (a
// SourceMap is) and every value one that reads back from JSON as it was written. Floating-point
// numbers and bytes are not (1.5f reads back as a double, bytes as a base64 string), so keys with
// them take the longer way through decoding.
bool encodes_canonically(const sdk::SourceMap& partition) {
  return std::all_of(partition.begin(), partition.end(), [](const auto& member) {
    const sdk::Value& value = member.second;
    return value.is_null() || value.is<std::int8_t>() || value.is<std::int16_t>() ||
           value.is<std::int32_t>() || value.is<std::int64_t>() || value.is<bool>() ||
           value.is<std::string>();
  });
}

// A printable, bounded form of stored key bytes, for warnings.
std::string printable(std::span<const std::uint8_t> bytes) {
  std::string text;
  const std::size_t shown = std::min<std::size_t>(bytes.size(), 120);
  for (std::size_t i = 0; i < shown; ++i) {
    const std::uint8_t c = bytes[i];
    if (c >= 0x20 && c < 0x7F) {
      text += static_cast<char>(c);
    } else {
      static constexpr char kDigits[] = "0123456789ABCDEF";
      text += std::string("\\x") + kDigits[c >> 4] + kDigits[c & 0x0F];
    }
  }
  if (shown < bytes.size()) text += "...";
  return text;
}

}  // namespace

// Offset keys and values to and from JSON bytes, with Kafka's internal converter settings. Not
// thread-safe (JsonConverter is not): the store calls it under its mutex.
class FileOffsetStore::Codec {
 public:
  Codec() {
    key_converter_.configure({{std::string(JsonConverter::kSchemasEnableConfig), "false"}}, true);
    value_converter_.configure({{std::string(JsonConverter::kSchemasEnableConfig), "false"}},
                               false);
  }

  struct EncodedKey {
    Key bytes;
    KeyMeaning meaning;
  };

  // Ferry's key bytes for the partition, and what they mean. Errors: invalid_argument if the
  // partition is not a map of primitives.
  Result<EncodedKey> encode_key(std::string_view connector, const sdk::SourceMap& partition) {
    if (Status status = check_primitive_values(partition, "source partition"); !status.ok()) {
      return status;
    }
    sdk::Map members;
    members.reserve(partition.size());
    for (const auto& [name, value] : partition) members.push_back({sdk::Value(name), value});
    Result<Key> bytes = encode(key_converter_, connector,
                               sdk::Value(sdk::Array{sdk::Value(connector), sdk::Value(members)}));
    if (!bytes.ok()) return bytes.status();
    if (encodes_canonically(partition)) {
      KeyMeaning meaning{std::string(connector), *bytes};
      return EncodedKey{std::move(*bytes), std::move(meaning)};
    }
    std::optional<KeyMeaning> meaning = meaning_of(*bytes);
    if (!meaning) return Status::invalid_argument("the source partition does not read back");
    return EncodedKey{std::move(*bytes), std::move(*meaning)};
  }

  // Errors: invalid_argument if the offset is not a map of primitives.
  Result<Key> encode_offset(std::string_view connector, const sdk::SourceMap& offset) {
    if (Status status = check_primitive_values(offset, "source offset"); !status.ok()) {
      return status;
    }
    sdk::Map members;
    members.reserve(offset.size());
    for (const auto& [name, value] : offset) members.push_back({sdk::Value(name), value});
    return encode(value_converter_, connector, sdk::Value(std::move(members)));
  }

  // What stored key bytes mean, or nullopt if they are not JSON of [string, object|null] (Kafka's
  // OffsetUtils.processPartitionKey skips such keys).
  std::optional<KeyMeaning> meaning_of(std::span<const std::uint8_t> key) {
    std::optional<sdk::Value> decoded = decode(key_converter_, key);
    if (!decoded) return std::nullopt;
    const auto* list = decoded->get_if<sdk::Array>();
    if (list == nullptr || list->size() != 2) return std::nullopt;
    const auto* connector = (*list)[0].get_if<std::string>();
    const sdk::Value& partition = (*list)[1];
    if (connector == nullptr || !(partition.is_null() || partition.is<sdk::Map>())) {
      return std::nullopt;
    }
    sdk::Value canonical_partition;  // null stays null
    if (const auto* members = partition.get_if<sdk::Map>()) {
      canonical_partition = sdk::Value(canonical_members(*members));
    }
    Result<Key> canonical =
        encode(key_converter_, *connector,
               sdk::Value(sdk::Array{sdk::Value(*connector), std::move(canonical_partition)}));
    if (!canonical.ok()) return std::nullopt;
    return KeyMeaning{*connector, std::move(*canonical)};
  }

  // The partition a stored key names, or nullopt if it names none Ferry can express (not a key
  // of the right shape, a null partition, or one with non-primitive values).
  std::optional<sdk::SourceMap> partition_of(std::span<const std::uint8_t> key) {
    std::optional<sdk::Value> decoded = decode(key_converter_, key);
    if (!decoded) return std::nullopt;
    const auto* list = decoded->get_if<sdk::Array>();
    if (list == nullptr || list->size() != 2) return std::nullopt;
    return to_source_map((*list)[1]);
  }

  // The offset stored value bytes hold, or nullopt if they are JSON null or not a JSON map of
  // primitives (Kafka logs such a value and returns no offset for it).
  std::optional<sdk::SourceMap> decode_offset(std::string_view connector,
                                              std::span<const std::uint8_t> value) {
    std::optional<sdk::Value> decoded = decode(value_converter_, value, connector);
    if (!decoded) return std::nullopt;
    return to_source_map(*decoded);
  }

  // Whether stored value bytes are an offset Ferry can return: JSON null or a map of primitives.
  bool is_valid_offset(std::span<const std::uint8_t> value) {
    std::optional<sdk::Value> decoded = decode(value_converter_, value);
    return decoded && (decoded->is_null() || to_source_map(*decoded).has_value());
  }

 private:
  static Result<Key> encode(JsonConverter& converter, std::string_view topic,
                            const sdk::Value& value) {
    try {
      std::optional<sdk::Bytes> bytes = converter.from_connect_data(topic, nullptr, value);
      if (!bytes) return Status::invalid_argument("encodes as JSON null");
      return std::move(*bytes);
    } catch (const std::exception& error) {
      return Status::invalid_argument(error.what());
    }
  }

  static std::optional<sdk::Value> decode(JsonConverter& converter,
                                          std::span<const std::uint8_t> bytes,
                                          std::string_view topic = "") {
    try {
      return converter.to_connect_data(topic, sdk::ByteView(bytes)).value;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

  // Members sorted by name; of equal names the last is kept (as Jackson reads a JSON object).
  static sdk::Map canonical_members(const sdk::Map& members) {
    sdk::Map sorted = members;
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      return a.key.template as<std::string>() < b.key.template as<std::string>();
    });
    sdk::Map unique;
    unique.reserve(sorted.size());
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (i + 1 < sorted.size() &&
          sorted[i].key.as<std::string>() == sorted[i + 1].key.as<std::string>()) {
        continue;
      }
      unique.push_back(std::move(sorted[i]));
    }
    return unique;
  }

  // A JSON object of primitives as a SourceMap (the last of equal names wins), else nullopt.
  static std::optional<sdk::SourceMap> to_source_map(const sdk::Value& value) {
    const auto* members = value.get_if<sdk::Map>();
    if (members == nullptr) return std::nullopt;
    sdk::SourceMap map;
    for (const sdk::MapEntry& member : *members) {
      const auto* name = member.key.get_if<std::string>();
      if (name == nullptr || !is_primitive(member.value)) return std::nullopt;
      map.insert_or_assign(*name, member.value);
    }
    return map;
  }

  JsonConverter key_converter_;
  JsonConverter value_converter_;
};

FileOffsetStore::FileOffsetStore(std::filesystem::path file)
    : file_(std::move(file)), codec_(std::make_unique<Codec>()) {}

FileOffsetStore::~FileOffsetStore() = default;

std::filesystem::path FileOffsetStore::temporary_file(const std::filesystem::path& file) {
  std::filesystem::path temporary = file;
  temporary += kTemporarySuffix;
  return temporary;
}

Result<std::unique_ptr<FileOffsetStore>> FileOffsetStore::open(
    const std::filesystem::path& requested) {
  std::filesystem::path file = requested;
  std::error_code error;
  if (std::filesystem::is_symlink(std::filesystem::symlink_status(requested, error))) {
    std::filesystem::path target = std::filesystem::weakly_canonical(requested, error);
    if (!error) file = std::move(target);
  }
  // The constructor is private: open() is the only way to get a store.
  std::unique_ptr<FileOffsetStore> store(new FileOffsetStore(file));

  // A crash between writing the temporary file and renaming it leaves it behind; the offsets
  // file itself is then the previous, complete one.
  const std::filesystem::path temporary = temporary_file(file);
  if (std::filesystem::exists(std::filesystem::symlink_status(temporary, error))) {
    if (std::filesystem::remove(temporary, error)) {
      store->open_warnings_.push_back(temporary.string() +
                                      ": removed, left by a flush that did not finish (the "
                                      "offsets file holds the flush before it)");
    } else {
      store->open_warnings_.push_back(
          temporary.string() +
          ": left by a flush that did not finish, cannot remove it: " + error.message());
    }
  }

  Result<std::optional<std::vector<std::uint8_t>>> bytes = read_whole_file(file);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return store;  // no file yet: no offsets
  Result<JavaByteArrayMap> entries = read_java_serialized_map(**bytes);
  if (!entries.ok()) {
    if (entries.status().kind() == Status::Kind::kOutOfRange) {
      store->open_warnings_.push_back(
          file.string() + ": " + entries.status().message() +
          "; Kafka reads a file that ends there as holding no offsets, and so does Ferry: "
          "every source connector starts from the beginning");
      return store;
    }
    return entries.status().with_context(file.string());
  }
  store->load(std::move(*entries));
  return store;
}

void FileOffsetStore::load(JavaByteArrayMap entries) {
  std::lock_guard lock(mutex_);
  std::size_t null_keys = 0;
  std::size_t null_values = 0;
  for (JavaMapEntry& entry : entries) {
    if (!entry.key) {
      ++null_keys;
      continue;
    }
    if (!entry.value) {
      ++null_values;
      erase(*entry.key);  // a later null replaces an earlier value, as in Kafka's data.put
      continue;
    }
    if (entries_.count(*entry.key) != 0) erase(*entry.key);
    std::optional<KeyMeaning> meaning = codec_->meaning_of(*entry.key);
    insert(*entry.key, std::move(*entry.value), meaning);
  }

  std::size_t odd_entries = 0;
  for (const auto& [key, entry] : entries_) {
    std::string problem;
    if (!entry.canonical_key) {
      problem = "the key is not JSON of [\"<connector>\",{<partition>}]";
    } else if (!codec_->is_valid_offset(entry.value)) {
      problem = "the value is not JSON of a map of primitive values";
    } else {
      continue;
    }
    if (++odd_entries <= kMaxEntryWarnings) {
      open_warnings_.push_back(file_.string() + ": key " + printable(key) + ": " + problem +
                               "; kept as it is, but no connector will get an offset from it");
    }
  }
  if (odd_entries > kMaxEntryWarnings) {
    open_warnings_.push_back(file_.string() + ": " +
                             std::to_string(odd_entries - kMaxEntryWarnings) +
                             " more entries like these");
  }
  if (null_keys != 0) {
    open_warnings_.push_back(file_.string() + ": dropped " + std::to_string(null_keys) +
                             " entries with a null key (no connector can look them up)");
  }
  if (null_values != 0) {
    open_warnings_.push_back(file_.string() + ": dropped " + std::to_string(null_values) +
                             " entries with a null value (deleted offsets, as an older Kafka "
                             "kept them)");
  }
  // What was loaded is what the file holds, but a file that had entries dropped is rewritten by
  // the next flush() only if something else changes too; lookups do not differ either way.
  flushed_version_ = version_;
}

void FileOffsetStore::insert(const Key& key, std::vector<std::uint8_t> value,
                             const std::optional<KeyMeaning>& meaning) {
  auto [position, inserted] = entries_.try_emplace(key);
  Entry& entry = position->second;
  entry.value = std::move(value);
  if (inserted && meaning) {
    entry.canonical_key = meaning->canonical;
    entry.connector = meaning->connector;
    stored_keys_by_meaning_[meaning->canonical].insert(key);
  }
  ++version_;
}

void FileOffsetStore::erase(const Key& key) {
  const auto position = entries_.find(key);
  if (position == entries_.end()) return;
  if (position->second.canonical_key) {
    const auto same_meaning = stored_keys_by_meaning_.find(*position->second.canonical_key);
    if (same_meaning != stored_keys_by_meaning_.end()) {
      same_meaning->second.erase(key);
      if (same_meaning->second.empty()) stored_keys_by_meaning_.erase(same_meaning);
    }
  }
  entries_.erase(position);
  ++version_;
}

const FileOffsetStore::Key* FileOffsetStore::find_stored_key(const Key& our_key,
                                                             const Key& canonical) const {
  if (const auto exact = entries_.find(our_key); exact != entries_.end()) return &exact->first;
  const auto same_meaning = stored_keys_by_meaning_.find(canonical);
  if (same_meaning == stored_keys_by_meaning_.end()) return nullptr;
  return &*same_meaning->second.begin();  // never empty: emptied sets are erased
}

std::optional<sdk::SourceMap> FileOffsetStore::offset(std::string_view connector,
                                                      const sdk::SourceMap& partition) const {
  std::lock_guard lock(mutex_);
  Result<Codec::EncodedKey> key = codec_->encode_key(connector, partition);
  if (!key.ok()) return std::nullopt;
  const Key* stored = find_stored_key(key->bytes, key->meaning.canonical);
  if (stored == nullptr) return std::nullopt;
  return codec_->decode_offset(connector, entries_.at(*stored).value);
}

std::vector<PartitionOffset> FileOffsetStore::offsets(std::string_view connector) const {
  std::lock_guard lock(mutex_);
  std::vector<PartitionOffset> result;
  for (const auto& [key, entry] : entries_) {
    if (!entry.canonical_key || entry.connector != connector) continue;
    std::optional<sdk::SourceMap> partition = codec_->partition_of(key);
    std::optional<sdk::SourceMap> offset = codec_->decode_offset(connector, entry.value);
    if (partition && offset) result.push_back({std::move(*partition), std::move(*offset)});
  }
  return result;
}

Status FileOffsetStore::put(std::string_view connector, const sdk::SourceMap& partition,
                            const std::optional<sdk::SourceMap>& offset) {
  std::lock_guard lock(mutex_);
  Result<Codec::EncodedKey> key = codec_->encode_key(connector, partition);
  if (!key.ok()) return key.status();
  std::vector<Key> same_meaning;
  if (const auto found = stored_keys_by_meaning_.find(key->meaning.canonical);
      found != stored_keys_by_meaning_.end()) {
    same_meaning.assign(found->second.begin(), found->second.end());
  }
  if (!offset) {
    erase(key->bytes);
    for (const Key& stored : same_meaning) erase(stored);
    return Status::ok_status();
  }
  Result<Key> value = codec_->encode_offset(connector, *offset);
  if (!value.ok()) return value.status();

  // Keep the key bytes already in the file (Kafka's, perhaps), unless Ferry's own are there.
  Key target = key->bytes;
  if (entries_.count(target) == 0 && !same_meaning.empty()) target = same_meaning.front();
  for (const Key& stored : same_meaning) {
    if (stored != target) erase(stored);
  }
  insert(target, std::move(*value), key->meaning);
  return Status::ok_status();
}

std::size_t FileOffsetStore::remove(std::string_view connector) {
  std::lock_guard lock(mutex_);
  std::vector<Key> keys;
  for (const auto& [key, entry] : entries_) {
    if (entry.canonical_key && entry.connector == connector) keys.push_back(key);
  }
  for (const Key& key : keys) erase(key);
  return keys.size();
}

Status FileOffsetStore::flush() {
  std::lock_guard flush_lock(flush_mutex_);
  std::vector<std::uint8_t> bytes;
  std::uint64_t version = 0;
  {
    std::lock_guard lock(mutex_);
    if (version_ == flushed_version_) return Status::ok_status();
    JavaByteArrayMap entries;
    entries.reserve(entries_.size());
    for (const auto& [key, entry] : entries_) entries.push_back({key, entry.value});
    Result<std::vector<std::uint8_t>> serialized = write_java_serialized_map(entries);
    if (!serialized.ok()) return serialized.status().with_context(file_.string());
    bytes = std::move(*serialized);
    version = version_;
  }
  if (Status status = replace_file_atomically(file_, temporary_file(file_), bytes); !status.ok()) {
    return status;
  }
  std::lock_guard lock(mutex_);
  flushed_version_ = version;
  return Status::ok_status();
}

std::unique_ptr<sdk::OffsetStorageReader> FileOffsetStore::reader(std::string connector) const {
  return std::make_unique<ConnectorOffsetReader>(*this, std::move(connector));
}

ConnectorOffsetReader::ConnectorOffsetReader(const FileOffsetStore& store, std::string connector)
    : store_(store), connector_(std::move(connector)) {}

std::optional<sdk::SourceMap> ConnectorOffsetReader::offset(const sdk::SourceMap& partition) const {
  return store_.offset(connector_, partition);
}

}  // namespace ferry::runtime
