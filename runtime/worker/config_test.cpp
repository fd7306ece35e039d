// Worker and connector configs: Kafka's keys, defaults and messages.
#include <gtest/gtest.h>

#include "runtime/worker/connector_config.h"
#include "runtime/worker/worker_config.h"

namespace ferry::runtime {
namespace {

sdk::ConfigMap minimal_worker() {
  return {{"key.converter", "org.apache.kafka.connect.json.JsonConverter"},
          {"value.converter", "org.apache.kafka.connect.storage.StringConverter"},
          {"offset.storage.file.filename", "/tmp/connect.offsets"}};
}

TEST(WorkerConfig, TopicTrackingCanBeSwitchedOff) {
  sdk::ConfigMap props = minimal_worker();
  props["topic.tracking.enable"] = "false";
  props["topic.tracking.allow.reset"] = "false";
  auto config = parse_worker_config(props, WorkerMode::kStandalone, "w.properties");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_FALSE(config->topic_tracking_enable);
  EXPECT_FALSE(config->topic_tracking_allow_reset);
  props["topic.tracking.enable"] = "maybe";
  EXPECT_FALSE(parse_worker_config(props, WorkerMode::kStandalone, "w.properties").ok());
}

TEST(WorkerConfig, DefaultsAreKafkas) {
  auto config = parse_worker_config(minimal_worker(), WorkerMode::kStandalone, "w.properties");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->bootstrap_servers, std::vector<std::string>{"localhost:9092"});
  EXPECT_TRUE(config->topic_tracking_enable);
  EXPECT_TRUE(config->topic_tracking_allow_reset);
  EXPECT_EQ(config->header_converter.class_name,
            "org.apache.kafka.connect.storage.SimpleHeaderConverter");
  EXPECT_EQ(config->offset_flush_interval, std::chrono::milliseconds(60000));
  EXPECT_EQ(config->offset_flush_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(config->task_shutdown_graceful_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(config->listeners, std::vector<std::string>{"http://:8083"});
  EXPECT_TRUE(config->plugin_path.empty());
  EXPECT_FALSE(config->log_dirs.has_value());
  EXPECT_EQ(config->offset_storage_file, "/tmp/connect.offsets");
}

TEST(WorkerConfig, ConverterSubKeysArePassedWithoutThePrefix) {
  sdk::ConfigMap props = minimal_worker();
  props["key.converter.schemas.enable"] = "false";
  props["value.converter.converter.encoding"] = "UTF-8";
  props["producer.linger.ms"] = "20";
  props["plugin.path"] = "/opt/a, /opt/b";
  auto config = parse_worker_config(props, WorkerMode::kStandalone, "w.properties");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->key_converter.configs, (sdk::ConfigMap{{"schemas.enable", "false"}}));
  EXPECT_EQ(config->value_converter.configs, (sdk::ConfigMap{{"converter.encoding", "UTF-8"}}));
  EXPECT_EQ(config->with_prefix("producer."), (sdk::ConfigMap{{"linger.ms", "20"}}));
  EXPECT_EQ(config->plugin_path, (std::vector<std::string>{"/opt/a", "/opt/b"}));
}

TEST(WorkerConfig, MissingConverterIsKafkasMessageNamingTheFile) {
  sdk::ConfigMap props = minimal_worker();
  props.erase("key.converter");
  auto config = parse_worker_config(props, WorkerMode::kStandalone, "w.properties");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            "w.properties: Missing required configuration \"key.converter\" which has no default "
            "value.");
}

TEST(WorkerConfig, StandaloneNeedsTheOffsetsFile) {
  sdk::ConfigMap props = minimal_worker();
  props.erase("offset.storage.file.filename");
  EXPECT_FALSE(parse_worker_config(props, WorkerMode::kStandalone, "w").ok());
  EXPECT_TRUE(parse_worker_config(props, WorkerMode::kDistributed, "w").ok());
}

TEST(WorkerConfig, BadNumbersAndSeveralLogDirsAreRefused) {
  sdk::ConfigMap props = minimal_worker();
  props["offset.flush.interval.ms"] = "soon";
  auto config = parse_worker_config(props, WorkerMode::kStandalone, "w");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("offset.flush.interval.ms"), std::string::npos);
  props = minimal_worker();
  props["offset.flush.interval.ms"] = "-1";
  EXPECT_FALSE(parse_worker_config(props, WorkerMode::kStandalone, "w").ok());
  props = minimal_worker();
  props["log.dirs"] = "/a,/b";
  config = parse_worker_config(props, WorkerMode::kStandalone, "w");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("several directories"), std::string::npos);
}

TEST(WorkerConfig, OnlyThisMachineMayBeTheBootstrapServer) {
  EXPECT_TRUE(check_embedded_bootstrap({"localhost:9092", "127.0.0.1:9092", "[::1]:9092"}).ok());
  const Status remote = check_embedded_bootstrap({"localhost:9092", "kafka1.example:9092"});
  ASSERT_FALSE(remote.ok());
  EXPECT_NE(remote.message().find("kafka1.example:9092 is not this machine"), std::string::npos);
}

sdk::ConfigMap sink(sdk::ConfigMap extra = {}) {
  sdk::ConfigMap props = {{"name", "s"}, {"connector.class", "FileStreamSink"}, {"topics", "t"}};
  for (auto& [key, value] : extra) props[key] = value;
  return props;
}

TEST(ConnectorConfig, CommonKeysAndUnknownOnesKept) {
  auto config = parse_connector_config(sink({{"tasks.max", "3"},
                                             {"file", "out.txt"},
                                             {"value.converter", "StringConverter"},
                                             {"value.converter.encoding", "UTF-8"}}),
                                       ConnectorType::kSink);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->name, "s");
  EXPECT_EQ(config->tasks_max, 3);
  EXPECT_EQ(config->topics, std::vector<std::string>{"t"});
  EXPECT_EQ(config->originals.at("file"), "out.txt");
  ASSERT_TRUE(config->value_converter.has_value());
  EXPECT_EQ(config->value_converter->class_name, "StringConverter");
  EXPECT_EQ(config->value_converter->configs, (sdk::ConfigMap{{"encoding", "UTF-8"}}));
  EXPECT_FALSE(config->key_converter.has_value());
}

TEST(ConnectorConfig, KafkasMessagesForBadConfigs) {
  const auto message = [](sdk::ConfigMap props, ConnectorType type = ConnectorType::kSink) {
    auto config = parse_connector_config(props, type);
    return config.ok() ? std::string("ok") : config.status().message();
  };
  sdk::ConfigMap no_name = sink();
  no_name.erase("name");
  EXPECT_EQ(message(no_name),
            "Missing required configuration \"name\" which has no default value.");
  EXPECT_EQ(message(sink({{"tasks.max", "0"}})),
            "Invalid value 0 for configuration tasks.max: Value must be at least 1");
  sdk::ConfigMap no_topics = sink();
  no_topics.erase("topics");
  EXPECT_EQ(message(no_topics), "Must configure one of topics or topics.regex");
  EXPECT_EQ(message(no_topics, ConnectorType::kSource), "ok");
  EXPECT_EQ(message(sink({{"topics.regex", "t.*"}})),
            "topics and topics.regex are mutually exclusive options, but both are set.");
  EXPECT_EQ(message(sink({{"transforms", "a"}})),
            "Missing required configuration \"transforms.a.type\" which has no default value.");
  EXPECT_EQ(message(sink({{"transforms", "a,a"}, {"transforms.a.type", "X"}})),
            "Invalid value a,a for configuration transforms: Duplicate alias provided.");
  EXPECT_EQ(message(sink({{"errors.deadletterqueue.topic.name", "t"}})),
            "The DLQ topic 't' may not be included in the list of topics ('topics=t') consumed "
            "by the connector");
  EXPECT_NE(message(sink({{"name", "bad\nname"}})).find("ISO control"), std::string::npos);
}

TEST(ConnectorConfig, TransformsAndPredicatesAreWiredByAlias) {
  auto config = parse_connector_config(sink({{"transforms", "upper, drop"},
                                             {"transforms.upper.type", "Upper"},
                                             {"transforms.upper.field", "x"},
                                             {"transforms.drop.type", "Filter"},
                                             {"transforms.drop.predicate", "isTombstone"},
                                             {"transforms.drop.negate", "true"},
                                             {"predicates", "isTombstone"},
                                             {"predicates.isTombstone.type", "RecordIsTombstone"}}),
                                       ConnectorType::kSink);
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_EQ(config->transforms.size(), 2u);
  EXPECT_EQ(config->transforms[0].alias, "upper");
  EXPECT_EQ(config->transforms[0].configs, (sdk::ConfigMap{{"field", "x"}}));
  EXPECT_EQ(config->transforms[1].predicate, "isTombstone");
  EXPECT_TRUE(config->transforms[1].negate);
  EXPECT_TRUE(config->transforms[1].configs.empty());
  ASSERT_EQ(config->predicates.size(), 1u);
  EXPECT_EQ(config->predicates[0].class_name, "RecordIsTombstone");

  auto unknown = parse_connector_config(
      sink({{"transforms", "a"}, {"transforms.a.type", "X"}, {"transforms.a.predicate", "p"}}),
      ConnectorType::kSink);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(
      unknown.status().message(),
      "Invalid value p for configuration transforms.a.predicate: Not a valid predicate alias");
}

}  // namespace
}  // namespace ferry::runtime
