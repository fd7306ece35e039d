#include "connectors/jdbc/connection.h"

#include <string>

#include <gtest/gtest.h>

#include "connectors/jdbc/jdbc_source_connector.h"
#include "ferry/sdk/config_def.h"

namespace ferry::connectors::jdbc {
namespace {

// The ConfigException's message for a URL that must be refused (a failure if it is accepted).
std::string refusal_of(const std::string& url) {
  try {
    ConnectionSettings::parse(url);
    ADD_FAILURE() << "accepted " << url;
  } catch (const sdk::ConfigException& error) {
    return error.what();
  }
  return "";
}

TEST(ConnectionSettings, PostgresUrlWithUserAndPasswordParameters) {
  const auto settings = ConnectionSettings::parse(
      "jdbc:postgresql://db.example:6543/shop?user=app&password=s%26cret");
  EXPECT_EQ(settings.kind, DatabaseKind::kPostgres);
  EXPECT_EQ(settings.host, "db.example");
  EXPECT_EQ(settings.port, 6543);
  EXPECT_EQ(settings.database, "shop");
  EXPECT_EQ(settings.user, "app");
  EXPECT_EQ(settings.password, "s&cret");
}

TEST(ConnectionSettings, MysqlAndMariadbUrlsDefaultToPort3306) {
  for (const char* url :
       {"jdbc:mysql://localhost/retail_db", "jdbc:mariadb://localhost/retail_db"}) {
    const auto settings = ConnectionSettings::parse(url);
    EXPECT_EQ(settings.kind, DatabaseKind::kMysql) << url;
    EXPECT_EQ(settings.port, 3306) << url;
    EXPECT_EQ(settings.database, "retail_db") << url;
  }
}

TEST(ConnectionSettings, ConnectionUserAndPasswordOverrideTheUrl) {
  const auto settings =
      ConnectionSettings::parse("jdbc:mysql://h:1/d?user=a&password=b&useSSL=false", "c", "d");
  EXPECT_EQ(settings.user, "c");
  EXPECT_EQ(settings.password, "d");
  EXPECT_EQ(settings.parameters.at("useSSL"), "false");
}

TEST(ConnectionSettings, Ipv6Host) {
  const auto settings = ConnectionSettings::parse("jdbc:postgresql://[::1]:5433/x");
  EXPECT_EQ(settings.host, "::1");
  EXPECT_EQ(settings.port, 5433);
}

TEST(ConnectionSettings, BadUrlsAreConfigErrorsThatNeverShowThePassword) {
  for (const char* url :
       {"", "jdbc:oracle:thin:@h:1521:x", "jdbc:postgresql://:5432/x",
        "jdbc:postgresql://h:99999/x?password=topsecret",
        "jdbc:mysql://h:12ab/x?password=topsecret", "jdbc:postgresql://alice:topsecret@h:5432/x",
        "jdbc:mysql://alice:topsecret@h/x?user=bob"}) {
    const std::string message = refusal_of(url);
    EXPECT_NE(message.find("connection.url"), std::string::npos) << message;
    EXPECT_EQ(message.find("topsecret"), std::string::npos) << message;
  }
  // The rest of the URL still shows where the problem is.
  const std::string message = refusal_of("jdbc:postgresql://alice:topsecret@h:5432/x");
  EXPECT_NE(message.find("jdbc:postgresql://...@h:5432/x"), std::string::npos) << message;
}

TEST(ConnectionSettings, ConnectStringQuotesEveryValue) {
  const auto settings = ConnectionSettings::parse("jdbc:postgresql://h/d", "o'neil", "a b\\c");
  EXPECT_EQ(settings.soci_connect_string(),
            "host='h' port=5432 dbname='d' user='o\\'neil' password='a b\\\\c' "
            "application_name='ferry'");
  EXPECT_EQ(settings.describe().find("a b"), std::string::npos);
  EXPECT_EQ(ConnectionSettings::parse("jdbc:postgresql://h/d?ApplicationName=o%27s%20app")
                .soci_connect_string(),
            "host='h' port=5432 dbname='d' application_name='o\\'s app'");
}

// PgJDBC's TLS parameters reach libpq: sslmode and the certificate files as they are; ssl=true
// alone verifies the server fully, as in PgJDBC, and the NonValidatingFactory only requires TLS.
TEST(ConnectionSettings, PostgresTlsParametersBecomeLibpqKeywords) {
  const std::string base = "host='h' port=5432 dbname='d' application_name='ferry'";
  EXPECT_EQ(ConnectionSettings::parse("jdbc:postgresql://h/d?sslmode=verify-ca&sslrootcert=/etc/"
                                      "ca.pem&sslcert=c.pem&sslkey=k.pem&sslpassword=pw")
                .soci_connect_string(),
            base +
                " sslmode='verify-ca' sslrootcert='/etc/ca.pem' sslcert='c.pem' sslkey='k.pem' "
                "sslpassword='pw'");
  EXPECT_EQ(ConnectionSettings::parse("jdbc:postgresql://h/d?ssl=true").soci_connect_string(),
            base + " sslmode='verify-full'");
  EXPECT_EQ(ConnectionSettings::parse(
                "jdbc:postgresql://h/d?ssl=true&sslfactory=org.postgresql.ssl.NonValidatingFactory")
                .soci_connect_string(),
            base + " sslmode='require'");
  EXPECT_EQ(ConnectionSettings::parse("jdbc:postgresql://h/d?ssl=false").soci_connect_string(),
            base);
  EXPECT_EQ(ConnectionSettings::parse("jdbc:postgresql://h/d?sslmode=disable&ssl=true")
                .soci_connect_string(),
            base + " sslmode='disable'");
  const std::string message = refusal_of("jdbc:postgresql://h/d?sslmode=always&password=topsecret");
  EXPECT_NE(message.find("sslmode=always is not one of"), std::string::npos) << message;
  EXPECT_EQ(message.find("topsecret"), std::string::npos) << message;
}

// A MySQL/MariaDB URL that requires TLS is refused (the connection would go without it); one that
// only prefers it or turns it off connects as before.
TEST(ConnectionSettings, MysqlUrlsThatRequireTlsAreRefused) {
  for (const char* url :
       {"jdbc:mysql://h/d?sslMode=REQUIRED", "jdbc:mysql://h/d?sslmode=verify_identity",
        "jdbc:mysql://h/d?useSSL=true&requireSSL=true&password=topsecret",
        "jdbc:mariadb://h/d?sslMode=verify-full", "jdbc:mariadb://h/d?useSsl=true",
        "jdbc:mariadb://h/d?useSSL=true"}) {
    const std::string message = refusal_of(url);
    EXPECT_NE(message.find("asks for TLS, which Ferry's MySQL/MariaDB connections do not support "
                           "yet"),
              std::string::npos)
        << message;
    EXPECT_EQ(message.find("topsecret"), std::string::npos) << message;
  }
  for (const char* url :
       {"jdbc:mysql://h/d?useSSL=false", "jdbc:mysql://h/d?useSSL=true",
        "jdbc:mysql://h/d?useSsl=true", "jdbc:mariadb://h/d?useSsl=false",
        "jdbc:mysql://h/d?sslMode=PREFERRED", "jdbc:mysql://h/d?sslMode=DISABLED",
        "jdbc:mariadb://h/d?sslMode=disable", "jdbc:mysql://h/d?requireSSL=false"}) {
    EXPECT_NO_THROW(ConnectionSettings::parse(url)) << url;
  }
}

TEST(CopyText, EscapesOnlyWhatEndsAFieldOrARowOrStartsAnEscape) {
  std::string row;
  append_copy_text(row, "plain");
  EXPECT_EQ(row, "plain");
  row.clear();
  append_copy_text(row, std::string("a\tb\nc\rd\\e\\N\\.'\"\x01\0f", 18));
  EXPECT_EQ(row, std::string("a\\tb\\nc\\rd\\\\e\\\\N\\\\.'\"\x01\0f", 24));
  row.clear();
  append_copy_text(row, "\\");
  append_copy_text(row, "");
  EXPECT_EQ(row, "\\\\");
  EXPECT_EQ(kCopyNull, "\\N");
}

// REST's validate puts an error about one key beside that key, and the checks across keys beside
// mode, as Confluent's connector does.
TEST(JdbcSourceConnectorValidate, ErrorsStandBesideTheKeyTheyName) {
  const auto errors_of = [](const sdk::ConfigMap& props) {
    std::map<std::string, std::vector<std::string>> errors;
    for (const sdk::ConfigValue& value : JdbcSourceConnector().validate(props)) {
      if (!value.errors.empty()) errors[value.name] = value.errors;
    }
    return errors;
  };
  const auto bad_url = errors_of({{"connection.url", "jdbc:oracle:thin:@host:1521:db"},
                                  {"mode", "bulk"},
                                  {"topic.prefix", "t-"}});
  ASSERT_EQ(bad_url.size(), 1u);
  ASSERT_TRUE(bad_url.contains("connection.url"));
  EXPECT_NE(bad_url.at("connection.url")[0].find("for configuration connection.url"),
            std::string::npos);
  const auto no_column = errors_of({{"connection.url", "jdbc:postgresql://localhost/db"},
                                    {"mode", "timestamp"},
                                    {"topic.prefix", "t-"}});
  ASSERT_EQ(no_column.size(), 1u);
  EXPECT_EQ(no_column.at("mode"),
            std::vector<std::string>{"Mode timestamp requires timestamp.column.name"});
}

}  // namespace
}  // namespace ferry::connectors::jdbc
