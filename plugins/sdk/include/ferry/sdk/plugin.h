// How a plugin library tells the worker what it provides. A plugin is a folder under plugin.path
// holding one shared library (and its private dependencies); the library exports one C symbol,
// ferry_plugin_descriptor, which returns a descriptor the loader checks before it calls anything
// else: the ABI version of this header, and a build key naming the C++ standard library ABI the
// plugin was compiled against (a plugin built against another one would corrupt memory the
// moment a std::string crossed the boundary). Only then does it call register_components, which
// registers each component's class name and factory; the loader adds Kafka's aliases (the simple
// class name, and that name without its type suffix).
//
//   class MySource : public ferry::sdk::SourceConnector { ... };
//   FERRY_PLUGIN("my-plugin", "1.0.0", [](ferry::sdk::PluginRegistrar& registrar) {
//     registrar.source_connector("com.example.MySourceConnector",
//                                [] { return std::make_unique<MySource>(); });
//   })
//
// A factory that throws when the worker calls it comes out as ConnectException naming the class
// and the plugin. Writing, building and installing a plugin: docs/plugins.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ferry/sdk/converter.h"
#include "ferry/sdk/sink_connector.h"
#include "ferry/sdk/source_connector.h"
#include "ferry/sdk/transformation.h"

namespace ferry::sdk {

// Bumped whenever a class in the SDK changes layout or a virtual function is added or removed.
inline constexpr std::uint32_t kPluginAbiVersion = 4;

// The C++ standard library and its ABI, as compiled into whoever includes this header.
#if defined(_LIBCPP_VERSION)
#define FERRY_SDK_STDLIB "libc++"
#elif defined(__GLIBCXX__)
#if _GLIBCXX_USE_CXX11_ABI
#define FERRY_SDK_STDLIB "libstdc++-cxx11"
#else
#define FERRY_SDK_STDLIB "libstdc++-old"
#endif
#else
#define FERRY_SDK_STDLIB "unknown"
#endif
inline constexpr const char* kPluginBuildKey = FERRY_SDK_STDLIB "/c++20";

class PluginRegistrar {
 public:
  template <typename T>
  using Factory = std::function<std::unique_ptr<T>()>;

  virtual ~PluginRegistrar() = default;
  virtual void source_connector(const std::string& class_name, Factory<SourceConnector> f) = 0;
  virtual void sink_connector(const std::string& class_name, Factory<SinkConnector> f) = 0;
  virtual void converter(const std::string& class_name, Factory<Converter> f) = 0;
  virtual void header_converter(const std::string& class_name, Factory<HeaderConverter> f) = 0;
  virtual void source_transformation(const std::string& class_name,
                                     Factory<Transformation<SourceRecord>> f) = 0;
  virtual void sink_transformation(const std::string& class_name,
                                   Factory<Transformation<SinkRecord>> f) = 0;
  virtual void source_predicate(const std::string& class_name,
                                Factory<Predicate<SourceRecord>> f) = 0;
  virtual void sink_predicate(const std::string& class_name, Factory<Predicate<SinkRecord>> f) = 0;

  // A transformation class template T<Record> registered for both record kinds.
  template <template <typename> class T>
  void transformation(const std::string& class_name) {
    source_transformation(class_name, [] { return std::make_unique<T<SourceRecord>>(); });
    sink_transformation(class_name, [] { return std::make_unique<T<SinkRecord>>(); });
  }
  template <template <typename> class T>
  void predicate(const std::string& class_name) {
    source_predicate(class_name, [] { return std::make_unique<T<SourceRecord>>(); });
    sink_predicate(class_name, [] { return std::make_unique<T<SinkRecord>>(); });
  }
};

// What ferry_plugin_descriptor returns. Plain C fields first, so the loader can read the version
// and key of any plugin, even one built against another ABI, before touching C++.
struct PluginDescriptor {
  std::uint32_t abi_version;
  const char* build_key;
  const char* name;
  const char* version;
  void (*register_components)(PluginRegistrar& registrar);
};

}  // namespace ferry::sdk

#define FERRY_PLUGIN_ENTRY_SYMBOL "ferry_plugin_descriptor"

// Defines the plugin's entry point. register_function: void(ferry::sdk::PluginRegistrar&), a
// function or a captureless lambda.
#define FERRY_PLUGIN(plugin_name, plugin_version, register_function)                        \
  extern "C" __attribute__((visibility("default"))) const ::ferry::sdk::PluginDescriptor*   \
  ferry_plugin_descriptor() {                                                               \
    static const ::ferry::sdk::PluginDescriptor descriptor{                                 \
        ::ferry::sdk::kPluginAbiVersion, ::ferry::sdk::kPluginBuildKey, plugin_name,        \
        plugin_version,                                                                     \
        +[](::ferry::sdk::PluginRegistrar& registrar) { (register_function)(registrar); }}; \
    return &descriptor;                                                                     \
  }
