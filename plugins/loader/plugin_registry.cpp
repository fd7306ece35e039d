#include "plugins/loader/plugin_registry.h"

#include <algorithm>
#include <exception>
#include <set>
#include <stdexcept>
#include <utility>

#include "ferry/sdk/errors.h"
#include "plugins/loader/close_matches.h"
#include "plugins/loader/plugin_aliases.h"

namespace ferry::loader {
namespace {

// How many close matches a not-found message shows.
constexpr std::size_t kSuggestions = 5;

constexpr std::array<ComponentKind, 2> kConnectorKinds = {ComponentKind::kSourceConnector,
                                                          ComponentKind::kSinkConnector};

// The factory the registry hands out in place of the plugin's: names the class and plugin when the
// plugin's factory fails, and keeps the plugin's library loaded while any copy exists.
template <typename T>
class GuardedFactory {
 public:
  GuardedFactory(std::shared_ptr<const PluginLibrary> library, ComponentKind kind,
                 std::string class_name, std::shared_ptr<const PluginInfo> plugin,
                 Factory<T> create)
      : library_(std::move(library)),
        kind_(kind),
        class_name_(std::move(class_name)),
        plugin_(std::move(plugin)),
        create_(std::move(create)) {}

  std::unique_ptr<T> operator()() const {
    std::unique_ptr<T> object;
    try {
      object = create_();
    } catch (const std::exception& e) {
      throw sdk::ConnectException(failure(e.what()));
    } catch (...) {
      throw sdk::ConnectException(failure("it threw an exception that is not a std::exception"));
    }
    if (object == nullptr) throw sdk::ConnectException(failure("its factory returned no object"));
    return object;
  }

 private:
  std::string failure(std::string_view why) const {
    return "cannot create " + std::string(kind_name(kind_)) + " " + class_name_ + " of plugin " +
           plugin_->describe() + ": " + std::string(why);
  }

  // Declared first, destroyed last: create_ is code of the library.
  std::shared_ptr<const PluginLibrary> library_;
  ComponentKind kind_;
  std::string class_name_;
  std::shared_ptr<const PluginInfo> plugin_;
  Factory<T> create_;
};

std::string join(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) {
    if (!text.empty()) text += ", ";
    text += name;
  }
  return text;
}

// What a lookup over kinds is looking for, in Kafka's words: the interface a class must
// implement, and the plural the message lists.
std::pair<std::string, std::string> wanted(std::span<const ComponentKind> kinds) {
  if (kinds.size() != 1) return {"Connector", "connectors"};
  switch (kinds.front()) {
    case ComponentKind::kSourceConnector:
      return {"SourceConnector", "source connectors"};
    case ComponentKind::kSinkConnector:
      return {"SinkConnector", "sink connectors"};
    case ComponentKind::kConverter:
      return {"Converter", "converters"};
    case ComponentKind::kHeaderConverter:
      return {"HeaderConverter", "header converters"};
    case ComponentKind::kSourceTransformation:
    case ComponentKind::kSinkTransformation:
      return {"Transformation", "transformations"};
    case ComponentKind::kSourcePredicate:
    case ComponentKind::kSinkPredicate:
      return {"Predicate", "predicates"};
  }
  return {"Connector", "connectors"};
}

std::string wanted_kind_name(std::span<const ComponentKind> kinds) {
  return kinds.size() == 1 ? std::string(kind_name(kinds.front())) : "connector";
}

// A name as messages quote it: a megabyte of connector.class is cut.
std::string quoted(std::string_view name) {
  if (name.size() <= kMaxComparedLength) return std::string(name);
  return std::string(name.substr(0, kMaxComparedLength)) + "...";
}

}  // namespace

std::string PluginInfo::describe() const {
  return name + " " + version + " (" + (file.empty() ? std::string("built in") : file.string()) +
         ")";
}

std::string Conflict::message() const {
  return std::string(kind_name(kind)) + " " + class_name + " is already provided by " +
         kept->describe() + "; the one in " + ignored->describe() + " is ignored";
}

// The registrar a plugin's register_components sees: collects wrapped components, checks nothing
// against the registry (register_plugin does that once the plugin is done).
class PluginRegistry::Staging final : public sdk::PluginRegistrar {
 public:
  Staging(std::shared_ptr<const PluginInfo> plugin, std::shared_ptr<const PluginLibrary> library)
      : plugin_(std::move(plugin)), library_(std::move(library)) {}

  void source_connector(const std::string& class_name,
                        Factory<sdk::SourceConnector> factory) override {
    stage<ComponentKind::kSourceConnector>(class_name, std::move(factory));
  }
  void sink_connector(const std::string& class_name, Factory<sdk::SinkConnector> factory) override {
    stage<ComponentKind::kSinkConnector>(class_name, std::move(factory));
  }
  void converter(const std::string& class_name, Factory<sdk::Converter> factory) override {
    stage<ComponentKind::kConverter>(class_name, std::move(factory));
  }
  void header_converter(const std::string& class_name,
                        Factory<sdk::HeaderConverter> factory) override {
    stage<ComponentKind::kHeaderConverter>(class_name, std::move(factory));
  }
  void source_transformation(const std::string& class_name,
                             Factory<sdk::Transformation<sdk::SourceRecord>> factory) override {
    stage<ComponentKind::kSourceTransformation>(class_name, std::move(factory));
  }
  void sink_transformation(const std::string& class_name,
                           Factory<sdk::Transformation<sdk::SinkRecord>> factory) override {
    stage<ComponentKind::kSinkTransformation>(class_name, std::move(factory));
  }
  void source_predicate(const std::string& class_name,
                        Factory<sdk::Predicate<sdk::SourceRecord>> factory) override {
    stage<ComponentKind::kSourcePredicate>(class_name, std::move(factory));
  }
  void sink_predicate(const std::string& class_name,
                      Factory<sdk::Predicate<sdk::SinkRecord>> factory) override {
    stage<ComponentKind::kSinkPredicate>(class_name, std::move(factory));
  }

  std::vector<Component>& staged() { return staged_; }

 private:
  template <ComponentKind kKind, typename T>
  void stage(const std::string& class_name, Factory<T> factory) {
    if (class_name.empty()) {
      throw std::invalid_argument(std::string(kind_name(kKind)) +
                                  " registered with an empty class name");
    }
    if (!factory) {
      throw std::invalid_argument(std::string(kind_name(kKind)) + " " + class_name +
                                  " registered without a factory");
    }
    constexpr std::size_t kIndex = static_cast<std::size_t>(kKind);
    static_assert(std::is_same_v<std::variant_alternative_t<kIndex, AnyFactory>, Factory<T>>);
    staged_.push_back(Component{
        kKind, class_name, plugin_,
        AnyFactory(std::in_place_index<kIndex>,
                   GuardedFactory<T>(library_, kKind, class_name, plugin_, std::move(factory)))});
  }

  std::shared_ptr<const PluginInfo> plugin_;
  std::shared_ptr<const PluginLibrary> library_;
  std::vector<Component> staged_;
};

PluginRegistry::PluginRegistry() = default;
PluginRegistry::~PluginRegistry() = default;

std::vector<Conflict> PluginRegistry::register_plugin(
    PluginInfo plugin, const std::function<void(sdk::PluginRegistrar&)>& register_components,
    std::shared_ptr<const PluginLibrary> library) {
  auto info = std::make_shared<const PluginInfo>(std::move(plugin));
  // Staged components (and so the plugin's factories) are destroyed before this returns, while
  // the caller still holds library.
  Staging staging(info, library);
  register_components(staging);

  std::vector<Conflict> conflicts;
  for (Component& component : staging.staged()) {
    ComponentsByClass& by_class = components_[static_cast<std::size_t>(component.kind)];
    if (const auto existing = by_class.find(component.class_name); existing != by_class.end()) {
      conflicts.push_back({component.kind, component.class_name, existing->second.plugin, info});
      continue;
    }
    std::string class_name = component.class_name;
    by_class.emplace(std::move(class_name), std::move(component));
  }
  if (library != nullptr) libraries_.push_back(std::move(library));
  plugins_.push_back(std::move(info));
  conflicts_.insert(conflicts_.end(), conflicts.begin(), conflicts.end());
  recompute_aliases();
  return conflicts;
}

void PluginRegistry::recompute_aliases() {
  std::vector<RegisteredClass> classes;
  for (ComponentKind kind : kAllComponentKinds) {
    for (const auto& [class_name, component] : components(kind)) {
      classes.push_back({class_name, kind});
    }
  }
  aliases_ = compute_aliases(classes);
}

Result<const PluginRegistry::Component*> PluginRegistry::find(std::span<const ComponentKind> kinds,
                                                              std::string_view name) const {
  for (ComponentKind kind : kinds) {
    if (const auto it = components(kind).find(name); it != components(kind).end()) {
      return &it->second;
    }
  }
  const auto alias = aliases_.find(name);
  if (alias != aliases_.end()) {
    for (ComponentKind kind : kinds) {
      if (const auto it = components(kind).find(alias->second); it != components(kind).end()) {
        return &it->second;
      }
    }
  }

  // Kafka's Plugins.newConnector, for a connector alias dropped as ambiguous: connectors whose
  // simple name is the name, or the name plus "Connector".
  if (std::all_of(kinds.begin(), kinds.end(), is_connector)) {
    const std::string with_suffix = std::string(name) + "Connector";
    std::vector<const Component*> matches;
    std::set<std::string> classes_found;
    for (ComponentKind kind : kinds) {
      for (const auto& [class_name, component] : components(kind)) {
        const std::string_view simple = simple_name(class_name);
        if (simple == name || simple == with_suffix) {
          matches.push_back(&component);
          classes_found.insert(class_name);
        }
      }
    }
    if (classes_found.size() == 1) return matches.front();
    if (classes_found.size() > 1) {
      return Status::invalid_argument(
          "More than one connector matches alias " + quoted(name) +
          ". Please use full package and class name instead. Classes found: " +
          join({classes_found.begin(), classes_found.end()}));
    }
  }

  // A class of another kind: say so rather than "not found".
  const std::string_view resolved = alias != aliases_.end() ? alias->second : name;
  for (ComponentKind kind : kAllComponentKinds) {
    if (std::find(kinds.begin(), kinds.end(), kind) != kinds.end()) continue;
    if (components(kind).contains(resolved)) {
      return Status::invalid_argument(std::string(resolved) + " is a " +
                                      std::string(kind_name(kind)) + ", not a " +
                                      wanted_kind_name(kinds));
    }
  }
  return Status::not_found(not_found_message(kinds, name));
}

std::string PluginRegistry::not_found_message(std::span<const ComponentKind> kinds,
                                              std::string_view name) const {
  std::vector<Candidate> candidates;
  std::set<std::string_view> seen;
  for (ComponentKind kind : kinds) {
    for (const auto& [class_name, component] : components(kind)) {
      if (!seen.insert(class_name).second) continue;
      candidates.push_back({class_name,
                            {class_name, std::string(simple_name(class_name)),
                             std::string(pruned_name(class_name, kind))}});
    }
  }
  const auto [interface_name, plural] = wanted(kinds);
  std::string message = "Failed to find any class that implements " + interface_name +
                        " and which name matches " + quoted(name) + ", available " + plural +
                        " are: ";
  if (candidates.empty()) return message + "none";
  const std::vector<std::string> closest = closest_matches(name, candidates, kSuggestions);
  message += join(closest);
  if (candidates.size() > closest.size()) {
    message += ", and " + std::to_string(candidates.size() - closest.size()) + " more";
  }
  return message;
}

template <typename T>
Result<Factory<T>> PluginRegistry::find_factory(ComponentKind kind, std::string_view name) const {
  const std::array<ComponentKind, 1> kinds = {kind};
  Result<const Component*> found = find(kinds, name);
  if (!found.ok()) return found.status();
  return std::get<Factory<T>>((*found)->factory);
}

Result<ConnectorFactory> PluginRegistry::find_connector(std::string_view name) const {
  Result<const Component*> found = find(kConnectorKinds, name);
  if (!found.ok()) return found.status();
  ConnectorFactory connector{.class_name = (*found)->class_name};
  const auto& sources = components(ComponentKind::kSourceConnector);
  if (const auto it = sources.find(connector.class_name); it != sources.end()) {
    connector.source = std::get<Factory<sdk::SourceConnector>>(it->second.factory);
  }
  const auto& sinks = components(ComponentKind::kSinkConnector);
  if (const auto it = sinks.find(connector.class_name); it != sinks.end()) {
    connector.sink = std::get<Factory<sdk::SinkConnector>>(it->second.factory);
  }
  return connector;
}

Result<Factory<sdk::SourceConnector>> PluginRegistry::find_source_connector(
    std::string_view name) const {
  return find_factory<sdk::SourceConnector>(ComponentKind::kSourceConnector, name);
}

Result<Factory<sdk::SinkConnector>> PluginRegistry::find_sink_connector(
    std::string_view name) const {
  return find_factory<sdk::SinkConnector>(ComponentKind::kSinkConnector, name);
}

Result<Factory<sdk::Converter>> PluginRegistry::find_converter(std::string_view name) const {
  return find_factory<sdk::Converter>(ComponentKind::kConverter, name);
}

Result<Factory<sdk::HeaderConverter>> PluginRegistry::find_header_converter(
    std::string_view name) const {
  return find_factory<sdk::HeaderConverter>(ComponentKind::kHeaderConverter, name);
}

Result<Factory<sdk::Transformation<sdk::SourceRecord>>> PluginRegistry::find_source_transformation(
    std::string_view name) const {
  return find_factory<sdk::Transformation<sdk::SourceRecord>>(ComponentKind::kSourceTransformation,
                                                              name);
}

Result<Factory<sdk::Transformation<sdk::SinkRecord>>> PluginRegistry::find_sink_transformation(
    std::string_view name) const {
  return find_factory<sdk::Transformation<sdk::SinkRecord>>(ComponentKind::kSinkTransformation,
                                                            name);
}

Result<Factory<sdk::Predicate<sdk::SourceRecord>>> PluginRegistry::find_source_predicate(
    std::string_view name) const {
  return find_factory<sdk::Predicate<sdk::SourceRecord>>(ComponentKind::kSourcePredicate, name);
}

Result<Factory<sdk::Predicate<sdk::SinkRecord>>> PluginRegistry::find_sink_predicate(
    std::string_view name) const {
  return find_factory<sdk::Predicate<sdk::SinkRecord>>(ComponentKind::kSinkPredicate, name);
}

Result<std::string> PluginRegistry::resolve(ComponentKind kind, std::string_view name) const {
  const std::array<ComponentKind, 1> kinds = {kind};
  Result<const Component*> found = find(kinds, name);
  if (!found.ok()) return found.status();
  return (*found)->class_name;
}

std::vector<std::string> PluginRegistry::aliases_of(std::string_view class_name) const {
  std::vector<std::string> aliases;
  for (const auto& [alias, target] : aliases_) {
    if (target == class_name && alias != class_name) aliases.push_back(alias);
  }
  return aliases;  // the map is sorted by alias
}

std::vector<PluginListing> PluginRegistry::list() const {
  // Kafka's PluginType order; the kinds of one type share its rank.
  const auto rank = [](std::string_view type) {
    constexpr std::array<std::string_view, 6> kOrder = {
        "source", "sink", "converter", "header_converter", "transformation", "predicate"};
    return std::find(kOrder.begin(), kOrder.end(), type) - kOrder.begin();
  };
  std::vector<PluginListing> rows;
  std::set<std::pair<std::string_view, std::string_view>> listed;  // (type, class)
  for (ComponentKind kind : kAllComponentKinds) {
    const std::string_view type = kafka_type_name(kind);
    for (const auto& [class_name, component] : components(kind)) {
      if (!listed.emplace(type, class_name).second) continue;
      rows.push_back({class_name, std::string(type), component.plugin->version,
                      aliases_of(class_name), component.plugin});
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [&rank](const auto& a, const auto& b) {
    const auto a_rank = rank(a.type);
    const auto b_rank = rank(b.type);
    return a_rank != b_rank ? a_rank < b_rank : a.class_name < b.class_name;
  });
  return rows;
}

}  // namespace ferry::loader
