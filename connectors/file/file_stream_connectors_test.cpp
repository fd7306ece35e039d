#include <algorithm>

#include <gtest/gtest.h>

#include "connectors/file/file_stream_sink_connector.h"
#include "connectors/file/file_stream_sink_task.h"
#include "connectors/file/file_stream_source_connector.h"
#include "connectors/file/file_stream_source_task.h"

namespace ferry::connectors::file {
namespace {

const sdk::ConfigValue& value_of(const std::vector<sdk::ConfigValue>& values,
                                 std::string_view name) {
  auto it = std::find_if(values.begin(), values.end(),
                         [&](const sdk::ConfigValue& value) { return value.name == name; });
  if (it == values.end()) throw std::runtime_error("no ConfigValue " + std::string(name));
  return *it;
}

TEST(FileStreamSourceConnector, ConfigHasKafkasKeysDefaultsAndDocs) {
  const sdk::ConfigDef def = FileStreamSourceConnector().config();
  ASSERT_EQ(def.names(), (std::vector<std::string>{"file", "topic", "batch.size"}));

  const sdk::ConfigKey& file = *def.find("file");
  EXPECT_EQ(file.type, sdk::ConfigType::kString);
  EXPECT_EQ(sdk::default_value_string(file), std::nullopt);
  EXPECT_TRUE(file.has_default()) << "null default: optional";
  EXPECT_EQ(file.importance, sdk::Importance::kHigh);
  EXPECT_EQ(file.documentation,
            "Source filename. If not specified, the standard input will be used");

  const sdk::ConfigKey& topic = *def.find("topic");
  EXPECT_FALSE(topic.has_default()) << "required";
  EXPECT_EQ(topic.importance, sdk::Importance::kHigh);
  EXPECT_EQ(topic.documentation, "The topic to publish data to");

  const sdk::ConfigKey& batch_size = *def.find("batch.size");
  EXPECT_EQ(batch_size.type, sdk::ConfigType::kInt);
  EXPECT_EQ(sdk::default_value_string(batch_size), "2000");
  EXPECT_EQ(batch_size.importance, sdk::Importance::kLow);
  EXPECT_EQ(batch_size.documentation,
            "The maximum number of records the source task can read from the file each time it "
            "is polled");
}

TEST(FileStreamSourceConnector, ValidateReportsAMissingTopic) {
  const std::vector<sdk::ConfigValue> values = FileStreamSourceConnector().validate({});
  EXPECT_EQ(sdk::error_count(values), 1u);
  EXPECT_EQ(value_of(values, "topic").errors,
            std::vector<std::string>{
                "Missing required configuration \"topic\" which has no default value."});
  EXPECT_TRUE(value_of(values, "file").errors.empty());
  EXPECT_EQ(value_of(values, "batch.size").value, "2000");
}

TEST(FileStreamSourceConnector, ValidateReportsEveryProblem) {
  const std::vector<sdk::ConfigValue> values =
      FileStreamSourceConnector().validate({{"topic", ""}, {"batch.size", "0"}});
  EXPECT_EQ(
      value_of(values, "topic").errors,
      std::vector<std::string>{"Invalid value  for configuration topic: String must be non-empty"});
  EXPECT_EQ(value_of(values, "batch.size").errors,
            std::vector<std::string>{
                "Invalid value 0 for configuration batch.size: Value must be at least 1"});

  const std::vector<sdk::ConfigValue> not_a_number =
      FileStreamSourceConnector().validate({{"topic", "t"}, {"batch.size", "many"}});
  const std::vector<std::string>& errors = value_of(not_a_number, "batch.size").errors;
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors.front(),
            "Invalid value many for configuration batch.size: Not a number of type INT");
}

TEST(FileStreamSourceConnector, StartRejectsAnInvalidConfiguration) {
  FileStreamSourceConnector connector;
  EXPECT_THROW(connector.start({{"file", "in.txt"}}), sdk::ConfigException);
}

TEST(FileStreamSourceConnector, OneTaskWhateverTasksMax) {
  FileStreamSourceConnector connector;
  const sdk::ConfigMap props = {{"file", "in.txt"}, {"topic", "t"}, {"tasks.max", "4"}};
  connector.start(props);
  EXPECT_EQ(connector.task_configs(4), std::vector<sdk::ConfigMap>{props});
  EXPECT_EQ(connector.task_configs(1), std::vector<sdk::ConfigMap>{props});
  EXPECT_NE(dynamic_cast<FileStreamSourceTask*>(connector.create_task().get()), nullptr);
  connector.stop();
}

TEST(FileStreamSinkConnector, ConfigHasKafkasKey) {
  const sdk::ConfigDef def = FileStreamSinkConnector().config();
  ASSERT_EQ(def.names(), std::vector<std::string>{"file"});
  const sdk::ConfigKey& file = *def.find("file");
  EXPECT_EQ(sdk::default_value_string(file), std::nullopt);
  EXPECT_EQ(file.importance, sdk::Importance::kHigh);
  EXPECT_EQ(file.documentation,
            "Destination filename. If not specified, the standard output will be used");
  EXPECT_EQ(sdk::error_count(FileStreamSinkConnector().validate({{"topics", "t"}})), 0u);
}

TEST(FileStreamSinkConnector, OneTaskConfigurationPerTask) {
  FileStreamSinkConnector connector;
  const sdk::ConfigMap props = {{"file", "out.txt"}, {"topics", "t"}};
  connector.start(props);
  EXPECT_EQ(connector.task_configs(3), std::vector<sdk::ConfigMap>(3, props));
  EXPECT_NE(dynamic_cast<FileStreamSinkTask*>(connector.create_task().get()), nullptr);
}

TEST(FileConnectors, ReportTheFerryVersion) {
  EXPECT_EQ(FileStreamSourceConnector().version(), FERRY_FILE_CONNECTORS_VERSION);
  EXPECT_EQ(FileStreamSinkConnector().version(), FERRY_FILE_CONNECTORS_VERSION);
  EXPECT_EQ(FileStreamSourceTask().version(), FERRY_FILE_CONNECTORS_VERSION);
  EXPECT_EQ(FileStreamSinkTask().version(), FERRY_FILE_CONNECTORS_VERSION);
}

}  // namespace
}  // namespace ferry::connectors::file
