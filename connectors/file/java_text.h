// A record value as Kafka's FileStreamSinkTask writes it: String.valueOf(value), i.e. Java's
// toString() of the Connect value. A string is written as it is, null as "null", numbers as Java
// prints them (Double.toString: "1.0", "1.0E10"), a Decimal as BigDecimal.toString, a list as
// "[a, b]", a map as "{k=v, k2=v2}", a Struct as Kafka's Struct.toString "Struct{a=1,b=x}" (null
// fields left out), Date, Time and Timestamp as java.util.Date.toString in UTC
// ("Mon Jan 15 10:30:00 UTC 2024"; Java would use the JVM's time zone).
//
// Deliberate difference: Java prints a byte[] as an object address ("[B@1b6d3586"); here bytes at
// the top level are written as they are (what ByteArrayConverter users expect in a file), and
// bytes inside a list, map or struct as base64, as Ferry's StringConverter does.
//
// Ferry's runtime has the same rules in runtime/converters/java_text.h; a plugin may use only
// the SDK, so this is its own copy.
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "ferry/sdk/value.h"

namespace ferry::connectors::file {

// Appends value.toString() (or "null") to out.
void append_java_text(std::string& out, const sdk::Value& value);

}  // namespace ferry::connectors::file
