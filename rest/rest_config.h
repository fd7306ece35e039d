// The REST server's settings (Kafka's RestServerConfig and the SSL keys its HTTPS listeners read),
// parsed from the worker properties with Kafka's keys and defaults (reference: connect.md §2.1):
//   listeners                      http://host:port and https://host:port, mixed
//   ssl.* / listeners.https.ssl.*  the TLS settings of every https listener (below)
//   access.control.allow.origin    CORS: "*" or a comma list of origins; empty: CORS off
//   access.control.allow.methods   CORS: the methods allowed (empty: Jetty's GET,POST,HEAD)
//   rest.extension.classes         Kafka's BasicAuthSecurityRestExtension turns on basic
//                                  authentication; its JAAS file comes from the worker key
//                                  rest.jaas.config.file (Ferry's) or, as for Kafka, from
//                                  -Djava.security.auth.login.config=FILE in KAFKA_OPTS
//
// TLS keys, Kafka's "all or nothing" prefix rule (AbstractConfig.valuesWithPrefixAllOrNothing):
// when any key starts with "listeners.https.", only those keys (prefix removed) configure TLS;
// otherwise the worker's own ssl.* keys do. Key stores are PEM (a file holding the private key and
// its certificate chain, or ssl.keystore.key and ssl.keystore.certificate.chain inline, as in
// Kafka's KIP-651) or PKCS12; JKS, a Java format, is refused with a message saying how to convert.
// Passwords and inline keys are PASSWORD values: they appear in no message.
//
// Values only; thread-safe as any const object.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "ferry/sdk/config_def.h"
#include "rest/listener.h"

namespace ferry::rest {

enum class ClientAuth { kNone, kRequested, kRequired };

struct TlsConfig {
  std::string key_prefix;  // "listeners.https." or "": the keys' names in messages

  std::string keystore_type;  // "PEM" or "PKCS12" (upper case); "" when unset: from the content
  std::optional<std::filesystem::path> keystore_location;
  std::optional<sdk::Password> keystore_password;
  std::optional<sdk::Password> key_password;
  std::optional<sdk::Password> keystore_key;                // PEM private key, inline
  std::optional<sdk::Password> keystore_certificate_chain;  // PEM certificates, inline

  std::string truststore_type;  // as keystore_type
  std::optional<std::filesystem::path> truststore_location;
  std::optional<sdk::Password> truststore_password;
  std::optional<sdk::Password> truststore_certificates;  // PEM certificates, inline

  ClientAuth client_auth = ClientAuth::kNone;
  std::vector<std::string> enabled_protocols;  // TLSv1.2, TLSv1.3
  // Keys set but not read, one message each, for the log ("ssl.cipher.suites is not read: ...").
  std::vector<std::string> warnings;
};

struct CorsConfig {
  std::vector<std::string> allowed_origins;  // "*" allows every origin; empty: CORS is off
  std::vector<std::string> allowed_methods;  // never empty: Jetty's GET,POST,HEAD by default

  bool enabled() const { return !allowed_origins.empty(); }
};

struct RestConfig {
  std::vector<Listener> listeners;
  std::optional<TlsConfig> tls;  // set when a listener is https
  CorsConfig cors;
  // Set when rest.extension.classes names BasicAuthSecurityRestExtension: the JAAS file, and
  // where its name came from (for messages).
  std::optional<std::filesystem::path> jaas_file;
  std::string jaas_file_source;
};

inline constexpr std::string_view kBasicAuthExtensionClass =
    "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension";

// The JAAS file named by -Djava.security.auth.login.config=FILE (or ==FILE) in kafka_opts, the
// value of KAFKA_OPTS; nullopt when it names none.
std::optional<std::string> jaas_file_from_kafka_opts(std::string_view kafka_opts);

// Parses the REST keys of worker_props. kafka_opts is the KAFKA_OPTS environment variable (empty
// when unset). Errors are invalid_argument naming the key (never a secret's value).
Result<RestConfig> parse_rest_config(const sdk::ConfigMap& worker_props,
                                     std::string_view kafka_opts);

}  // namespace ferry::rest
