// An idempotent librdkafka producer (enable.idempotence=true) against the real `ferry broker`,
// killed with SIGKILL mid-stream and restarted on the same port and data while the producer goes
// on: the producer's retries of batches the broker appended but never acknowledged must be
// recognised as duplicates by the restarted broker (its producer state rebuilt from the log), its
// next batches must be taken in sequence, and in the end every acknowledged record is in the
// topic exactly once, in the order sent, at the offset it was acknowledged with.
#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "broker/network/rdkafka_handles.h"
#include "tests/broker_process.h"
#include "tests/temp_directory.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

// A TCP proxy in front of the broker (which advertises the proxy's port, so the client's every
// connection goes through it) that can drop the broker's responses: the broker appends what
// the producer sends, and the producer never hears of it. Killing the broker then leaves batches
// in the log that the producer must retry, exactly the case of a response lost to a crash.
class ResponseDroppingProxy {
 public:
  ResponseDroppingProxy(int listen_port, int broker_port) : broker_port_(broker_port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int yes = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    const sockaddr_in address = loopback(listen_port);
    if (::bind(listener_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 16) != 0) {
      ADD_FAILURE() << "proxy: cannot listen on " << listen_port << ": " << std::strerror(errno);
    }
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~ResponseDroppingProxy() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    ::close(listener_);
    std::lock_guard lock(mutex_);
    for (int fd : sockets_) ::shutdown(fd, SHUT_RDWR);
    for (std::thread& pump : pumps_) pump.join();
    for (int fd : sockets_) ::close(fd);
  }

  // From now on the broker's bytes to the client are dropped, until the broker connection ends.
  void drop_responses() { dropping_ = true; }
  void pass_responses() { dropping_ = false; }
  std::uint64_t dropped_bytes() const { return dropped_; }

 private:
  static sockaddr_in loopback(int port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    return address;
  }

  void accept_loop() {
    while (!stopping_) {
      const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) {
        if (stopping_) return;
        continue;
      }
      const int broker = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      const sockaddr_in address = loopback(broker_port_);
      if (::connect(broker, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        ::close(broker);
        ::close(client);  // the broker is down: so is the proxy's connection
        continue;
      }
      std::lock_guard lock(mutex_);
      sockets_.push_back(client);
      sockets_.push_back(broker);
      pumps_.emplace_back([this, client, broker] { pump(client, broker, false); });
      pumps_.emplace_back([this, client, broker] { pump(broker, client, true); });
    }
  }

  // Copies from to to until either end closes, then closes both directions of both.
  void pump(int from, int to, bool responses) {
    char buffer[65536];
    while (true) {
      const ssize_t got = ::recv(from, buffer, sizeof buffer, 0);
      if (got <= 0) break;
      if (responses && dropping_) {
        dropped_ += static_cast<std::uint64_t>(got);
        continue;
      }
      ssize_t done = 0;
      while (done < got) {
        const ssize_t put =
            ::send(to, buffer + done, static_cast<std::size_t>(got - done), MSG_NOSIGNAL);
        if (put <= 0) break;
        done += put;
      }
      if (done < got) break;
    }
    ::shutdown(from, SHUT_RDWR);
    ::shutdown(to, SHUT_RDWR);
  }

  int broker_port_;
  int listener_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> dropping_{false};
  std::atomic<std::uint64_t> dropped_{0};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<int> sockets_;        // guarded by mutex_; closed at the end
  std::vector<std::thread> pumps_;  // guarded by mutex_
};

using Kafka = broker::rdkafka::KafkaHandle;

Kafka make_client(rd_kafka_type_t type, const std::map<std::string, std::string>& settings,
                  void (*delivered)(rd_kafka_t*, const rd_kafka_message_t*, void*) = nullptr,
                  void* opaque = nullptr) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  for (const auto& [key, value] : settings) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error) !=
        RD_KAFKA_CONF_OK) {
      ADD_FAILURE() << key << ": " << error;
    }
  }
  if (delivered) rd_kafka_conf_set_dr_msg_cb(conf, delivered);
  if (opaque) rd_kafka_conf_set_opaque(conf, opaque);
  rd_kafka_t* kafka = rd_kafka_new(type, conf, error, sizeof error);
  if (!kafka) {
    rd_kafka_conf_destroy(conf);
    ADD_FAILURE() << error;
  }
  return Kafka(kafka);
}

// What the delivery reports said, by record number.
struct Deliveries {
  std::mutex mutex;
  std::map<long, std::int64_t> acknowledged;  // record number -> offset
  std::vector<std::string> failures;
  std::atomic<long> count{0};
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto& deliveries = *static_cast<Deliveries*>(opaque);
  const long number = reinterpret_cast<std::intptr_t>(message->_private);
  std::lock_guard lock(deliveries.mutex);
  if (message->err) {
    deliveries.failures.push_back("r" + std::to_string(number) + ": " +
                                  rd_kafka_err2str(message->err));
  } else {
    deliveries.acknowledged[number] = message->offset;
  }
  deliveries.count.fetch_add(1);
}

// Every (offset, value) of topic-0 from the start to the end, with a plain consumer.
std::vector<std::pair<std::int64_t, std::string>> read_all(const std::string& address,
                                                           const std::string& topic) {
  Kafka consumer = make_client(RD_KAFKA_CONSUMER, {{"bootstrap.servers", address},
                                                   {"group.id", "idempotence-check"},
                                                   {"enable.partition.eof", "true"},
                                                   {"enable.auto.commit", "false"}});
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(assignment, topic.c_str(), 0)->offset =
      RD_KAFKA_OFFSET_BEGINNING;
  EXPECT_EQ(rd_kafka_assign(consumer.get(), assignment), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(assignment);
  std::vector<std::pair<std::int64_t, std::string>> records;
  const auto deadline = std::chrono::steady_clock::now() + kBrokerDeadline;
  while (std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer.get(), 500);
    if (!message) continue;
    const rd_kafka_resp_err_t error = message->err;
    if (error == RD_KAFKA_RESP_ERR_NO_ERROR) {
      records.emplace_back(message->offset,
                           std::string(static_cast<const char*>(message->payload), message->len));
    }
    rd_kafka_message_destroy(message);
    if (error == RD_KAFKA_RESP_ERR__PARTITION_EOF) break;
    EXPECT_EQ(error, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(error);
  }
  rd_kafka_consumer_close(consumer.get());
  return records;
}

TEST(KafkaIdempotence, AProducerGoesOnThroughABrokerKilledAndRestartedWithoutDuplicates) {
  TempDir dir;
  const int port = free_loopback_port();
  const int proxy_port = free_loopback_port();
  ASSERT_GT(port, 0);
  ASSERT_GT(proxy_port, 0);
  ResponseDroppingProxy proxy(proxy_port, port);
  const std::string proxied = "127.0.0.1:" + std::to_string(proxy_port);
  // Small segments, so that the restarted broker rebuilds from a snapshot taken at a roll plus
  // the recovery scan of what came after it.
  const std::string extra = "listeners=PLAINTEXT://127.0.0.1:" + std::to_string(port) +
                            "\nadvertised.listeners=PLAINTEXT://" + proxied +
                            "\nlog.segment.bytes=262144\n";
  auto broker = std::make_unique<BrokerProcess>(dir.path(), extra, "-first");
  ASSERT_EQ(broker->address(), "127.0.0.1:" + std::to_string(port));

  Deliveries deliveries;
  Kafka producer = make_client(RD_KAFKA_PRODUCER,
                               {{"bootstrap.servers", proxied},
                                {"enable.idempotence", "true"},
                                {"acks", "all"},
                                {"linger.ms", "2"},
                                {"batch.num.messages", "200"},
                                // A short queue: the sender keeps pace with the acknowledgements,
                                // so it is still sending when the broker dies and comes back.
                                {"queue.buffering.max.messages", "4000"},
                                {"message.timeout.ms", "120000"},
                                {"retry.backoff.ms", "50"},
                                {"reconnect.backoff.ms", "50"},
                                {"reconnect.backoff.max.ms", "500"}},
                               on_delivery, &deliveries);
  ASSERT_TRUE(producer);
  constexpr long kRecords = 60'000;
  constexpr long kKillAfter = 15'000;  // acknowledged
  std::atomic<long> sent{0};
  std::atomic<bool> stop{false};
  // Sends r0, r1, ... to partition 0 as fast as the queue takes them.
  std::thread sender([&] {
    for (long i = 0; i < kRecords && !stop; ++i) {
      const std::string value = "r" + std::to_string(i);
      while (!stop) {
        const rd_kafka_resp_err_t error = rd_kafka_producev(
            producer.get(), RD_KAFKA_V_TOPIC("idempotent"), RD_KAFKA_V_PARTITION(0),
            RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<std::intptr_t>(i))),
            RD_KAFKA_V_END);
        if (error == RD_KAFKA_RESP_ERR_NO_ERROR) break;
        ASSERT_EQ(error, RD_KAFKA_RESP_ERR__QUEUE_FULL) << rd_kafka_err2str(error);
        rd_kafka_poll(producer.get(), 10);
      }
      sent = i + 1;
      rd_kafka_poll(producer.get(), 0);
    }
    // Delivery reports run from poll.
    while (!stop) rd_kafka_poll(producer.get(), 20);
  });
  struct Joiner {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~Joiner() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } joiner{stop, sender};

  // Twice: responses lost while the broker goes on appending, then the broker killed and
  // restarted on the same port and data while the producer goes on.
  for (const std::string run : {"-second", "-third"}) {
    const long target = deliveries.count.load() + kKillAfter;
    ASSERT_TRUE(wait_until([&] { return deliveries.count.load() >= target; }, 60s, 1ms))
        << broker->log();
    const std::uint64_t dropped_before = proxy.dropped_bytes();
    proxy.drop_responses();
    ASSERT_TRUE(wait_until([&] { return proxy.dropped_bytes() > dropped_before; }, 10s, 1ms));
    std::this_thread::sleep_for(200ms);  // the producer's in-flight requests all appended
    broker->kill();
    proxy.pass_responses();
    std::this_thread::sleep_for(300ms);  // the producer queues and retries meanwhile
    broker = std::make_unique<BrokerProcess>(dir.path(), extra, run);
    ASSERT_EQ(broker->address(), "127.0.0.1:" + std::to_string(port)) << broker->log();
  }
  const long acknowledged_before_last_kill = deliveries.count.load();

  ASSERT_TRUE(wait_until([&] { return sent.load() == kRecords; }, 120s, 10ms));
  stop = true;
  sender.join();
  EXPECT_EQ(rd_kafka_flush(producer.get(), 120'000), RD_KAFKA_RESP_ERR_NO_ERROR);
  char fatal[512] = "";
  EXPECT_EQ(rd_kafka_fatal_error(producer.get(), fatal, sizeof fatal), RD_KAFKA_RESP_ERR_NO_ERROR)
      << fatal;
  producer.reset();
  std::lock_guard lock(deliveries.mutex);
  EXPECT_TRUE(deliveries.failures.empty())
      << deliveries.failures.size() << " failed, the first: " << deliveries.failures.front();
  ASSERT_EQ(deliveries.acknowledged.size(), static_cast<std::size_t>(kRecords));
  EXPECT_LT(acknowledged_before_last_kill, kRecords) << "the kill came after the last record";

  // Every record once, in the order sent, at its acknowledged offset.
  const std::vector<std::pair<std::int64_t, std::string>> stored =
      read_all(broker->address(), "idempotent");
  ASSERT_EQ(stored.size(), static_cast<std::size_t>(kRecords)) << broker->log();
  for (long i = 0; i < kRecords; ++i) {
    ASSERT_EQ(stored[i].first, i);
    ASSERT_EQ(stored[i].second, "r" + std::to_string(i)) << "at offset " << i;
    ASSERT_EQ(deliveries.acknowledged[i], i) << "r" << i << " acknowledged at another offset";
  }
  // The restarted broker rebuilt the producer's state rather than starting it over.
  EXPECT_EQ(broker->log().find("OUT_OF_ORDER_SEQUENCE_NUMBER"), std::string::npos) << broker->log();
}

}  // namespace
}  // namespace ferry::testing
