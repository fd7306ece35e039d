// A connector's transforms (transforms=a,b with transforms.a.type=...), each run only when its
// predicate says so (Kafka Connect's TransformationChain and PredicatedTransformation): records go
// through them in the listed order, and a transform returning nullopt drops the record.
//
// Thread-safety: one task's; built and used on the task's thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "ferry/sdk/record.h"
#include "ferry/sdk/transformation.h"
#include "plugins/loader/plugin_registry.h"
#include "runtime/worker/connector_config.h"

namespace ferry::runtime {

template <typename Record>
class TransformationChain {
 public:
  // Creates and configures every transform and predicate. Errors name the alias and the class:
  // not_found with the close matches, invalid_argument with the configure() message.
  static Result<TransformationChain> create(const loader::PluginRegistry& registry,
                                            const ConnectorConfig& config);
  TransformationChain() = default;
  TransformationChain(TransformationChain&&) noexcept = default;
  TransformationChain& operator=(TransformationChain&&) noexcept = default;
  ~TransformationChain();

  bool empty() const { return steps_.empty(); }
  // The record after every transform, or nullopt if one dropped it. Exceptions of a transform or
  // predicate pass through; *failed_alias then names it.
  std::optional<Record> apply(Record record, std::string* failed_alias = nullptr) const;

 private:
  struct Step {
    std::string alias;
    std::unique_ptr<sdk::Transformation<Record>> transform;
    const sdk::Predicate<Record>* predicate = nullptr;
    bool negate = false;
  };
  std::vector<std::unique_ptr<sdk::Predicate<Record>>> predicates_;
  std::vector<Step> steps_;
};

extern template class TransformationChain<sdk::SourceRecord>;
extern template class TransformationChain<sdk::SinkRecord>;

}  // namespace ferry::runtime
