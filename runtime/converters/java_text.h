// Connect values printed as Java's toString() prints them, for the String converter, which writes
// value.toString() of whatever it is given: a string as it is, numbers as Java prints them,
// Decimal as BigDecimal.toString, arrays as "[a, b]", maps as "{k=v, k2=v2}", structs as
// Kafka's Struct.toString "Struct{field=value,...}" (null fields left out), Date, Time and
// Timestamp as java.util.Date.toString in UTC ("Thu Jan 01 00:00:00 UTC 1970").
//
// Deliberate difference: bytes at the top level are written as they are and bytes inside a
// container as base64, where Java would print an object address ("[B@1b6d3586").
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "ferry/sdk/value.h"

namespace ferry::runtime {

// value.toString(); a null value prints "null".
std::string java_to_string(const sdk::Value& value);

}  // namespace ferry::runtime
