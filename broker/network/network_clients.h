// broker/client/clients.h over the Kafka protocol (librdkafka): what the worker uses when it
// runs against `ferry broker` or an Apache Kafka cluster instead of its embedded broker.
//
// Every client gets the common properties (bootstrap.servers, security.*, ssl.*, sasl.*: what
// a worker file sets once for all its clients) under the properties given for it; the admin
// client is made once, from the common properties and admin_properties, and its connection is
// checked then, so a worker pointed at nothing fails at start naming the address.
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "broker/client/clients.h"
#include "broker/network/network_admin.h"

namespace ferry::broker {

class NetworkClients final : public Clients {
 public:
  static Result<std::unique_ptr<NetworkClients>> create(
      std::map<std::string, std::string> common,
      const std::map<std::string, std::string>& admin_properties = {});
  NetworkClients(std::map<std::string, std::string> common, std::unique_ptr<NetworkAdmin> admin)
      : common_(std::move(common)), admin_(std::move(admin)) {}

  Result<std::unique_ptr<Producer>> producer(
      const std::map<std::string, std::string>& properties) override;
  Result<std::unique_ptr<Consumer>> consumer(
      const std::map<std::string, std::string>& properties) override;
  Admin& admin() override { return *admin_; }

  Result<std::string> cluster_id() { return admin_->cluster_id(); }
  const std::string& bootstrap_servers() const { return common_.at("bootstrap.servers"); }

  // The keys of a worker's properties that all its clients share.
  static std::map<std::string, std::string> common_properties(
      const std::map<std::string, std::string>& worker_properties);

 private:
  std::map<std::string, std::string> with_common(
      const std::map<std::string, std::string>& properties) const;

  const std::map<std::string, std::string> common_;
  std::unique_ptr<NetworkAdmin> admin_;
};

}  // namespace ferry::broker
