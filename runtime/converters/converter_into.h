// A capability of the runtime's own converters: writing a value's bytes into a buffer the caller
// reuses. sdk::Converter::from_connect_data returns a new vector for every record; on a source
// task's path that vector's allocation and free were a measurable part of each record's cost.
// The worker asks for this capability once per converter (dynamic_cast) and falls back to
// from_connect_data for converters without it, such as every plugin's.
//
// Thread-safety: as the converter's from_connect_data.
#pragma once

#include <string_view>

#include "ferry/sdk/converter.h"

namespace ferry::runtime {

class ConvertsInto {
 public:
  // from_connect_data(topic, schema, value) written into out, which is cleared first (its
  // storage is kept); false where from_connect_data returns nullopt (out is then empty).
  // Throws what from_connect_data throws.
  virtual bool from_connect_data_into(std::string_view topic, const sdk::SchemaPtr& schema,
                                      const sdk::Value& value, sdk::Bytes& out) = 0;

 protected:
  ~ConvertsInto() = default;  // never owned through this interface
};

}  // namespace ferry::runtime
