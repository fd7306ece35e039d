// Real Kafka clients against the real `ferry broker` on loopback: Debian's kcat (librdkafka
// 2.0.2) producing and consuming keyed records with every compression codec and in a consumer
// group, and kafka-python (python3-kafka 2.0.2) producing JSON values and consuming them in a
// group with auto-commit, and KafkaJS (npm kafkajs 2.2, tests/kafkajs) producing and consuming
// with a group of two members. The broker listens on port 0; the test reads the bound port from its
// log, so parallel runs do not collide.
//
// The clients are Debian packages and one npm package (scripts/install-deps.sh); a test whose
// client is missing is skipped, saying which package to install.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
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

class KcatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kcat_ = find_program({"kcat", "kafkacat"});
    if (!kcat_) GTEST_SKIP() << "kcat is not installed (Debian package kcat)";
  }

  ProcessResult kcat(const std::vector<std::string>& args, const std::string& input = "") {
    return run_process(*kcat_, args, input);
  }

  std::optional<fs::path> kcat_;
  TempDir dir_;
};

TEST_F(KcatTest, WarnsOnceForEachSingleBrokerKey) {
  BrokerProcess broker(dir_.path());
  const std::string log = broker.log();
  EXPECT_NE(log.find("broker.id has no effect on a single Ferry broker"), std::string::npos) << log;
  EXPECT_NE(log.find("zookeeper.connect has no effect"), std::string::npos) << log;
}

TEST_F(KcatTest, ProducesAndConsumesKeyedRecordsWithEveryCodec) {
  BrokerProcess broker(dir_.path());
  ASSERT_FALSE(broker.address().empty());
  for (const std::string codec : {"none", "gzip", "snappy", "lz4", "zstd"}) {
    SCOPED_TRACE(codec);
    const std::string topic = "keyed-" + codec;
    std::string input;
    std::string expected;
    for (int i = 0; i < 100; ++i) {
      input += "key-" + std::to_string(i % 7) + ":value " + codec + " " + std::to_string(i) + "\n";
      expected +=
          "key-" + std::to_string(i % 7) + "=value " + codec + " " + std::to_string(i) + "\n";
    }
    const ProcessResult produced = kcat({"-b", broker.address(), "-P", "-t", topic, "-K:", "-X",
                                         "compression.codec=" + codec, "-X", "linger.ms=5"},
                                        input);
    ASSERT_EQ(produced.exit_code, 0) << produced.standard_error;
    const ProcessResult consumed = kcat({"-b", broker.address(), "-C", "-t", topic, "-o",
                                         "beginning", "-e", "-q", "-f", "%k=%s\n"});
    ASSERT_EQ(consumed.exit_code, 0) << consumed.standard_error;
    EXPECT_EQ(consumed.standard_output, expected);
  }
}

TEST_F(KcatTest, IdempotentProducerIsAcceptedInOrder) {
  // librdkafka with enable.idempotence: InitProducerId, then batches with sequence numbers the
  // broker checks; several in flight (max.in.flight 5) and small batches make many of them.
  BrokerProcess broker(dir_.path());
  ASSERT_FALSE(broker.address().empty());
  std::string input;
  for (int i = 0; i < 5000; ++i) input += "record " + std::to_string(i) + "\n";
  const ProcessResult produced =
      kcat({"-b", broker.address(), "-P", "-t", "idempotent", "-X", "enable.idempotence=true", "-X",
            "batch.num.messages=100", "-X", "linger.ms=1"},
           input);
  ASSERT_EQ(produced.exit_code, 0) << produced.standard_error;
  const ProcessResult consumed =
      kcat({"-b", broker.address(), "-C", "-t", "idempotent", "-o", "beginning", "-e", "-q"});
  ASSERT_EQ(consumed.exit_code, 0) << consumed.standard_error;
  EXPECT_EQ(consumed.standard_output, input);
  EXPECT_EQ(broker.log().find("OUT_OF_ORDER"), std::string::npos) << broker.log();
}

TEST_F(KcatTest, ConsumesInAGroupAndCommitsItsOffsets) {
  BrokerProcess broker(dir_.path());
  ASSERT_FALSE(broker.address().empty());
  std::string input;
  for (int i = 0; i < 50; ++i) input += "k" + std::to_string(i) + ":v" + std::to_string(i) + "\n";
  ASSERT_EQ(kcat({"-b", broker.address(), "-P", "-t", "grouped", "-K:"}, input).exit_code, 0);

  // -G: the balanced consumer (JoinGroup, SyncGroup, Heartbeat, OffsetCommit); -e exits at the
  // end of every assigned partition.
  const std::vector<std::string> group_args = {"-b",     broker.address(),
                                               "-G",     "kcat-group",
                                               "-q",     "-e",
                                               "-f",     "%k=%s\n",
                                               "-X",     "auto.offset.reset=earliest",
                                               "grouped"};
  const ProcessResult first = kcat(group_args);
  ASSERT_EQ(first.exit_code, 0) << first.standard_error;
  std::string expected;
  for (int i = 0; i < 50; ++i)
    expected += "k" + std::to_string(i) + "=v" + std::to_string(i) + "\n";
  EXPECT_EQ(first.standard_output, expected);

  // The group's committed offsets hold: a new member starts after what the first consumed.
  ASSERT_EQ(kcat({"-b", broker.address(), "-P", "-t", "grouped", "-K:"}, "late:after\n").exit_code,
            0);
  const ProcessResult second = kcat(group_args);
  ASSERT_EQ(second.exit_code, 0) << second.standard_error;
  EXPECT_EQ(second.standard_output, "late=after\n");
}

TEST(KafkaPythonTest, ProducesJsonAndConsumesInAGroupWithAutoCommit) {
  const fs::path python = "/usr/bin/python3";  // Debian's python3-kafka is installed for it
  if (run_process(python, {"-c", "import kafka"}).exit_code != 0) {
    GTEST_SKIP() << "kafka-python is not installed (Debian package python3-kafka)";
  }
  TempDir dir;
  BrokerProcess broker(dir.path(), "num.partitions=3\n");
  ASSERT_FALSE(broker.address().empty());
  const std::string script = R"(
import json, sys
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
bootstrap = sys.argv[1]
producer = KafkaProducer(bootstrap_servers=bootstrap,
                         key_serializer=lambda k: k.encode() if k is not None else None,
                         value_serializer=lambda v: json.dumps(v).encode())
for i in range(30):
    producer.send('orders', key='customer-%d' % (i % 3), value={'order': i, 'customer': i % 3})
for i in range(5):
    producer.send('orders', value={'order': 100 + i, 'keyless': True})
producer.flush()
producer.close()

# consumer_timeout_ms also covers finding the coordinator and joining the group, which a loaded
# machine can make slow; the loop ends at the 35th record, not at the timeout.
consumer = KafkaConsumer('orders', bootstrap_servers=bootstrap, group_id='py-group',
                         auto_offset_reset='earliest', enable_auto_commit=True,
                         auto_commit_interval_ms=100, consumer_timeout_ms=30000,
                         value_deserializer=lambda v: json.loads(v.decode()))
seen = {}
count = 0
for message in consumer:
    count += 1
    if message.key is not None:
        seen.setdefault((message.key.decode(), message.partition), []).append(message.value['order'])
    if count == 35:
        break
consumer.close(autocommit=True)
assert count == 35, count
# Keyed records stay in order on one partition per key.
keys = {}
for (key, partition), orders in seen.items():
    assert key not in keys, 'key %s on two partitions' % key
    keys[key] = partition
    assert orders == sorted(orders), orders
assert sum(len(o) for o in seen.values()) == 30

check = KafkaConsumer(bootstrap_servers=bootstrap, group_id='py-group', enable_auto_commit=False)
committed = sum(check.committed(TopicPartition('orders', p)) or 0 for p in range(3))
check.close()
assert committed == 35, committed
print('ok', count, committed)
)";
  const ProcessResult result = run_process(python, {"-c", script, broker.address()});
  EXPECT_EQ(result.exit_code, 0) << result.standard_output << result.standard_error
                                 << "\nbroker log:\n"
                                 << broker.log();
  EXPECT_EQ(result.standard_output, "ok 35 35\n");
}

TEST(KafkaPythonTest, AdminDescribesAltersTopicConfigsAndAddsPartitions) {
  const fs::path python = "/usr/bin/python3";
  if (run_process(python, {"-c", "import kafka"}).exit_code != 0) {
    GTEST_SKIP() << "kafka-python is not installed (Debian package python3-kafka)";
  }
  TempDir dir;
  BrokerProcess broker(dir.path());
  ASSERT_FALSE(broker.address().empty());
  const std::string script = R"(
import sys
from kafka.admin import (KafkaAdminClient, ConfigResource, ConfigResourceType, NewPartitions,
                         NewTopic)
from kafka.errors import InvalidPartitionsError
admin = KafkaAdminClient(bootstrap_servers=sys.argv[1])
admin.create_topics([NewTopic('settings', num_partitions=1, replication_factor=1,
                              topic_configs={'cleanup.policy': 'compact'})])
def configs():
    described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, 'settings')])
    return {entry[0]: entry[1] for entry in described[0].resources[0][4]}
assert configs()['cleanup.policy'] == 'compact', configs()
assert configs()['retention.ms'] == '604800000', configs()
altered = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, 'settings',
                                              configs={'retention.ms': '5000'})])
assert altered.resources[0][0] == 0, altered
# AlterConfigs replaces every override: cleanup.policy is back to its default.
assert configs()['retention.ms'] == '5000', configs()
assert configs()['cleanup.policy'] == 'delete', configs()
added = admin.create_partitions({'settings': NewPartitions(total_count=4)})
assert added.topic_errors[0][1] == 0, added
try:
    admin.create_partitions({'settings': NewPartitions(total_count=2)})
    raise AssertionError('fewer partitions were accepted')
except InvalidPartitionsError as error:
    assert 'currently has 4 partitions' in str(error), error
print('ok', len(admin.describe_topics(['settings'])[0]['partitions']))
admin.close()
)";
  const ProcessResult result = run_process(python, {"-c", script, broker.address()});
  EXPECT_EQ(result.exit_code, 0) << result.standard_output << result.standard_error
                                 << "\nbroker log:\n"
                                 << broker.log();
  EXPECT_EQ(result.standard_output, "ok 4\n");
}

TEST(KafkaJsTest, IdempotentProducerAndATwoMemberGroupRoundTrip) {
  const std::optional<fs::path> node = find_program({"node", "nodejs"});
  if (!node) GTEST_SKIP() << "Node.js is not installed (Debian package nodejs)";
  TempDir dir;
  BrokerProcess broker(dir.path());
  ASSERT_FALSE(broker.address().empty());
  const ProcessResult result =
      run_process(*node, {FERRY_SOURCE_DIR "/tests/kafkajs/group_round_trip.js", broker.address()});
  if (result.exit_code == 77) GTEST_SKIP() << result.standard_output;
  EXPECT_EQ(result.exit_code, 0) << result.standard_output << result.standard_error
                                 << "\nbroker log:\n"
                                 << broker.log();
  for (const std::string step :
       {"ok: admin created", "ok: idempotent producer sent 300 gzip records",
        "ok: two members shared the partitions", "ok: the group committed every offset",
        "ok: after a restart the group read only the new records"}) {
    EXPECT_NE(result.standard_output.find(step), std::string::npos) << step << " in\n"
                                                                    << result.standard_output;
  }
}

}  // namespace
}  // namespace ferry::testing
