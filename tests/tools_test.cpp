// The Kafka-style tools driven as a user drives them: the real ferry binary on a broker data
// directory (--data-dir) and over the Kafka protocol against a running `ferry broker`
// (--bootstrap-server), checking output formats, exit codes and that what one tool writes the
// next reads; the same cases run both ways and must print the same.
#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/broker_process.h"
#include "tests/process.h"
#include "tests/temp_directory.h"

namespace ferry::testing {
namespace {

// The whitespace-separated fields of each line, for checking Kafka's aligned tables.
std::vector<std::vector<std::string>> rows(const std::string& text) {
  std::vector<std::vector<std::string>> result;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::vector<std::string> row;
    for (std::string field; fields >> field;) row.push_back(field);
    if (!row.empty()) result.push_back(row);
  }
  return result;
}

using Row = std::vector<std::string>;

enum class Access { kDataDirectory, kBootstrapServer };

class ToolsTest : public ::testing::TestWithParam<Access> {
 protected:
  void SetUp() override {
    if (GetParam() == Access::kBootstrapServer) {
      broker_ = std::make_unique<BrokerProcess>(dir_.path());
      ASSERT_FALSE(broker_->address().empty());
    }
  }

  // The options that say where the broker is.
  std::vector<std::string> access() const {
    if (broker_) return {"--bootstrap-server", broker_->address()};
    return {"--data-dir", (dir_.path() / "data").string()};
  }

  ProcessResult ferry(std::vector<std::string> args, const std::string& input = "") {
    const std::vector<std::string> where = access();
    args.insert(args.begin() + 1, where.begin(), where.end());
    return run_process(ferry_binary(), args, input);
  }

  TempDir dir_;
  std::unique_ptr<BrokerProcess> broker_;  // over the Kafka protocol only
};

// The directory-only cases.
class ToolsOnADirectoryTest : public ToolsTest {};

TEST_P(ToolsTest, TopicsCreateListDescribeAlterDelete) {
  ProcessResult created = ferry({"topics", "--create", "--topic", "orders", "--partitions", "2",
                                 "--config", "retention.ms=60000"});
  ASSERT_EQ(created.exit_code, 0) << created.standard_error;
  EXPECT_EQ(created.standard_output, "Created topic orders.\n");

  ProcessResult listed = ferry({"topics", "--list", "--exclude-internal"});
  EXPECT_EQ(listed.standard_output, "orders\n");

  ProcessResult described = ferry({"topics", "--describe", "--topic", "orders"});
  ASSERT_EQ(described.exit_code, 0) << described.standard_error;
  EXPECT_NE(described.standard_output.find("Topic: orders\tTopicId: "), std::string::npos);
  EXPECT_NE(described.standard_output.find(
                "\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: retention.ms=60000\n"),
            std::string::npos)
      << described.standard_output;
  EXPECT_NE(described.standard_output.find("\tTopic: orders\tPartition: 1\tLeader: 0"),
            std::string::npos);

  ASSERT_EQ(ferry({"topics", "--alter", "--topic", "orders", "--partitions", "4"}).exit_code, 0);
  EXPECT_NE(ferry({"topics", "--describe", "--topic", "orders"})
                .standard_output.find("PartitionCount: 4"),
            std::string::npos);

  ProcessResult again = ferry({"topics", "--create", "--topic", "orders"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.standard_error,
            "Error while executing topic command : Topic 'orders' already exists.\n");
  EXPECT_EQ(ferry({"topics", "--create", "--topic", "orders", "--if-not-exists"}).exit_code, 0);
  // One broker: Kafka's refusal, not a silent downgrade.
  ProcessResult replicated =
      ferry({"topics", "--create", "--topic", "replicated", "--replication-factor", "3"});
  EXPECT_EQ(replicated.exit_code, 1);
  EXPECT_EQ(replicated.standard_error,
            "Error while executing topic command : Replication factor: 3 larger than available "
            "brokers: 1.\n");

  ASSERT_EQ(ferry({"topics", "--delete", "--topic", "orders"}).exit_code, 0);
  EXPECT_EQ(ferry({"topics", "--list", "--exclude-internal"}).standard_output, "");
  ProcessResult missing = ferry({"topics", "--describe", "--topic", "orders"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.standard_error.find("does not exist"), std::string::npos);
}

// Kafka's script names, with and without .sh, are links beside ferry that run the same tools.
TEST_P(ToolsTest, KafkasScriptNamesRunTheTools) {
  const std::filesystem::path bin = ferry_binary().parent_path();
  for (const std::string name : {"kafka-topics", "kafka-topics.sh"}) {
    std::vector<std::string> args = access();
    for (const std::string& arg : {std::string("--create"), std::string("--topic"), "via-" + name})
      args.push_back(arg);
    const ProcessResult created = run_process(bin / name, args);
    ASSERT_EQ(created.exit_code, 0) << name << ": " << created.standard_error;
    EXPECT_EQ(created.standard_output, "Created topic via-" + name + ".\n");
  }
  std::vector<std::string> args = access();
  args.insert(args.end(), {"--topic", "via-kafka-topics"});
  ASSERT_EQ(run_process(bin / "kafka-console-producer", args, "hello\n").exit_code, 0);
  args.insert(args.end(), {"--from-beginning", "--max-messages", "1"});
  EXPECT_EQ(run_process(bin / "kafka-console-consumer.sh", args).standard_output, "hello\n");
  EXPECT_EQ(ferry({"topics", "--list", "--exclude-internal"}).standard_output,
            "via-kafka-topics\nvia-kafka-topics.sh\n");
}

TEST_P(ToolsTest, BadCommandLinesAreUsageErrors) {
  ProcessResult unknown = ferry({"topics", "--lst"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.standard_error.find("lst is not a recognized option"), std::string::npos);
  ProcessResult two = ferry({"topics", "--list", "--delete"});
  EXPECT_EQ(two.exit_code, 2);
  ProcessResult bad_name = ferry({"topics", "--create", "--topic", "a/b"});
  EXPECT_EQ(bad_name.exit_code, 1);
  EXPECT_NE(bad_name.standard_error.find("is illegal"), std::string::npos);
  ProcessResult bad_config =
      ferry({"topics", "--create", "--topic", "t", "--config", "retention.ms=soon"});
  EXPECT_EQ(bad_config.exit_code, 1);
  EXPECT_NE(bad_config.standard_error.find(
                "Invalid value soon for configuration retention.ms: Not a number of type LONG"),
            std::string::npos);
  ProcessResult no_broker = run_process(ferry_binary(), {"topics", "--list"});
  EXPECT_EQ(no_broker.exit_code, 1);
  EXPECT_NE(no_broker.standard_error.find("--data-dir"), std::string::npos);
}

TEST_P(ToolsTest, ConsoleProducerWritesLinesAsRecords) {
  ASSERT_EQ(ferry({"topics", "--create", "--topic", "t", "--partitions", "1"}).exit_code, 0);
  ProcessResult produced = ferry({"console-producer", "--topic", "t", "--property",
                                  "parse.key=true", "--property", "key.separator=:"},
                                 "k1:hello\nk2:world\nk1:again\n");
  ASSERT_EQ(produced.exit_code, 0) << produced.standard_error;
  ProcessResult reset = ferry({"consumer-groups", "--reset-offsets", "--group", "g", "--topic", "t",
                               "--to-latest", "--execute"});
  ASSERT_EQ(reset.exit_code, 0) << reset.standard_error;
  // The reset sees the log end: three records were written.
  EXPECT_EQ(
      rows(reset.standard_output),
      (std::vector<Row>{{"GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"}, {"g", "t", "0", "3"}}));

  ProcessResult no_separator =
      ferry({"console-producer", "--topic", "t", "--property", "parse.key=true"}, "no tab here\n");
  EXPECT_EQ(no_separator.exit_code, 1);
  EXPECT_NE(no_separator.standard_error.find("No key separator found on line number 1"),
            std::string::npos);
}

TEST_P(ToolsTest, ConsumerGroupsResetDescribeAndDelete) {
  ASSERT_EQ(ferry({"topics", "--create", "--topic", "t", "--partitions", "2"}).exit_code, 0);
  ASSERT_EQ(ferry({"console-producer", "--topic", "t"}, "a\nb\nc\nd\n").exit_code, 0);
  ProcessResult dry = ferry(
      {"consumer-groups", "--reset-offsets", "--group", "g", "--all-topics", "--to-earliest"});
  // No offsets yet: --all-topics covers nothing, and nothing changes.
  ASSERT_EQ(dry.exit_code, 0) << dry.standard_error;
  EXPECT_EQ(rows(dry.standard_output).size(), 1u);
  ASSERT_EQ(ferry({"consumer-groups", "--reset-offsets", "--group", "g", "--topic", "t",
                   "--to-earliest", "--execute"})
                .exit_code,
            0);
  ProcessResult listed = ferry({"consumer-groups", "--list"});
  EXPECT_EQ(listed.standard_output, "g\n");
  ProcessResult described = ferry({"consumer-groups", "--describe", "--group", "g"});
  ASSERT_EQ(described.exit_code, 0) << described.standard_error;
  EXPECT_NE(described.standard_output.find("CURRENT-OFFSET  LOG-END-OFFSET  LAG"),
            std::string::npos)
      << described.standard_output;
  EXPECT_NE(described.standard_error.find("has no active members"), std::string::npos);
  // Both partitions at offset 0 with their lag; the four records are split between them.
  const auto table = rows(described.standard_output);
  ASSERT_EQ(table.size(), 3u) << described.standard_output;
  EXPECT_EQ(table[1][0], "g");
  EXPECT_EQ(table[1][2], "0");
  EXPECT_EQ(table[1][3], "0");
  EXPECT_EQ(std::stoi(table[1][5]) + std::stoi(table[2][5]), 4);
  EXPECT_EQ(table[1][6], "-");
  ASSERT_EQ(ferry({"consumer-groups", "--delete", "--group", "g"}).exit_code, 0);
  EXPECT_EQ(ferry({"consumer-groups", "--list"}).standard_output, "");
}

TEST_P(ToolsTest, ConsoleConsumerPrintsWithKafkasFormatterAndCommits) {
  ASSERT_EQ(ferry({"topics", "--create", "--topic", "t", "--partitions", "1"}).exit_code, 0);
  ASSERT_EQ(ferry({"console-producer", "--topic", "t", "--property", "parse.key=true", "--property",
                   "key.separator=:"},
                  "k1:hello\nk2:world\nk3:again\n")
                .exit_code,
            0);
  ProcessResult first = ferry({"console-consumer", "--topic", "t", "--from-beginning", "--group",
                               "readers", "--max-messages", "2", "--property", "print.key=true",
                               "--property", "print.offset=true", "--property", "key.separator=|"});
  ASSERT_EQ(first.exit_code, 0) << first.standard_error;
  EXPECT_EQ(first.standard_output, "Offset:0|k1|hello\nOffset:1|k2|world\n");
  EXPECT_NE(first.standard_error.find("Processed a total of 2 messages"), std::string::npos);

  // The group committed where it stopped: the next run starts there, and times out after it.
  ProcessResult second =
      ferry({"console-consumer", "--topic", "t", "--group", "readers", "--timeout-ms", "500"});
  ASSERT_EQ(second.exit_code, 0) << second.standard_error;
  EXPECT_EQ(second.standard_output, "again\n");
  EXPECT_NE(second.standard_error.find("Processed a total of 1 messages"), std::string::npos);

  ProcessResult from_offset = ferry({"console-consumer", "--topic", "t", "--partition", "0",
                                     "--offset", "1", "--max-messages", "1"});
  EXPECT_EQ(from_offset.standard_output, "world\n");
  ProcessResult bad = ferry({"console-consumer", "--topic", "t", "--offset", "1"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.standard_error.find("partition is required"), std::string::npos);
}

// A worker or broker that keeps the data directory open (here a console producer waiting for
// more input) holds its lock. The tools that only read still work, reading the files it writes
// meanwhile; those that write are refused, naming the directory, until it exits.
TEST_P(ToolsOnADirectoryTest, ReadingToolsWorkBesideARunningBrokerAndWritingOnesAreRefused) {
  const std::filesystem::path data = dir_.path() / "data";
  ASSERT_EQ(ferry({"topics", "--create", "--topic", "t", "--partitions", "1"}).exit_code, 0);
  ASSERT_EQ(ferry({"console-producer", "--topic", "t"}, "a\nb\n").exit_code, 0);
  ASSERT_EQ(ferry({"consumer-groups", "--reset-offsets", "--group", "g", "--topic", "t",
                   "--to-offset", "1", "--execute"})
                .exit_code,
            0);
  ASSERT_TRUE(std::filesystem::exists(data / ".clean_shutdown"));

  BackgroundProcess running(
      ferry_binary(), {"console-producer", "--data-dir", data.string(), "--topic", "t", "--sync"});
  // Its open takes the lock and then removes the marker of the last clean shutdown.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::filesystem::exists(data / ".clean_shutdown") &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(std::filesystem::exists(data / ".clean_shutdown"));
  running.write("c\nd\n");

  ProcessResult listed = ferry({"topics", "--list", "--exclude-internal"});
  ASSERT_EQ(listed.exit_code, 0) << listed.standard_error;
  EXPECT_EQ(listed.standard_output, "t\n");
  ProcessResult described = ferry({"topics", "--describe", "--topic", "t"});
  ASSERT_EQ(described.exit_code, 0) << described.standard_error;
  EXPECT_NE(described.standard_output.find("\tPartitionCount: 1\t"), std::string::npos);

  // The consumer waits for what the running producer has not written yet, and for "e", sent
  // while the consumer runs.
  std::thread later([&running] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    running.write("e\n");
  });
  ProcessResult consumed = ferry({"console-consumer", "--topic", "t", "--from-beginning",
                                  "--max-messages", "5", "--timeout-ms", "20000"});
  later.join();
  ASSERT_EQ(consumed.exit_code, 0) << consumed.standard_error;
  EXPECT_EQ(consumed.standard_output, "a\nb\nc\nd\ne\n");
  EXPECT_NE(consumed.standard_error.find("Processed a total of 5 messages"), std::string::npos);

  ProcessResult groups = ferry({"consumer-groups", "--list"});
  ASSERT_EQ(groups.exit_code, 0) << groups.standard_error;
  EXPECT_EQ(groups.standard_output, "g\n");
  ProcessResult group = ferry({"consumer-groups", "--describe", "--group", "g"});
  ASSERT_EQ(group.exit_code, 0) << group.standard_error;
  EXPECT_EQ(rows(group.standard_output),
            (std::vector<Row>{{"GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET",
                               "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"},
                              {"g", "t", "0", "1", "5", "4", "-", "-", "-"}}));
  EXPECT_NE(group.standard_error.find(data.string() + " is in use by a running broker or worker"),
            std::string::npos)
      << group.standard_error;
  EXPECT_NE(group.standard_error.find("not the groups' members"), std::string::npos);

  const std::string refusal =
      data.string() + " is in use by a running broker or worker (it holds the directory's .lock)";
  for (const std::vector<std::string>& command : std::vector<std::vector<std::string>>{
           {"topics", "--create", "--topic", "other"},
           {"topics", "--delete", "--topic", "t"},
           {"topics", "--alter", "--topic", "t", "--partitions", "2"},
           {"console-producer", "--topic", "t"},
           {"console-consumer", "--topic", "t", "--group", "g2", "--max-messages", "1"},
           {"consumer-groups", "--reset-offsets", "--group", "g", "--topic", "t", "--to-earliest",
            "--execute"},
           {"consumer-groups", "--delete", "--group", "g"},
       }) {
    ProcessResult refused = ferry(command, "x\n");
    EXPECT_EQ(refused.exit_code, 1) << command[0] << " " << command[1];
    EXPECT_NE(refused.standard_error.find(refusal), std::string::npos) << refused.standard_error;
    EXPECT_NE(refused.standard_error.find("reach it with --bootstrap-server"), std::string::npos);
  }
  EXPECT_EQ(ferry({"topics", "--list", "--exclude-internal"}).standard_output, "t\n");

  ProcessResult finished = running.finish();
  ASSERT_EQ(finished.exit_code, 0) << finished.standard_error;
  // With the directory free again, the tools open it as before.
  ProcessResult created = ferry({"topics", "--create", "--topic", "other"});
  EXPECT_EQ(created.exit_code, 0) << created.standard_error;
  ProcessResult all = ferry({"console-consumer", "--topic", "t", "--partition", "0", "--offset",
                             "earliest", "--max-messages", "5"});
  EXPECT_EQ(all.standard_output, "a\nb\nc\nd\ne\n");
}

std::string access_name(const ::testing::TestParamInfo<Access>& info) {
  return info.param == Access::kDataDirectory ? "DataDirectory" : "BootstrapServer";
}

INSTANTIATE_TEST_SUITE_P(Access, ToolsTest,
                         ::testing::Values(Access::kDataDirectory, Access::kBootstrapServer),
                         access_name);
INSTANTIATE_TEST_SUITE_P(Access, ToolsOnADirectoryTest, ::testing::Values(Access::kDataDirectory),
                         access_name);

}  // namespace
}  // namespace ferry::testing
