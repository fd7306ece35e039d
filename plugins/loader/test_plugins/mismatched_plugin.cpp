// A descriptor written by hand, as a plugin built against another SDK or standard library would
// carry it: FERRY_TEST_ABI_VERSION and FERRY_TEST_BUILD_KEY come from CMake. The loader must refuse
// it before calling register_components, which would register a class if it ever ran.
#include "ferry/sdk/plugin.h"

namespace {

void register_components(ferry::sdk::PluginRegistrar& registrar) {
  registrar.converter("com.example.test.MustNotLoadConverter",
                      [] { return std::unique_ptr<ferry::sdk::Converter>(); });
}

const ferry::sdk::PluginDescriptor kDescriptor{
    .abi_version = FERRY_TEST_ABI_VERSION,
    .build_key = FERRY_TEST_BUILD_KEY,
    .name = "test-mismatched",
    .version = "0.0.1",
    .register_components = register_components,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const ferry::sdk::PluginDescriptor*
ferry_plugin_descriptor() {
  return &kDescriptor;
}
