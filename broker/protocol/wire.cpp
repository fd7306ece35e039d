#include "broker/protocol/wire.h"

#include <limits>

#include "broker/storage/wire_format.h"

namespace ferry::broker::protocol {

bool WireReader::require(std::string_view field, std::size_t size) {
  if (!ok()) return false;
  if (remaining() < size) {
    fail(field,
         "needs " + std::to_string(size) + " bytes, " + std::to_string(remaining()) + " left");
    return false;
  }
  return true;
}

void WireReader::fail(std::string_view field, std::string_view reason) {
  if (!ok()) return;
  error_ =
      std::string(field) + " at byte " + std::to_string(position_) + ": " + std::string(reason);
}

std::int8_t WireReader::read_int8(std::string_view field) {
  if (!require(field, 1)) return 0;
  return static_cast<std::int8_t>(bytes_[position_++]);
}

std::int16_t WireReader::read_int16(std::string_view field) {
  if (!require(field, 2)) return 0;
  const auto value = load_be<std::int16_t>(bytes_.data() + position_);
  position_ += 2;
  return value;
}

std::int32_t WireReader::read_int32(std::string_view field) {
  if (!require(field, 4)) return 0;
  const auto value = load_be<std::int32_t>(bytes_.data() + position_);
  position_ += 4;
  return value;
}

std::int64_t WireReader::read_int64(std::string_view field) {
  if (!require(field, 8)) return 0;
  const auto value = load_be<std::int64_t>(bytes_.data() + position_);
  position_ += 8;
  return value;
}

std::uint32_t WireReader::read_unsigned_varint(std::string_view field) {
  std::uint32_t value = 0;
  for (int i = 0; i < 5; ++i) {
    if (!require(field, 1)) return 0;
    const std::uint8_t byte = bytes_[position_++];
    if (i == 4 && (byte & 0xf0) != 0) {
      fail(field, "unsigned varint longer than 32 bits");
      return 0;
    }
    value |= static_cast<std::uint32_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) return value;
  }
  return value;  // unreachable: the fifth byte has no continuation bit
}

std::span<const std::uint8_t> WireReader::read_raw(std::string_view field, std::size_t size) {
  if (!require(field, size)) return {};
  const auto view = bytes_.subspan(position_, size);
  position_ += size;
  return view;
}

std::optional<std::size_t> WireReader::read_length(std::string_view field, bool compact, bool wide,
                                                   bool nullable) {
  std::int64_t length = 0;
  if (compact) {
    length = static_cast<std::int64_t>(read_unsigned_varint(field)) - 1;
  } else if (wide) {
    length = read_int32(field);
  } else {
    length = read_int16(field);
  }
  if (!ok()) return std::nullopt;
  if (length == -1) {
    if (!nullable) fail(field, "null where the field is not nullable");
    return std::nullopt;
  }
  if (length < 0) {
    fail(field, "negative length " + std::to_string(length));
    return std::nullopt;
  }
  return static_cast<std::size_t>(length);
}

void WireWriter::write_int16(std::int16_t value) {
  const std::size_t at = bytes_.size();
  bytes_.resize(at + 2);
  store_be(bytes_.data() + at, value);
}

void WireWriter::write_int32(std::int32_t value) {
  const std::size_t at = bytes_.size();
  bytes_.resize(at + 4);
  store_be(bytes_.data() + at, value);
}

void WireWriter::write_int64(std::int64_t value) {
  const std::size_t at = bytes_.size();
  bytes_.resize(at + 8);
  store_be(bytes_.data() + at, value);
}

void WireWriter::write_unsigned_varint(std::uint32_t value) {
  while (value >= 0x80) {
    bytes_.push_back(static_cast<std::uint8_t>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  bytes_.push_back(static_cast<std::uint8_t>(value));
}

void WireWriter::write_raw(std::span<const std::uint8_t> bytes) {
  bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
}

void WireWriter::write_length(std::optional<std::size_t> length, bool compact, bool wide) {
  if (compact) {
    write_unsigned_varint(length ? static_cast<std::uint32_t>(*length + 1) : 0);
  } else if (wide) {
    write_int32(length ? static_cast<std::int32_t>(*length) : -1);
  } else {
    write_int16(length ? static_cast<std::int16_t>(*length) : -1);
  }
}

std::size_t unsigned_varint_size(std::uint32_t value) {
  std::size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

}  // namespace ferry::broker::protocol
