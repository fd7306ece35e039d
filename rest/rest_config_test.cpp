#include "rest/rest_config.h"

#include <gtest/gtest.h>

namespace ferry::rest {
namespace {

TEST(RestConfig, DefaultsAreOneHttpListenerNoCorsNoAuth) {
  auto config = parse_rest_config({}, "");
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_EQ(config->listeners.size(), 1u);
  EXPECT_EQ(config->listeners[0].port, 8083);
  EXPECT_FALSE(config->tls.has_value());
  EXPECT_FALSE(config->cors.enabled());
  EXPECT_EQ(config->cors.allowed_methods, (std::vector<std::string>{"GET", "POST", "HEAD"}));
  EXPECT_FALSE(config->jaas_file.has_value());
}

TEST(RestConfig, HttpsListenerNeedsAKeyStore) {
  auto config = parse_rest_config({{"listeners", "http://:0,https://:0"}}, "");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("ssl.keystore.location"), std::string::npos);
}

TEST(RestConfig, UnprefixedSslKeysServeWhenNoListenersHttpsKeyExists) {
  auto config = parse_rest_config({{"listeners", "https://:0"},
                                   {"ssl.keystore.location", "/x.pem"},
                                   {"ssl.keystore.password", "secret"},
                                   {"ssl.client.auth", "REQUESTED"},
                                   {"ssl.truststore.location", "/ca.pem"}},
                                  "");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->tls->key_prefix, "");
  EXPECT_EQ(config->tls->keystore_location, "/x.pem");
  EXPECT_EQ(config->tls->keystore_password->value(), "secret");
  EXPECT_EQ(config->tls->client_auth, ClientAuth::kRequested);
  EXPECT_TRUE(config->tls->warnings.empty());
}

TEST(RestConfig, CipherSuitesAreNotReadAndSaySo) {
  auto config = parse_rest_config({{"listeners", "https://:0"},
                                   {"ssl.keystore.location", "/x.pem"},
                                   {"ssl.cipher.suites", "TLS_AES_128_GCM_SHA256"}},
                                  "");
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_EQ(config->tls->warnings.size(), 1u);
  EXPECT_NE(config->tls->warnings[0].find("ssl.cipher.suites is not read"), std::string::npos);
}

TEST(RestConfig, AnyListenersHttpsKeyReplacesEverySslKey) {
  auto config = parse_rest_config({{"listeners", "https://:0"},
                                   {"ssl.keystore.location", "/worker.pem"},
                                   {"ssl.client.auth", "required"},
                                   {"listeners.https.ssl.keystore.location", "/rest.pem"}},
                                  "");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->tls->key_prefix, "listeners.https.");
  EXPECT_EQ(config->tls->keystore_location, "/rest.pem");
  EXPECT_EQ(config->tls->client_auth, ClientAuth::kNone);  // not inherited
}

TEST(RestConfig, ClientAuthNeedsATrustStoreAndAKnownValue) {
  auto missing = parse_rest_config({{"listeners", "https://:0"},
                                    {"ssl.keystore.location", "/x"},
                                    {"ssl.client.auth", "required"}},
                                   "");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("ssl.truststore.location"), std::string::npos);
  auto bad = parse_rest_config({{"listeners", "https://:0"},
                                {"listeners.https.ssl.keystore.location", "/x"},
                                {"listeners.https.ssl.client.auth", "maybe"}},
                               "");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("listeners.https.ssl.client.auth"), std::string::npos);
}

TEST(RestConfig, CorsOriginsAndMethodsAreLists) {
  auto config = parse_rest_config({{"access.control.allow.origin", "https://a.example, http://b"},
                                   {"access.control.allow.methods", "get,PUT , DELETE"}},
                                  "");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->cors.allowed_origins,
            (std::vector<std::string>{"https://a.example", "http://b"}));
  EXPECT_EQ(config->cors.allowed_methods, (std::vector<std::string>{"GET", "PUT", "DELETE"}));
}

TEST(RestConfig, BasicAuthExtensionTakesItsJaasFileFromTheWorkerKeyOrKafkaOpts) {
  const std::string extension(kBasicAuthExtensionClass);
  auto from_opts = parse_rest_config(
      {{"rest.extension.classes", extension}},
      "-Xmx1g -Djava.security.auth.login.config=/etc/kafka/connect_jaas.conf -Dother=1");
  ASSERT_TRUE(from_opts.ok()) << from_opts.status().message();
  EXPECT_EQ(from_opts->jaas_file, "/etc/kafka/connect_jaas.conf");

  auto from_key = parse_rest_config(
      {{"rest.extension.classes", extension}, {"rest.jaas.config.file", "/ferry/jaas.conf"}},
      "-Djava.security.auth.login.config==/etc/kafka/connect_jaas.conf");
  ASSERT_TRUE(from_key.ok()) << from_key.status().message();
  EXPECT_EQ(from_key->jaas_file, "/ferry/jaas.conf");

  EXPECT_EQ(
      jaas_file_from_kafka_opts("-Djava.security.auth.login.config==\"/a b.conf\"").value_or(""),
      "\"/a");  // split on blanks, as the shell hands them to the JVM
  EXPECT_EQ(jaas_file_from_kafka_opts("-Djava.security.auth.login.config=='/j.conf'").value_or(""),
            "/j.conf");

  auto none = parse_rest_config({{"rest.extension.classes", extension}}, "");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("java.security.auth.login.config"), std::string::npos);

  auto other = parse_rest_config({{"rest.extension.classes", "com.example.MyExtension"}}, "");
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("com.example.MyExtension"), std::string::npos);
}

}  // namespace
}  // namespace ferry::rest
