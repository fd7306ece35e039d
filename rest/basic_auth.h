// HTTP basic authentication as Kafka Connect's BasicAuthSecurityRestExtension does it, from the
// same files a Kafka Connect user already has:
//
//   worker.properties:
//   rest.extension.classes=org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension
//   JAAS file:          KafkaConnect {
//                         org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule
//                         required file="/etc/ferry/credentials.properties";
//                       };
//   credentials file:   alice: secret     (a Java properties file, user -> password)
//
// What is checked (Kafka's JaasBasicAuthFilter): every request needs "Authorization: Basic
// base64(user:password)" naming a user of the file with that password, except the requests other
// workers of a cluster make to each other (POST /connectors/{c}/tasks, PUT /connectors/{c}/fence).
// A request that fails gets Kafka's 401 body, "User cannot access the resource.", plus a
// WWW-Authenticate header (which Kafka leaves out, and HTTP requires). CORS preflights never reach
// this filter (cors.h).
//
// Deliberate differences from Kafka: an unreadable JAAS or credentials file, a KafkaConnect entry
// with another login module, and an empty credentials file (which lets everyone in under Kafka)
// stop the start with a message, instead of failing every request or none.
//
// Neither user names nor passwords appear in any message or log line.
// Thread-safety: const after construction; handle() from any number of threads at once.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "rest/http_server.h"

namespace ferry::rest {

inline constexpr std::string_view kPropertyFileLoginModule =
    "org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule";

// One entry of a JAAS login configuration section: "<class> <flag> key=value ...;".
struct JaasLoginModule {
  std::string class_name;
  std::string flag;  // required, requisite, sufficient, optional
  std::map<std::string, std::string> options;
};

// The login modules of section in a JAAS file's text (Java's ConfigFile syntax: sections
// "Name { ... };", values quoted or bare, // and /* */ comments). invalid_argument naming source
// when the text does not parse; not_found when the section is missing.
Result<std::vector<JaasLoginModule>> parse_jaas_section(std::string_view text,
                                                        std::string_view section,
                                                        std::string_view source);

class BasicAuthenticator {
 public:
  // Reads the KafkaConnect section of jaas_file and the credentials file it names.
  static Result<std::unique_ptr<BasicAuthenticator>> from_jaas_file(
      const std::filesystem::path& jaas_file);

  explicit BasicAuthenticator(std::map<std::string, std::string> passwords_by_user)
      : passwords_by_user_(std::move(passwords_by_user)) {}

  std::size_t user_count() const { return passwords_by_user_.size(); }

  // Whether request may pass: an exempt internal request, or valid credentials.
  bool allows(const Request& request) const;

  // next(request) when allowed, else the 401.
  Response handle(const Request& request, const HttpServer::Handler& next) const;

 private:
  const std::map<std::string, std::string> passwords_by_user_;
};

}  // namespace ferry::rest
