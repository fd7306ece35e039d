// broker/client/consumer.h over the Kafka protocol, on librdkafka's high-level consumer.
//
//   - subscribe() / subscribe_pattern() join the group through librdkafka; its rebalance
//     callback, served inside rd_kafka_consumer_poll (so inside poll()), calls the listener:
//     revoked partitions before librdkafka drops them (a commit there still counts), assigned
//     ones before librdkafka starts fetching them, so seek() and pause() in the listener apply
//     to the first fetch. Patterns are full-match Java/ECMAScript regexes, translated to the
//     POSIX extended syntax librdkafka matches with (subscription_regex.h).
//   - poll() waits up to the timeout for the first record, then takes what is already fetched,
//     up to max.poll.records. wakeup() yields librdkafka's consumer queue.
//   - Positions are what poll() returned past, or a seek; before either, the committed offset,
//     else auto.offset.reset (read from the broker as Java's position() does).
//   - enable.auto.commit is librdkafka's (it commits what poll() returned).
//
// Thread-safety: one thread uses a consumer, except wakeup(), which any thread may call.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "broker/client/client_config.h"
#include "broker/client/consumer.h"
#include "broker/network/rdkafka_handles.h"

namespace ferry::broker {

class NetworkConsumer final : public Consumer {
 public:
  // properties: Kafka's consumer keys with bootstrap.servers; a bad value is an error naming
  // the key.
  static Result<std::unique_ptr<NetworkConsumer>> create(
      const std::map<std::string, std::string>& properties);

  struct Key {  // create() only: the constructor is public for make_unique
    explicit Key() = default;
  };
  NetworkConsumer(Key, ConsumerConfig config);
  ~NetworkConsumer() override;
  NetworkConsumer(const NetworkConsumer&) = delete;  // owns a librdkafka handle
  NetworkConsumer& operator=(const NetworkConsumer&) = delete;

  Status subscribe(const std::vector<std::string>& topics,
                   RebalanceListener listener = {}) override;
  Status subscribe_pattern(const std::string& pattern, RebalanceListener listener = {}) override;
  Status assign(const std::set<TopicPartition>& partitions) override;
  std::set<TopicPartition> assignment() const override { return assignment_; }

  Result<std::vector<ConsumerRecord>> poll(std::chrono::milliseconds timeout) override;
  void wakeup() override;

  Status commit_sync(const std::map<TopicPartition, std::int64_t>& offsets) override;
  Status commit_sync() override;
  Result<std::optional<std::int64_t>> committed(const TopicPartition& partition) override;

  Status seek(const TopicPartition& partition, std::int64_t offset) override;
  Status seek_to_beginning(const std::set<TopicPartition>& partitions) override;
  Status seek_to_end(const std::set<TopicPartition>& partitions) override;
  Result<std::int64_t> position(const TopicPartition& partition) override;
  Result<std::map<TopicPartition, std::int64_t>> end_offsets(
      const std::set<TopicPartition>& partitions) override;

  void pause(const std::set<TopicPartition>& partitions) override;
  void resume(const std::set<TopicPartition>& partitions) override;
  std::set<TopicPartition> paused() const override { return paused_; }

  Status close() override;

  static constexpr std::string_view kWakeupMessage = "WakeupException: the consumer was woken up";

 private:
  enum class Subscription { kNone, kTopics, kPattern, kManual };

  static void on_rebalance(rd_kafka_t* handle, rd_kafka_resp_err_t error,
                           rd_kafka_topic_partition_list_t* partitions, void* opaque);
  void rebalance(rd_kafka_resp_err_t error, rd_kafka_topic_partition_list_t* partitions);
  Status check_open() const;
  // The Status for an error message of rd_kafka_consumer_poll; ok for those poll ignores.
  static Status message_error(const rd_kafka_message_t& message);
  Status start_subscription(rdkafka::PartitionListHandle topics, RebalanceListener listener,
                            Subscription type);
  // Hands partitions to librdkafka at the offsets seek() chose for them (else the committed
  // offset or auto.offset.reset), then pauses those pause() chose.
  Status apply_assignment(const std::set<TopicPartition>& partitions, bool incremental);
  Result<std::pair<std::int64_t, std::int64_t>> watermarks(const TopicPartition& partition);
  Status seek_to(const std::set<TopicPartition>& partitions, bool beginning);
  void create_missing(const std::vector<std::string>& topics);
  // Hands partition back to librdkafka to start at offset (a seek before its fetch started).
  Status restart_at(const TopicPartition& partition, std::int64_t offset);

  ConsumerConfig config_;
  rdkafka::KafkaHandle handle_;
  rdkafka::QueueHandle queue_;  // the consumer queue, for wakeup()
  std::atomic<bool> woken_{false};
  bool auto_create_topics_ = true;  // allow.auto.create.topics (Java's default: true)
  bool closed_ = false;

  Subscription type_ = Subscription::kNone;
  RebalanceListener listener_;
  bool cooperative_ = false;
  std::set<TopicPartition> assignment_;
  std::set<TopicPartition> paused_;
  std::map<TopicPartition, std::int64_t> positions_;  // past what poll() returned, or a seek
  // While the assigned listener runs: its partitions, not yet handed to librdkafka, and the
  // offsets seek() chose for them.
  std::optional<std::set<TopicPartition>> assigning_;
  std::map<TopicPartition, std::int64_t> assigning_offsets_;
  // From the rebalance callback or a fetch: returned by poll() (after any records it took).
  Status pending_error_;
};

}  // namespace ferry::broker
