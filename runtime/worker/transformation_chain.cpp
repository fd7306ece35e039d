#include "runtime/worker/transformation_chain.h"

#include <map>
#include <utility>

namespace ferry::runtime {

template <typename Record>
Result<TransformationChain<Record>> TransformationChain<Record>::create(
    const loader::PluginRegistry& registry, const ConnectorConfig& config) {
  TransformationChain chain;
  std::map<std::string, const sdk::Predicate<Record>*> by_alias;
  for (const PredicateSpec& spec : config.predicates) {
    const std::string where = "predicates." + spec.alias + ".type=" + spec.class_name;
    auto factory = registry.find_predicate<Record>(spec.class_name);
    if (!factory.ok()) return factory.status().with_context(where);
    try {
      auto predicate = (*factory)();
      predicate->configure(spec.configs);
      by_alias[spec.alias] = predicate.get();
      chain.predicates_.push_back(std::move(predicate));
    } catch (const std::exception& e) {
      return Status::invalid_argument(where + ": " + e.what());
    }
  }
  for (const TransformSpec& spec : config.transforms) {
    const std::string where = "transforms." + spec.alias + ".type=" + spec.class_name;
    auto factory = registry.find_transformation<Record>(spec.class_name);
    if (!factory.ok()) return factory.status().with_context(where);
    Step step{.alias = spec.alias, .negate = spec.negate};
    if (!spec.predicate.empty()) step.predicate = by_alias.at(spec.predicate);
    try {
      step.transform = (*factory)();
      step.transform->configure(spec.configs);
    } catch (const std::exception& e) {
      return Status::invalid_argument(where + ": " + e.what());
    }
    chain.steps_.push_back(std::move(step));
  }
  return chain;
}

template <typename Record>
TransformationChain<Record>::~TransformationChain() {
  for (Step& step : steps_) {
    try {
      if (step.transform) step.transform->close();
    } catch (...) {  // NOLINT(bugprone-empty-catch): closing must not stop the others closing
    }
  }
  for (auto& predicate : predicates_) {
    try {
      predicate->close();
    } catch (...) {  // NOLINT(bugprone-empty-catch)
    }
  }
}

template <typename Record>
std::optional<Record> TransformationChain<Record>::apply(Record record,
                                                         std::string* failed_alias) const {
  std::optional<Record> current(std::move(record));
  for (const Step& step : steps_) {
    if (failed_alias != nullptr) *failed_alias = step.alias;
    if (step.predicate != nullptr && step.predicate->test(*current) == step.negate) continue;
    current = step.transform->apply(std::move(*current));
    if (!current) return std::nullopt;
  }
  if (failed_alias != nullptr) failed_alias->clear();
  return current;
}

template class TransformationChain<sdk::SourceRecord>;
template class TransformationChain<sdk::SinkRecord>;

}  // namespace ferry::runtime
