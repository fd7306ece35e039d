#include "broker/protocol/codec.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <unistd.h>

#include "broker/protocol/error_code.h"
#include "broker/protocol/wire.h"
#include "broker/storage/wire_format.h"

namespace ferry::broker::protocol {
namespace {

constexpr std::int16_t kApiVersionsKey = 18;

bool is_nullable(const FieldDef& field, std::int16_t version) {
  return field.nullable.contains(version);
}

// The least number of bytes one element of an array field takes, to bound counts.
std::size_t min_element_size(FieldType type, bool flexible) {
  switch (type) {
    case FieldType::kInt32Array:
      return 4;
    case FieldType::kInt64Array:
      return 8;
    case FieldType::kStringArray:
      return flexible ? 1 : 2;
    default:
      return 1;
  }
}

void decode_struct(WireReader& reader, const StructDef& def, std::int16_t version, bool flexible,
                   Struct& out);

void decode_field(WireReader& reader, const FieldDef& field, std::int16_t version, bool flexible,
                  Value& value) {
  const std::string_view name = field.name;
  const bool nullable = is_nullable(field, version);
  value.set = true;
  value.null = false;
  switch (field.type) {
    case FieldType::kBool:
      value.integer = reader.read_int8(name) != 0 ? 1 : 0;
      return;
    case FieldType::kInt8:
      value.integer = reader.read_int8(name);
      return;
    case FieldType::kInt16:
      value.integer = reader.read_int16(name);
      return;
    case FieldType::kInt32:
      value.integer = reader.read_int32(name);
      return;
    case FieldType::kInt64:
      value.integer = reader.read_int64(name);
      return;
    case FieldType::kUuid: {
      const auto bytes = reader.read_raw(name, 16);
      value.text.assign(bytes.begin(), bytes.end());
      return;
    }
    case FieldType::kString: {
      const auto length = reader.read_length(name, flexible, false, nullable);
      if (!length) {
        value.null = reader.ok();
        return;
      }
      const auto bytes = reader.read_raw(name, *length);
      value.text.assign(bytes.begin(), bytes.end());
      return;
    }
    case FieldType::kBytes:
    case FieldType::kRecords: {
      const auto length = reader.read_length(name, flexible, true, nullable);
      if (!length) {
        value.null = reader.ok();
        return;
      }
      const auto bytes = reader.read_raw(name, *length);
      value.bytes.assign(bytes.begin(), bytes.end());
      return;
    }
    case FieldType::kInt32Array:
    case FieldType::kInt64Array:
    case FieldType::kStringArray:
    case FieldType::kStructArray: {
      const auto count = reader.read_length(name, flexible, true, nullable);
      if (!count) {
        value.null = reader.ok();
        return;
      }
      if (*count > reader.remaining() / min_element_size(field.type, flexible)) {
        reader.fail(name, "array count " + std::to_string(*count) + " exceeds the bytes left");
        return;
      }
      for (std::size_t i = 0; i < *count && reader.ok(); ++i) {
        if (field.type == FieldType::kInt32Array) {
          value.integers.push_back(reader.read_int32(name));
        } else if (field.type == FieldType::kInt64Array) {
          value.integers.push_back(reader.read_int64(name));
        } else if (field.type == FieldType::kStringArray) {
          const auto length = reader.read_length(name, flexible, false, false);
          if (!length) return;
          const auto bytes = reader.read_raw(name, *length);
          value.strings.emplace_back(bytes.begin(), bytes.end());
        } else {
          value.structs.emplace_back(*field.fields);
          decode_struct(reader, *field.fields, version, flexible, value.structs.back());
        }
      }
      return;
    }
    case FieldType::kStruct:
      value.structs.clear();
      value.structs.emplace_back(*field.fields);
      decode_struct(reader, *field.fields, version, flexible, value.structs.back());
      return;
  }
}

void decode_tagged_fields(WireReader& reader, const StructDef& def, std::int16_t version,
                          Struct& out) {
  const std::uint32_t count = reader.read_unsigned_varint("tagged fields");
  for (std::uint32_t i = 0; i < count && reader.ok(); ++i) {
    const std::uint32_t tag = reader.read_unsigned_varint("tag");
    const std::uint32_t size = reader.read_unsigned_varint("tagged field size");
    const auto bytes = reader.read_raw("tagged field", size);
    if (!reader.ok()) return;
    for (std::size_t f = 0; f < def.fields.size(); ++f) {
      const FieldDef& field = def.fields[f];
      if (field.tag < 0 || static_cast<std::uint32_t>(field.tag) != tag ||
          !field.versions.contains(version)) {
        continue;
      }
      WireReader inner(bytes);
      decode_field(inner, field, version, true, out.value(f));
      if (!inner.ok()) {
        reader.fail(field.name, "in tagged field: " + inner.error());
      } else if (inner.remaining() != 0) {
        reader.fail(field.name, "tagged field longer than its value");
      }
      break;
    }
  }
}

void decode_struct(WireReader& reader, const StructDef& def, std::int16_t version, bool flexible,
                   Struct& out) {
  for (std::size_t f = 0; f < def.fields.size() && reader.ok(); ++f) {
    const FieldDef& field = def.fields[f];
    if (!field.versions.contains(version) || field.tag >= 0) continue;
    decode_field(reader, field, version, flexible, out.value(f));
  }
  if (flexible && reader.ok()) decode_tagged_fields(reader, def, version, out);
}

void encode_struct(WireWriter& writer, const Struct& in, std::int16_t version, bool flexible,
                   std::vector<EncodedFrame::Splice>* splices = nullptr);

// Copies the bytes of an external records field into writer: what an encoder that must return
// one buffer does.
void write_external(WireWriter& writer, const RecordsRef& records) {
  if (records.data != nullptr || records.size == 0) {
    writer.write_raw({records.data, records.size});
    return;
  }
  std::vector<std::uint8_t>& bytes = writer.bytes();
  const std::size_t start = bytes.size();
  bytes.resize(start + records.size);
  std::size_t done = 0;
  while (done < records.size) {
    const ssize_t n = ::pread(records.descriptor, bytes.data() + start + done, records.size - done,
                              static_cast<off_t>(records.position + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // The file lost bytes the frame's sizes already count: no frame can be made of it.
      throw std::runtime_error(records.file + ": cannot read the " + std::to_string(records.size) +
                               " bytes of records at position " + std::to_string(records.position) +
                               ": " + (n < 0 ? std::strerror(errno) : "the file ends before them"));
    }
    done += static_cast<std::size_t>(n);
  }
}

// splices: where external records fields go, which are then left out of writer; null copies
// them in.
void encode_field(WireWriter& writer, const FieldDef& field, std::int16_t version, bool flexible,
                  const Value& value, std::vector<EncodedFrame::Splice>* splices) {
  const bool null = value.null && is_nullable(field, version);
  switch (field.type) {
    case FieldType::kBool:
      writer.write_int8(value.integer != 0 ? 1 : 0);
      return;
    case FieldType::kInt8:
      writer.write_int8(static_cast<std::int8_t>(value.integer));
      return;
    case FieldType::kInt16:
      writer.write_int16(static_cast<std::int16_t>(value.integer));
      return;
    case FieldType::kInt32:
      writer.write_int32(static_cast<std::int32_t>(value.integer));
      return;
    case FieldType::kInt64:
      writer.write_int64(value.integer);
      return;
    case FieldType::kUuid: {
      std::uint8_t uuid[16] = {};
      for (std::size_t i = 0; i < 16 && i < value.text.size(); ++i) {
        uuid[i] = static_cast<std::uint8_t>(value.text[i]);
      }
      writer.write_raw(uuid);
      return;
    }
    case FieldType::kString:
      if (null) return writer.write_length(std::nullopt, flexible, false);
      writer.write_length(value.text.size(), flexible, false);
      writer.write_raw(
          {reinterpret_cast<const std::uint8_t*>(value.text.data()), value.text.size()});
      return;
    case FieldType::kBytes:
    case FieldType::kRecords:
      if (null) return writer.write_length(std::nullopt, flexible, true);
      if (value.external) {
        writer.write_length(value.external->size, flexible, true);
        if (splices == nullptr) return write_external(writer, *value.external);
        if (value.external->size > 0) splices->push_back({writer.size(), *value.external});
        return;
      }
      writer.write_length(value.bytes.size(), flexible, true);
      writer.write_raw(value.bytes);
      return;
    case FieldType::kInt32Array:
    case FieldType::kInt64Array:
    case FieldType::kStringArray:
    case FieldType::kStructArray: {
      if (null) return writer.write_length(std::nullopt, flexible, true);
      if (field.type == FieldType::kInt32Array || field.type == FieldType::kInt64Array) {
        writer.write_length(value.integers.size(), flexible, true);
        for (const std::int64_t integer : value.integers) {
          if (field.type == FieldType::kInt32Array) {
            writer.write_int32(static_cast<std::int32_t>(integer));
          } else {
            writer.write_int64(integer);
          }
        }
      } else if (field.type == FieldType::kStringArray) {
        writer.write_length(value.strings.size(), flexible, true);
        for (const std::string& text : value.strings) {
          writer.write_length(text.size(), flexible, false);
          writer.write_raw({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
        }
      } else {
        writer.write_length(value.structs.size(), flexible, true);
        for (const Struct& element : value.structs) {
          encode_struct(writer, element, version, flexible, splices);
        }
      }
      return;
    }
    case FieldType::kStruct:
      if (value.structs.empty()) {
        encode_struct(writer, Struct(*field.fields), version, flexible, splices);
      } else {
        encode_struct(writer, value.structs.front(), version, flexible, splices);
      }
      return;
  }
}

void encode_struct(WireWriter& writer, const Struct& in, std::int16_t version, bool flexible,
                   std::vector<EncodedFrame::Splice>* splices) {
  const StructDef& def = in.def();
  std::uint32_t tagged = 0;
  for (std::size_t f = 0; f < def.fields.size(); ++f) {
    const FieldDef& field = def.fields[f];
    if (!field.versions.contains(version)) continue;
    if (field.tag >= 0) {
      if (in.value(f).set) ++tagged;
      continue;
    }
    encode_field(writer, field, version, flexible, in.value(f), splices);
  }
  if (!flexible) return;
  writer.write_unsigned_varint(tagged);
  // Tags ascending: the table lists a struct's tagged fields in tag order.
  for (std::size_t f = 0; f < def.fields.size(); ++f) {
    const FieldDef& field = def.fields[f];
    if (field.tag < 0 || !field.versions.contains(version) || !in.value(f).set) continue;
    WireWriter inner;
    encode_field(inner, field, version, true, in.value(f), nullptr);
    writer.write_unsigned_varint(static_cast<std::uint32_t>(field.tag));
    writer.write_unsigned_varint(static_cast<std::uint32_t>(inner.size()));
    writer.write_raw(inner.bytes());
  }
}

void start_frame(WireWriter& writer) { writer.write_int32(0); }

std::vector<std::uint8_t> finish_frame(WireWriter& writer) {
  auto& bytes = writer.bytes();
  store_be(bytes.data(), static_cast<std::int32_t>(bytes.size() - 4));
  return std::move(bytes);
}

}  // namespace

Result<DecodedHeader> decode_request_header(std::span<const std::uint8_t> frame) {
  WireReader reader(frame);
  DecodedHeader decoded;
  decoded.header.api_key = reader.read_int16("request_api_key");
  decoded.header.api_version = reader.read_int16("request_api_version");
  decoded.header.correlation_id = reader.read_int32("correlation_id");
  const auto length = reader.read_length("client_id", false, false, true);
  if (length) {
    const auto bytes = reader.read_raw("client_id", *length);
    decoded.header.client_id = std::string(bytes.begin(), bytes.end());
  }
  if (!reader.ok()) return Status::invalid_argument("request header: " + reader.error());
  decoded.api = find_api(decoded.header.api_key);
  decoded.version_supported =
      decoded.api != nullptr && decoded.api->versions.contains(decoded.header.api_version);
  if (decoded.version_supported && decoded.api->flexible(decoded.header.api_version)) {
    // The header's own tagged fields: none is defined for requests; skip them.
    const std::uint32_t count = reader.read_unsigned_varint("header tagged fields");
    for (std::uint32_t i = 0; i < count && reader.ok(); ++i) {
      reader.read_unsigned_varint("tag");
      reader.read_raw("tagged field", reader.read_unsigned_varint("tagged field size"));
    }
    if (!reader.ok()) return Status::invalid_argument("request header: " + reader.error());
  }
  decoded.body_offset = reader.position();
  return decoded;
}

Result<Struct> decode_body(const StructDef& def, std::int16_t version, bool flexible,
                           std::span<const std::uint8_t> bytes) {
  WireReader reader(bytes);
  Struct out(def);
  decode_struct(reader, def, version, flexible, out);
  if (!reader.ok()) {
    return Status::invalid_argument(def.name + " v" + std::to_string(version) + ": " +
                                    reader.error());
  }
  return out;
}

void encode_body(const Struct& body, std::int16_t version, bool flexible,
                 std::vector<std::uint8_t>& out) {
  WireWriter writer;
  writer.bytes() = std::move(out);
  encode_struct(writer, body, version, flexible);
  out = std::move(writer.bytes());
}

Result<Request> decode_request(std::span<const std::uint8_t> frame) {
  auto header = decode_request_header(frame);
  if (!header.ok()) return header.status();
  const RequestHeader& h = header->header;
  if (header->api == nullptr) {
    return Status::not_found("unknown API key " + std::to_string(h.api_key));
  }
  if (!header->version_supported) {
    return Status::out_of_range(header->api->name + " (key " + std::to_string(h.api_key) + ") v" +
                                std::to_string(h.api_version) + " is not supported; " +
                                "this broker serves v" + std::to_string(header->api->versions.min) +
                                "-" + std::to_string(header->api->versions.max));
  }
  auto body = decode_body(header->api->request, h.api_version, header->api->flexible(h.api_version),
                          frame.subspan(header->body_offset));
  if (!body.ok()) return body.status();
  return Request{h, header->api, std::move(*body)};
}

std::vector<std::uint8_t> encode_request(const ApiDef& api, std::int16_t version,
                                         std::int32_t correlation_id,
                                         const std::optional<std::string>& client_id,
                                         const Struct& body) {
  WireWriter writer;
  start_frame(writer);
  writer.write_int16(api.key);
  writer.write_int16(version);
  writer.write_int32(correlation_id);
  writer.write_length(client_id ? std::optional<std::size_t>(client_id->size()) : std::nullopt,
                      false, false);
  if (client_id) {
    writer.write_raw({reinterpret_cast<const std::uint8_t*>(client_id->data()), client_id->size()});
  }
  if (api.request_header_version(version) >= 2) writer.write_unsigned_varint(0);
  encode_struct(writer, body, version, api.flexible(version));
  return finish_frame(writer);
}

std::size_t EncodedFrame::size() const {
  std::size_t size = bytes.size();
  for (const Splice& splice : splices) size += splice.records.size;
  return size;
}

EncodedFrame encode_response_frame(const ApiDef& api, std::int16_t version,
                                   std::int32_t correlation_id, const Struct& body) {
  EncodedFrame frame;
  WireWriter writer;
  start_frame(writer);
  writer.write_int32(correlation_id);
  if (api.response_header_version(version) >= 1) writer.write_unsigned_varint(0);
  encode_struct(writer, body, version, api.flexible(version), &frame.splices);
  frame.bytes = std::move(writer.bytes());
  store_be(frame.bytes.data(), static_cast<std::int32_t>(frame.size() - 4));
  return frame;
}

std::vector<std::uint8_t> encode_response(const ApiDef& api, std::int16_t version,
                                          std::int32_t correlation_id, const Struct& body) {
  WireWriter writer;
  start_frame(writer);
  writer.write_int32(correlation_id);
  if (api.response_header_version(version) >= 1) writer.write_unsigned_varint(0);
  encode_struct(writer, body, version, api.flexible(version));
  return finish_frame(writer);
}

Result<Struct> decode_response(const ApiDef& api, std::int16_t version,
                               std::span<const std::uint8_t> frame, std::int32_t& correlation_id) {
  WireReader reader(frame);
  correlation_id = reader.read_int32("correlation_id");
  if (api.response_header_version(version) >= 1) {
    const std::uint32_t count = reader.read_unsigned_varint("header tagged fields");
    for (std::uint32_t i = 0; i < count && reader.ok(); ++i) {
      reader.read_unsigned_varint("tag");
      reader.read_raw("tagged field", reader.read_unsigned_varint("tagged field size"));
    }
  }
  if (!reader.ok()) return Status::invalid_argument("response header: " + reader.error());
  return decode_body(api.response, version, api.flexible(version),
                     frame.subspan(reader.position()));
}

std::vector<std::uint8_t> encode_unsupported_api_versions_response(std::int32_t correlation_id) {
  const ApiDef& api = *find_api(kApiVersionsKey);
  Struct body(api.response);
  body.set_integer("ErrorCode", static_cast<std::int16_t>(ErrorCode::kUnsupportedVersion));
  body.add("ApiKeys")
      .set_integer("ApiKey", api.key)
      .set_integer("MinVersion", api.versions.min)
      .set_integer("MaxVersion", api.versions.max);
  return encode_response(api, 0, correlation_id, body);
}

}  // namespace ferry::broker::protocol
