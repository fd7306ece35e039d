#include "runtime/worker/dead_letter_queue.h"

#include <utility>

namespace ferry::runtime {
namespace {

void add_header(broker::ProducerRecord& record, std::string key, const std::string& text) {
  record.headers.push_back({std::move(key), broker::RecordBytes(text.begin(), text.end())});
}

}  // namespace

Status DeadLetterQueue::create_topic(broker::Admin& admin, const std::string& topic) {
  // There already (created before, or by another task of the connector meanwhile): fine.
  Status created = admin.create_topic(topic, 1, {});
  if (created.kind() == Status::Kind::kConflict) return Status::ok_status();
  return created;
}

DeadLetterQueue::DeadLetterQueue(Settings settings, std::unique_ptr<broker::Producer> producer)
    : settings_(std::move(settings)), producer_(std::move(producer)) {}

DeadLetterQueue::~DeadLetterQueue() { producer_->close(); }

void DeadLetterQueue::send(const broker::ConsumerRecord& original, Stage stage,
                           std::string_view class_name, const ExceptionDescription& error) {
  broker::ProducerRecord record;
  record.topic = settings_.topic;
  record.key = broker::to_record_bytes(original.key);
  record.value = broker::to_record_bytes(original.value);
  record.headers = original.headers;
  if (original.timestamp >= 0) record.timestamp = original.timestamp;
  if (settings_.context_headers) {
    add_header(record, "__connect.errors.topic", original.topic);
    add_header(record, "__connect.errors.partition", std::to_string(original.partition));
    add_header(record, "__connect.errors.offset", std::to_string(original.offset));
    add_header(record, "__connect.errors.connector.name", settings_.connector);
    add_header(record, "__connect.errors.task.id", std::to_string(settings_.task));
    add_header(record, "__connect.errors.stage", std::string(stage_name(stage)));
    add_header(record, "__connect.errors.class.name", std::string(class_name));
    add_header(record, "__connect.errors.exception.class.name", error.class_name);
    add_header(record, "__connect.errors.exception.message", error.message);
    add_header(record, "__connect.errors.exception.stacktrace", error.trace);
  }
  const std::string where = original.topic + "-" + std::to_string(original.partition) + "@" +
                            std::to_string(original.offset);
  producer_->send(std::move(record), [this, where](const Result<broker::RecordMetadata>& sent) {
    if (sent.ok()) return;
    std::scoped_lock lock(mutex_);
    ++failures_;
    if (first_failure_.ok()) {
      first_failure_ = sent.status().with_context("Could not send record " + where +
                                                  " to the dead letter queue " + settings_.topic);
    }
  });
}

Status DeadLetterQueue::flush(std::uint64_t* failures) {
  const Status flushed = producer_->flush();
  std::scoped_lock lock(mutex_);
  *failures = std::exchange(failures_, 0);
  if (!flushed.ok())
    return flushed.with_context("Flushing the dead letter queue " + settings_.topic);
  return std::exchange(first_failure_, Status::ok_status());
}

}  // namespace ferry::runtime
