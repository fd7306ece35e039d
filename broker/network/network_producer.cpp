#include "broker/network/network_producer.h"

#include <array>
#include <charconv>

#include "broker/network/network_config.h"
#include "broker/network/rdkafka_status.h"
#include "common/thread_name.h"

namespace ferry::broker {
namespace {

using namespace std::chrono_literals;

// librdkafka tells a null key, value or header value from an empty one by the pointer: an empty
// one needs a pointer that is not null, which an empty vector's data() may not give.
const std::uint8_t kEmptyBytes[1] = {0};

const void* bytes_of(const std::optional<RecordBytes>& bytes) {
  if (!bytes) return nullptr;
  return bytes->empty() ? static_cast<const void*>(kEmptyBytes) : bytes->data();
}

std::size_t size_of(const std::optional<RecordBytes>& bytes) { return bytes ? bytes->size() : 0; }

// Java's max.block.ms, which bounds how long send() waits for room in the local queue.
std::chrono::milliseconds max_block(const std::map<std::string, std::string>& properties) {
  const auto it = properties.find("max.block.ms");
  long long value = 60000;
  if (it != properties.end()) {
    const std::string& text = it->second;
    std::from_chars(text.data(), text.data() + text.size(), value);
  }
  return std::chrono::milliseconds(std::max(0LL, value));
}

std::string where(const std::string& topic, std::int32_t partition) {
  return partition == RD_KAFKA_PARTITION_UA ? topic : topic + "-" + std::to_string(partition);
}

}  // namespace

NetworkProducer::NetworkProducer(Key, std::chrono::milliseconds max_block)
    : max_block_(max_block) {}

Result<std::unique_ptr<NetworkProducer>> NetworkProducer::create(
    const std::map<std::string, std::string>& properties) {
  auto settings = librdkafka_settings(properties, ClientRole::kProducer);
  if (!settings.ok()) return settings.status();
  auto conf = librdkafka_conf(*settings);
  if (!conf.ok()) return conf.status();
  auto producer = std::make_unique<NetworkProducer>(Key{}, max_block(properties));
  rd_kafka_conf_set_opaque(conf->get(), producer.get());
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &NetworkProducer::on_delivery);
  std::array<char, 512> error{};
  // rd_kafka_new takes the configuration only when it succeeds.
  producer->handle_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), error.data(), error.size()));
  if (!producer->handle_) {
    return Status::invalid_argument("Cannot create the Kafka producer: " +
                                    std::string(error.data()));
  }
  (void)conf->release();
  producer->poller_ = std::thread([raw = producer.get()] { raw->poll_loop(); });
  return producer;
}

NetworkProducer::~NetworkProducer() { close(); }

void NetworkProducer::send(ProducerRecord record, Callback done) {
  if (closed_) {
    done(Status::invalid_argument("Cannot send after the producer is closed."));
    return;
  }
  rdkafka::HeadersHandle headers;
  if (!record.headers.empty()) {
    headers.reset(rd_kafka_headers_new(record.headers.size()));
    for (const ClientHeader& header : record.headers) {
      rd_kafka_header_add(headers.get(), header.key.data(), static_cast<ssize_t>(header.key.size()),
                          bytes_of(header.value), static_cast<ssize_t>(size_of(header.value)));
    }
  }
  auto callback = std::make_unique<Callback>(std::move(done));
  const std::int32_t partition = record.partition.value_or(RD_KAFKA_PARTITION_UA);
  // The message's fields, as librdkafka's var-arg produce takes them (no allocation per send).
  std::array<rd_kafka_vu_t, 8> fields{};
  std::size_t count = 0;
  const auto field = [&](rd_kafka_vtype_t type) -> rd_kafka_vu_t& {
    fields[count].vtype = type;
    return fields[count++];
  };
  field(RD_KAFKA_VTYPE_TOPIC).u.cstr = record.topic.c_str();
  field(RD_KAFKA_VTYPE_PARTITION).u.i32 = partition;
  field(RD_KAFKA_VTYPE_MSGFLAGS).u.i = RD_KAFKA_MSG_F_COPY;
  field(RD_KAFKA_VTYPE_KEY).u.mem = {const_cast<void*>(bytes_of(record.key)), size_of(record.key)};
  field(RD_KAFKA_VTYPE_VALUE).u.mem = {const_cast<void*>(bytes_of(record.value)),
                                       size_of(record.value)};
  // 0: librdkafka stamps the time of send.
  field(RD_KAFKA_VTYPE_TIMESTAMP).u.i64 = record.timestamp.value_or(0);
  field(RD_KAFKA_VTYPE_OPAQUE).u.ptr = callback.get();
  if (headers) field(RD_KAFKA_VTYPE_HEADERS).u.headers = headers.get();

  {
    std::lock_guard lock(mutex_);
    ++in_flight_;
  }
  const auto deadline = std::chrono::steady_clock::now() + max_block_;
  rdkafka::ErrorHandle error;
  for (;;) {
    error.reset(rd_kafka_produceva(handle_.get(), fields.data(), count));
    if (!error) {
      // librdkafka owns the headers now, and hands the callback back in the delivery report.
      (void)headers.release();
      (void)callback.release();
      return;
    }
    // Java's send blocks while the buffer is full; the poller thread frees it.
    if (rd_kafka_error_code(error.get()) != RD_KAFKA_RESP_ERR__QUEUE_FULL ||
        std::chrono::steady_clock::now() >= deadline || closed_) {
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  const Status failed =
      take_status(error.release(), "Cannot send to " + where(record.topic, partition));
  (*callback)(failed);
  delivered();
}

void NetworkProducer::on_delivery(rd_kafka_t* /*handle*/, const rd_kafka_message_t* message,
                                  void* opaque) {
  auto* self = static_cast<NetworkProducer*>(opaque);
  const std::unique_ptr<Callback> done(static_cast<Callback*>(message->_private));
  const std::string topic = message->rkt != nullptr ? rd_kafka_topic_name(message->rkt) : "";
  if (done && *done) {
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      (*done)(rdkafka_status(message->err,
                             "Delivery to " + where(topic, message->partition) + " failed"));
    } else {
      rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
      const std::int64_t timestamp = rd_kafka_message_timestamp(message, &type);
      (*done)(RecordMetadata{topic, message->partition, message->offset, timestamp});
    }
  }
  self->delivered();
}

void NetworkProducer::delivered() {
  std::lock_guard lock(mutex_);
  if (--in_flight_ == 0) all_delivered_.notify_all();
}

void NetworkProducer::poll_loop() {
  name_this_thread("producer-poller");
  while (!stopping_) rd_kafka_poll(handle_.get(), 100);
}

Status NetworkProducer::flush() {
  // Waits for the callbacks rather than calling rd_kafka_flush, which would run delivery
  // reports on this thread too and so break their order; message.timeout.ms bounds the wait.
  std::unique_lock lock(mutex_);
  all_delivered_.wait(lock, [this] { return in_flight_ == 0; });
  return Status::ok_status();
}

void NetworkProducer::close() {
  std::lock_guard close_lock(close_mutex_);
  if (!handle_) return;
  closed_ = true;
  (void)flush();
  stopping_ = true;
  if (poller_.joinable()) poller_.join();
  handle_.reset();
}

}  // namespace ferry::broker
