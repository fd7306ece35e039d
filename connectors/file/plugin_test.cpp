// Loads the built plugin as the worker does (dlopen with RTLD_LOCAL, the descriptor first) and
// checks what it registers.
#include "ferry/sdk/plugin.h"

#include <map>
#include <memory>
#include <string>

#include <dlfcn.h>
#include <gtest/gtest.h>

namespace ferry::connectors::file {
namespace {

class RecordingRegistrar : public sdk::PluginRegistrar {
 public:
  void source_connector(const std::string& class_name, Factory<sdk::SourceConnector> f) override {
    sources[class_name] = std::move(f);
  }
  void sink_connector(const std::string& class_name, Factory<sdk::SinkConnector> f) override {
    sinks[class_name] = std::move(f);
  }
  void converter(const std::string& class_name, Factory<sdk::Converter>) override {
    others.push_back(class_name);
  }
  void header_converter(const std::string& class_name, Factory<sdk::HeaderConverter>) override {
    others.push_back(class_name);
  }
  void source_transformation(const std::string& class_name,
                             Factory<sdk::Transformation<sdk::SourceRecord>>) override {
    others.push_back(class_name);
  }
  void sink_transformation(const std::string& class_name,
                           Factory<sdk::Transformation<sdk::SinkRecord>>) override {
    others.push_back(class_name);
  }
  void source_predicate(const std::string& class_name,
                        Factory<sdk::Predicate<sdk::SourceRecord>>) override {
    others.push_back(class_name);
  }
  void sink_predicate(const std::string& class_name,
                      Factory<sdk::Predicate<sdk::SinkRecord>>) override {
    others.push_back(class_name);
  }

  std::map<std::string, Factory<sdk::SourceConnector>> sources;
  std::map<std::string, Factory<sdk::SinkConnector>> sinks;
  std::vector<std::string> others;
};

TEST(FilePlugin, RegistersKafkasTwoFileConnectors) {
  void* library = ::dlopen(FERRY_FILE_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(library, nullptr) << ::dlerror();
  {
    using Entry = const sdk::PluginDescriptor* (*)();
    auto entry = reinterpret_cast<Entry>(::dlsym(library, FERRY_PLUGIN_ENTRY_SYMBOL));
    ASSERT_NE(entry, nullptr) << ::dlerror();
    const sdk::PluginDescriptor& descriptor = *entry();
    EXPECT_EQ(descriptor.abi_version, sdk::kPluginAbiVersion);
    EXPECT_STREQ(descriptor.build_key, sdk::kPluginBuildKey);
    EXPECT_STREQ(descriptor.name, "file");
    EXPECT_STREQ(descriptor.version, FERRY_FILE_CONNECTORS_VERSION);

    RecordingRegistrar registrar;
    descriptor.register_components(registrar);
    ASSERT_EQ(registrar.sources.size(), 1u);
    ASSERT_EQ(registrar.sinks.size(), 1u);
    EXPECT_TRUE(registrar.others.empty());
    ASSERT_TRUE(
        registrar.sources.contains("org.apache.kafka.connect.file.FileStreamSourceConnector"));
    ASSERT_TRUE(registrar.sinks.contains("org.apache.kafka.connect.file.FileStreamSinkConnector"));

    std::unique_ptr<sdk::SourceConnector> source =
        registrar.sources.at("org.apache.kafka.connect.file.FileStreamSourceConnector")();
    EXPECT_EQ(source->version(), FERRY_FILE_CONNECTORS_VERSION);
    EXPECT_EQ(source->config().names(), (std::vector<std::string>{"file", "topic", "batch.size"}));
    // An exception thrown in the plugin is caught here by its SDK type.
    EXPECT_THROW(source->start({}), sdk::ConfigException);
    std::unique_ptr<sdk::SinkConnector> sink =
        registrar.sinks.at("org.apache.kafka.connect.file.FileStreamSinkConnector")();
    EXPECT_EQ(sink->config().names(), std::vector<std::string>{"file"});
    EXPECT_NE(sink->create_task(), nullptr);
  }  // every object the plugin made is gone before it is unloaded
  EXPECT_EQ(::dlclose(library), 0);
}

}  // namespace
}  // namespace ferry::connectors::file
