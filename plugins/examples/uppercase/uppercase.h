// com.example.Uppercase: a single message transform that upper-cases a record's value (or, with
// uppercase.target=key, its key) when it is a string. Other values pass through unchanged.
//
//   transforms=shout
//   transforms.shout.type=com.example.Uppercase
//   transforms.shout.uppercase.target=value
//
// A transformation is a class template over the record type: the worker uses
// Uppercase<SourceRecord> in source connectors (before the converters) and Uppercase<SinkRecord>
// in sink connectors (after them). PluginRegistrar::transformation<Uppercase> registers both.
//
// Threading: each task gets its own instance and calls it from its own thread, configure() first.
// So no locks here.
#pragma once

#include <optional>
#include <string>

#include "ferry/sdk/config_def.h"
#include "ferry/sdk/transformation.h"
#include "ferry/sdk/value.h"

namespace example {

template <typename Record>
class Uppercase : public ferry::sdk::Transformation<Record> {
 public:
  static constexpr const char* kTarget = "uppercase.target";

  // The keys this transform accepts. The worker validates a connector's transforms.<alias>.* keys
  // against it, and REST's validate endpoint reports on them.
  ferry::sdk::ConfigDef config() const override {
    return ferry::sdk::ConfigDef().define(
        {.name = kTarget,
         .type = ferry::sdk::ConfigType::kString,
         .default_value = std::string("value"),
         .validator = ferry::sdk::ValidString::in({"key", "value"}),
         .importance = ferry::sdk::Importance::kMedium,
         .documentation = "Which part of the record to upper-case: key or value."});
  }

  // parse() checks every key and throws ConfigException naming each problem; the worker turns
  // that into the connector's error.
  void configure(const ferry::sdk::ConfigMap& props) override {
    key_ = config().parse(props).get_string(kTarget) == "key";
  }

  // Returning nullopt would drop the record; this transform never does.
  std::optional<Record> apply(Record record) override {
    ferry::sdk::Value& target = key_ ? record.key : record.value;
    if (target.is<std::string>()) {
      for (char& c : target.as<std::string>()) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      }
    }
    return record;
  }

 private:
  bool key_ = false;
};

}  // namespace example
