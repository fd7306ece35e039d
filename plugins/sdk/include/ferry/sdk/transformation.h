// Single message transforms and predicates (Kafka Connect's Transformation<R> and Predicate<R>):
// a transformation maps one record to one record, or to nothing to drop it; a predicate says
// whether a transformation applies to a record. The same class works on source records (before
// the converters) and sink records (after them), so both are templates over the record type and a
// plugin registers both instantiations under one class name (plugin.h does it for you).
//
// Threading: one instance per task, used by that task's thread; configure() before apply().
#pragma once

#include <optional>

#include "ferry/sdk/config_def.h"
#include "ferry/sdk/record.h"

namespace ferry::sdk {

template <typename Record>
class Transformation {
 public:
  virtual ~Transformation() = default;
  virtual void configure(const ConfigMap& props) = 0;
  // nullopt drops the record.
  virtual std::optional<Record> apply(Record record) = 0;
  virtual ConfigDef config() const = 0;
  virtual void close() {}
};

template <typename Record>
class Predicate {
 public:
  virtual ~Predicate() = default;
  virtual void configure(const ConfigMap& props) = 0;
  virtual bool test(const Record& record) const = 0;
  virtual ConfigDef config() const = 0;
  virtual void close() {}
};

}  // namespace ferry::sdk
