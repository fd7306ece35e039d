// The text form Kafka Connect's Values class gives Connect data (Values.convertToString) and its
// inverse (Values.parseString): what the simple header converter, Kafka Connect's default header
// converter, writes into and reads out of record headers. A header written by Kafka Connect reads
// here as it reads there, and the other way round.
//
// Writing (value_to_text):
//   numbers as Java prints them (Float/Double.toString, BigDecimal.toString for a Decimal), true
//   and false, a string as it is at the top level and as "..." inside arrays, maps and structs
//   (with \ and " escaped by a backslash), bytes as base64, arrays as [a,b], maps as {k:v},
//   structs as {"field":value,...}, null inside a container as null, Date as yyyy-MM-dd, Time as
//   HH:mm:ss.SSSZ and Timestamp as yyyy-MM-ddTHH:mm:ss.SSSZ, all in UTC.
// Reading (parse_value_text) infers the schema from the text: null, true, false; an integer as
//   the smallest of INT8..INT64 that holds it; other numbers as FLOAT32, else FLOAT64 if finite,
//   else Decimal; the three date/time forms above; [..] as an ARRAY and {..} as a MAP whose
//   element, key and value schemas are the common schema of the entries (numbers widen); "..."
//   inside a container as a string (or a date/time if its content is one); anything else as a
//   STRING of the whole text. A container that does not parse makes the whole text a STRING.
//
// Deliberate differences from Kafka 3.x (each loses nothing Kafka would keep):
//   - the format of a Date, Time or Timestamp follows its logical type; Kafka picks it from the
//     millisecond value, so a Timestamp at midnight reads back as a Date and one before 1970 is
//     written as a bare time of day;
//   - text after a complete top-level value ("1,2", "[1] x") makes the whole text a STRING;
//     Kafka returns the first value and drops the rest;
//   - dates and times are parsed strictly (a 13th month is not a date); Kafka's SimpleDateFormat
//     is lenient and rolls it into the next year;
//   - containers whose entries share no schema (["a",1], [], {"a":null}) come back without a
//     schema (a schemaless ARRAY or MAP value); Kafka gives them a schema with a null element
//     schema, which Ferry's model does not have; elements of different logical types, or of a
//     logical and a plain type, likewise share no schema (Kafka would widen an INT8 to a Date);
//   - containers nested deeper than kMaxValueTextDepth are read as text, not recursed into.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "ferry/sdk/schema.h"
#include "ferry/sdk/value.h"

namespace ferry::runtime {

inline constexpr int kMaxValueTextDepth = 64;

// Values.convertToString. A null value is "null" (callers wanting Kafka's null bytes check first).
std::string value_to_text(const sdk::Value& value);

// Values.parseString. "null" gives a null schema and value; never throws.
sdk::SchemaAndValue parse_value_text(std::string_view text);

}  // namespace ferry::runtime
