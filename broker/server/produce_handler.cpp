// Produce: the client's RecordBatch v2 bytes go to the partition log as they are; the log checks
// them (CRC, sizes, record framing: storage/log_validator.h) and assigns offsets in place. A batch
// of an idempotent producer has its sequence numbers checked first, by the partition log under
// its lock (storage/producer_state.h).
#include "broker/server/request_handler.h"
#include "broker/storage/record_batch.h"
#include "broker/topics/topic_name.h"

namespace ferry::broker {

using protocol::ErrorCode;

namespace {

struct SequencedAppend {
  ErrorCode error = ErrorCode::kNone;
  std::string why;                      // for the log line, with error
  Status failed = Status::ok_status();  // the log refused the append (error is then unset)
  AppendResult appended;
};

// Appends one partition's records; an idempotent producer's (the first batch has a producer id)
// through its sequence check.
SequencedAppend append_records(LogManager& logs, const std::string& topic, std::int32_t partition,
                               std::vector<std::uint8_t>& records,
                               std::int64_t first_local_producer_id) {
  SequencedAppend outcome;
  auto header = read_batch_header(records);
  if (!header.ok() || header->producer_id < 0) {
    auto appended = logs.append(topic, partition, records);
    if (appended.ok()) {
      outcome.appended = *appended;
    } else {
      outcome.failed = appended.status();
    }
    return outcome;
  }
  auto appended = logs.append_idempotent(topic, partition, records,
                                         header->producer_id >= first_local_producer_id);
  if (!appended.ok()) {
    outcome.failed = appended.status();
    return outcome;
  }
  outcome.appended = appended->appended;
  outcome.why = appended->why;
  switch (appended->verdict) {
    case ProducerVerdict::kAppend:
    case ProducerVerdict::kDuplicate:
      break;
    case ProducerVerdict::kOutOfOrderSequence:
      outcome.error = ErrorCode::kOutOfOrderSequenceNumber;
      break;
    case ProducerVerdict::kInvalidEpoch:
      outcome.error = ErrorCode::kInvalidProducerEpoch;
      break;
  }
  return outcome;
}

}  // namespace

std::optional<protocol::Struct> RequestHandler::produce(protocol::Request& request,
                                                        const RequestContext& context) {
  const std::int64_t acks = request.body.integer("Acks");
  Struct response(request.api->response);
  LogManager& logs = broker_.logs();
  for (Struct& topic : request.body.mutable_structs("TopicData")) {
    const std::string& name = topic.string("Name");
    Struct& topic_response = response.add("Responses");
    topic_response.set_string("Name", name);
    const Status valid_name = validate_topic_name(name);
    for (Struct& partition_data : topic.mutable_structs("PartitionData")) {
      const std::int64_t partition = partition_data.integer("Index");
      Struct& result = topic_response.add("PartitionResponses");
      result.set_integer("Index", partition).set_integer("BaseOffset", -1);
      ErrorCode error = ErrorCode::kNone;
      std::string why;
      if (acks != 0 && acks != 1 && acks != -1) {
        error = ErrorCode::kInvalidRequiredAcks;
      } else if (!valid_name.ok()) {
        error = ErrorCode::kInvalidTopicException;
        why = valid_name.message();
      } else if (partition_data.is_null("Records") || partition_data.bytes("Records").empty()) {
        error = ErrorCode::kCorruptMessage;
        why = "no records";
      } else {
        // The decoded body is this handler's own copy, so the log may assign offsets in it.
        std::vector<std::uint8_t>& records = partition_data.mutable_bytes("Records");
        const auto index = static_cast<std::int32_t>(partition);
        SequencedAppend outcome =
            append_records(logs, name, index, records, first_local_producer_id_);
        if (!outcome.failed.ok()) {
          error = error_code_for(outcome.failed);
          why = outcome.failed.message();
        } else if (outcome.error != ErrorCode::kNone) {
          error = outcome.error;
          why = outcome.why;
        } else {
          result.set_integer("BaseOffset", outcome.appended.base_offset)
              .set_integer("LogAppendTimeMs", outcome.appended.log_append_time);
          if (auto log = logs.partition(name, index); log.ok()) {
            result.set_integer("LogStartOffset", (*log)->log_start_offset());
          }
        }
      }
      if (error != ErrorCode::kNone) {
        result.set_integer("ErrorCode", static_cast<std::int16_t>(error));
        if (error != ErrorCode::kUnknownTopicOrPartition) {
          note("Produce v" + std::to_string(request.header.api_version) + " from " +
               context.connection + " to " + name + "-" + std::to_string(partition) + ": " +
               std::string(protocol::error_code_name(error)) + (why.empty() ? "" : ": " + why));
        }
      }
    }
  }
  if (acks == 0) return std::nullopt;
  return response;
}

}  // namespace ferry::broker
