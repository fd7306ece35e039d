// Owning handles for librdkafka's C objects: each is a unique_ptr whose deleter calls the
// matching rd_kafka_*_destroy, so every handle is released on every path, errors included.
// A handle handed to librdkafka (which then owns it) is release()d at that call.
//
// Thread-safety: as the underlying librdkafka object (rd_kafka_t is thread-safe; the rest are
// used by one thread at a time).
#pragma once

#include <memory>
#include <string>

#include <librdkafka/rdkafka.h>

namespace ferry::broker::rdkafka {

template <typename T, void (*Destroy)(T*)>
struct Deleter {
  void operator()(T* handle) const noexcept {
    if (handle != nullptr) Destroy(handle);
  }
};

template <typename T, void (*Destroy)(T*)>
using Handle = std::unique_ptr<T, Deleter<T, Destroy>>;

using ConfHandle = Handle<rd_kafka_conf_t, rd_kafka_conf_destroy>;
using KafkaHandle = Handle<rd_kafka_t, rd_kafka_destroy>;
using TopicHandle = Handle<rd_kafka_topic_t, rd_kafka_topic_destroy>;
using QueueHandle = Handle<rd_kafka_queue_t, rd_kafka_queue_destroy>;
using EventHandle = Handle<rd_kafka_event_t, rd_kafka_event_destroy>;
using MessageHandle = Handle<rd_kafka_message_t, rd_kafka_message_destroy>;
using PartitionListHandle =
    Handle<rd_kafka_topic_partition_list_t, rd_kafka_topic_partition_list_destroy>;
using HeadersHandle = Handle<rd_kafka_headers_t, rd_kafka_headers_destroy>;
using ErrorHandle = Handle<rd_kafka_error_t, rd_kafka_error_destroy>;
using AdminOptionsHandle = Handle<rd_kafka_AdminOptions_t, rd_kafka_AdminOptions_destroy>;
using NewTopicHandle = Handle<rd_kafka_NewTopic_t, rd_kafka_NewTopic_destroy>;
using DeleteTopicHandle = Handle<rd_kafka_DeleteTopic_t, rd_kafka_DeleteTopic_destroy>;
using NewPartitionsHandle = Handle<rd_kafka_NewPartitions_t, rd_kafka_NewPartitions_destroy>;
using ConfigResourceHandle = Handle<rd_kafka_ConfigResource_t, rd_kafka_ConfigResource_destroy>;
using DeleteGroupHandle = Handle<rd_kafka_DeleteGroup_t, rd_kafka_DeleteGroup_destroy>;
using ListGroupOffsetsHandle =
    Handle<rd_kafka_ListConsumerGroupOffsets_t, rd_kafka_ListConsumerGroupOffsets_destroy>;
using AlterGroupOffsetsHandle =
    Handle<rd_kafka_AlterConsumerGroupOffsets_t, rd_kafka_AlterConsumerGroupOffsets_destroy>;
using DeleteGroupOffsetsHandle =
    Handle<rd_kafka_DeleteConsumerGroupOffsets_t, rd_kafka_DeleteConsumerGroupOffsets_destroy>;

inline void destroy_metadata(const rd_kafka_metadata_t* metadata) {
  rd_kafka_metadata_destroy(metadata);
}
using MetadataHandle = Handle<const rd_kafka_metadata_t, destroy_metadata>;

inline PartitionListHandle new_partition_list(int capacity) {
  return PartitionListHandle(rd_kafka_topic_partition_list_new(capacity));
}

}  // namespace ferry::broker::rdkafka
