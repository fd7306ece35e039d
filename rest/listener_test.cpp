#include "rest/listener.h"

#include <gtest/gtest.h>

namespace ferry::rest {
namespace {

TEST(Listener, EmptyHostMeansEveryInterface) {
  auto listener = parse_listener("http://:8083");
  ASSERT_TRUE(listener.ok()) << listener.status().message();
  EXPECT_EQ(listener->host, "");
  EXPECT_EQ(listener->port, 8083);
}

TEST(Listener, HostPortAndIpv6InBrackets) {
  EXPECT_EQ(parse_listener("http://127.0.0.1:0")->host, "127.0.0.1");
  EXPECT_EQ(parse_listener("HTTP://localhost:9000/")->port, 9000);
  auto v6 = parse_listener("http://[::1]:8083");
  ASSERT_TRUE(v6.ok()) << v6.status().message();
  EXPECT_EQ(v6->host, "::1");
}

TEST(Listener, HttpsAndHttpMix) {
  auto listeners = parse_listeners({"http://127.0.0.1:0", "HTTPS://127.0.0.1:8443"});
  ASSERT_TRUE(listeners.ok()) << listeners.status().message();
  EXPECT_FALSE((*listeners)[0].https);
  EXPECT_TRUE((*listeners)[1].https);
  EXPECT_EQ((*listeners)[1].port, 8443);
}

TEST(Listener, BadEntriesNameTheEntry) {
  for (const char* text : {"localhost:8083", "http://host", "http://:port", "http://:70000",
                           "ftp://:21", "http://[::1"}) {
    auto listener = parse_listener(text);
    ASSERT_FALSE(listener.ok()) << text;
    EXPECT_NE(listener.status().message().find(text), std::string::npos)
        << listener.status().message();
  }
  EXPECT_FALSE(parse_listeners({}).ok());
}

}  // namespace
}  // namespace ferry::rest
