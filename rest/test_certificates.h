// For tests only: a throwaway certificate authority with a server and a client certificate, made
// with the openssl command in a directory the test owns (tests/temp_directory.h). EC P-256 keys,
// valid for two days, the server's for localhost and 127.0.0.1. Files in dir:
//   ca.pem                  the authority's certificate (the clients' and server's trust store)
//   server.key, server.pem  the server's key and its certificate
//   server-bundle.pem       key + certificate + authority: a PEM key store in one file
//   server-encrypted.key    the server's key encrypted with kKeyPassword
//   server.p12              PKCS12 key store (key, certificate, authority), kStorePassword
//   client.key, client.pem  a client certificate signed by the authority
//   stranger.key, stranger.pem  a self-signed client certificate nobody trusts
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace ferry::testing {

inline constexpr const char* kKeyPassword = "key-secret-1";
inline constexpr const char* kStorePassword = "store-secret-2";

inline std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void make_test_certificates(const std::filesystem::path& dir) {
  const std::string d = dir.string();
  const auto run = [&](const std::string& command) {
    if (std::system((command + " >>" + d + "/openssl.log 2>&1").c_str()) != 0) {
      throw std::runtime_error("openssl failed: " + command + "\n" +
                               read_text(dir / "openssl.log"));
    }
  };
  const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
  std::ofstream(dir / "server.ext") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
  run("openssl req -x509" + key + " -keyout " + d + "/ca.key -out " + d +
      "/ca.pem -days 2 -subj /CN=ferry-test-ca");
  for (const std::string name : {"server", "client"}) {
    run("openssl req" + key + " -keyout " + d + "/" + name + ".key -out " + d + "/" + name +
        ".csr -subj /CN=" + (name == "server" ? "localhost" : "ferry-test-client"));
    run("openssl x509 -req -in " + d + "/" + name + ".csr -CA " + d + "/ca.pem -CAkey " + d +
        "/ca.key -CAcreateserial -days 2 -out " + d + "/" + name + ".pem" +
        (name == "server" ? " -extfile " + d + "/server.ext" : std::string()));
  }
  run("openssl req -x509" + key + " -keyout " + d + "/stranger.key -out " + d +
      "/stranger.pem -days 2 -subj /CN=stranger");
  std::ofstream(dir / "server-bundle.pem")
      << read_text(dir / "server.key") << read_text(dir / "server.pem")
      << read_text(dir / "ca.pem");
  run("openssl pkey -in " + d + "/server.key -aes256 -passout pass:" + kKeyPassword + " -out " + d +
      "/server-encrypted.key");
  run("openssl pkcs12 -export -inkey " + d + "/server.key -in " + d + "/server.pem -certfile " + d +
      "/ca.pem -passout pass:" + kStorePassword + " -out " + d + "/server.p12");
}

}  // namespace ferry::testing
