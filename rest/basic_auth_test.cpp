#include "rest/basic_auth.h"

#include <fstream>

#include <gtest/gtest.h>

#include "tests/temp_directory.h"

namespace ferry::rest {
namespace {

namespace http = boost::beast::http;

Response next(const Request& request) {
  Response response{http::status::ok, request.version()};
  response.body() = "next";
  return response;
}

Request request(http::verb method, const std::string& target, const std::string& authorization) {
  Request request{method, target, 11};
  if (!authorization.empty()) request.set(http::field::authorization, authorization);
  return request;
}

// "Basic " + base64("alice:s3cret"), "Basic " + base64("alice:wrong"), base64("bob:s3cret").
constexpr const char* kAlice = "Basic YWxpY2U6czNjcmV0";
constexpr const char* kAliceWrongPassword = "Basic YWxpY2U6d3Jvbmc=";
constexpr const char* kUnknownUser = "Basic Ym9iOnMzY3JldA==";

TEST(JaasFile, ReadsTheKafkaConnectSectionAmongOthers) {
  constexpr std::string_view text = R"(
    // Kafka's broker section, ignored
    KafkaServer {
      org.apache.kafka.common.security.plain.PlainLoginModule required
      username="admin" password='admin-secret';
    };
    /* the REST API */
    KafkaConnect {
      org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required
      file="/etc/kafka/connect.password";
    };
  )";
  auto modules = parse_jaas_section(text, "KafkaConnect", "jaas.conf");
  ASSERT_TRUE(modules.ok()) << modules.status().message();
  ASSERT_EQ(modules->size(), 1u);
  EXPECT_EQ((*modules)[0].class_name, kPropertyFileLoginModule);
  EXPECT_EQ((*modules)[0].flag, "required");
  EXPECT_EQ((*modules)[0].options.at("file"), "/etc/kafka/connect.password");

  EXPECT_EQ(parse_jaas_section(text, "Other", "jaas.conf").status().kind(),
            Status::Kind::kNotFound);
  auto broken = parse_jaas_section("KafkaConnect {\n  x required file=;\n};", "KafkaConnect", "j");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("line 2"), std::string::npos)
      << broken.status().message();
}

TEST(BasicAuth, RightCredentialsPassWrongOnesGetKafkasAnswer) {
  const BasicAuthenticator auth(std::map<std::string, std::string>{{"alice", "s3cret"}});
  EXPECT_EQ(auth.handle(request(http::verb::get, "/connectors", kAlice), next).body(), "next");
  EXPECT_EQ(auth.handle(request(http::verb::get, "/", "basic YWxpY2U6czNjcmV0"), next).body(),
            "next");
  for (const char* header : {"", kAliceWrongPassword, kUnknownUser, "Basic", "Basic !!!",
                             "Bearer YWxpY2U6czNjcmV0", "Basic czNjcmV0"}) {
    Response response = auth.handle(request(http::verb::get, "/connectors", header), next);
    EXPECT_EQ(response.result_int(), 401) << header;
    EXPECT_EQ(response.body(), "User cannot access the resource.");
    EXPECT_EQ(response[http::field::www_authenticate].substr(0, 6), "Basic ");
  }
}

TEST(BasicAuth, RequestsBetweenWorkersAreExemptAsInKafka) {
  const BasicAuthenticator auth(std::map<std::string, std::string>{{"alice", "s3cret"}});
  EXPECT_TRUE(auth.allows(request(http::verb::post, "/connectors/c1/tasks", "")));
  EXPECT_TRUE(auth.allows(request(http::verb::post, "/connectors/c1/tasks/?forward=true", "")));
  EXPECT_TRUE(auth.allows(request(http::verb::put, "/connectors/c1/fence", "")));
  EXPECT_FALSE(auth.allows(request(http::verb::get, "/connectors/c1/tasks", "")));
  EXPECT_FALSE(auth.allows(request(http::verb::post, "/connectors/c1/tasks/0/restart", "")));
  EXPECT_FALSE(auth.allows(request(http::verb::post, "/connectors//tasks", "")));
}

TEST(BasicAuth, FromJaasFileReadsTheCredentialsFile) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "users.properties") << "# users\nalice: s3cret\ncarol=other\n";
  std::ofstream(dir.path() / "jaas.conf")
      << "KafkaConnect {\n  " << kPropertyFileLoginModule << " required\n  file=\""
      << (dir.path() / "users.properties").string() << "\";\n};\n";
  auto auth = BasicAuthenticator::from_jaas_file(dir.path() / "jaas.conf");
  ASSERT_TRUE(auth.ok()) << auth.status().message();
  EXPECT_EQ((*auth)->user_count(), 2u);
  EXPECT_TRUE((*auth)->allows(request(http::verb::get, "/", kAlice)));

  // No user at all: Kafka would let everyone in; Ferry refuses to start.
  std::ofstream(dir.path() / "users.properties", std::ios::trunc) << "# nobody\n";
  auto empty = BasicAuthenticator::from_jaas_file(dir.path() / "jaas.conf");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("holds no user"), std::string::npos);

  std::ofstream(dir.path() / "other.conf")
      << "KafkaConnect {\n com.example.LdapLoginModule required;\n};\n";
  auto other = BasicAuthenticator::from_jaas_file(dir.path() / "other.conf");
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("PropertyFileLoginModule"), std::string::npos);

  EXPECT_FALSE(BasicAuthenticator::from_jaas_file(dir.path() / "missing.conf").ok());
}

}  // namespace
}  // namespace ferry::rest
