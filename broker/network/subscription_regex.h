// A topic pattern as Kafka's subscribe(Pattern) and Connect's topics.regex take it (a Java
// regex, which for topic names means ECMAScript's common subset; it must match the whole name)
// rewritten for librdkafka, which subscribes to a pattern when the topic name starts with '^'
// and matches it with POSIX extended regexes (regexec: a search, not a full match).
//
// The result is "^(<translated>)$". Translated: \d \w \s and their negations (as bracket
// expressions), (?: as a plain group, lazy quantifiers as greedy ones (a full match accepts the
// same names either way). Refused as invalid_argument, naming the pattern: what std::regex
// rejects, and what POSIX has no equivalent for (lookarounds, backreferences, \b, escapes of
// ] ^ - \ inside a bracket expression).
//
// Thread-safety: a plain function.
#pragma once

#include <string>

#include "common/result.h"

namespace ferry::broker {

Result<std::string> librdkafka_subscription_regex(const std::string& pattern);

}  // namespace ferry::broker
