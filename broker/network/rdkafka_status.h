// librdkafka's error codes as Ferry Statuses: the kind says what the caller should do (the
// broker's TOPIC_ALREADY_EXISTS is a conflict, a timeout is retriable), the message says where
// (the caller's context) and what, in librdkafka's words with Kafka's error name.
//
// Thread-safety: plain functions.
#pragma once

#include <string>

#include <librdkafka/rdkafka.h>

#include "common/result.h"

namespace ferry::broker {

Status::Kind status_kind(rd_kafka_resp_err_t error);

// "<context>: <detail or librdkafka's text> (<NAME>)"; ok for RD_KAFKA_RESP_ERR_NO_ERROR.
Status rdkafka_status(rd_kafka_resp_err_t error, const std::string& context,
                      const std::string& detail = "");

// error may be null (ok); it stays the caller's (or its result's) to destroy.
Status rdkafka_status(const rd_kafka_error_t* error, const std::string& context);

// The same for an error object the caller owns: destroys it.
Status take_status(rd_kafka_error_t* error, const std::string& context);

}  // namespace ferry::broker
