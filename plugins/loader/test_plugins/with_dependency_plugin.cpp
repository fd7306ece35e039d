// A plugin that needs a library of its own folder (libtest-helper.so, found through RPATH).
#include "ferry/sdk/plugin.h"

std::string helper_greeting();

namespace {

template <typename Record>
class GreetingTransformation : public ferry::sdk::Transformation<Record> {
 public:
  void configure(const ferry::sdk::ConfigMap& /*props*/) override {}
  std::optional<Record> apply(Record record) override {
    record.value = helper_greeting();
    return record;
  }
  ferry::sdk::ConfigDef config() const override { return ferry::sdk::ConfigDef(); }
};

}  // namespace

FERRY_PLUGIN("test-with-dependency", "1.0.0", [](ferry::sdk::PluginRegistrar& registrar) {
  registrar.transformation<GreetingTransformation>("com.example.test.GreetingTransformation");
})
