// For the network clients' tests: the embedded broker serving the Kafka protocol on a loopback
// port in this process (what `ferry broker` runs), with a fresh data directory per test, and
// the client properties that point at it.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "broker/server/broker.h"
#include "broker/server/protocol_server.h"
#include "tests/temp_directory.h"

namespace ferry::broker {

class NetworkTestBroker {
 public:
  explicit NetworkTestBroker(std::map<std::string, std::string> props = {}) {
    props["log.dirs"] = dir_.path().string();
    props.try_emplace("offsets.topic.num.partitions", "2");
    props.try_emplace("group.initial.rebalance.delay.ms", "0");
    props.try_emplace("num.partitions", "1");
    auto config = broker_config_from_properties(props);
    EXPECT_TRUE(config.ok()) << config.status().message();
    auto broker = Broker::open(*config);
    EXPECT_TRUE(broker.ok()) << broker.status().message();
    broker_ = std::move(*broker);
    auto listeners = kafka_listeners_from_properties({{"listeners", "PLAINTEXT://127.0.0.1:0"}});
    EXPECT_TRUE(listeners.ok());
    ProtocolServerOptions options;
    options.cluster_id = broker_->cluster_id();
    auto server = ProtocolServer::start(*broker_, *listeners, options);
    EXPECT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(*server);
  }
  ~NetworkTestBroker() { server_->stop(); }

  std::string address() const { return server_->bound_addresses().front(); }
  Broker& broker() { return *broker_; }

  // Client properties for this broker, with extra ones on top.
  std::map<std::string, std::string> properties(
      std::map<std::string, std::string> extra = {}) const {
    extra["bootstrap.servers"] = address();
    return extra;
  }

 private:
  testing::TempDir dir_;
  std::unique_ptr<Broker> broker_;
  std::unique_ptr<ProtocolServer> server_;
};

}  // namespace ferry::broker
