// Faults between real Kafka clients and the real `ferry broker`: a producer killed mid-stream
// (nothing the broker acknowledged is lost, the log holds no torn record, other clients go on),
// and the broker killed with SIGKILL while a consumer group member long-polls and then restarted
// on the same port and data (the member reconnects and reads on, every acknowledged record is
// there once, in order, and the group's committed offsets hold).
//
// Clients: kafka-python (python3-kafka) and kcat, as in kafka_clients_test.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/broker_process.h"
#include "tests/process.h"
#include "tests/temp_directory.h"
#include "tests/worker_process.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto kDeadline = 60s;
const fs::path kPython = "/usr/bin/python3";  // Debian's python3-kafka is installed for it

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

std::size_t count_lines_starting(const std::string& text, const std::string& prefix) {
  std::size_t count = 0;
  for (const std::string& line : lines_of(text)) count += line.starts_with(prefix);
  return count;
}

class KafkaFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kcat_ = find_program({"kcat", "kafkacat"});
    if (!kcat_) GTEST_SKIP() << "kcat is not installed (Debian package kcat)";
    if (run_process(kPython, {"-c", "import kafka"}).exit_code != 0) {
      GTEST_SKIP() << "kafka-python is not installed (Debian package python3-kafka)";
    }
  }

  // A Python client left running: its standard output goes to <dir>/<name>.out.
  std::unique_ptr<WorkerProcess> start_python(const std::string& name, const std::string& script,
                                              const std::string& address) {
    const fs::path file = dir_.write(name + ".py", script);
    return std::make_unique<WorkerProcess>(
        kPython, std::vector<std::string>{"-u", file.string(), address},
        dir_.path() / (name + ".out"), dir_.path() / (name + ".err"));
  }

  // Values of the topic's partition 0 in offset order, as "offset value" lines.
  std::vector<std::string> read_topic(const std::string& address, const std::string& topic) {
    const ProcessResult read = run_process(
        *kcat_, {"-b", address, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%o %s\n"});
    EXPECT_EQ(read.exit_code, 0) << read.standard_error;
    return lines_of(read.standard_output);
  }

  ProcessResult produce(const std::string& address, const std::string& topic, int first, int last) {
    std::string values;
    for (int i = first; i <= last; ++i) values += "r" + std::to_string(i) + "\n";
    return run_process(*kcat_, {"-b", address, "-P", "-t", topic, "-X", "acks=all"}, values);
  }

  // The group's committed offset of topic-0 ("none" when it has none).
  std::string committed(const std::string& address, const std::string& group,
                        const std::string& topic) {
    const ProcessResult result = run_process(
        kPython, {"-c",
                  "import sys\n"
                  "from kafka import KafkaConsumer, TopicPartition\n"
                  "c = KafkaConsumer(bootstrap_servers=sys.argv[1], group_id=sys.argv[2],\n"
                  "                  enable_auto_commit=False)\n"
                  "print(c.committed(TopicPartition(sys.argv[3], 0)))\n"
                  "c.close(autocommit=False)\n",
                  address, group, topic});
    EXPECT_EQ(result.exit_code, 0) << result.standard_error;
    return result.standard_output;
  }

  std::optional<fs::path> kcat_;
  TempDir dir_;
};

TEST_F(KafkaFaultsTest, AProducerKilledMidStreamLosesNothingAcknowledged) {
  BrokerProcess broker(dir_.path());
  ASSERT_FALSE(broker.address().empty());
  // Sends without end; prints "acked <value> <offset>" for each record the broker acknowledged.
  auto producer = start_python("producer", R"(
import sys
from kafka import KafkaProducer
producer = KafkaProducer(bootstrap_servers=sys.argv[1], acks='all', linger_ms=2)
def acked(value):
    return lambda metadata: print('acked', value, metadata.offset, flush=True)
i = 0
while True:
    producer.send('produced', value=b'r%d' % i).add_callback(acked(i))
    i += 1
    if i % 500 == 0:
        producer.flush()
)",
                               broker.address());
  const fs::path out = dir_.path() / "producer.out";
  ASSERT_TRUE(
      wait_until([&] { return count_lines_starting(read_whole_file(out), "acked ") >= 5000; },
                 kDeadline, 20ms))
      << read_whole_file(dir_.path() / "producer.err");
  producer->signal(SIGKILL);
  producer->wait(kDeadline);

  std::map<long, std::string> acknowledged;  // offset -> value
  for (const std::string& line : lines_of(read_whole_file(out))) {
    std::istringstream fields(line);
    std::string word;
    long value = 0;
    long offset = 0;
    if (fields >> word >> value >> offset && word == "acked") {
      acknowledged[offset] = "r" + std::to_string(value);
    }
  }
  ASSERT_GE(acknowledged.size(), 5000u);

  const std::vector<std::string> stored = read_topic(broker.address(), "produced");
  ASSERT_GE(stored.size(), acknowledged.size());
  std::set<std::string> values;
  for (std::size_t i = 0; i < stored.size(); ++i) {
    // Offsets 0, 1, 2, ... with well-formed values: no hole and no torn record.
    ASSERT_EQ(stored[i].substr(0, stored[i].find(' ')), std::to_string(i)) << stored[i];
    const std::string value = stored[i].substr(stored[i].find(' ') + 1);
    ASSERT_TRUE(value.starts_with("r")) << stored[i];
    EXPECT_TRUE(values.insert(value).second) << value << " stored twice";
  }
  for (const auto& [offset, value] : acknowledged) {
    ASSERT_LT(static_cast<std::size_t>(offset), stored.size()) << value << " acknowledged, lost";
    EXPECT_EQ(stored[offset], std::to_string(offset) + " " + value);
  }

  // The broker goes on serving others.
  ASSERT_EQ(produce(broker.address(), "produced", 0, 0).exit_code, 0);
  EXPECT_EQ(read_topic(broker.address(), "produced").size(), stored.size() + 1);
}

TEST_F(KafkaFaultsTest, BrokerKilledMidFetchComesBackWithEveryRecordAndTheGroupsOffsets) {
  const int port = free_loopback_port();
  ASSERT_GT(port, 0);
  const std::string listeners = "listeners=PLAINTEXT://127.0.0.1:" + std::to_string(port) + "\n";
  auto broker = std::make_unique<BrokerProcess>(dir_.path(), listeners, "-first");
  const std::string address = broker->address();
  ASSERT_EQ(address, "127.0.0.1:" + std::to_string(port));
  ASSERT_EQ(produce(address, "faults", 0, 999).exit_code, 0);

  // A group member committing after every batch, until it has seen r0..r1999 (once or more:
  // a member that lost its group during the outage reads its uncommitted records again).
  auto consumer = start_python("consumer", R"(
import sys, time
from kafka import KafkaConsumer
from kafka.errors import CommitFailedError, KafkaError
consumer = KafkaConsumer('faults', bootstrap_servers=sys.argv[1], group_id='fault-group',
                         enable_auto_commit=False, auto_offset_reset='earliest',
                         fetch_max_wait_ms=500, reconnect_backoff_ms=50,
                         reconnect_backoff_max_ms=500, retry_backoff_ms=100)
seen = set()
while len(seen) < 2000:
    batches = consumer.poll(timeout_ms=500)
    for records in batches.values():
        for record in records:
            seen.add(record.value.decode())
    while batches:
        try:
            consumer.commit()
            print('committed', len(seen), flush=True)
            break
        except CommitFailedError:
            # The member lost the group (the restarted broker did not know it): poll() rejoins,
            # and the records after the committed offset come again.
            print('rejoining', flush=True)
            break
        except KafkaError as error:
            print('retrying the commit:', type(error).__name__, flush=True)
            time.sleep(0.2)
consumer.close(autocommit=False)
print('done', sorted(seen) == sorted('r%d' % i for i in range(2000)), flush=True)
)",
                               address);
  const fs::path out = dir_.path() / "consumer.out";
  ASSERT_TRUE(
      wait_until([&] { return read_whole_file(out).find("committed 1000\n") != std::string::npos; },
                 kDeadline, 20ms))
      << read_whole_file(out) << read_whole_file(dir_.path() / "consumer.err");
  std::this_thread::sleep_for(300ms);  // the member is waiting in a fetch for more
  broker->kill();

  broker = std::make_unique<BrokerProcess>(dir_.path(), listeners, "-second");
  ASSERT_EQ(broker->address(), address) << broker->log();
  EXPECT_EQ(committed(address, "fault-group", "faults"), "1000\n")
      << "the group's offset survives the crash";
  ASSERT_EQ(produce(address, "faults", 1000, 1999).exit_code, 0);

  EXPECT_EQ(consumer->wait(kDeadline), 0) << read_whole_file(dir_.path() / "consumer.err");
  EXPECT_NE(read_whole_file(out).find("done True\n"), std::string::npos) << read_whole_file(out);
  const std::vector<std::string> stored = read_topic(address, "faults");
  ASSERT_EQ(stored.size(), 2000u);
  for (std::size_t i = 0; i < stored.size(); ++i) {
    ASSERT_EQ(stored[i], std::to_string(i) + " r" + std::to_string(i));
  }
  EXPECT_EQ(committed(address, "fault-group", "faults"), "2000\n");
}

}  // namespace
}  // namespace ferry::testing
