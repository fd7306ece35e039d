#include "broker/membership/kafka_connection.h"

#include <chrono>

#include <gtest/gtest.h>

#include "broker/network/network_test_broker.h"

namespace ferry::broker::membership {
namespace {

using protocol::ApiKey;

TEST(KafkaConnection, NegotiatesTheHighestVersionBothSidesSpeak) {
  NetworkTestBroker broker;
  auto connection = KafkaConnection::open(broker.address(), {});
  ASSERT_TRUE(connection.ok()) << connection.status().message();
  // The broker serves exactly the table's versions, so each API's highest is the table's.
  for (const ApiKey key : {ApiKey::kJoinGroup, ApiKey::kSyncGroup, ApiKey::kHeartbeat,
                           ApiKey::kLeaveGroup, ApiKey::kFindCoordinator}) {
    const auto* api = protocol::find_api(static_cast<std::int16_t>(key));
    EXPECT_EQ((*connection)->version(key), api->versions.max) << api->name;
  }
}

TEST(KafkaConnection, CallsReturnTheResponseBody) {
  NetworkTestBroker broker;
  auto connection = KafkaConnection::open(broker.address(), {});
  ASSERT_TRUE(connection.ok()) << connection.status().message();
  for (int i = 0; i < 3; ++i) {  // successive correlation ids
    auto request = (*connection)->request(ApiKey::kFindCoordinator);
    request.set_string("Key", "workers").set_integer("KeyType", 0);
    auto response = (*connection)->call(ApiKey::kFindCoordinator, request);
    ASSERT_TRUE(response.ok()) << response.status().message();
    EXPECT_EQ(response->integer("ErrorCode"), 0);
    EXPECT_EQ(response->string("Host") + ":" + std::to_string(response->integer("Port")),
              broker.address());
  }
}

TEST(KafkaConnection, UnreachableAddressIsAnErrorNamingIt) {
  ConnectionOptions options;
  options.connect_timeout = std::chrono::milliseconds(500);
  const auto started = std::chrono::steady_clock::now();
  // Port 1 on loopback: nothing listens there.
  auto connection = KafkaConnection::open("127.0.0.1:1", options);
  ASSERT_FALSE(connection.ok());
  EXPECT_EQ(connection.status().kind(), Status::Kind::kRetriable);
  EXPECT_NE(connection.status().message().find("127.0.0.1:1"), std::string::npos)
      << connection.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST(KafkaConnection, AddressWithoutPortIsInvalid) {
  auto connection = KafkaConnection::open("localhost", {});
  ASSERT_FALSE(connection.ok());
  EXPECT_EQ(connection.status().kind(), Status::Kind::kInvalidArgument);
}

TEST(KafkaConnection, ACallAfterTheBrokerStoppedFailsNamingTheApi) {
  auto broker = std::make_unique<NetworkTestBroker>();
  auto connection = KafkaConnection::open(broker->address(), {});
  ASSERT_TRUE(connection.ok()) << connection.status().message();
  const std::string address = broker->address();
  broker.reset();
  auto request = (*connection)->request(ApiKey::kHeartbeat);
  request.set_string("GroupId", "workers").set_string("MemberId", "m");
  auto response = (*connection)->call(ApiKey::kHeartbeat, request, std::chrono::seconds(2));
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.status().message().find(address + ": Heartbeat v"), std::string::npos)
      << response.status().message();
}

}  // namespace
}  // namespace ferry::broker::membership
