#include "broker/server/request_handler.h"

#include <chrono>

namespace ferry::broker {

using protocol::ApiKey;
using protocol::ErrorCode;

protocol::ErrorCode error_code_for(const Status& status) {
  switch (status.kind()) {
    case Status::Kind::kOk:
      return ErrorCode::kNone;
    case Status::Kind::kNotFound:
      return ErrorCode::kUnknownTopicOrPartition;
    case Status::Kind::kOutOfRange:
      return ErrorCode::kOffsetOutOfRange;
    case Status::Kind::kTooLarge:
      return ErrorCode::kMessageTooLarge;
    case Status::Kind::kCorruption:
      return ErrorCode::kCorruptMessage;
    case Status::Kind::kInvalidArgument:
      return ErrorCode::kInvalidRecord;
    case Status::Kind::kRetriable:
      return ErrorCode::kRequestTimedOut;
    case Status::Kind::kConflict:
    case Status::Kind::kFatal:
      return ErrorCode::kUnknownServerError;
  }
  return ErrorCode::kUnknownServerError;
}

RequestHandler::RequestHandler(Broker& broker, RequestHandlerOptions options)
    : broker_(broker),
      options_(std::move(options)),
      // Producer ids never repeat across restarts: above every id with state in a log (the
      // partitions rebuilt it at open), and above the clock (ms since the epoch, times 1000,
      // leaves room for 1000 producers a millisecond) for ids whose batches are all gone.
      next_producer_id_(std::max(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                         .count() *
                                     1000,
                                 broker.logs().max_producer_id() + 1)),
      first_local_producer_id_(next_producer_id_.load()) {
  fetch_waiter_ = std::jthread([this](std::stop_token stop) { watch_appends(stop); });
}

RequestHandler::~RequestHandler() {
  fetch_waiter_.request_stop();
  if (fetch_waiter_.joinable()) fetch_waiter_.join();
  std::lock_guard lock(delayed_mutex_);
  delayed_.clear();
}

void RequestHandler::note(const std::string& message) const {
  if (options_.log) options_.log(message);
}

void RequestHandler::handle(protocol::Request request, const RequestContext& context,
                            Respond respond) {
  switch (static_cast<ApiKey>(request.header.api_key)) {
    case ApiKey::kApiVersions:
      return respond(api_versions(request));
    case ApiKey::kMetadata:
      return respond(metadata(request));
    case ApiKey::kProduce:
      return respond(produce(request, context));
    case ApiKey::kFetch:
      return fetch(std::move(request), context, std::move(respond));
    case ApiKey::kListOffsets:
      return respond(list_offsets(request));
    case ApiKey::kFindCoordinator:
      return respond(find_coordinator(request));
    case ApiKey::kJoinGroup:
      return join_group(request, context, std::move(respond));
    case ApiKey::kSyncGroup:
      return sync_group(request, std::move(respond));
    case ApiKey::kHeartbeat:
      return respond(heartbeat(request));
    case ApiKey::kLeaveGroup:
      return respond(leave_group(request));
    case ApiKey::kOffsetCommit:
      return respond(offset_commit(request));
    case ApiKey::kOffsetFetch:
      return respond(offset_fetch(request));
    case ApiKey::kDescribeGroups:
      return respond(describe_groups(request));
    case ApiKey::kListGroups:
      return respond(list_groups(request));
    case ApiKey::kDeleteGroups:
      return respond(delete_groups(request));
    case ApiKey::kOffsetDelete:
      return respond(offset_delete(request));
    case ApiKey::kCreateTopics:
      return respond(create_topics(request));
    case ApiKey::kDeleteTopics:
      return respond(delete_topics(request));
    case ApiKey::kDeleteRecords:
      return respond(delete_records(request));
    case ApiKey::kInitProducerId:
      return respond(init_producer_id(request));
    case ApiKey::kDescribeConfigs:
      return respond(describe_configs(request));
    case ApiKey::kAlterConfigs:
      return respond(alter_configs(request, false));
    case ApiKey::kIncrementalAlterConfigs:
      return respond(alter_configs(request, true));
    case ApiKey::kCreatePartitions:
      return respond(create_partitions(request));
  }
  // decode_request only returns APIs of the table, and each has a case above.
  throw std::logic_error("no handler for API key " + std::to_string(request.header.api_key));
}

protocol::Struct RequestHandler::api_versions(const protocol::Request& request) {
  Struct response(request.api->response);
  for (const protocol::ApiDef& api : protocol::api_definitions()) {
    response.add("ApiKeys")
        .set_integer("ApiKey", api.key)
        .set_integer("MinVersion", api.versions.min)
        .set_integer("MaxVersion", api.versions.max);
  }
  return response;
}

protocol::Struct RequestHandler::find_coordinator(const protocol::Request& request) {
  Struct response(request.api->response);
  // KeyType 0 is a group; 1 a transactional id, and there is no transaction coordinator.
  if (request.body.integer("KeyType") != 0) {
    response
        .set_integer("ErrorCode", static_cast<std::int16_t>(ErrorCode::kCoordinatorNotAvailable))
        .set_nullable_string("ErrorMessage", "transactions are not supported")
        .set_integer("NodeId", -1)
        .set_integer("Port", -1);
    return response;
  }
  response.set_nullable_string("ErrorMessage", std::nullopt)
      .set_integer("NodeId", options_.node_id)
      .set_string("Host", options_.advertised_host)
      .set_integer("Port", options_.advertised_port);
  return response;
}

protocol::Struct RequestHandler::init_producer_id(const protocol::Request& request) {
  Struct response(request.api->response);
  if (!request.body.is_null("TransactionalId")) {
    response.set_integer("ErrorCode",
                         static_cast<std::int16_t>(ErrorCode::kTransactionalIdAuthorizationFailed));
    return response;
  }
  response.set_integer("ProducerId", next_producer_id_.fetch_add(1))
      .set_integer("ProducerEpoch", 0);
  return response;
}

}  // namespace ferry::broker
