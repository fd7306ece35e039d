// Where the runtime gets its broker clients from: one object per worker that makes producers and
// consumers from Kafka client properties and hands out an admin client. The embedded broker
// (broker/embedded/embedded_clients.h) implements it in process; the Kafka-protocol client will
// implement it over the network, so the worker never knows which one it runs on.
//
// Thread-safety: every member may be called from any thread; the clients made are as their own
// headers say.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "broker/client/admin.h"
#include "broker/client/consumer.h"
#include "broker/client/producer.h"
#include "common/result.h"

namespace ferry::broker {

class Clients {
 public:
  virtual ~Clients() = default;
  // properties: Kafka's client keys (client_config.h); a bad value is an error naming the key.
  virtual Result<std::unique_ptr<Producer>> producer(
      const std::map<std::string, std::string>& properties) = 0;
  virtual Result<std::unique_ptr<Consumer>> consumer(
      const std::map<std::string, std::string>& properties) = 0;
  virtual Admin& admin() = 0;
};

}  // namespace ferry::broker
