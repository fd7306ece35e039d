#include "broker/network/rdkafka_status.h"

#include "broker/network/rdkafka_handles.h"

namespace ferry::broker {

Status::Kind status_kind(rd_kafka_resp_err_t error) {
  switch (error) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return Status::Kind::kOk;
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
    case RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP:
    case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
    case RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR__STATE:
    case RD_KAFKA_RESP_ERR__FENCED:
      return Status::Kind::kConflict;
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND:
    case RD_KAFKA_RESP_ERR_GROUP_SUBSCRIBED_TO_TOPIC:
      return Status::Kind::kNotFound;
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
    case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
      return Status::Kind::kOutOfRange;
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
      return Status::Kind::kTooLarge;
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR_INVALID_REQUEST:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
    case RD_KAFKA_RESP_ERR_INVALID_GROUP_ID:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
      return Status::Kind::kInvalidArgument;
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR__DESTROY:
      return Status::Kind::kFatal;
    default:
      // Timeouts, transport errors, coordinator moves, leader elections: try again.
      return Status::Kind::kRetriable;
  }
}

Status rdkafka_status(rd_kafka_resp_err_t error, const std::string& context,
                      const std::string& detail) {
  if (error == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::ok_status();
  std::string message = context + ": " + (detail.empty() ? rd_kafka_err2str(error) : detail) +
                        " (" + rd_kafka_err2name(error) + ")";
  switch (status_kind(error)) {
    case Status::Kind::kConflict:
      return Status::conflict(std::move(message));
    case Status::Kind::kNotFound:
      return Status::not_found(std::move(message));
    case Status::Kind::kOutOfRange:
      return Status::out_of_range(std::move(message));
    case Status::Kind::kTooLarge:
      return Status::too_large(std::move(message));
    case Status::Kind::kInvalidArgument:
      return Status::invalid_argument(std::move(message));
    case Status::Kind::kFatal:
      return Status::fatal(std::move(message));
    default:
      return Status::retriable(std::move(message));
  }
}

Status rdkafka_status(const rd_kafka_error_t* error, const std::string& context) {
  if (error == nullptr) return Status::ok_status();
  if (rd_kafka_error_is_fatal(error)) {
    return Status::fatal(context + ": " + rd_kafka_error_string(error) + " (" +
                         rd_kafka_error_name(error) + ")");
  }
  return rdkafka_status(rd_kafka_error_code(error), context, rd_kafka_error_string(error));
}

Status take_status(rd_kafka_error_t* error, const std::string& context) {
  const rdkafka::ErrorHandle owned(error);
  return rdkafka_status(owned.get(), context);
}

}  // namespace ferry::broker
