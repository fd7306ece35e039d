// broker/client/clients.h over an embedded Broker, which must outlive this object and every
// client it made.
#pragma once

#include "broker/client/clients.h"
#include "broker/embedded/embedded_admin.h"
#include "broker/server/broker.h"

namespace ferry::broker {

class EmbeddedClients final : public Clients {
 public:
  explicit EmbeddedClients(Broker& broker) : broker_(broker), admin_(broker) {}

  Result<std::unique_ptr<Producer>> producer(
      const std::map<std::string, std::string>& properties) override;
  Result<std::unique_ptr<Consumer>> consumer(
      const std::map<std::string, std::string>& properties) override;
  Admin& admin() override { return admin_; }

 private:
  Broker& broker_;
  EmbeddedAdmin admin_;
};

}  // namespace ferry::broker
