// For tests only: the throwaway PostgreSQL and MariaDB that scripts/test-databases.sh started for
// this build (ctest's ferry_databases fixture), found through <build>/test-databases/databases.env,
// or <build>/test-fault-databases/databases.env in a test built with
// FERRY_TEST_DATABASES="test-fault-databases" (the fault tests' own pair, fixture
// ferry_fault_databases, which they crash and restart).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "connectors/jdbc/connection.h"

namespace ferry::connectors::jdbc::testing {

struct TestDatabase {
  std::string name;  // "postgres" or "mariadb", for test names
  DatabaseKind kind;
  std::string url;  // the JDBC URL, user and password included
};

// The database of that kind. Throws std::runtime_error, saying how to start the databases, when
// databases.env is missing.
TestDatabase test_database(DatabaseKind kind);

// A fresh connection to it (for a test's own setup and checks).
std::unique_ptr<Connection> connect_to(const TestDatabase& database);

// Crashes the server of that kind, or starts it again on the same port (scripts/test-databases.sh
// kill|restart). Throws std::runtime_error if the script fails.
void kill_database(DatabaseKind kind);
void restart_database(DatabaseKind kind);

// A table name unique to this test process and call, so tests can run side by side.
std::string unique_table(const std::string& stem);

}  // namespace ferry::connectors::jdbc::testing
