#include "rest/tls_context.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace ferry::rest {
namespace {

namespace ssl = boost::asio::ssl;

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertFree {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct Pkcs12Free {
  void operator()(PKCS12* p12) const { PKCS12_free(p12); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

// The key material of a key or trust store, whatever its format.
struct Store {
  Key key;                  // key stores only
  std::vector<Cert> certs;  // the leaf first, then its chain (or the trusted certificates)
};

// OpenSSL's reason for the last failure, and clears its error queue.
std::string openssl_reason() {
  std::string reason;
  while (const unsigned long code = ERR_get_error()) {
    if (!reason.empty()) reason += "; ";
    std::array<char, 256> text{};
    ERR_error_string_n(code, text.data(), text.size());
    reason += text.data();
  }
  return reason.empty() ? "unknown error" : reason;
}

Status failed(const std::string& key, const std::string& problem) {
  return Status::invalid_argument("Invalid configuration " + key + ": " + problem);
}

Result<std::string> read_file(const std::filesystem::path& file, const std::string& key) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return failed(key, "cannot read " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int password_callback(char* buffer, int size, int, void* user) {
  const auto* password = static_cast<const std::string*>(user);
  if (password == nullptr) return 0;
  const int length = std::min(size, static_cast<int>(password->size()));
  std::copy_n(password->data(), length, buffer);
  return length;
}

bool looks_like_pem(std::string_view bytes) {
  return bytes.find("-----BEGIN ") != std::string_view::npos;
}

// Every certificate of PEM text, and its private key when want_key (decrypted with password).
Result<Store> read_pem(std::string_view pem, bool want_key, const std::string* password,
                       const std::string& key) {
  Store store;
  ERR_clear_error();
  {
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      store.certs.emplace_back(cert);
    }
    ERR_clear_error();  // the end of the certificates reads as "no start line"
  }
  if (store.certs.empty()) return failed(key, "no PEM certificate found");
  if (want_key) {
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    store.key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, password_callback,
                                            const_cast<std::string*>(password)));
    if (!store.key) {
      return failed(key, "no usable PEM private key (wrong or missing ssl.key.password?): " +
                             openssl_reason());
    }
  }
  return store;
}

Result<Store> read_pkcs12(std::string_view bytes, const std::string* password, bool want_key,
                          const std::string& key) {
  ERR_clear_error();
  Bio bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
  std::unique_ptr<PKCS12, Pkcs12Free> p12(d2i_PKCS12_bio(bio.get(), nullptr));
  if (!p12) return failed(key, "not a PKCS12 file: " + openssl_reason());
  EVP_PKEY* pkey = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* ca = nullptr;
  if (!PKCS12_parse(p12.get(), password ? password->c_str() : "", &pkey, &cert, &ca)) {
    return failed(key, "cannot open the PKCS12 file (wrong password?): " + openssl_reason());
  }
  Store store;
  store.key.reset(pkey);
  if (cert) store.certs.emplace_back(cert);
  if (ca) {
    for (int i = 0; i < sk_X509_num(ca); ++i) store.certs.emplace_back(sk_X509_value(ca, i));
    sk_X509_free(ca);  // the certificates now belong to store
  }
  if (want_key && (!store.key || store.certs.empty())) {
    return failed(key, "the PKCS12 file holds no private key with its certificate");
  }
  if (store.certs.empty()) return failed(key, "the PKCS12 file holds no certificate");
  return store;
}

// type "" means: PEM if the bytes look like PEM, else PKCS12; a JKS file (magic FEEDFEED) is
// refused as the explicit type is.
Result<Store> read_store(std::string_view bytes, const std::string& type, bool want_key,
                         const std::string* store_password, const std::string* key_password,
                         const std::string& type_key, const std::string& location_key) {
  if (type.empty() && bytes.size() >= 4 && static_cast<unsigned char>(bytes[0]) == 0xFE &&
      static_cast<unsigned char>(bytes[1]) == 0xED &&
      static_cast<unsigned char>(bytes[2]) == 0xFE &&
      static_cast<unsigned char>(bytes[3]) == 0xED) {
    return failed(
        location_key,
        "a Java key store (JKS) cannot be read; convert it to PKCS12 or PEM and set " + type_key);
  }
  if (type == "PEM" || (type.empty() && looks_like_pem(bytes))) {
    return read_pem(bytes, want_key, key_password ? key_password : store_password, location_key);
  }
  return read_pkcs12(bytes, store_password, want_key, location_key);
}

const std::string* value_of(const std::optional<sdk::Password>& password) {
  return password ? &password->value() : nullptr;
}

}  // namespace

Result<std::shared_ptr<ssl::context>> make_tls_context(const TlsConfig& config) {
  const std::string& prefix = config.key_prefix;
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
  const bool v12 = std::find(config.enabled_protocols.begin(), config.enabled_protocols.end(),
                             "TLSv1.2") != config.enabled_protocols.end();
  const bool v13 = std::find(config.enabled_protocols.begin(), config.enabled_protocols.end(),
                             "TLSv1.3") != config.enabled_protocols.end();
  SSL_CTX_set_min_proto_version(native, v12 ? TLS1_2_VERSION : TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(native, v13 ? TLS1_3_VERSION : TLS1_2_VERSION);

  // The key store.
  Result<Store> keystore = Status::invalid_argument("no key store");
  if (config.keystore_location) {
    const std::string location_key = prefix + "ssl.keystore.location";
    auto bytes = read_file(*config.keystore_location, location_key);
    if (!bytes.ok()) return bytes.status();
    keystore =
        read_store(*bytes, config.keystore_type, true, value_of(config.keystore_password),
                   value_of(config.key_password), prefix + "ssl.keystore.type", location_key);
  } else if (config.keystore_key && config.keystore_certificate_chain) {
    auto chain = read_pem(config.keystore_certificate_chain->value(), false, nullptr,
                          prefix + "ssl.keystore.certificate.chain");
    if (!chain.ok()) return chain.status();
    auto key =
        read_pem(config.keystore_key->value() + "\n" + config.keystore_certificate_chain->value(),
                 true, value_of(config.key_password), prefix + "ssl.keystore.key");
    if (!key.ok()) return key.status();
    chain->key = std::move(key->key);
    keystore = std::move(*chain);
  }
  if (!keystore.ok()) return keystore.status();
  const std::string store_key =
      config.keystore_location ? prefix + "ssl.keystore.location" : prefix + "ssl.keystore.key";
  ERR_clear_error();
  if (SSL_CTX_use_certificate(native, keystore->certs.front().get()) != 1) {
    return failed(store_key, "the certificate is refused: " + openssl_reason());
  }
  for (std::size_t i = 1; i < keystore->certs.size(); ++i) {
    if (SSL_CTX_add1_chain_cert(native, keystore->certs[i].get()) != 1) {
      return failed(store_key, "a chain certificate is refused: " + openssl_reason());
    }
  }
  if (SSL_CTX_use_PrivateKey(native, keystore->key.get()) != 1) {
    return failed(store_key, "the private key is refused: " + openssl_reason());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return failed(store_key, "the private key does not match the certificate");
  }

  // The trust store, for client certificates.
  std::optional<Store> truststore;
  if (config.truststore_location) {
    const std::string location_key = prefix + "ssl.truststore.location";
    auto bytes = read_file(*config.truststore_location, location_key);
    if (!bytes.ok()) return bytes.status();
    auto store =
        read_store(*bytes, config.truststore_type, false, value_of(config.truststore_password),
                   nullptr, prefix + "ssl.truststore.type", location_key);
    if (!store.ok()) return store.status();
    truststore = std::move(*store);
  } else if (config.truststore_certificates) {
    auto store = read_pem(config.truststore_certificates->value(), false, nullptr,
                          prefix + "ssl.truststore.certificates");
    if (!store.ok()) return store.status();
    truststore = std::move(*store);
  }
  if (truststore) {
    X509_STORE* trusted = SSL_CTX_get_cert_store(native);
    STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
    for (const Cert& cert : truststore->certs) {
      X509_STORE_add_cert(trusted, cert.get());
      sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(cert.get())));
    }
    SSL_CTX_set_client_CA_list(native, names);  // takes names
  }
  switch (config.client_auth) {
    case ClientAuth::kNone:
      context->set_verify_mode(ssl::verify_none);
      break;
    case ClientAuth::kRequested:
      context->set_verify_mode(ssl::verify_peer);
      break;
    case ClientAuth::kRequired:
      context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
      break;
  }
  return context;
}

}  // namespace ferry::rest
