// JSON text as Kafka Connect's Jackson writes it (the JSON converter's JsonWriter): unlike
// Boost.JSON's, doubles are Java's Double.toString ("1.5", "1.0E10", not "1.5E0"). Offsets may
// hold doubles, and scripts compare what GET returns with what they PATCHed.
//
// Thread-safety: a pure function.
#pragma once

#include <string>

#include <boost/json/value.hpp>

namespace ferry::rest {

std::string java_json(const boost::json::value& value);

}  // namespace ferry::rest
