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

TEST(Listener, HttpsIsRefusedWithAMessageSayingSo) {
  auto listener = parse_listener("https://:8443");
  ASSERT_FALSE(listener.ok());
  EXPECT_NE(listener.status().message().find("https://:8443"), std::string::npos);
  EXPECT_NE(listener.status().message().find("HTTPS listeners are not supported yet"),
            std::string::npos);
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
