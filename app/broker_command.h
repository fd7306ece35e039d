// `ferry broker server.properties` (Kafka's kafka-server-start.sh): the embedded broker on its
// own, serving the Kafka protocol on `listeners` (default PLAINTEXT://:9092) until SIGINT or
// SIGTERM. Takes a Kafka broker's server.properties unchanged: the keys the embedded broker
// reads (broker/server/broker.h), listeners, advertised.listeners, socket.request.max.bytes and
// num.network.threads; keys that mean nothing to a single broker (zookeeper.connect, broker.id,
// process.roles, controller.quorum.voters, ...) get one warning each; other keys are ignored.
#pragma once

#include <ostream>
#include <span>
#include <string_view>

namespace ferry::app {

// Exit codes: 0 after a clean stop, 1 when the broker cannot start (a bad key, the data
// directory in use, a port in use), 2 for a bad command line.
int run_broker_command(std::span<const std::string_view> args, std::ostream& out,
                       std::ostream& err);

}  // namespace ferry::app
