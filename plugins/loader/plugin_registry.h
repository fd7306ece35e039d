// Every component a worker can instantiate, by kind: its class name, the plugin it came from and
// its factory; and the names that resolve to it, by Kafka Connect's rules (plugin_aliases.h).
// The loader fills it from plugin.path (plugin_loader.h); the worker registers its built-in
// components (the converters) into it the same way, so one registry answers connector.class,
// key.converter and transforms.*.type, `ferry plugins` and REST's GET /connector-plugins.
//
// Registration is per plugin and all or nothing: register_plugin runs the plugin's
// register_components against a staging registrar and adds what it registered only if it returns.
// A class already registered for the same kind keeps its first registration; the later one is
// reported as a Conflict and ignored (two plugins shipping the same connector: the first on
// plugin.path wins, as a class loader would have it).
//
// Lookups take a full class name or an alias. A name that resolves to nothing is not_found with
// Kafka's message, which here lists the few closest names (close_matches.h) instead of every
// class installed:
//   Failed to find any class that implements Connector and which name matches FileStreamSorce,
//   available connectors are: org.apache.kafka.connect.file.FileStreamSourceConnector, ...
// Connectors also get Kafka's fallback (Plugins.newConnector): when an alias was dropped as
// ambiguous, a connector whose simple name is the name, or the name plus "Connector", still
// matches if it is the only one; several are invalid_argument "More than one connector matches
// alias X. Please use full package and class name instead. Classes found: ...".
//
// Factories handed out are wrapped: an exception thrown by the plugin's factory comes out as
// sdk::ConnectException naming the class and the plugin, and so does a factory that returns no
// object. Each wrapped factory keeps its plugin's library loaded; see plugin_library.h for the
// rule about the objects it creates (destroy them before the registry).
//
// Thread-safety: register from one thread (at startup), then the const members may be called
// from any number of threads. A factory may be called from any thread.
#pragma once

#include <array>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "common/result.h"
#include "ferry/sdk/plugin.h"
#include "plugins/loader/component_kind.h"
#include "plugins/loader/plugin_library.h"

namespace ferry::loader {

template <typename T>
using Factory = sdk::PluginRegistrar::Factory<T>;

// Where components came from.
struct PluginInfo {
  std::string name;            // the descriptor's name ("ferry-file")
  std::string version;         // the descriptor's version; what listings show for each component
  std::filesystem::path file;  // the library; empty for components built into the worker

  // "ferry-file 1.0.0 (/opt/plugins/file/libferry-file.so)", or "... (built in)".
  std::string describe() const;
};

// A class registered a second time for the same kind; the first registration stays.
struct Conflict {
  ComponentKind kind;
  std::string class_name;
  std::shared_ptr<const PluginInfo> kept;
  std::shared_ptr<const PluginInfo> ignored;

  // "source connector com.example.Foo is already provided by a 1.0 (/p/a/liba.so); the one in
  // b 2.0 (/p/b/libb.so) is ignored"
  std::string message() const;
};

// One row of `ferry plugins` and GET /connector-plugins: one per class and Kafka type, so a
// transformation registered for both record kinds is one row.
struct PluginListing {
  std::string class_name;
  std::string type;                  // kafka_type_name: "source", "sink", "converter", ...
  std::string version;               // its plugin's version
  std::vector<std::string> aliases;  // every alias that resolves to the class, sorted
  std::shared_ptr<const PluginInfo> plugin;
};

// What connector.class names: a source connector, a sink connector (or, if one class was
// registered as both, both factories).
struct ConnectorFactory {
  std::string class_name;  // the full name the given name resolved to
  Factory<sdk::SourceConnector> source;
  Factory<sdk::SinkConnector> sink;

  // A new instance, from whichever factory is set.
  std::unique_ptr<sdk::Connector> create() const {
    if (source) return source();
    return sink();
  }
};

class PluginRegistry {
 public:
  PluginRegistry();
  ~PluginRegistry();
  PluginRegistry(const PluginRegistry&) = delete;  // owns plugin libraries
  PluginRegistry& operator=(const PluginRegistry&) = delete;

  // Calls register_components with a registrar that stages what it registers as coming from
  // plugin, then adds every staged component, except classes already registered for the same
  // kind, which are returned as conflicts. If register_components throws, nothing is added and
  // the exception propagates; a registrar call with an empty class name or an empty factory
  // throws std::invalid_argument into register_components for that. library is where the
  // factories' code lives: the registry keeps it loaded (null for built-in components).
  std::vector<Conflict> register_plugin(
      PluginInfo plugin, const std::function<void(sdk::PluginRegistrar&)>& register_components,
      std::shared_ptr<const PluginLibrary> library = nullptr);

  // connector.class: a source or sink connector.
  Result<ConnectorFactory> find_connector(std::string_view name) const;
  Result<Factory<sdk::SourceConnector>> find_source_connector(std::string_view name) const;
  Result<Factory<sdk::SinkConnector>> find_sink_connector(std::string_view name) const;
  Result<Factory<sdk::Converter>> find_converter(std::string_view name) const;
  Result<Factory<sdk::HeaderConverter>> find_header_converter(std::string_view name) const;
  Result<Factory<sdk::Transformation<sdk::SourceRecord>>> find_source_transformation(
      std::string_view name) const;
  Result<Factory<sdk::Transformation<sdk::SinkRecord>>> find_sink_transformation(
      std::string_view name) const;
  Result<Factory<sdk::Predicate<sdk::SourceRecord>>> find_source_predicate(
      std::string_view name) const;
  Result<Factory<sdk::Predicate<sdk::SinkRecord>>> find_sink_predicate(std::string_view name) const;

  // The same, for code written once for both record kinds.
  template <typename Record>
  Result<Factory<sdk::Transformation<Record>>> find_transformation(std::string_view name) const;
  template <typename Record>
  Result<Factory<sdk::Predicate<Record>>> find_predicate(std::string_view name) const;

  // The full class name that name resolves to for kind; errors as the find_ functions'.
  Result<std::string> resolve(ComponentKind kind, std::string_view name) const;

  // Every class, grouped by Kafka type in Kafka's order (source, sink, converter,
  // header_converter, transformation, predicate), by class name within a type.
  std::vector<PluginListing> list() const;

  // The aliases that resolve to class_name, sorted.
  std::vector<std::string> aliases_of(std::string_view class_name) const;

  // Every conflict seen so far, in order.
  const std::vector<Conflict>& conflicts() const { return conflicts_; }

  // The plugins registered, in order.
  const std::vector<std::shared_ptr<const PluginInfo>>& plugins() const { return plugins_; }

 private:
  using AnyFactory = std::variant<
      Factory<sdk::SourceConnector>, Factory<sdk::SinkConnector>, Factory<sdk::Converter>,
      Factory<sdk::HeaderConverter>, Factory<sdk::Transformation<sdk::SourceRecord>>,
      Factory<sdk::Transformation<sdk::SinkRecord>>, Factory<sdk::Predicate<sdk::SourceRecord>>,
      Factory<sdk::Predicate<sdk::SinkRecord>>>;  // index == ComponentKind

  struct Component {
    ComponentKind kind;
    std::string class_name;
    std::shared_ptr<const PluginInfo> plugin;
    AnyFactory factory;  // wrapped; keeps the plugin's library loaded
  };
  class Staging;

  using ComponentsByClass = std::map<std::string, Component, std::less<>>;

  const ComponentsByClass& components(ComponentKind kind) const {
    return components_[static_cast<std::size_t>(kind)];
  }
  // The component of one of kinds that name resolves to.
  Result<const Component*> find(std::span<const ComponentKind> kinds, std::string_view name) const;
  template <typename T>
  Result<Factory<T>> find_factory(ComponentKind kind, std::string_view name) const;
  std::string not_found_message(std::span<const ComponentKind> kinds, std::string_view name) const;
  void recompute_aliases();

  // Declared first, destroyed last: the libraries outlive every factory below (and a factory
  // copied out of the registry keeps its own reference).
  std::vector<std::shared_ptr<const PluginLibrary>> libraries_;
  std::vector<std::shared_ptr<const PluginInfo>> plugins_;
  std::array<ComponentsByClass, kAllComponentKinds.size()> components_;
  std::map<std::string, std::string, std::less<>> aliases_;  // alias -> class name
  std::vector<Conflict> conflicts_;
};

template <typename Record>
Result<Factory<sdk::Transformation<Record>>> PluginRegistry::find_transformation(
    std::string_view name) const {
  if constexpr (std::is_same_v<Record, sdk::SourceRecord>) {
    return find_source_transformation(name);
  } else {
    return find_sink_transformation(name);
  }
}

template <typename Record>
Result<Factory<sdk::Predicate<Record>>> PluginRegistry::find_predicate(
    std::string_view name) const {
  if constexpr (std::is_same_v<Record, sdk::SourceRecord>) {
    return find_source_predicate(name);
  } else {
    return find_sink_predicate(name);
  }
}

}  // namespace ferry::loader
