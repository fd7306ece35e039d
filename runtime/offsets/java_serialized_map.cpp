#include "runtime/offsets/java_serialized_map.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <string>
#include <string_view>

namespace ferry::runtime {
namespace {

// java.io.ObjectStreamConstants.
constexpr std::uint16_t kStreamMagic = 0xACED;
constexpr std::uint16_t kStreamVersion = 5;
constexpr std::uint8_t kTcNull = 0x70;
constexpr std::uint8_t kTcReference = 0x71;
constexpr std::uint8_t kTcClassDesc = 0x72;
constexpr std::uint8_t kTcObject = 0x73;
constexpr std::uint8_t kTcArray = 0x75;
constexpr std::uint8_t kTcBlockData = 0x77;
constexpr std::uint8_t kTcEndBlockData = 0x78;
constexpr std::uint8_t kTcReset = 0x79;
constexpr std::uint8_t kTcBlockDataLong = 0x7A;
constexpr std::uint32_t kBaseWireHandle = 0x7E0000;
constexpr std::uint8_t kScWriteMethod = 0x01;
constexpr std::uint8_t kScSerializable = 0x02;

// The two classes of the format, as every JDK since 1.2 declares them.
constexpr std::string_view kHashMapClassName = "java.util.HashMap";
constexpr std::uint64_t kHashMapSerialVersionUid = 0x0507DAC1C31660D1;
constexpr std::string_view kByteArrayClassName = "[B";
constexpr std::uint64_t kByteArraySerialVersionUid = 0xACF317F8060854E0;

// HashMap's fields as ObjectStreamClass lists them: primitives sorted by name.
struct FieldDescriptor {
  char type_code;
  std::string_view name;
};
constexpr FieldDescriptor kHashMapFields[] = {{'F', "loadFactor"}, {'I', "threshold"}};

// Handles 0x7E0000 and 0x7E0001 are always the HashMap's class descriptor and the map; the byte[]
// class descriptor and the arrays follow in the order they appear.
constexpr std::uint32_t kByteArrayClassHandle = kBaseWireHandle + 2;

// java.util.HashMap's defaults.
constexpr std::int32_t kDefaultInitialCapacity = 16;
constexpr std::int32_t kMaximumCapacity = 1 << 30;
constexpr float kDefaultLoadFactor = 0.75f;

// ---------------------------------------------------------------------------------------------
// Writing

class StreamWriter {
 public:
  explicit StreamWriter(std::size_t expected_size) { out_.reserve(expected_size); }

  void u8(std::uint8_t value) { out_.push_back(value); }
  void u16(std::uint16_t value) {
    u8(static_cast<std::uint8_t>(value >> 8));
    u8(static_cast<std::uint8_t>(value));
  }
  void u32(std::uint32_t value) {
    u16(static_cast<std::uint16_t>(value >> 16));
    u16(static_cast<std::uint16_t>(value));
  }
  void u64(std::uint64_t value) {
    u32(static_cast<std::uint32_t>(value >> 32));
    u32(static_cast<std::uint32_t>(value));
  }
  // A class or field name as DataOutput.writeUTF writes it; these names are ASCII, whose modified
  // UTF-8 form is the ASCII bytes.
  void utf(std::string_view ascii) {
    u16(static_cast<std::uint16_t>(ascii.size()));
    out_.insert(out_.end(), ascii.begin(), ascii.end());
  }
  void bytes(const JavaByteArray& bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }

  std::vector<std::uint8_t> take() && { return std::move(out_); }

 private:
  std::vector<std::uint8_t> out_;
};

// ---------------------------------------------------------------------------------------------
// Reading

std::string hex_byte(std::uint8_t value) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  return std::string("0x") + kDigits[value >> 4] + kDigits[value & 0x0F];
}

std::string hex_u32(std::uint32_t value) {
  std::string text = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) text += "0123456789ABCDEF"[(value >> shift) & 0xF];
  return text;
}

std::string hex_u64(std::uint64_t value) {
  return hex_u32(static_cast<std::uint32_t>(value >> 32)) +
         hex_u32(static_cast<std::uint32_t>(value)).substr(2);
}

// A name found in the stream, quoted, printable and bounded, for an error message.
std::string quoted(std::span<const std::uint8_t> name) {
  std::string text = "\"";
  const std::size_t shown = std::min<std::size_t>(name.size(), 64);
  for (std::size_t i = 0; i < shown; ++i) {
    const std::uint8_t c = name[i];
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      text += static_cast<char>(c);
    } else {
      text += "\\x" + hex_byte(c).substr(2);
    }
  }
  if (shown < name.size()) text += "...";
  return text + "\"";
}

std::string quoted(std::string_view name) {
  return quoted(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(name.data()),
                                              name.size()));
}

// The grammar above, read front to back. Errors are sticky: the first one is kept, every later
// read returns zeros and consumes nothing, and the callers check failed() before any loop or
// allocation, so a failure anywhere ends the parse promptly.
class StreamReader {
 public:
  explicit StreamReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  Result<JavaByteArrayMap> read_map() {
    read_header();
    read_map_object();
    if (failed()) return error_;
    if (position_ != bytes_.size()) {
      corrupt(position_, std::to_string(bytes_.size() - position_) +
                             " bytes after the end of the map (ObjectOutputStream writes none)");
      return error_;
    }
    return std::move(entries_);
  }

 private:
  enum class HandleKind { kHashMapClass, kHashMap, kByteArrayClass, kByteArray };
  struct Handle {
    HandleKind kind;
    std::span<const std::uint8_t> array;  // kByteArray: its bytes, within the input
  };

  bool failed() const { return !error_.ok(); }
  std::size_t remaining() const { return bytes_.size() - position_; }

  void corrupt(std::size_t at, const std::string& message) {
    if (failed()) return;
    error_ = Status::corruption("byte " + std::to_string(at) + ": " + message);
  }
  // The input ended where ObjectInputStream throws EOFException.
  void end_of_stream(std::string_view what) {
    if (failed()) return;
    error_ =
        Status::out_of_range("byte " + std::to_string(bytes_.size()) + ": the stream ends in " +
                             std::string(what) + " (Java: EOFException)");
  }

  // n bytes, or an empty span and an end-of-stream error naming what was being read.
  std::span<const std::uint8_t> take(std::size_t n, std::string_view what) {
    if (failed()) return {};
    if (remaining() < n) {
      end_of_stream(what);
      return {};
    }
    const auto taken = bytes_.subspan(position_, n);
    position_ += n;
    return taken;
  }
  std::uint64_t big_endian(std::size_t n, std::string_view what) {
    const auto taken = take(n, what);
    std::uint64_t value = 0;
    for (const std::uint8_t byte : taken) value = (value << 8) | byte;
    return value;
  }
  std::uint8_t u8(std::string_view what) { return static_cast<std::uint8_t>(big_endian(1, what)); }
  std::uint16_t u16(std::string_view what) {
    return static_cast<std::uint16_t>(big_endian(2, what));
  }
  std::uint32_t u32(std::string_view what) {
    return static_cast<std::uint32_t>(big_endian(4, what));
  }
  std::uint64_t u64(std::string_view what) { return big_endian(8, what); }

  // One byte that must be `expected`; `what` names it for the message.
  void expect_byte(std::uint8_t expected, std::string_view what, std::string_view context) {
    const std::size_t at = position_;
    const std::uint8_t found = u8(context);
    if (!failed() && found != expected) {
      corrupt(at, "expected " + std::string(what) + " (" + hex_byte(expected) + ") " +
                      std::string(context) + ", found " + hex_byte(found));
    }
  }

  // A writeUTF string that must be `expected`. The length is checked before the bytes are read,
  // so a wrong length is corruption even when the input is short (Java would read the whole
  // string first; the strictness only ever turns "no offsets" into an error, never the reverse).
  void expect_utf(std::string_view expected, std::string_view what) {
    const std::size_t at = position_;
    const std::uint16_t length = u16(what);
    if (failed()) return;
    if (length != expected.size()) {
      corrupt(at, std::string(what) + " of " + std::to_string(length) + " bytes, expected " +
                      quoted(expected));
      return;
    }
    const auto found = take(length, what);
    if (failed()) return;
    if (std::memcmp(found.data(), expected.data(), length) != 0) {
      corrupt(at, std::string(what) + " " + quoted(found) + ", expected " + quoted(expected));
    }
  }

  void add_handle(HandleKind kind, std::span<const std::uint8_t> array = {}) {
    handles_.push_back(Handle{kind, array});
  }
  // The handle a TC_REFERENCE names, or nullptr (and an error) if none has that number.
  const Handle* reference(std::string_view what) {
    const std::size_t at = position_;
    const std::uint32_t number = u32(what);
    if (failed()) return nullptr;
    if (number < kBaseWireHandle || number - kBaseWireHandle >= handles_.size()) {
      corrupt(at,
              std::string(what) + " names handle " + hex_u32(number) + ", which is not assigned");
      return nullptr;
    }
    return &handles_[number - kBaseWireHandle];
  }

  void read_header() {
    // ObjectInputStream's constructor reads both shorts before it looks at them.
    const std::uint16_t magic = u16("the stream header");
    const std::uint16_t version = u16("the stream header");
    if (failed()) return;
    if (magic != kStreamMagic) {
      corrupt(0, "stream magic 0x" + hex_u32(magic).substr(6) + ", expected 0xACED");
    } else if (version != kStreamVersion) {
      corrupt(2, "stream version " + std::to_string(version) + ", expected 5");
    }
  }

  // A new class descriptor, after its TC_CLASSDESC: name, serialVersionUID, flags, fields, no
  // annotation, no superclass.
  void read_class_descriptor(std::string_view class_name, std::uint64_t serial_version_uid,
                             std::uint8_t flags, std::span<const FieldDescriptor> fields) {
    expect_utf(class_name, "class name");
    const std::string context = "in the class descriptor of " + std::string(class_name);
    std::size_t at = position_;
    const std::uint64_t uid = u64(context);
    if (!failed() && uid != serial_version_uid) {
      corrupt(at, "serialVersionUID " + hex_u64(uid) + " of " + std::string(class_name) +
                      ", expected " + hex_u64(serial_version_uid));
    }
    at = position_;
    const std::uint8_t found_flags = u8(context);
    if (!failed() && found_flags != flags) {
      corrupt(at, "class flags " + hex_byte(found_flags) + " of " + std::string(class_name) +
                      ", expected " + hex_byte(flags));
    }
    at = position_;
    const std::uint16_t field_count = u16(context);
    if (!failed() && field_count != fields.size()) {
      corrupt(at, std::to_string(field_count) + " fields in " + std::string(class_name) +
                      ", expected " + std::to_string(fields.size()));
    }
    for (const FieldDescriptor& field : fields) {
      if (failed()) return;
      expect_byte(static_cast<std::uint8_t>(field.type_code),
                  std::string("type code '") + field.type_code + "'", context);
      expect_utf(field.name, "field name");
    }
    expect_byte(kTcEndBlockData, "TC_ENDBLOCKDATA", "after the class descriptor");
    expect_byte(kTcNull, "TC_NULL (no superclass)", "after the class descriptor");
  }

  void read_map_object() {
    expect_byte(kTcObject, "TC_OBJECT", "at the start of the stream");
    expect_byte(kTcClassDesc, "TC_CLASSDESC", "for the map's class");
    read_class_descriptor(kHashMapClassName, kHashMapSerialVersionUid,
                          kScWriteMethod | kScSerializable, kHashMapFields);
    add_handle(HandleKind::kHashMapClass);
    add_handle(HandleKind::kHashMap);

    // defaultWriteObject: the fields, outside block data. HashMap's readObject refuses a load
    // factor that is not positive and ignores the threshold.
    const std::size_t at = position_;
    const float load_factor = std::bit_cast<float>(u32("the HashMap's fields"));
    u32("the HashMap's fields");
    if (!failed() && !(load_factor > 0)) {
      corrupt(at, "HashMap load factor " + std::to_string(load_factor) + " is not positive");
    }

    // The bucket count (ignored, as HashMap's readObject does) and the number of entries.
    std::uint8_t block[8] = {};
    read_block_data(block);
    if (failed()) return;
    const auto size = static_cast<std::int32_t>((std::uint32_t{block[4]} << 24) |
                                                (std::uint32_t{block[5]} << 16) |
                                                (std::uint32_t{block[6]} << 8) | block[7]);
    if (size < 0) {
      corrupt(position_, "HashMap size " + std::to_string(size) + " is negative");
      return;
    }
    // Each entry takes at least two bytes (70 70), so no hostile size reserves more than that.
    entries_.reserve(std::min<std::size_t>(static_cast<std::size_t>(size), remaining() / 2));
    for (std::int32_t i = 0; i < size && !failed(); ++i) {
      const std::string index = std::to_string(i);
      std::optional<JavaByteArray> key = read_byte_array_or_null("the key of entry " + index);
      std::optional<JavaByteArray> value = read_byte_array_or_null("the value of entry " + index);
      if (!failed()) entries_.push_back(JavaMapEntry{std::move(key), std::move(value)});
    }
    expect_byte(kTcEndBlockData, "TC_ENDBLOCKDATA", "after the map's entries");
  }

  // Fills out from block data records. An end of input before a record header is EOFException in
  // Java (BlockDataInputStream sees no more blocks); an end inside a record is
  // StreamCorruptedException ("unexpected EOF in middle of data block").
  void read_block_data(std::span<std::uint8_t> out) {
    std::size_t filled = 0;
    std::size_t block_left = 0;
    while (filled < out.size() && !failed()) {
      if (block_left == 0) {
        block_left = read_block_header();
        continue;
      }
      const std::size_t n = std::min(block_left, out.size() - filled);
      const auto taken = take(n, "block data");
      if (failed()) return;
      std::memcpy(out.data() + filled, taken.data(), n);
      filled += n;
      block_left -= n;
    }
    if (!failed() && block_left != 0) {
      corrupt(position_, std::to_string(block_left) +
                             " bytes of block data after the HashMap's capacity and size "
                             "(ObjectOutputStream writes none)");
    }
  }

  // The length of the block data record at the current position, its payload checked to be
  // present.
  std::size_t read_block_header() {
    const std::size_t at = position_;
    if (remaining() == 0) {
      end_of_stream("the HashMap's data, before its capacity and size");
      return 0;
    }
    const std::uint8_t type = bytes_[position_];
    std::size_t length = 0;
    if (type == kTcBlockData && remaining() >= 2) {
      length = bytes_[position_ + 1];
      position_ += 2;
    } else if (type == kTcBlockDataLong && remaining() >= 5) {
      const std::int32_t declared = static_cast<std::int32_t>(
          (std::uint32_t{bytes_[position_ + 1]} << 24) |
          (std::uint32_t{bytes_[position_ + 2]} << 16) |
          (std::uint32_t{bytes_[position_ + 3]} << 8) | bytes_[position_ + 4]);
      if (declared < 0) {
        corrupt(at, "block data length " + std::to_string(declared) + " is negative");
        return 0;
      }
      length = static_cast<std::size_t>(declared);
      position_ += 5;
    } else if (type == kTcBlockData || type == kTcBlockDataLong) {
      corrupt(at, "the stream ends inside a block data header (Java: StreamCorruptedException)");
      return 0;
    } else if (type == kTcReset) {
      corrupt(at, "TC_RESET in the HashMap's data (ObjectOutputStream.writeObject writes none)");
      return 0;
    } else {
      corrupt(at,
              "expected block data (TC_BLOCKDATA 0x77) with the HashMap's capacity and size, "
              "found " +
                  hex_byte(type));
      return 0;
    }
    if (length > remaining()) {
      corrupt(at, "block data of " + std::to_string(length) + " bytes, but only " +
                      std::to_string(remaining()) +
                      " follow (Java: StreamCorruptedException, unexpected EOF in middle of data "
                      "block)");
      return 0;
    }
    return length;
  }

  std::optional<JavaByteArray> read_byte_array_or_null(const std::string& what) {
    const std::size_t at = position_;
    const std::uint8_t type = u8(what);
    if (failed()) return std::nullopt;
    switch (type) {
      case kTcNull:
        return std::nullopt;
      case kTcReference: {
        const Handle* handle = reference(what);
        if (handle == nullptr) return std::nullopt;
        if (handle->kind != HandleKind::kByteArray) {
          corrupt(at, what + " refers to " +
                          (handle->kind == HandleKind::kHashMap ? "the map itself"
                                                                : "a class descriptor") +
                          ", not to a byte[]");
          return std::nullopt;
        }
        return JavaByteArray(handle->array.begin(), handle->array.end());
      }
      case kTcArray:
        return read_array(what);
      default:
        corrupt(at,
                "expected a byte[] (TC_ARRAY 0x75 or TC_REFERENCE 0x71) or null (TC_NULL "
                "0x70) for " +
                    what + ", found " + hex_byte(type));
        return std::nullopt;
    }
  }

  // A TC_ARRAY after its type code: the byte[] class descriptor (new or a reference), the length
  // and the bytes.
  std::optional<JavaByteArray> read_array(const std::string& what) {
    std::size_t at = position_;
    const std::uint8_t class_type = u8(what);
    if (failed()) return std::nullopt;
    if (class_type == kTcClassDesc) {
      read_class_descriptor(kByteArrayClassName, kByteArraySerialVersionUid, kScSerializable, {});
      add_handle(HandleKind::kByteArrayClass);
    } else if (class_type == kTcReference) {
      const Handle* handle = reference("the class of " + what);
      if (handle != nullptr && handle->kind != HandleKind::kByteArrayClass) {
        corrupt(at, "the class of " + what + " is not byte[] but " +
                        (handle->kind == HandleKind::kHashMapClass ? std::string("HashMap")
                                                                   : std::string("an object")));
      }
    } else {
      corrupt(at,
              "expected the class descriptor of byte[] (TC_CLASSDESC 0x72 or TC_REFERENCE "
              "0x71 to handle " +
                  hex_u32(kByteArrayClassHandle) + ") for " + what + ", found " +
                  hex_byte(class_type));
    }
    at = position_;
    const auto length = static_cast<std::int32_t>(u32("the length of " + what));
    if (failed()) return std::nullopt;
    if (length < 0) {
      corrupt(at, "the length of " + what + " is negative (" + std::to_string(length) + ")");
      return std::nullopt;
    }
    if (static_cast<std::size_t>(length) > remaining()) {
      // Checked before allocating: the bytes present are all array content, so Java would read to
      // the end and throw EOFException.
      end_of_stream(what + ", a byte[] of " + std::to_string(length) + " bytes with " +
                    std::to_string(remaining()) + " left");
      return std::nullopt;
    }
    const auto bytes = take(static_cast<std::size_t>(length), what);
    add_handle(HandleKind::kByteArray, bytes);
    return JavaByteArray(bytes.begin(), bytes.end());
  }

  std::span<const std::uint8_t> bytes_;
  std::size_t position_ = 0;
  Status error_;
  std::vector<Handle> handles_;
  JavaByteArrayMap entries_;
};

}  // namespace

JavaHashMapSizing java_hash_map_sizing(std::size_t size) {
  if (size == 0) return {kDefaultInitialCapacity, 0};
  // resize() on the first put; then one doubling each time ++size > threshold.
  std::int32_t capacity = kDefaultInitialCapacity;
  std::int32_t threshold = static_cast<std::int32_t>(kDefaultInitialCapacity * kDefaultLoadFactor);
  while (size > static_cast<std::size_t>(threshold)) {
    if (capacity >= kMaximumCapacity) {
      threshold = 0x7FFFFFFF;  // Integer.MAX_VALUE: the table grows no more
      break;
    }
    capacity <<= 1;
    threshold = capacity < kMaximumCapacity ? threshold << 1 : 0x7FFFFFFF;
  }
  return {capacity, threshold};
}

Result<std::vector<std::uint8_t>> write_java_serialized_map(const JavaByteArrayMap& entries) {
  if (entries.size() > kMaxJavaMapSize) {
    return Status::too_large("a Java HashMap holds at most " + std::to_string(kMaxJavaMapSize) +
                             " entries, not " + std::to_string(entries.size()));
  }
  // The fixed part is 82 bytes; an array adds at most 23 besides its bytes, a null 1.
  std::size_t total = 82 + 2 * entries.size();
  for (const JavaMapEntry& entry : entries) {
    for (const auto* array : {&entry.key, &entry.value}) {
      if (!array->has_value()) continue;
      if ((*array)->size() > kMaxJavaArrayLength) {
        return Status::too_large("a Java byte[] holds at most " +
                                 std::to_string(kMaxJavaArrayLength) + " bytes, not " +
                                 std::to_string((*array)->size()));
      }
      total += (*array)->size() + 23;
    }
  }

  StreamWriter out(total);
  out.u16(kStreamMagic);
  out.u16(kStreamVersion);
  out.u8(kTcObject);
  out.u8(kTcClassDesc);
  out.utf(kHashMapClassName);
  out.u64(kHashMapSerialVersionUid);
  out.u8(kScWriteMethod | kScSerializable);
  out.u16(static_cast<std::uint16_t>(std::size(kHashMapFields)));
  for (const FieldDescriptor& field : kHashMapFields) {
    out.u8(static_cast<std::uint8_t>(field.type_code));
    out.utf(field.name);
  }
  out.u8(kTcEndBlockData);
  out.u8(kTcNull);

  const JavaHashMapSizing sizing = java_hash_map_sizing(entries.size());
  out.u32(std::bit_cast<std::uint32_t>(kDefaultLoadFactor));
  out.u32(static_cast<std::uint32_t>(sizing.threshold));
  out.u8(kTcBlockData);
  out.u8(8);
  out.u32(static_cast<std::uint32_t>(sizing.capacity));
  out.u32(static_cast<std::uint32_t>(entries.size()));

  bool wrote_array_class = false;
  const auto write_array = [&](const std::optional<JavaByteArray>& array) {
    if (!array) {
      out.u8(kTcNull);
      return;
    }
    out.u8(kTcArray);
    if (wrote_array_class) {
      out.u8(kTcReference);
      out.u32(kByteArrayClassHandle);
    } else {
      out.u8(kTcClassDesc);
      out.utf(kByteArrayClassName);
      out.u64(kByteArraySerialVersionUid);
      out.u8(kScSerializable);
      out.u16(0);
      out.u8(kTcEndBlockData);
      out.u8(kTcNull);
      wrote_array_class = true;
    }
    out.u32(static_cast<std::uint32_t>(array->size()));
    out.bytes(*array);
  };
  for (const JavaMapEntry& entry : entries) {
    write_array(entry.key);
    write_array(entry.value);
  }
  out.u8(kTcEndBlockData);
  return std::move(out).take();
}

Result<JavaByteArrayMap> read_java_serialized_map(std::span<const std::uint8_t> bytes) {
  return StreamReader(bytes).read_map();
}

}  // namespace ferry::runtime
