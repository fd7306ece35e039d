#include "broker/network/network_consumer.h"

#include <array>
#include <atomic>
#include <cstring>

#include <unistd.h>

#include "broker/network/network_config.h"
#include "broker/network/rdkafka_status.h"
#include "broker/network/subscription_regex.h"

namespace ferry::broker {
namespace {

using Clock = std::chrono::steady_clock;

// Kafka's client answers these with IllegalStateException / InvalidGroupIdException, as the
// embedded consumer does.
constexpr std::string_view kClosedMessage = "This consumer has already been closed.";
constexpr std::string_view kNoGroupIdMessage =
    "To use the group management or offset commit APIs, you must provide a valid group.id in "
    "the consumer configuration.";
constexpr std::string_view kMutuallyExclusiveMessage =
    "Subscription to topics, partitions and pattern are mutually exclusive";
// How long a call that asks the broker (committed offsets, watermarks, seeks) waits: Java's
// default.api.timeout.ms.
constexpr int kApiTimeoutMs = 60000;
// How long subscribe() waits for the broker to create a missing topic.
constexpr int kCreateTimeoutMs = 5000;

std::set<TopicPartition> to_set(const rd_kafka_topic_partition_list_t* list) {
  std::set<TopicPartition> partitions;
  if (list == nullptr) return partitions;
  for (int i = 0; i < list->cnt; ++i) {
    partitions.insert({list->elems[i].topic, list->elems[i].partition});
  }
  return partitions;
}

rdkafka::PartitionListHandle to_list(const std::set<TopicPartition>& partitions) {
  auto list = rdkafka::new_partition_list(static_cast<int>(partitions.size()));
  for (const TopicPartition& partition : partitions) {
    rd_kafka_topic_partition_list_add(list.get(), partition.topic.c_str(), partition.partition);
  }
  return list;
}

// The first per-partition error of a list librdkafka filled in.
Status partition_errors(const rd_kafka_topic_partition_list_t* list, const std::string& what) {
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& entry = list->elems[i];
    if (entry.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return rdkafka_status(entry.err,
                            what + " " + entry.topic + "-" + std::to_string(entry.partition));
    }
  }
  return Status::ok_status();
}

std::optional<RecordBytes> bytes_of(const void* data, std::size_t size) {
  if (data == nullptr) return std::nullopt;
  const auto* first = static_cast<const std::uint8_t*>(data);
  return RecordBytes(first, first + size);
}

ConsumerRecord to_record(const rd_kafka_message_t& message) {
  ConsumerRecord record;
  record.topic = rd_kafka_topic_name(message.rkt);
  record.partition = message.partition;
  record.offset = message.offset;
  rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  record.timestamp = rd_kafka_message_timestamp(&message, &type);
  record.timestamp_type = type == RD_KAFKA_TIMESTAMP_CREATE_TIME ? RecordTimestampType::kCreateTime
                          : type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME
                              ? RecordTimestampType::kLogAppendTime
                              : RecordTimestampType::kNoTimestampType;
  record.key = bytes_of(message.key, message.key_len);
  record.value = bytes_of(message.payload, message.len);
  rd_kafka_headers_t* headers = nullptr;  // owned by the message
  if (rd_kafka_message_headers(&message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name = nullptr;
    const void* value = nullptr;
    std::size_t size = 0;
    for (std::size_t i = 0;
         rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      record.headers.push_back({name, bytes_of(value, size)});
    }
  }
  return record;
}

// librdkafka's consumer needs a group.id even to assign partitions by hand; a consumer without
// one gets a private name it never commits under.
std::string private_group_id() {
  static std::atomic<std::uint64_t> next{0};
  return "ferry-no-group-" + std::to_string(::getpid()) + "-" + std::to_string(next++);
}

void on_error(rd_kafka_t* /*handle*/, int /*error*/, const char* /*reason*/, void* /*opaque*/) {
  // Transport errors and brokers going down are retried by librdkafka; a fatal error shows up
  // in the calls that then fail. Setting this callback keeps librdkafka from printing each.
}

}  // namespace

NetworkConsumer::NetworkConsumer(Key, ConsumerConfig config) : config_(std::move(config)) {}

Result<std::unique_ptr<NetworkConsumer>> NetworkConsumer::create(
    const std::map<std::string, std::string>& properties) {
  auto config = consumer_config_from_properties(properties);
  if (!config.ok()) return config.status();
  std::map<std::string, std::string> effective = properties;
  if (config->group_id.empty()) effective["group.id"] = private_group_id();
  auto settings = librdkafka_settings(effective, ClientRole::kConsumer);
  if (!settings.ok()) return settings.status();
  auto conf = librdkafka_conf(*settings);
  if (!conf.ok()) return conf.status();

  auto consumer = std::make_unique<NetworkConsumer>(Key{}, std::move(*config));
  const auto auto_create = properties.find("allow.auto.create.topics");
  consumer->auto_create_topics_ = auto_create == properties.end() || auto_create->second != "false";
  rd_kafka_conf_set_opaque(conf->get(), consumer.get());
  rd_kafka_conf_set_rebalance_cb(conf->get(), &NetworkConsumer::on_rebalance);
  rd_kafka_conf_set_error_cb(conf->get(), &on_error);
  std::array<char, 512> error{};
  consumer->handle_.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf->get(), error.data(), error.size()));
  if (!consumer->handle_) {
    return Status::invalid_argument("Cannot create the Kafka consumer: " +
                                    std::string(error.data()));
  }
  (void)conf->release();  // rd_kafka_new took it
  // Callbacks and errors are served from the consumer queue, i.e. inside poll().
  rd_kafka_poll_set_consumer(consumer->handle_.get());
  consumer->queue_.reset(rd_kafka_queue_get_consumer(consumer->handle_.get()));
  return consumer;
}

NetworkConsumer::~NetworkConsumer() {
  // The listener may refer to objects already gone; Java's close would call it, a destructor
  // cannot.
  listener_ = {};
  (void)close();
}

Status NetworkConsumer::check_open() const {
  if (closed_ || !handle_) return Status::conflict(std::string(kClosedMessage));
  return Status::ok_status();
}

// ---------------------------------------------------------------------------------------------
// Subscription and assignment

Status NetworkConsumer::start_subscription(rdkafka::PartitionListHandle topics,
                                           RebalanceListener listener, Subscription type) {
  if (Status status = check_open(); !status.ok()) return status;
  if (config_.group_id.empty()) return Status::invalid_argument(std::string(kNoGroupIdMessage));
  if (type_ != Subscription::kNone && type_ != type) {
    return Status::conflict(std::string(kMutuallyExclusiveMessage));
  }
  listener_ = std::move(listener);
  type_ = type;
  return rdkafka_status(rd_kafka_subscribe(handle_.get(), topics.get()), "Cannot subscribe");
}

Status NetworkConsumer::subscribe(const std::vector<std::string>& topics,
                                  RebalanceListener listener) {
  if (auto_create_topics_ && check_open().ok()) create_missing(topics);
  auto list = rdkafka::new_partition_list(static_cast<int>(topics.size()));
  for (const std::string& topic : topics) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  return start_subscription(std::move(list), std::move(listener), Subscription::kTopics);
}

void NetworkConsumer::create_missing(const std::vector<std::string>& topics) {
  // librdkafka 2.0's group code asks for its subscription's metadata without letting the broker
  // create topics, whatever allow.auto.create.topics says; a Metadata request of the
  // application's own does let it, as Java's consumer does (the sink of a topic nobody has
  // written to yet gets it created). Best effort: a topic still missing is waited for.
  for (const std::string& topic : topics) {
    const rdkafka::TopicHandle handle(rd_kafka_topic_new(handle_.get(), topic.c_str(), nullptr));
    if (!handle) continue;
    const rd_kafka_metadata_t* raw = nullptr;
    (void)rd_kafka_metadata(handle_.get(), 0, handle.get(), &raw, kCreateTimeoutMs);
    const rdkafka::MetadataHandle owned(raw);
  }
}

Status NetworkConsumer::subscribe_pattern(const std::string& pattern, RebalanceListener listener) {
  auto regex = librdkafka_subscription_regex(pattern);
  if (!regex.ok()) return regex.status();
  auto list = rdkafka::new_partition_list(1);
  rd_kafka_topic_partition_list_add(list.get(), regex->c_str(), RD_KAFKA_PARTITION_UA);
  return start_subscription(std::move(list), std::move(listener), Subscription::kPattern);
}

Status NetworkConsumer::assign(const std::set<TopicPartition>& partitions) {
  if (Status status = check_open(); !status.ok()) return status;
  if (type_ == Subscription::kTopics || type_ == Subscription::kPattern) {
    return Status::conflict(std::string(kMutuallyExclusiveMessage));
  }
  type_ = partitions.empty() ? Subscription::kNone : Subscription::kManual;
  std::erase_if(positions_, [&](const auto& entry) { return !partitions.contains(entry.first); });
  std::erase_if(paused_, [&](const TopicPartition& tp) { return !partitions.contains(tp); });
  assignment_.clear();
  return apply_assignment(partitions, false);
}

Status NetworkConsumer::apply_assignment(const std::set<TopicPartition>& partitions,
                                         bool incremental) {
  assignment_.insert(partitions.begin(), partitions.end());
  assigning_ = partitions;
  assigning_offsets_.clear();
  if (listener_.on_partitions_assigned) listener_.on_partitions_assigned(partitions);
  auto list = to_list(partitions);
  for (int i = 0; i < list->cnt; ++i) {
    const auto chosen = assigning_offsets_.find({list->elems[i].topic, list->elems[i].partition});
    list->elems[i].offset =
        chosen != assigning_offsets_.end() ? chosen->second : RD_KAFKA_OFFSET_INVALID;
  }
  assigning_.reset();
  assigning_offsets_.clear();
  Status assigned =
      incremental
          ? take_status(rd_kafka_incremental_assign(handle_.get(), list.get()),
                        "Cannot take the assigned partitions")
          : rdkafka_status(rd_kafka_assign(handle_.get(), list->cnt > 0 ? list.get() : nullptr),
                           "Cannot take the assigned partitions");
  if (!assigned.ok()) return assigned;
  std::set<TopicPartition> to_pause;
  for (const TopicPartition& partition : partitions) {
    if (paused_.contains(partition)) to_pause.insert(partition);
  }
  if (!to_pause.empty()) {
    auto pause_list = to_list(to_pause);
    return rdkafka_status(rd_kafka_pause_partitions(handle_.get(), pause_list.get()),
                          "Cannot pause partitions");
  }
  return Status::ok_status();
}

void NetworkConsumer::on_rebalance(rd_kafka_t* /*handle*/, rd_kafka_resp_err_t error,
                                   rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<NetworkConsumer*>(opaque)->rebalance(error, partitions);
}

void NetworkConsumer::rebalance(rd_kafka_resp_err_t error,
                                rd_kafka_topic_partition_list_t* partitions) {
  cooperative_ = std::strcmp(rd_kafka_rebalance_protocol(handle_.get()), "COOPERATIVE") == 0;
  const std::set<TopicPartition> changed = to_set(partitions);
  Status status;
  if (error == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    status = apply_assignment(changed, cooperative_);
  } else {
    // Revoked (or an error, which loses the assignment): the listener commits first, while
    // librdkafka still holds the partitions.
    if (listener_.on_partitions_revoked) listener_.on_partitions_revoked(changed);
    status = cooperative_ ? take_status(rd_kafka_incremental_unassign(handle_.get(), partitions),
                                        "Cannot give up the revoked partitions")
                          : rdkafka_status(rd_kafka_assign(handle_.get(), nullptr),
                                           "Cannot give up the revoked partitions");
    for (const TopicPartition& partition : changed) {
      assignment_.erase(partition);
      positions_.erase(partition);
      paused_.erase(partition);
    }
    if (!cooperative_) {
      assignment_.clear();
      positions_.clear();
      paused_.clear();
    }
    if (error != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS && status.ok()) {
      status = rdkafka_status(error, "Rebalance failed");
    }
  }
  if (!status.ok() && pending_error_.ok()) pending_error_ = status;
}

// ---------------------------------------------------------------------------------------------
// Polling

Result<std::vector<ConsumerRecord>> NetworkConsumer::poll(std::chrono::milliseconds timeout) {
  if (Status status = check_open(); !status.ok()) return status;
  if (timeout.count() < 0) return Status::invalid_argument("Timeout must not be negative");
  if (type_ == Subscription::kNone) {
    return Status::conflict("Consumer is not subscribed to any topics or assigned any partitions");
  }
  if (woken_.exchange(false)) return Status::retriable(std::string(kWakeupMessage));
  const Clock::time_point deadline =
      Clock::now() + std::min<std::chrono::milliseconds>(timeout, std::chrono::hours(24));
  std::vector<ConsumerRecord> records;
  for (;;) {
    int wait_ms = 0;
    if (records.empty()) {
      wait_ms = static_cast<int>(std::max<std::int64_t>(
          0,
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count()));
    }
    const rdkafka::MessageHandle message(rd_kafka_consumer_poll(handle_.get(), wait_ms));
    if (message && message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ConsumerRecord record = to_record(*message);
      positions_[{record.topic, record.partition}] = record.offset + 1;
      records.push_back(std::move(record));
    } else if (message) {
      if (Status failed = message_error(*message); !failed.ok() && pending_error_.ok()) {
        pending_error_ = std::move(failed);
      }
    }
    // An error (here, or from the rebalance callback) ends this poll; records already taken
    // are returned first and the error by the next poll.
    if (!pending_error_.ok()) {
      if (!records.empty()) return records;
      return std::exchange(pending_error_, Status::ok_status());
    }
    if (records.size() >= static_cast<std::size_t>(config_.max_poll_records)) return records;
    if (!message) {
      if (!records.empty()) return records;  // a wakeup meanwhile ends the next poll
      if (woken_.exchange(false)) return Status::retriable(std::string(kWakeupMessage));
      if (Clock::now() >= deadline) return records;
    }
  }
}

Status NetworkConsumer::message_error(const rd_kafka_message_t& message) {
  switch (message.err) {
    case RD_KAFKA_RESP_ERR__PARTITION_EOF:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      return Status::ok_status();  // a subscribed topic that does not exist yet: Java waits too
    default:
      break;
  }
  if (message.rkt == nullptr) {
    return rdkafka_status(message.err, "Consumer poll", rd_kafka_message_errstr(&message));
  }
  const std::string partition =
      std::string(rd_kafka_topic_name(message.rkt)) + "-" + std::to_string(message.partition);
  if (message.err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) {
    return Status::not_found("Undefined offset with no reset policy for partitions: [" + partition +
                             "]");
  }
  return rdkafka_status(message.err, "Consumer poll of " + partition,
                        rd_kafka_message_errstr(&message));
}

void NetworkConsumer::wakeup() {
  woken_ = true;
  if (queue_) rd_kafka_queue_yield(queue_.get());
}

// ---------------------------------------------------------------------------------------------
// Offsets

Status NetworkConsumer::commit_sync(const std::map<TopicPartition, std::int64_t>& offsets) {
  if (Status status = check_open(); !status.ok()) return status;
  if (config_.group_id.empty()) {
    return Status::invalid_argument("group.id is required to commit: " +
                                    std::string(kNoGroupIdMessage));
  }
  if (offsets.empty()) return Status::ok_status();
  auto list = rdkafka::new_partition_list(static_cast<int>(offsets.size()));
  for (const auto& [partition, offset] : offsets) {
    if (offset < 0) {
      return Status::invalid_argument("Invalid offset: " + std::to_string(offset) + " for " +
                                      to_string(partition));
    }
    rd_kafka_topic_partition_list_add(list.get(), partition.topic.c_str(), partition.partition)
        ->offset = offset;
  }
  const rd_kafka_resp_err_t error = rd_kafka_commit(handle_.get(), list.get(), 0);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR && error != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    return rdkafka_status(error, "Commit of group " + config_.group_id + " failed");
  }
  return partition_errors(list.get(), "Commit of group " + config_.group_id + " failed for");
}

Status NetworkConsumer::commit_sync() {
  if (Status status = check_open(); !status.ok()) return status;
  std::map<TopicPartition, std::int64_t> offsets;
  for (const auto& [partition, offset] : positions_) {
    if (assignment_.contains(partition)) offsets[partition] = offset;
  }
  return commit_sync(offsets);
}

Result<std::optional<std::int64_t>> NetworkConsumer::committed(const TopicPartition& partition) {
  if (Status status = check_open(); !status.ok()) return status;
  if (config_.group_id.empty()) return Status::invalid_argument(std::string(kNoGroupIdMessage));
  auto list = to_list({partition});
  const std::string what = "Cannot read the committed offset of group " + config_.group_id;
  if (Status status = rdkafka_status(rd_kafka_committed(handle_.get(), list.get(), kApiTimeoutMs),
                                     what + " for " + to_string(partition));
      !status.ok()) {
    return status;
  }
  if (Status status = partition_errors(list.get(), what + " for"); !status.ok()) return status;
  const std::int64_t offset = list->elems[0].offset;
  if (offset < 0) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(offset);
}

Status NetworkConsumer::seek(const TopicPartition& partition, std::int64_t offset) {
  if (Status status = check_open(); !status.ok()) return status;
  if (offset < 0) return Status::invalid_argument("seek offset must not be a negative number");
  if (!assignment_.contains(partition)) {
    return Status::conflict("No current assignment for partition " + to_string(partition));
  }
  if (assigning_ && assigning_->contains(partition)) {
    // In the assigned listener: the offset goes with the assignment (librdkafka cannot seek a
    // partition it does not fetch yet).
    assigning_offsets_[partition] = offset;
    positions_[partition] = offset;
    return Status::ok_status();
  }
  auto list = to_list({partition});
  list->elems[0].offset = offset;
  rdkafka::ErrorHandle error(rd_kafka_seek_partitions(handle_.get(), list.get(), kApiTimeoutMs));
  rd_kafka_resp_err_t code = error ? rd_kafka_error_code(error.get()) : list->elems[0].err;
  if (code == RD_KAFKA_RESP_ERR__STATE) {
    // librdkafka 2.0 seeks only partitions it already fetches; one assigned but not started
    // yet is handed over again, starting at the offset.
    positions_[partition] = offset;
    return restart_at(partition, offset);
  }
  if (error) return rdkafka_status(error.get(), "Cannot seek " + to_string(partition));
  if (Status status = partition_errors(list.get(), "Cannot seek"); !status.ok()) return status;
  positions_[partition] = offset;
  return Status::ok_status();
}

Status NetworkConsumer::restart_at(const TopicPartition& partition, std::int64_t offset) {
  if (cooperative_) {
    auto one = to_list({partition});
    if (Status status = take_status(rd_kafka_incremental_unassign(handle_.get(), one.get()),
                                    "Cannot seek " + to_string(partition));
        !status.ok()) {
      return status;
    }
    one->elems[0].offset = offset;
    if (Status status = take_status(rd_kafka_incremental_assign(handle_.get(), one.get()),
                                    "Cannot seek " + to_string(partition));
        !status.ok()) {
      return status;
    }
  } else {
    // The whole assignment again, every partition at its known position (else where it would
    // start anyway: the committed offset or auto.offset.reset).
    auto all = to_list(assignment_);
    for (int i = 0; i < all->cnt; ++i) {
      const auto known = positions_.find({all->elems[i].topic, all->elems[i].partition});
      all->elems[i].offset = known != positions_.end() ? known->second : RD_KAFKA_OFFSET_INVALID;
    }
    if (Status status = rdkafka_status(rd_kafka_assign(handle_.get(), all.get()),
                                       "Cannot seek " + to_string(partition));
        !status.ok()) {
      return status;
    }
  }
  if (paused_.empty()) return Status::ok_status();
  auto pause_list = to_list(paused_);
  return rdkafka_status(rd_kafka_pause_partitions(handle_.get(), pause_list.get()),
                        "Cannot pause partitions");
}

Result<std::pair<std::int64_t, std::int64_t>> NetworkConsumer::watermarks(
    const TopicPartition& partition) {
  std::int64_t low = 0;
  std::int64_t high = 0;
  const rd_kafka_resp_err_t error = rd_kafka_query_watermark_offsets(
      handle_.get(), partition.topic.c_str(), partition.partition, &low, &high, kApiTimeoutMs);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return rdkafka_status(error, "Cannot read the offsets of " + to_string(partition));
  }
  return std::pair{low, high};
}

Status NetworkConsumer::seek_to(const std::set<TopicPartition>& partitions, bool beginning) {
  if (Status status = check_open(); !status.ok()) return status;
  const std::set<TopicPartition>& targets = partitions.empty() ? assignment_ : partitions;
  for (const TopicPartition& partition : targets) {
    if (!assignment_.contains(partition)) {
      return Status::conflict("No current assignment for partition " + to_string(partition));
    }
  }
  for (const TopicPartition& partition : std::set<TopicPartition>(targets)) {
    auto marks = watermarks(partition);
    if (!marks.ok()) return marks.status();
    if (Status status = seek(partition, beginning ? marks->first : marks->second); !status.ok()) {
      return status;
    }
  }
  return Status::ok_status();
}

Status NetworkConsumer::seek_to_beginning(const std::set<TopicPartition>& partitions) {
  return seek_to(partitions, true);
}

Status NetworkConsumer::seek_to_end(const std::set<TopicPartition>& partitions) {
  return seek_to(partitions, false);
}

Result<std::int64_t> NetworkConsumer::position(const TopicPartition& partition) {
  if (Status status = check_open(); !status.ok()) return status;
  if (!assignment_.contains(partition)) {
    return Status::conflict(
        "You can only check the position for partitions assigned to this "
        "consumer.");
  }
  if (const auto known = positions_.find(partition); known != positions_.end()) {
    return known->second;
  }
  auto list = to_list({partition});
  if (rd_kafka_position(handle_.get(), list.get()) == RD_KAFKA_RESP_ERR_NO_ERROR &&
      list->elems[0].offset >= 0) {
    return list->elems[0].offset;
  }
  // Not fetched yet: where librdkafka will start, as Java's position() works it out.
  if (!config_.group_id.empty()) {
    auto committed_offset = committed(partition);
    if (!committed_offset.ok()) return committed_offset.status();
    if (*committed_offset) return **committed_offset;
  }
  if (config_.auto_offset_reset == OffsetReset::kNone) {
    return Status::not_found("Undefined offset with no reset policy for partitions: [" +
                             to_string(partition) + "]");
  }
  auto marks = watermarks(partition);
  if (!marks.ok()) return marks.status();
  return config_.auto_offset_reset == OffsetReset::kEarliest ? marks->first : marks->second;
}

Result<std::map<TopicPartition, std::int64_t>> NetworkConsumer::end_offsets(
    const std::set<TopicPartition>& partitions) {
  if (Status status = check_open(); !status.ok()) return status;
  std::map<TopicPartition, std::int64_t> ends;
  for (const TopicPartition& partition : partitions) {
    auto marks = watermarks(partition);
    if (!marks.ok()) return marks.status();
    ends[partition] = marks->second;
  }
  return ends;
}

// ---------------------------------------------------------------------------------------------
// Flow control and close

void NetworkConsumer::pause(const std::set<TopicPartition>& partitions) {
  if (check_open().ok() == false) return;
  std::set<TopicPartition> fetching;
  for (const TopicPartition& partition : partitions) {
    if (!assignment_.contains(partition)) continue;
    paused_.insert(partition);
    // Partitions in the assigned listener are paused once librdkafka has them.
    if (!assigning_ || !assigning_->contains(partition)) fetching.insert(partition);
  }
  if (fetching.empty()) return;
  auto list = to_list(fetching);
  (void)rd_kafka_pause_partitions(handle_.get(), list.get());
}

void NetworkConsumer::resume(const std::set<TopicPartition>& partitions) {
  if (check_open().ok() == false) return;
  std::set<TopicPartition> fetching;
  for (const TopicPartition& partition : partitions) {
    if (paused_.erase(partition) == 0) continue;
    if (!assigning_ || !assigning_->contains(partition)) fetching.insert(partition);
  }
  if (fetching.empty()) return;
  auto list = to_list(fetching);
  (void)rd_kafka_resume_partitions(handle_.get(), list.get());
}

Status NetworkConsumer::close() {
  if (closed_ || !handle_) return Status::ok_status();
  // Still open while librdkafka leaves the group: the revoked listener may commit.
  Status status = rdkafka_status(rd_kafka_consumer_close(handle_.get()), "Consumer close");
  closed_ = true;
  queue_.reset();
  handle_.reset();
  return status;
}

}  // namespace ferry::broker
