#include "broker/membership/kafka_connection.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "broker/protocol/codec.h"
#include "broker/storage/wire_format.h"

namespace ferry::broker::membership {
namespace {

using protocol::ApiKey;
using protocol::ErrorCode;
using protocol::Struct;

// A response bigger than this is a framing error, not a membership message (the largest is a
// leader's JoinGroup response: every member's metadata).
constexpr std::int32_t kMaxResponseBytes = 100 * 1024 * 1024;

std::string api_name(const protocol::ApiDef& api, std::int16_t version) {
  return api.name + " v" + std::to_string(version);
}

}  // namespace

Result<std::unique_ptr<KafkaConnection>> KafkaConnection::open(const std::string& address,
                                                               const ConnectionOptions& options) {
  auto socket =
      TcpSocket::connect(address, std::chrono::steady_clock::now() + options.connect_timeout);
  if (!socket.ok()) return socket.status();
  std::unique_ptr<KafkaConnection> connection(
      new KafkaConnection(std::move(*socket), options));  // private constructor
  if (Status negotiated = connection->negotiate_versions(); !negotiated.ok()) return negotiated;
  return connection;
}

Status KafkaConnection::negotiate_versions() {
  versions_.fill(protocol::kNoVersion);
  const protocol::ApiDef* api_versions =
      protocol::find_api(static_cast<std::int16_t>(ApiKey::kApiVersions));
  const Deadline deadline = std::chrono::steady_clock::now() + options_.request_timeout;
  std::int16_t version = api_versions->versions.max;
  for (int attempt = 0; attempt < 2; ++attempt) {
    Struct body(api_versions->request);
    if (version >= 3) {
      body.set_string("ClientSoftwareName", "ferry").set_string("ClientSoftwareVersion", "1");
    }
    auto frame = exchange(*api_versions, version, body, deadline);
    if (!frame.ok()) return frame.status().with_context(address() + ": ApiVersions");
    // The error code is the body's first field in every version and the response header is
    // always v0 (the correlation id), so it can be read before knowing which version answered.
    const auto error =
        frame->size() >= 6 ? load_be<std::int16_t>(frame->data() + 4) : std::int16_t{-1};
    const std::int16_t decode_as =
        error == static_cast<std::int16_t>(ErrorCode::kUnsupportedVersion) ? 0 : version;
    std::int32_t correlation_id = 0;
    auto response = protocol::decode_response(*api_versions, decode_as, *frame, correlation_id);
    if (!response.ok()) {
      broken_ = true;
      return response.status().with_context(address() + ": " + api_name(*api_versions, version));
    }
    if (error != static_cast<std::int16_t>(ErrorCode::kNone) && decode_as == version) {
      return Status::fatal(address() + ": " + api_name(*api_versions, version) + ": " +
                           std::string(protocol::error_code_name(static_cast<ErrorCode>(error))));
    }
    for (const Struct& range : response->structs("ApiKeys")) {
      const auto key = static_cast<std::int16_t>(range.integer("ApiKey"));
      const protocol::ApiDef* ours = protocol::find_api(key);
      if (ours == nullptr || key < 0 || static_cast<std::size_t>(key) >= kApiKeys) continue;
      const auto low = std::max<std::int16_t>(
          ours->versions.min, static_cast<std::int16_t>(range.integer("MinVersion")));
      const auto high = std::min<std::int16_t>(
          ours->versions.max, static_cast<std::int16_t>(range.integer("MaxVersion")));
      if (low <= high) versions_[static_cast<std::size_t>(key)] = high;
    }
    if (decode_as == version) return Status::ok_status();
    // UNSUPPORTED_VERSION: ask again at the highest version both speak.
    const std::int16_t shared = versions_[static_cast<std::size_t>(ApiKey::kApiVersions)];
    if (shared == protocol::kNoVersion || shared >= version) break;
    version = shared;
  }
  return Status::fatal(address() + ": no ApiVersions version is spoken by both sides");
}

std::optional<std::int16_t> KafkaConnection::version(ApiKey api) const {
  const std::int16_t version = versions_[static_cast<std::size_t>(api)];
  if (version == protocol::kNoVersion) return std::nullopt;
  return version;
}

Struct KafkaConnection::request(ApiKey api) const {
  return Struct(protocol::find_api(static_cast<std::int16_t>(api))->request);
}

Result<std::vector<std::uint8_t>> KafkaConnection::exchange(const protocol::ApiDef& api,
                                                            std::int16_t version,
                                                            const Struct& body, Deadline deadline) {
  if (broken_) {
    return Status::retriable("connection to " + address() + " is closed after an earlier error");
  }
  const std::int32_t correlation_id = next_correlation_id_++;
  const auto frame =
      protocol::encode_request(api, version, correlation_id, options_.client_id, body);
  // Any failure from here leaves the stream at an unknown position: the connection is done.
  broken_ = true;
  if (Status written = socket_.write_all(frame, deadline); !written.ok()) return written;
  std::array<std::uint8_t, 4> size_bytes{};
  if (Status read = socket_.read_exact(size_bytes, deadline); !read.ok()) return read;
  const auto size = load_be<std::int32_t>(size_bytes.data());
  if (size < 4 || size > kMaxResponseBytes) {
    return Status::invalid_argument("response frame of " + std::to_string(size) + " bytes");
  }
  std::vector<std::uint8_t> response(static_cast<std::size_t>(size));
  if (Status read = socket_.read_exact(response, deadline); !read.ok()) return read;
  const auto answered = load_be<std::int32_t>(response.data());
  if (answered != correlation_id) {
    return Status::invalid_argument("response has correlation id " + std::to_string(answered) +
                                    ", expected " + std::to_string(correlation_id));
  }
  broken_ = false;
  return response;
}

Result<Struct> KafkaConnection::call(ApiKey key, const Struct& body,
                                     std::optional<std::chrono::milliseconds> timeout) {
  const protocol::ApiDef* api = protocol::find_api(static_cast<std::int16_t>(key));
  const std::optional<std::int16_t> version = this->version(key);
  if (api == nullptr || !version) {
    return Status::out_of_range(address() + ": the broker serves no version of " +
                                (api != nullptr ? api->name : std::to_string(int(key))) +
                                " that this client speaks");
  }
  const std::string where = address() + ": " + api_name(*api, *version);
  // The body was built from the request definition, whose fields carry all versions: encode
  // writes only those of the negotiated version.
  const Deadline deadline =
      std::chrono::steady_clock::now() + timeout.value_or(options_.request_timeout);
  auto frame = exchange(*api, *version, body, deadline);
  if (!frame.ok()) return frame.status().with_context(where);
  std::int32_t correlation_id = 0;
  auto response = protocol::decode_response(*api, *version, *frame, correlation_id);
  if (!response.ok()) {
    broken_ = true;
    return response.status().with_context(where);
  }
  return response;
}

}  // namespace ferry::broker::membership
