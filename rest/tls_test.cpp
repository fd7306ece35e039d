// HTTPS listeners end to end on loopback: TLS contexts built from every key store form Ferry
// accepts (PEM file, inline PEM with an encrypted key, PKCS12), an https and an http listener on
// one server, client certificates when ssl.client.auth asks for them, and the refusals (JKS, a
// wrong password) whose messages name the key and never the secret.
#include <chrono>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <gtest/gtest.h>

#include "rest/http_server.h"
#include "rest/rest_config.h"
#include "rest/test_certificates.h"
#include "rest/tls_context.h"
#include "tests/temp_directory.h"

namespace ferry::rest {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using testing::TempDir;

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certificates_ = new TempDir();
    testing::make_test_certificates(certificates_->path());
  }
  static void TearDownTestSuite() {
    delete certificates_;
    certificates_ = nullptr;
  }
  static std::filesystem::path file(const std::string& name) {
    return certificates_->path() / name;
  }

  Result<TlsConfig> tls_config(sdk::ConfigMap props) {
    props["listeners"] = "https://127.0.0.1:0";
    auto config = parse_rest_config(props, "");
    if (!config.ok()) return config.status();
    return *config->tls;
  }

  // Starts a server with an https and an http listener; the handler answers "hello".
  void start(const TlsConfig& tls) {
    auto context = make_tls_context(tls);
    ASSERT_TRUE(context.ok()) << context.status().message();
    auto server = HttpServer::bind(
        {*parse_listener("https://127.0.0.1:0"), *parse_listener("http://127.0.0.1:0")},
        {.tls = *context});
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(*server);
    ASSERT_EQ(server_->urls().size(), 2u);
    ASSERT_TRUE(server_->urls()[0].starts_with("https://127.0.0.1:")) << server_->urls()[0];
    ASSERT_TRUE(server_->urls()[1].starts_with("http://127.0.0.1:")) << server_->urls()[1];
    server_->start([](const Request& request) {
      Response response{http::status::ok, request.version()};
      response.set(http::field::content_type, "text/plain");
      if (request.target() == "/created") {
        response.set(http::field::location, "http://127.0.0.1/connectors/x");
      }
      response.body() = "hello";
      return response;
    });
  }
  unsigned short port(std::size_t listener) const {
    const std::string url = server_->urls().at(listener);
    return static_cast<unsigned short>(std::stoi(url.substr(url.rfind(':') + 1)));
  }

  // GET target over TLS, trusting the test authority; optionally with a client certificate.
  // Throws boost::system::system_error when the handshake or exchange fails.
  Response https_get(const std::string& target, const std::string& client = "") {
    ssl::context context(ssl::context::tls_client);
    context.load_verify_file(file("ca.pem").string());
    context.set_verify_mode(ssl::verify_peer);
    if (!client.empty()) {
      context.use_certificate_chain_file(file(client + ".pem").string());
      context.use_private_key_file(file(client + ".key").string(), ssl::context::pem);
    }
    asio::io_context io;
    beast::ssl_stream<beast::tcp_stream> stream(io, context);
    SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
    stream.set_verify_callback(ssl::host_name_verification("localhost"));
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
    beast::get_lowest_layer(stream).connect({asio::ip::make_address("127.0.0.1"), port(0)});
    stream.handshake(ssl::stream_base::client);
    http::request<http::empty_body> request{http::verb::get, target, 11};
    request.set(http::field::host, "localhost");
    http::write(stream, request);
    beast::flat_buffer buffer;
    Response response;
    http::read(stream, buffer, response);
    return response;
  }

  static TempDir* certificates_;
  std::unique_ptr<HttpServer> server_;
};

TempDir* TlsTest::certificates_ = nullptr;

TEST_F(TlsTest, PemFileWithKeyAndChainServesHttpsBesideHttp) {
  auto tls = tls_config({{"ssl.keystore.type", "PEM"},
                         {"ssl.keystore.location", file("server-bundle.pem").string()}});
  ASSERT_TRUE(tls.ok()) << tls.status().message();
  start(*tls);
  Response response = https_get("/");
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "hello");

  // The http listener of the same server still speaks plain HTTP.
  asio::io_context io;
  beast::tcp_stream plain(io);
  plain.connect({asio::ip::make_address("127.0.0.1"), port(1)});
  http::request<http::empty_body> request{http::verb::get, "/", 11};
  http::write(plain, request);
  beast::flat_buffer buffer;
  Response answer;
  http::read(plain, buffer, answer);
  EXPECT_EQ(answer.body(), "hello");
}

TEST_F(TlsTest, LocationOfAnHttpsAnswerIsHttps) {
  auto tls = tls_config({{"ssl.keystore.location", file("server-bundle.pem").string()}});
  ASSERT_TRUE(tls.ok()) << tls.status().message();
  start(*tls);
  EXPECT_EQ(https_get("/created")[http::field::location], "https://127.0.0.1/connectors/x");
}

TEST_F(TlsTest, InlinePemWithAnEncryptedKey) {
  auto tls = tls_config({{"ssl.keystore.type", "PEM"},
                         {"ssl.keystore.key", testing::read_text(file("server-encrypted.key"))},
                         {"ssl.keystore.certificate.chain", testing::read_text(file("server.pem"))},
                         {"ssl.key.password", testing::kKeyPassword}});
  ASSERT_TRUE(tls.ok()) << tls.status().message();
  start(*tls);
  EXPECT_EQ(https_get("/").body(), "hello");
}

TEST_F(TlsTest, Pkcs12KeyStoreUnderTheListenersHttpsPrefix) {
  // The prefixed keys win as a whole: the unprefixed ones (a JKS store) are not read at all.
  auto tls = tls_config({{"ssl.keystore.type", "JKS"},
                         {"listeners.https.ssl.keystore.type", "PKCS12"},
                         {"listeners.https.ssl.keystore.location", file("server.p12").string()},
                         {"listeners.https.ssl.keystore.password", testing::kStorePassword}});
  ASSERT_TRUE(tls.ok()) << tls.status().message();
  start(*tls);
  EXPECT_EQ(https_get("/").body(), "hello");
}

TEST_F(TlsTest, WrongPasswordNamesTheKeyNotTheSecret) {
  auto tls = tls_config({{"ssl.keystore.type", "PKCS12"},
                         {"ssl.keystore.location", file("server.p12").string()},
                         {"ssl.keystore.password", "not-the-password-123"}});
  ASSERT_TRUE(tls.ok()) << tls.status().message();
  auto context = make_tls_context(*tls);
  ASSERT_FALSE(context.ok());
  EXPECT_NE(context.status().message().find("ssl.keystore.location"), std::string::npos)
      << context.status().message();
  EXPECT_EQ(context.status().message().find("not-the-password-123"), std::string::npos);

  auto inline_key =
      tls_config({{"ssl.keystore.key", testing::read_text(file("server-encrypted.key"))},
                  {"ssl.keystore.certificate.chain", testing::read_text(file("server.pem"))},
                  {"ssl.key.password", "wrong-key-password-456"}});
  ASSERT_TRUE(inline_key.ok());
  auto refused = make_tls_context(*inline_key);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("ssl.keystore.key"), std::string::npos);
  EXPECT_EQ(refused.status().message().find("wrong-key-password-456"), std::string::npos);
  EXPECT_EQ(refused.status().message().find("BEGIN"), std::string::npos);
}

TEST_F(TlsTest, JavaKeyStoreIsRefusedNamingTheKey) {
  auto explicit_jks = tls_config(
      {{"ssl.keystore.type", "jks"}, {"ssl.keystore.location", file("server.p12").string()}});
  ASSERT_FALSE(explicit_jks.ok());
  EXPECT_NE(explicit_jks.status().message().find("ssl.keystore.type"), std::string::npos)
      << explicit_jks.status().message();

  // A JKS file given without a type is recognised by its magic number.
  const auto jks = certificates_->path() / "server.jks";
  std::ofstream(jks, std::ios::binary) << std::string("\xFE\xED\xFE\xED\x00\x00\x00\x02", 8);
  auto detected = tls_config({{"ssl.keystore.location", jks.string()}});
  ASSERT_TRUE(detected.ok()) << detected.status().message();
  auto context = make_tls_context(*detected);
  ASSERT_FALSE(context.ok());
  EXPECT_NE(context.status().message().find("JKS"), std::string::npos)
      << context.status().message();
}

TEST_F(TlsTest, RequiredClientAuthRefusesClientsWithoutATrustedCertificate) {
  auto tls = tls_config({{"ssl.keystore.location", file("server-bundle.pem").string()},
                         {"ssl.truststore.type", "PEM"},
                         {"ssl.truststore.location", file("ca.pem").string()},
                         {"ssl.client.auth", "required"}});
  ASSERT_TRUE(tls.ok()) << tls.status().message();
  start(*tls);
  EXPECT_EQ(https_get("/", "client").body(), "hello");
  // TLS 1.3 finishes the client's handshake before the server checks the certificate: the
  // refusal shows on the first read or write.
  EXPECT_ANY_THROW(https_get("/"));
  EXPECT_ANY_THROW(https_get("/", "stranger"));
}

TEST_F(TlsTest, RequestedClientAuthLetsClientsWithoutACertificateIn) {
  auto tls = tls_config({{"ssl.keystore.location", file("server-bundle.pem").string()},
                         {"ssl.truststore.certificates", testing::read_text(file("ca.pem"))},
                         {"ssl.client.auth", "requested"}});
  ASSERT_TRUE(tls.ok()) << tls.status().message();
  start(*tls);
  EXPECT_EQ(https_get("/").body(), "hello");
  EXPECT_EQ(https_get("/", "client").body(), "hello");
  EXPECT_ANY_THROW(https_get("/", "stranger"));
}

TEST_F(TlsTest, HttpsListenerWithoutTlsSettingsIsRefused) {
  auto server = HttpServer::bind({*parse_listener("https://127.0.0.1:0")});
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("https://127.0.0.1:0"), std::string::npos);
}

}  // namespace
}  // namespace ferry::rest
