#include "broker/client/protocol_primitives.h"

#include <limits>
#include <utility>

#include "broker/storage/wire_format.h"

namespace ferry::broker {

ProtocolReader::ProtocolReader(std::span<const std::uint8_t> bytes, std::string_view message)
    : bytes_(bytes), message_(message) {}

void ProtocolReader::fail(std::string_view field, std::string_view reason) {
  if (!status_.ok()) return;
  status_ =
      Status::invalid_argument(std::string(message_) + ": " + std::string(field) + " at byte " +
                               std::to_string(position_) + ": " + std::string(reason));
}

bool ProtocolReader::require(std::string_view field, std::size_t size) {
  if (!status_.ok()) return false;
  if (size <= remaining()) return true;
  fail(field, "truncated: needs " + std::to_string(size) + " bytes, " +
                  std::to_string(remaining()) + " left");
  return false;
}

std::int16_t ProtocolReader::read_int16(std::string_view field) {
  if (!require(field, 2)) return 0;
  const auto value = load_be<std::int16_t>(bytes_.data() + position_);
  position_ += 2;
  return value;
}

std::int32_t ProtocolReader::read_int32(std::string_view field) {
  if (!require(field, 4)) return 0;
  const auto value = load_be<std::int32_t>(bytes_.data() + position_);
  position_ += 4;
  return value;
}

std::string ProtocolReader::read_string(std::string_view field) {
  const std::int16_t length = read_int16(field);
  if (length < 0) {
    fail(field, "non-nullable string has length " + std::to_string(length));
    return {};
  }
  if (!require(field, static_cast<std::size_t>(length))) return {};
  std::string value(reinterpret_cast<const char*>(bytes_.data() + position_),
                    static_cast<std::size_t>(length));
  position_ += static_cast<std::size_t>(length);
  return value;
}

std::optional<std::string> ProtocolReader::read_nullable_string(std::string_view field) {
  const std::int16_t length = read_int16(field);
  if (!ok()) return std::nullopt;
  if (length == -1) return std::nullopt;
  if (length < 0) {
    fail(field, "nullable string has length " + std::to_string(length));
    return std::nullopt;
  }
  if (!require(field, static_cast<std::size_t>(length))) return std::nullopt;
  std::string value(reinterpret_cast<const char*>(bytes_.data() + position_),
                    static_cast<std::size_t>(length));
  position_ += static_cast<std::size_t>(length);
  return value;
}

std::optional<std::vector<std::uint8_t>> ProtocolReader::read_nullable_bytes(
    std::string_view field) {
  const std::int32_t length = read_int32(field);
  if (!ok()) return std::nullopt;
  if (length == -1) return std::nullopt;
  if (length < 0) {
    fail(field, "nullable bytes have length " + std::to_string(length));
    return std::nullopt;
  }
  if (!require(field, static_cast<std::size_t>(length))) return std::nullopt;
  const auto begin = bytes_.begin() + static_cast<std::ptrdiff_t>(position_);
  std::vector<std::uint8_t> value(begin, begin + length);
  position_ += static_cast<std::size_t>(length);
  return value;
}

std::int32_t ProtocolReader::read_array_count(std::string_view field,
                                              std::size_t min_element_size) {
  const std::int32_t count = read_int32(field);
  if (!ok()) return 0;
  if (count < 0) {
    fail(field, "non-nullable array has count " + std::to_string(count));
    return 0;
  }
  if (static_cast<std::size_t>(count) > remaining() / min_element_size) {
    fail(field, "array count " + std::to_string(count) + " cannot fit in the " +
                    std::to_string(remaining()) + " bytes left");
    return 0;
  }
  return count;
}

ProtocolWriter::ProtocolWriter(std::string_view message) : message_(message) {}

void ProtocolWriter::fail(std::string_view field, std::string_view reason) {
  if (!status_.ok()) return;
  status_ = Status::invalid_argument(std::string(message_) + ": " + std::string(field) + ": " +
                                     std::string(reason));
}

void ProtocolWriter::write_int16(std::int16_t value) {
  const std::size_t at = bytes_.size();
  bytes_.resize(at + 2);
  store_be(bytes_.data() + at, value);
}

void ProtocolWriter::write_int32(std::int32_t value) {
  const std::size_t at = bytes_.size();
  bytes_.resize(at + 4);
  store_be(bytes_.data() + at, value);
}

void ProtocolWriter::write_string(std::string_view field, std::string_view value) {
  if (value.size() > static_cast<std::size_t>(std::numeric_limits<std::int16_t>::max())) {
    fail(field, "string of " + std::to_string(value.size()) + " bytes is longer than 32767");
    return;
  }
  write_int16(static_cast<std::int16_t>(value.size()));
  bytes_.insert(bytes_.end(), value.begin(), value.end());
}

void ProtocolWriter::write_nullable_string(std::string_view field,
                                           const std::optional<std::string>& value) {
  if (!value) {
    write_int16(-1);
    return;
  }
  write_string(field, *value);
}

void ProtocolWriter::write_nullable_bytes(std::string_view field,
                                          const std::optional<std::vector<std::uint8_t>>& value) {
  if (!value) {
    write_int32(-1);
    return;
  }
  if (value->size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    fail(field, "byte string of " + std::to_string(value->size()) + " bytes is too long");
    return;
  }
  write_int32(static_cast<std::int32_t>(value->size()));
  bytes_.insert(bytes_.end(), value->begin(), value->end());
}

void ProtocolWriter::write_array_count(std::string_view field, std::size_t count) {
  if (count > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    fail(field, "array of " + std::to_string(count) + " elements is too long");
    return;
  }
  write_int32(static_cast<std::int32_t>(count));
}

Result<std::vector<std::uint8_t>> ProtocolWriter::finish() && {
  if (!status_.ok()) return status_;
  return std::move(bytes_);
}

}  // namespace ferry::broker
