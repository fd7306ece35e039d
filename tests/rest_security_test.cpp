// The REST API's security settings through the real `ferry standalone`, configured as a Kafka
// Connect user configures them: an https listener beside an http one (PKCS12 key store under
// listeners.https.*), basic authentication from a JAAS file named in KAFKA_OPTS or the worker
// config, and CORS. Secrets given in the config never reach the log.
//
// Timing: the machine may be slow and shared; every wait polls with a generous deadline.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <gtest/gtest.h>

#include "rest/test_certificates.h"
#include "tests/process.h"
#include "tests/temp_directory.h"
#include "tests/worker_process.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using namespace std::chrono_literals;

constexpr auto kDeadline = 60s;
constexpr const char* kUserPassword = "alice-pass-789";
// "Basic " + base64("alice:alice-pass-789") and base64("alice:nope").
constexpr const char* kAlice = "Basic YWxpY2U6YWxpY2UtcGFzcy03ODk=";
constexpr const char* kAliceWrong = "Basic YWxpY2U6bm9wZQ==";

using Headers = std::map<http::field, std::string>;
using Answer = http::response<http::string_body>;

template <typename Stream>
Answer exchange(Stream& stream, http::verb method, const std::string& target,
                const Headers& headers) {
  http::request<http::string_body> request{method, target, 11};
  request.set(http::field::host, "localhost");
  for (const auto& [field, value] : headers) request.set(field, value);
  request.prepare_payload();
  http::write(stream, request);
  beast::flat_buffer buffer;
  Answer answer;
  http::read(stream, buffer, answer);
  return answer;
}

Answer http_call(unsigned short port, http::verb method, const std::string& target,
                 const Headers& headers = {}) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(30s);
  stream.connect({asio::ip::make_address("127.0.0.1"), port});
  return exchange(stream, method, target, headers);
}

Answer https_call(unsigned short port, const fs::path& ca, http::verb method,
                  const std::string& target, const Headers& headers = {}) {
  ssl::context context(ssl::context::tls_client);
  context.load_verify_file(ca.string());
  context.set_verify_mode(ssl::verify_peer);
  asio::io_context io;
  beast::ssl_stream<beast::tcp_stream> stream(io, context);
  SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
  stream.set_verify_callback(ssl::host_name_verification("localhost"));
  beast::get_lowest_layer(stream).expires_after(30s);
  beast::get_lowest_layer(stream).connect({asio::ip::make_address("127.0.0.1"), port});
  stream.handshake(ssl::stream_base::client);
  return exchange(stream, method, target, headers);
}

class RestSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override { make_test_certificates(dir_.path()); }
  void TearDown() override { ::unsetenv("KAFKA_OPTS"); }

  fs::path build_dir() const { return ferry_binary().parent_path().parent_path(); }

  fs::path write_worker(const std::string& extra) {
    return dir_.write("worker.properties",
                      "key.converter=org.apache.kafka.connect.storage.StringConverter\n"
                      "value.converter=org.apache.kafka.connect.storage.StringConverter\n"
                      "offset.storage.file.filename=" +
                          (dir_.path() / "connect.offsets").string() +
                          "\nplugin.path=" + (build_dir() / "plugins").string() +
                          "\nlog.dirs=" + (dir_.path() / "data").string() + "\n" + extra);
  }
  fs::path write_sink() {
    return dir_.write("sink.properties",
                      "name=local-file-sink\nconnector.class=FileStreamSink\ntasks.max=1\nfile=" +
                          (dir_.path() / "sink.txt").string() + "\ntopics=connect-test\n");
  }
  fs::path write_jaas() {
    const fs::path users =
        dir_.write("users.properties", std::string("alice: ") + kUserPassword + "\nbob: other\n");
    return dir_.write(
        "connect_jaas.conf",
        "KafkaConnect {\n"
        "  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule "
        "required\n  file=\"" +
            users.string() + "\";\n};\n");
  }

  // Starts the worker and reads the port of each listener from its log.
  void start_worker(const std::string& extra) {
    worker_ = std::make_unique<WorkerProcess>(
        ferry_binary(),
        std::vector<std::string>{"standalone", write_worker(extra).string(), write_sink().string()},
        dir_.path() / "ferry.stdout", dir_.path() / "ferry.stderr");
    ASSERT_TRUE(wait_until(
                    [&] {
                      return log().find("Ferry standalone worker started") != std::string::npos ||
                             !worker_->running();
                    },
                    kDeadline) &&
                worker_->running())
        << log();
    const std::string text = log();
    const std::regex listening(R"(REST server listening on (https?)://127\.0\.0\.1:(\d+))");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), listening);
         it != std::sregex_iterator(); ++it) {
      ports_[(*it)[1]] = static_cast<unsigned short>(std::stoi((*it)[2]));
    }
  }
  std::string log() const { return read_whole_file(dir_.path() / "ferry.stderr"); }
  unsigned short port(const std::string& scheme) {
    EXPECT_EQ(ports_.count(scheme), 1u) << log();
    return ports_[scheme];
  }

  TempDir dir_;
  std::unique_ptr<WorkerProcess> worker_;
  std::map<std::string, unsigned short> ports_;
};

TEST_F(RestSecurityTest, HttpsAndHttpListenersServeTheSameApi) {
  ASSERT_NO_FATAL_FAILURE(start_worker(
      "listeners=http://127.0.0.1:0,https://127.0.0.1:0\n"
      "listeners.https.ssl.keystore.type=PKCS12\n"
      "listeners.https.ssl.keystore.location=" +
      (dir_.path() / "server.p12").string() + "\nlisteners.https.ssl.keystore.password=" +
      kStorePassword + "\nlisteners.https.ssl.cipher.suites=TLS_AES_256_GCM_SHA384\n"));
  const Answer over_tls =
      https_call(port("https"), dir_.path() / "ca.pem", http::verb::get, "/connectors");
  EXPECT_EQ(over_tls.result_int(), 200);
  EXPECT_EQ(over_tls.body(), R"(["local-file-sink"])");
  EXPECT_EQ(http_call(port("http"), http::verb::get, "/connectors").body(),
            R"(["local-file-sink"])");
  EXPECT_EQ(log().find(kStorePassword), std::string::npos);
  EXPECT_NE(log().find("listeners.https.ssl.cipher.suites is not read"), std::string::npos);
}

TEST_F(RestSecurityTest, BadKeyStorePasswordStopsTheStartNamingTheKey) {
  const ProcessResult result = run_process(
      ferry_binary(), {"standalone",
                       write_worker("listeners=https://127.0.0.1:0\nssl.keystore.location=" +
                                    (dir_.path() / "server.p12").string() +
                                    "\nssl.keystore.password=wrong-pass-321\n")
                           .string(),
                       write_sink().string()});
  EXPECT_EQ(result.exit_code, 1) << result.standard_error;
  EXPECT_NE(result.standard_error.find("ssl.keystore.location"), std::string::npos)
      << result.standard_error;
  EXPECT_EQ(result.standard_error.find("wrong-pass-321"), std::string::npos);
}

TEST_F(RestSecurityTest, BasicAuthFromTheJaasFileInKafkaOpts) {
  ::setenv("KAFKA_OPTS",
           ("-Xms64m -Djava.security.auth.login.config=" + write_jaas().string()).c_str(), 1);
  ASSERT_NO_FATAL_FAILURE(
      start_worker("listeners=http://127.0.0.1:0\n"
                   "rest.extension.classes=org.apache.kafka.connect.rest.basic.auth.extension."
                   "BasicAuthSecurityRestExtension\n"));
  const unsigned short http_port = port("http");
  const Answer anonymous = http_call(http_port, http::verb::get, "/connectors");
  EXPECT_EQ(anonymous.result_int(), 401);
  EXPECT_EQ(anonymous.body(), "User cannot access the resource.");
  EXPECT_NE(anonymous[http::field::www_authenticate].find("Basic"), std::string::npos);
  EXPECT_EQ(http_call(http_port, http::verb::get, "/connectors",
                      {{http::field::authorization, kAliceWrong}})
                .result_int(),
            401);
  const Answer alice =
      http_call(http_port, http::verb::get, "/connectors", {{http::field::authorization, kAlice}});
  EXPECT_EQ(alice.result_int(), 200);
  EXPECT_EQ(alice.body(), R"(["local-file-sink"])");
  EXPECT_NE(log().find("Basic authentication: 2 user(s)"), std::string::npos) << log();
  EXPECT_EQ(log().find(kUserPassword), std::string::npos);
  EXPECT_EQ(log().find("YWxpY2U"), std::string::npos);
}

TEST_F(RestSecurityTest, CorsPreflightNeedsNoCredentialsAndAnswersCarryCorsHeaders) {
  ASSERT_NO_FATAL_FAILURE(
      start_worker("listeners=http://127.0.0.1:0\n"
                   "rest.extension.classes=org.apache.kafka.connect.rest.basic.auth.extension."
                   "BasicAuthSecurityRestExtension\n"
                   "rest.jaas.config.file=" +
                   write_jaas().string() +
                   "\naccess.control.allow.origin=https://ui.example\n"
                   "access.control.allow.methods=GET,POST,PUT,DELETE\n"));
  const unsigned short http_port = port("http");
  const Answer preflight =
      http_call(http_port, http::verb::options, "/connectors/local-file-sink",
                {{http::field::origin, "https://ui.example"},
                 {http::field::access_control_request_method, "DELETE"},
                 {http::field::access_control_request_headers, "authorization"}});
  EXPECT_EQ(preflight.result_int(), 200);
  EXPECT_EQ(preflight[http::field::access_control_allow_origin], "https://ui.example");
  EXPECT_EQ(preflight[http::field::access_control_allow_methods], "GET,POST,PUT,DELETE");

  const Answer allowed = http_call(
      http_port, http::verb::get, "/connectors",
      {{http::field::origin, "https://ui.example"}, {http::field::authorization, kAlice}});
  EXPECT_EQ(allowed.result_int(), 200);
  EXPECT_EQ(allowed[http::field::access_control_allow_origin], "https://ui.example");
  // A refusal is readable by the page too.
  const Answer refused = http_call(http_port, http::verb::get, "/connectors",
                                   {{http::field::origin, "https://ui.example"}});
  EXPECT_EQ(refused.result_int(), 401);
  EXPECT_EQ(refused[http::field::access_control_allow_origin], "https://ui.example");
  // Another origin gets no CORS headers.
  const Answer other = http_call(
      http_port, http::verb::get, "/connectors",
      {{http::field::origin, "https://evil.example"}, {http::field::authorization, kAlice}});
  EXPECT_EQ(other.count(http::field::access_control_allow_origin), 0u);
}

}  // namespace
}  // namespace ferry::testing
