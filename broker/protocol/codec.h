// Kafka request and response frames, encoded and decoded by walking the message table
// (message_schema.h); nothing here knows any particular API.
//
//   frame            INT32 size, then size bytes: header and body
//   request header   v1: INT16 api key, INT16 api version, INT32 correlation id,
//                        NULLABLE_STRING client id (INT16 length even in v2)
//                    v2: v1 + TAGGED_FIELDS (flexible request versions)
//   response header  v0: INT32 correlation id; v1: v0 + TAGGED_FIELDS (flexible versions, but
//                    never ApiVersions)
//   body             the fields the version has, in definition order; in flexible versions
//                    strings, bytes and arrays are compact and every struct (the body too) ends
//                    with its TAGGED_FIELDS, where tagged fields go (written only when set) and
//                    unknown tags are skipped
//
// Decoding is strict (wire.h): a body that is truncated, or whose lengths or counts contradict
// the bytes present, is invalid_argument naming the message, the field and the byte offset.
// Bytes after a complete body are ignored, as Kafka's brokers ignore them.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "broker/protocol/message.h"
#include "broker/protocol/message_schema.h"
#include "common/result.h"

namespace ferry::broker::protocol {

struct RequestHeader {
  std::int16_t api_key = 0;
  std::int16_t api_version = 0;
  std::int32_t correlation_id = 0;
  std::optional<std::string> client_id;
};

// A request header read from a frame (the bytes after the size).
struct DecodedHeader {
  RequestHeader header;
  const ApiDef* api = nullptr;  // null: an API key this broker does not serve
  bool version_supported = false;
  std::size_t body_offset = 0;  // where the body starts in the frame (when the API and version
                                // are served; otherwise the header's tagged fields, if any, are
                                // not read)
};

// invalid_argument if the frame is too short for a header or its client id is malformed.
Result<DecodedHeader> decode_request_header(std::span<const std::uint8_t> frame);

// The body of a message of version `version`.
Result<Struct> decode_body(const StructDef& def, std::int16_t version, bool flexible,
                           std::span<const std::uint8_t> bytes);
void encode_body(const Struct& body, std::int16_t version, bool flexible,
                 std::vector<std::uint8_t>& out);

// A decoded request: header and body, for an API and version this broker serves.
struct Request {
  RequestHeader header;
  const ApiDef* api = nullptr;
  Struct body;
};
// not_found: unknown API key; out_of_range: a version not served (both name key and version);
// invalid_argument: malformed.
Result<Request> decode_request(std::span<const std::uint8_t> frame);

// Whole frames, size prefix included.
std::vector<std::uint8_t> encode_request(const ApiDef& api, std::int16_t version,
                                         std::int32_t correlation_id,
                                         const std::optional<std::string>& client_id,
                                         const Struct& body);
// Records fields set with set_records (message.h) are copied in: their file is read if need be,
// and std::runtime_error names it when it no longer holds them.
std::vector<std::uint8_t> encode_response(const ApiDef& api, std::int16_t version,
                                          std::int32_t correlation_id, const Struct& body);

// A response frame whose external records fields (RecordsRef) are not copied: bytes is the
// frame without them (size prefix included, counting them), and each splice says where one goes
// (before bytes[at], in order). The frame on the wire is bytes[0, at0), records0,
// bytes[at0, at1), records1, ... Empty records are no splice.
struct EncodedFrame {
  struct Splice {
    std::size_t at = 0;
    RecordsRef records;
  };
  std::vector<std::uint8_t> bytes;
  std::vector<Splice> splices;
  // The whole frame on the wire.
  std::size_t size() const;
};
EncodedFrame encode_response_frame(const ApiDef& api, std::int16_t version,
                                   std::int32_t correlation_id, const Struct& body);

// A response frame without its size prefix (what a client reads); correlation_id receives the
// header's.
Result<Struct> decode_response(const ApiDef& api, std::int16_t version,
                               std::span<const std::uint8_t> frame, std::int32_t& correlation_id);

// What a broker answers to an ApiVersions request of a version it does not serve (KIP-511):
// the v0 body, error UNSUPPORTED_VERSION, and only ApiVersions' own range, so the client can
// retry with a version both speak. A whole frame.
std::vector<std::uint8_t> encode_unsupported_api_versions_response(std::int32_t correlation_id);

}  // namespace ferry::broker::protocol
