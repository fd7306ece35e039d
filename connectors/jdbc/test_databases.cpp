#include "connectors/jdbc/test_databases.h"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include <unistd.h>

namespace ferry::connectors::jdbc::testing {
namespace {

#ifndef FERRY_TEST_DATABASES
#define FERRY_TEST_DATABASES "test-databases"
#endif

std::string databases_dir() {
  const char* build = std::getenv("FERRY_BUILD_DIR");
  return std::string(build ? build : ".") + "/" FERRY_TEST_DATABASES;
}

std::map<std::string, std::string> read_env() {
  const std::string file = databases_dir() + "/databases.env";
  std::ifstream in(file);
  if (!in) {
    throw std::runtime_error("no " + file +
                             ": run the tests through ctest (fixture ferry_databases), or start "
                             "the databases with scripts/test-databases.sh start <build>/"
                             "test-databases");
  }
  std::map<std::string, std::string> values;
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) values[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return values;
}

}  // namespace

TestDatabase test_database(DatabaseKind kind) {
  static const std::map<std::string, std::string> env = read_env();
  if (kind == DatabaseKind::kPostgres) return {"postgres", kind, env.at("FERRY_TEST_POSTGRES_URL")};
  return {"mariadb", kind, env.at("FERRY_TEST_MARIADB_URL")};
}

std::unique_ptr<Connection> connect_to(const TestDatabase& database) {
  return Connection::open(ConnectionSettings::parse(database.url));
}

namespace {

void run_script(const std::string& action, DatabaseKind kind) {
  const std::string command = std::string("'") + FERRY_SOURCE_DIR + "/scripts/test-databases.sh' " +
                              action + " '" + databases_dir() + "' " +
                              (kind == DatabaseKind::kPostgres ? "postgres" : "mariadb");
  if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
}

}  // namespace

void kill_database(DatabaseKind kind) { run_script("kill", kind); }
void restart_database(DatabaseKind kind) { run_script("restart", kind); }

std::string unique_table(const std::string& stem) {
  static std::atomic<int> counter{0};
  return stem + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
}

}  // namespace ferry::connectors::jdbc::testing
