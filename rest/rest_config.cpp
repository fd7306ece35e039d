#include "rest/rest_config.h"

#include <algorithm>
#include <cctype>

namespace ferry::rest {
namespace {

constexpr std::string_view kHttpsPrefix = "listeners.https.";
constexpr std::string_view kJaasFileKey = "rest.jaas.config.file";
constexpr std::string_view kJaasProperty = "-Djava.security.auth.login.config=";

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// Kafka's LIST type: comma-separated, each entry trimmed, empty text an empty list.
std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> entries;
  if (trim(text).empty()) return entries;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    entries.push_back(trim(text.substr(start, comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return entries;
}

std::optional<std::string> value_of(const sdk::ConfigMap& props, std::string_view key) {
  const auto it = props.find(std::string(key));
  if (it == props.end()) return std::nullopt;
  return it->second;
}

// A value that counts only when not blank (Kafka's null defaults).
std::optional<std::string> non_blank(const sdk::ConfigMap& props, std::string_view key) {
  auto value = value_of(props, key);
  if (!value || trim(*value).empty()) return std::nullopt;
  return value;
}

std::optional<sdk::Password> password(const sdk::ConfigMap& props, std::string_view key) {
  auto value = non_blank(props, key);
  if (!value) return std::nullopt;
  return sdk::Password(std::move(*value));
}

Result<TlsConfig> parse_tls(const sdk::ConfigMap& worker_props) {
  TlsConfig tls;
  const bool prefixed = std::any_of(worker_props.begin(), worker_props.end(), [](const auto& kv) {
    return kv.first.starts_with(kHttpsPrefix);
  });
  if (prefixed) tls.key_prefix = std::string(kHttpsPrefix);
  const sdk::ConfigMap props =
      prefixed ? sdk::originals_with_prefix(worker_props, kHttpsPrefix) : worker_props;
  const auto name = [&](std::string_view key) { return tls.key_prefix + std::string(key); };

  const auto store_type = [&](std::string_view key) -> Result<std::string> {
    const std::string type = upper(trim(value_of(props, key).value_or("")));
    if (type.empty() || type == "PEM" || type == "PKCS12") return type;
    if (type == "JKS") {
      return Status::invalid_argument(
          "Invalid value JKS for configuration " + name(key) +
          ": Java key stores cannot be read; convert it (keytool -importkeystore "
          "-deststoretype PKCS12 ...) and set PKCS12, or use PEM");
    }
    return Status::invalid_argument("Invalid value " + type + " for configuration " + name(key) +
                                    ": must be PEM or PKCS12");
  };
  auto keystore_type = store_type("ssl.keystore.type");
  if (!keystore_type.ok()) return keystore_type.status();
  tls.keystore_type = *keystore_type;
  auto truststore_type = store_type("ssl.truststore.type");
  if (!truststore_type.ok()) return truststore_type.status();
  tls.truststore_type = *truststore_type;

  if (auto location = non_blank(props, "ssl.keystore.location")) tls.keystore_location = *location;
  tls.keystore_password = password(props, "ssl.keystore.password");
  tls.key_password = password(props, "ssl.key.password");
  tls.keystore_key = password(props, "ssl.keystore.key");
  tls.keystore_certificate_chain = password(props, "ssl.keystore.certificate.chain");
  if (auto location = non_blank(props, "ssl.truststore.location")) {
    tls.truststore_location = *location;
  }
  tls.truststore_password = password(props, "ssl.truststore.password");
  tls.truststore_certificates = password(props, "ssl.truststore.certificates");

  if (tls.keystore_location && (tls.keystore_key || tls.keystore_certificate_chain)) {
    return Status::invalid_argument("Invalid configuration: " + name("ssl.keystore.location") +
                                    " and " + name("ssl.keystore.key") + "/" +
                                    name("ssl.keystore.certificate.chain") +
                                    " are both set; give the key store one way");
  }
  if (tls.keystore_key.has_value() != tls.keystore_certificate_chain.has_value()) {
    return Status::invalid_argument("Invalid configuration: " + name("ssl.keystore.key") + " and " +
                                    name("ssl.keystore.certificate.chain") +
                                    " must be set together");
  }
  if (!tls.keystore_location && !tls.keystore_key) {
    return Status::invalid_argument("An https listener needs a key store: set " +
                                    name("ssl.keystore.location") + " (PEM or PKCS12) or " +
                                    name("ssl.keystore.key") + " and " +
                                    name("ssl.keystore.certificate.chain"));
  }
  if (tls.truststore_location && tls.truststore_certificates) {
    return Status::invalid_argument("Invalid configuration: " + name("ssl.truststore.location") +
                                    " and " + name("ssl.truststore.certificates") +
                                    " are both set");
  }

  const std::string client_auth = trim(value_of(props, "ssl.client.auth").value_or("none"));
  std::string lower = client_auth;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "none" || lower.empty()) {
    tls.client_auth = ClientAuth::kNone;
  } else if (lower == "requested") {
    tls.client_auth = ClientAuth::kRequested;
  } else if (lower == "required") {
    tls.client_auth = ClientAuth::kRequired;
  } else {
    return Status::invalid_argument("Invalid value " + client_auth + " for configuration " +
                                    name("ssl.client.auth") +
                                    ": String must be one of: required, requested, none");
  }
  if (tls.client_auth != ClientAuth::kNone && !tls.truststore_location &&
      !tls.truststore_certificates) {
    return Status::invalid_argument(name("ssl.client.auth") + "=" + lower +
                                    " needs a trust store to check client certificates: set " +
                                    name("ssl.truststore.location") + " or " +
                                    name("ssl.truststore.certificates"));
  }
  tls.enabled_protocols =
      split_list(value_of(props, "ssl.enabled.protocols").value_or("TLSv1.2,TLSv1.3"));
  for (const std::string& protocol : tls.enabled_protocols) {
    if (protocol != "TLSv1.2" && protocol != "TLSv1.3") {
      return Status::invalid_argument("Invalid value " + protocol + " for configuration " +
                                      name("ssl.enabled.protocols") +
                                      ": Ferry serves TLSv1.2 and TLSv1.3");
    }
  }
  if (non_blank(props, "ssl.cipher.suites")) {
    tls.warnings.push_back(name("ssl.cipher.suites") +
                           " is not read (its names are Java's): OpenSSL's default TLS 1.2 and "
                           "1.3 cipher suites are served");
  }
  if (tls.enabled_protocols.empty()) {
    return Status::invalid_argument("Invalid value for configuration " +
                                    name("ssl.enabled.protocols") + ": no protocol");
  }
  return tls;
}

}  // namespace

std::optional<std::string> jaas_file_from_kafka_opts(std::string_view kafka_opts) {
  std::optional<std::string> file;
  std::size_t start = 0;
  while (start < kafka_opts.size()) {
    const auto space = kafka_opts.find_first_of(" \t", start);
    const std::string_view word =
        kafka_opts.substr(start, space == std::string_view::npos ? space : space - start);
    if (word.starts_with(kJaasProperty)) {
      std::string_view value = word.substr(kJaasProperty.size());
      if (value.starts_with('=')) value.remove_prefix(1);  // "==FILE": Java's "only this file"
      if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
          value.back() == value.front()) {
        value = value.substr(1, value.size() - 2);
      }
      file = std::string(value);  // the last one wins, as with the JVM
    }
    if (space == std::string_view::npos) break;
    start = space + 1;
  }
  return file;
}

Result<RestConfig> parse_rest_config(const sdk::ConfigMap& worker_props,
                                     std::string_view kafka_opts) {
  RestConfig config;
  auto listeners =
      parse_listeners(split_list(value_of(worker_props, "listeners").value_or("http://:8083")));
  if (!listeners.ok()) return listeners.status();
  config.listeners = std::move(*listeners);
  if (std::any_of(config.listeners.begin(), config.listeners.end(),
                  [](const Listener& listener) { return listener.https; })) {
    auto tls = parse_tls(worker_props);
    if (!tls.ok()) return tls.status();
    config.tls = std::move(*tls);
  }

  config.cors.allowed_origins =
      split_list(value_of(worker_props, "access.control.allow.origin").value_or(""));
  config.cors.allowed_methods =
      split_list(value_of(worker_props, "access.control.allow.methods").value_or(""));
  if (config.cors.allowed_methods.empty()) config.cors.allowed_methods = {"GET", "POST", "HEAD"};
  for (std::string& method : config.cors.allowed_methods) method = upper(method);

  for (const std::string& extension :
       split_list(value_of(worker_props, "rest.extension.classes").value_or(""))) {
    if (extension != kBasicAuthExtensionClass) {
      return Status::invalid_argument("Invalid value " + extension +
                                      " for configuration rest.extension.classes: Ferry provides " +
                                      std::string(kBasicAuthExtensionClass) + " only");
    }
    if (auto file = non_blank(worker_props, kJaasFileKey)) {
      config.jaas_file = trim(*file);
      config.jaas_file_source = std::string(kJaasFileKey);
    } else if (auto from_opts = jaas_file_from_kafka_opts(kafka_opts); from_opts) {
      config.jaas_file = *from_opts;
      config.jaas_file_source = "KAFKA_OPTS (-Djava.security.auth.login.config)";
    } else {
      return Status::invalid_argument(
          "rest.extension.classes names BasicAuthSecurityRestExtension but no JAAS file is given: "
          "set " +
          std::string(kJaasFileKey) +
          " in the worker config or KAFKA_OPTS=-Djava.security.auth.login.config=FILE");
    }
  }
  return config;
}

}  // namespace ferry::rest
