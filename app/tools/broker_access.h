// How a tool reaches a broker's data: --data-dir <directory> opens that data directory with an
// embedded broker for the length of the command (the directory must not be open in another
// broker: its lock says so), and --broker-config <server.properties> takes the directory and the
// settings from Kafka's server properties. --bootstrap-server names a broker to reach over the
// Kafka protocol, which Ferry's tools cannot do yet: it is accepted only alongside one of the
// others.
#pragma once

#include <memory>
#include <vector>

#include "app/tools/command_line.h"
#include "broker/server/broker.h"
#include "common/result.h"

namespace ferry::app {

// The options every tool shares.
std::vector<OptionSpec> broker_access_options();

Result<std::unique_ptr<broker::Broker>> open_broker_for_tool(const CommandLine& line);

}  // namespace ferry::app
