// librdkafka against `ferry broker`, beside Ferry's in-process clients, in one process and run:
//
//   kafka_client_benchmark --bootstrap-servers=HOST:PORT [--records=N] [--topic=T]
//                          [--broker-pid=PID]
//
//   1. librdkafka: produces N records of 100 bytes (rd_kafka_producev, linger.ms 5, batches of up
//      to 1 MB, acks=all) to partition 0 of the topic on the broker at HOST:PORT and consumes
//      them back from offset 0 (rd_kafka_consume_batch_queue, batches of 10,000);
//   2. the embedded clients the worker uses (broker/embedded: EmbeddedClients' Producer, one
//      send() per record, and Consumer, assign + poll) on a broker opened in a temporary
//      directory in this process;
//   3. the raw PartitionLog: append of the same records in 16 KiB batches and read back.
//
// Every record read back in each is checked: offsets 0..N-1 in order, each value the one sent
// at that position (the record's number is part of its value). Prints wall time, records/s and
// MB/s (of values) and CPU time per step (with --broker-pid, the broker process's CPU during
// the librdkafka steps too) and librdkafka's ratio to each in-process figure. A failed check
// exits 1; speed never does.
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <sys/resource.h>
#include <unistd.h>

#include "broker/embedded/embedded_clients.h"
#include "broker/network/rdkafka_handles.h"
#include "broker/server/broker.h"
#include "broker/storage/partition_log.h"
#include "broker/storage/record_batch.h"

namespace ferry::broker {
namespace {

constexpr std::size_t kValueBytes = 100;
using Clock = std::chrono::steady_clock;

// The value of record i: "r", its number zero-padded to 99 digits (100 bytes), written without
// printf so that making values costs little beside the clients measured. out holds 101 bytes.
void value_of(std::int64_t i, char* out) {
  out[0] = 'r';
  std::memset(out + 1, '0', kValueBytes - 1);
  out[kValueBytes] = '\0';
  for (char* digit = out + kValueBytes - 1; i > 0; i /= 10) {
    *digit-- = static_cast<char>('0' + i % 10);
  }
}

bool value_is(std::int64_t i, const void* data, std::size_t size) {
  char expected[kValueBytes + 1];
  value_of(i, expected);
  return size == kValueBytes && std::memcmp(data, expected, kValueBytes) == 0;
}

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "kafka_client_benchmark: %s\n", what.c_str());
  std::exit(1);
}

struct Figure {
  std::string name;
  double seconds = 0;
  std::int64_t records = 0;
  double cpu_seconds = 0;  // this process's, user + system, all threads (librdkafka's included)
  double broker_cpu_seconds = -1;  // the broker process's (--broker-pid), librdkafka steps only
  double records_per_second() const { return records / seconds; }
  double megabytes_per_second() const { return records * kValueBytes / seconds / 1e6; }
};

void print(const Figure& figure) {
  std::printf("%-38s %8.3f s %12.0f records/s %9.1f MB/s  CPU %6.2f s", figure.name.c_str(),
              figure.seconds, figure.records_per_second(), figure.megabytes_per_second(),
              figure.cpu_seconds);
  if (figure.broker_cpu_seconds >= 0)
    std::printf("  broker CPU %6.2f s", figure.broker_cpu_seconds);
  std::printf("\n");
  std::fflush(stdout);
}

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// User + system CPU seconds of this process so far.
double cpu_now() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& time) { return time.tv_sec + time.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// User + system CPU seconds of process pid so far (from /proc/<pid>/stat), or -1.
double process_cpu(long pid) {
  if (pid <= 0) return -1;
  std::FILE* file = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (!file) return -1;
  char line[4096] = {};
  const std::size_t read = std::fread(line, 1, sizeof line - 1, file);
  std::fclose(file);
  // Fields after the command name, which ends at the last ')': state is field 3, utime 14,
  // stime 15.
  const char* rest = std::strrchr(line, ')');
  if (read == 0 || !rest) return -1;
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  if (std::sscanf(rest + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
                  &stime) != 2) {
    return -1;
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// Runs step, adding its CPU time (and broker_pid's, if given) to the figure it returns.
template <typename Step>
Figure measured(Step step, long broker_pid = 0) {
  const double before = cpu_now();
  const double broker_before = process_cpu(broker_pid);
  Figure figure = step();
  figure.cpu_seconds = cpu_now() - before;
  if (broker_before >= 0) figure.broker_cpu_seconds = process_cpu(broker_pid) - broker_before;
  print(figure);
  return figure;
}

// --- librdkafka ---------------------------------------------------------------------------

using Kafka = rdkafka::KafkaHandle;

Kafka make_client(rd_kafka_type_t type, const std::map<std::string, std::string>& settings,
                  void (*delivered)(rd_kafka_t*, const rd_kafka_message_t*, void*) = nullptr,
                  void* opaque = nullptr) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  for (const auto& [key, value] : settings) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error) !=
        RD_KAFKA_CONF_OK) {
      fail(key + ": " + error);
    }
  }
  if (delivered) rd_kafka_conf_set_dr_msg_cb(conf, delivered);
  if (opaque) rd_kafka_conf_set_opaque(conf, opaque);
  rd_kafka_t* kafka = rd_kafka_new(type, conf, error, sizeof error);
  if (!kafka) fail(error);
  return Kafka(kafka);
}

struct Deliveries {
  std::atomic<std::int64_t> acknowledged{0};
  std::atomic<std::int64_t> failed{0};
  std::atomic<std::int64_t> misplaced{0};  // acknowledged at another offset than its number
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto& deliveries = *static_cast<Deliveries*>(opaque);
  if (message->err) {
    if (deliveries.failed.fetch_add(1) == 0) {
      std::fprintf(stderr, "delivery failed: %s\n", rd_kafka_err2str(message->err));
    }
    return;
  }
  if (message->offset != reinterpret_cast<std::intptr_t>(message->_private)) {
    deliveries.misplaced.fetch_add(1);
  }
  deliveries.acknowledged.fetch_add(1);
}

Figure librdkafka_produce(const std::string& servers, const std::string& topic,
                          std::int64_t records) {
  Deliveries deliveries;
  Kafka producer = make_client(RD_KAFKA_PRODUCER,
                               {{"bootstrap.servers", servers},
                                {"acks", "all"},
                                {"linger.ms", "5"},
                                {"batch.size", "1000000"},
                                {"batch.num.messages", "100000"},
                                {"queue.buffering.max.messages", "1000000"},
                                {"queue.buffering.max.kbytes", "1048576"}},
                               on_delivery, &deliveries);
  char value[kValueBytes + 1];
  const auto start = Clock::now();
  for (std::int64_t i = 0; i < records; ++i) {
    value_of(i, value);
    while (true) {
      const rd_kafka_resp_err_t error = rd_kafka_producev(
          producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
          RD_KAFKA_V_VALUE(value, kValueBytes), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<std::intptr_t>(i))),
          RD_KAFKA_V_END);
      if (error == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (error != RD_KAFKA_RESP_ERR__QUEUE_FULL) fail(rd_kafka_err2str(error));
      rd_kafka_poll(producer.get(), 1);
    }
    if ((i & 1023) == 0) rd_kafka_poll(producer.get(), 0);
  }
  const rd_kafka_resp_err_t flushed = rd_kafka_flush(producer.get(), 600'000);
  const double seconds = since(start);
  if (flushed != RD_KAFKA_RESP_ERR_NO_ERROR)
    fail(std::string("flush: ") + rd_kafka_err2str(flushed));
  if (deliveries.failed != 0 || deliveries.acknowledged != records || deliveries.misplaced != 0) {
    fail("librdkafka produce: " + std::to_string(deliveries.acknowledged.load()) +
         " acknowledged, " + std::to_string(deliveries.failed.load()) + " failed, " +
         std::to_string(deliveries.misplaced.load()) + " at an offset not their number, of " +
         std::to_string(records) + " (the topic must be new)");
  }
  return {"librdkafka produce (acks=all)", seconds, records};
}

Figure librdkafka_consume(const std::string& servers, const std::string& topic,
                          std::int64_t records) {
  Kafka consumer = make_client(RD_KAFKA_CONSUMER, {{"bootstrap.servers", servers},
                                                   {"group.id", "kafka-client-benchmark"},
                                                   {"enable.auto.commit", "false"},
                                                   {"enable.partition.eof", "false"},
                                                   {"queued.min.messages", "1000000"},
                                                   {"queued.max.messages.kbytes", "1048576"},
                                                   {"fetch.max.bytes", "52428800"},
                                                   {"max.partition.fetch.bytes", "10485760"}});
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(consumer.get());
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(assignment, topic.c_str(), 0)->offset =
      RD_KAFKA_OFFSET_BEGINNING;
  const auto start = Clock::now();
  if (rd_kafka_assign(consumer.get(), assignment) != RD_KAFKA_RESP_ERR_NO_ERROR) fail("assign");
  rd_kafka_topic_partition_list_destroy(assignment);
  std::vector<rd_kafka_message_t*> messages(10'000);
  std::int64_t next = 0;
  auto last_progress = Clock::now();
  while (next < records) {
    const ssize_t got = rd_kafka_consume_batch_queue(queue, 1000, messages.data(), messages.size());
    if (got < 0) fail("consume_batch_queue failed");
    if (got > 0) last_progress = Clock::now();
    for (ssize_t m = 0; m < got; ++m) {
      rd_kafka_message_t* message = messages[m];
      if (message->err) {
        fail(std::string("consume: ") + rd_kafka_err2str(message->err));
      }
      if (message->offset != next || !value_is(next, message->payload, message->len)) {
        fail("librdkafka consume: offset " + std::to_string(message->offset) + " where " +
             std::to_string(next) + " was expected, or its value differs");
      }
      ++next;
      rd_kafka_message_destroy(message);
    }
    if (since(last_progress) > 60) fail("librdkafka consume: no record for 60 s");
  }
  const double seconds = since(start);
  rd_kafka_queue_destroy(queue);
  rd_kafka_consumer_close(consumer.get());
  return {"librdkafka consume", seconds, records};
}

// --- Ferry's in-process clients ------------------------------------------------------------

RecordBytes bytes_of_value(std::int64_t i) {
  RecordBytes bytes(kValueBytes + 1);
  value_of(i, reinterpret_cast<char*>(bytes.data()));
  bytes.resize(kValueBytes);
  return bytes;
}

Figure embedded_produce(Clients& clients, const std::string& topic, std::int64_t records) {
  auto producer = clients.producer({{"acks", "all"}});
  if (!producer.ok()) fail(producer.status().message());
  std::atomic<std::int64_t> acknowledged{0};
  std::atomic<std::int64_t> wrong{0};
  const auto start = Clock::now();
  for (std::int64_t i = 0; i < records; ++i) {
    ProducerRecord record;
    record.topic = topic;
    record.partition = 0;
    record.value = bytes_of_value(i);
    (*producer)->send(std::move(record), [&, i](const Result<RecordMetadata>& done) {
      if (!done.ok() || done->offset != i) {
        wrong.fetch_add(1);
      } else {
        acknowledged.fetch_add(1);
      }
    });
  }
  if (Status status = (*producer)->flush(); !status.ok()) fail(status.message());
  const double seconds = since(start);
  (*producer)->close();
  if (acknowledged != records || wrong != 0) {
    fail("embedded produce: " + std::to_string(acknowledged.load()) + " acknowledged, " +
         std::to_string(wrong.load()) + " failed or misplaced");
  }
  return {"embedded Producer::send per record", seconds, records};
}

Figure embedded_consume(Clients& clients, const std::string& topic, std::int64_t records) {
  auto consumer = clients.consumer({{"max.poll.records", "10000"}});
  if (!consumer.ok()) fail(consumer.status().message());
  const TopicPartition partition{topic, 0};
  const auto start = Clock::now();
  if (Status status = (*consumer)->assign({partition}); !status.ok()) fail(status.message());
  if (Status status = (*consumer)->seek(partition, 0); !status.ok()) fail(status.message());
  std::int64_t next = 0;
  while (next < records) {
    auto polled = (*consumer)->poll(std::chrono::milliseconds(1000));
    if (!polled.ok()) fail(polled.status().message());
    if (polled->empty()) fail("embedded consume: nothing at offset " + std::to_string(next));
    for (const ConsumerRecord& record : *polled) {
      if (record.offset != next || !record.value ||
          !value_is(next, record.value->data(), record.value->size())) {
        fail("embedded consume: offset " + std::to_string(record.offset) + " where " +
             std::to_string(next) + " was expected, or its value differs");
      }
      ++next;
    }
  }
  const double seconds = since(start);
  (void)(*consumer)->close();
  return {"embedded Consumer::poll", seconds, records};
}

// --- the raw PartitionLog ------------------------------------------------------------------

Figure raw_append(PartitionLog& log, std::int64_t records, std::size_t batch_bytes) {
  const auto start = Clock::now();
  std::int64_t i = 0;
  char value[kValueBytes + 1];
  while (i < records) {
    RecordBatchBuilder builder(RecordBatchOptions{});
    std::size_t size = kRecordBatchHeaderSize;
    const std::int64_t now = 1'700'000'000'000;
    for (; i < records && size + kValueBytes + 8 <= batch_bytes; ++i) {
      value_of(i, value);
      if (!builder.append(now, std::nullopt, as_bytes(std::string_view(value, kValueBytes))).ok()) {
        fail("build");
      }
      size += kValueBytes + 8;
    }
    auto batch = builder.build();
    if (!batch.ok()) fail(batch.status().message());
    auto appended = log.append(*batch, now);
    if (!appended.ok()) fail(appended.status().message());
  }
  return {"PartitionLog append (16 KiB batches)", since(start), records};
}

Figure raw_read(PartitionLog& log, std::int64_t records) {
  const auto start = Clock::now();
  std::int64_t next = 0;
  while (next < records) {
    auto read = log.read(next, 1 << 20);
    if (!read.ok()) fail(read.status().message());
    std::span<const std::uint8_t> bytes = read->records;
    if (bytes.empty()) fail("raw read: nothing at " + std::to_string(next));
    while (!bytes.empty()) {
      auto header = read_batch_header(bytes);
      if (!header.ok()) fail(header.status().message());
      auto decoded = decode_batch(bytes.first(header->size()), 1 << 26);
      if (!decoded.ok()) fail(decoded.status().message());
      for (const RecordView& record : decoded->records()) {
        if (record.offset < next) continue;
        if (record.offset != next || !record.value ||
            !value_is(next, record.value->data(), record.value->size())) {
          fail("raw read: offset " + std::to_string(record.offset) + " where " +
               std::to_string(next) + " was expected, or its value differs");
        }
        ++next;
      }
      bytes = bytes.subspan(header->size());
    }
  }
  return {"PartitionLog read + decode", since(start), records};
}

std::string flag(int argc, char** argv, std::string_view name, std::string fallback) {
  const std::string prefix = "--" + std::string(name) + "=";
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]).starts_with(prefix)) return argv[i] + prefix.size();
  }
  return fallback;
}

int run(int argc, char** argv) {
  const std::string servers = flag(argc, argv, "bootstrap-servers", "");
  const std::int64_t records = std::stoll(flag(argc, argv, "records", "10000000"));
  const std::string topic = flag(argc, argv, "topic", "kafka-client-benchmark");
  const long broker_pid = std::stol(flag(argc, argv, "broker-pid", "0"));
  if (servers.empty() || records <= 0) {
    std::fprintf(stderr,
                 "usage: kafka_client_benchmark --bootstrap-servers=HOST:PORT [--records=N] "
                 "[--topic=T] [--broker-pid=PID]\n");
    return 2;
  }
  std::printf("%" PRId64 " records of %zu bytes; librdkafka %s against %s\n", records, kValueBytes,
              rd_kafka_version_str(), servers.c_str());
  const Figure kafka_produce =
      measured([&] { return librdkafka_produce(servers, topic, records); }, broker_pid);
  const Figure kafka_consume =
      measured([&] { return librdkafka_consume(servers, topic, records); }, broker_pid);

  std::random_device random;
  const std::filesystem::path directory =
      std::filesystem::temp_directory_path() /
      ("ferry-kafka-client-benchmark-" + std::to_string(random()));
  Figure clients_produce;
  Figure clients_consume;
  {
    auto config = broker_config_from_properties(
        {{"log.dirs", (directory / "embedded").string()}, {"num.partitions", "1"}});
    if (!config.ok()) fail(config.status().message());
    auto broker = Broker::open(*config);
    if (!broker.ok()) fail(broker.status().message());
    EmbeddedClients clients(**broker);
    clients_produce = measured([&] { return embedded_produce(clients, topic, records); });
    clients_consume = measured([&] { return embedded_consume(clients, topic, records); });
  }
  Figure log_append;
  Figure log_read;
  {
    std::vector<std::string> notes;
    auto log = PartitionLog::open(directory / "raw" / (topic + "-0"), LogConfig{}, true, notes);
    if (!log.ok()) fail(log.status().message());
    log_append = measured([&] { return raw_append(**log, records, 16384); });
    log_read = measured([&] { return raw_read(**log, records); });
  }
  std::error_code error;
  std::filesystem::remove_all(directory, error);

  const auto ratio = [](const Figure& kafka, const Figure& local) {
    return kafka.seconds / local.seconds;
  };
  std::printf("librdkafka time / in-process time (1.0: as fast; the goal is within 2x):\n");
  std::printf("  produce: %.2fx the embedded Producer, %.2fx the PartitionLog append\n",
              ratio(kafka_produce, clients_produce), ratio(kafka_produce, log_append));
  std::printf("  consume: %.2fx the embedded Consumer, %.2fx the PartitionLog read + decode\n",
              ratio(kafka_consume, clients_consume), ratio(kafka_consume, log_read));
  std::printf("every record came back, in order, in all six\n");
  return 0;
}

}  // namespace
}  // namespace ferry::broker

int main(int argc, char** argv) { return ferry::broker::run(argc, argv); }
