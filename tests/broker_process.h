// For end-to-end tests: the real `ferry broker` on a free loopback port (listeners names port 0;
// the bound address is read from its log, so parallel tests do not collide), with a data
// directory under dir, stopped with SIGTERM when the object goes (a clean exit is expected).
// extra: more server.properties lines (a later key wins, so extra may set listeners to a fixed
// port). run names the log files (broker<run>.err), so a broker restarted on the same
// directory is waited for in its own log.
#pragma once

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/process.h"
#include "tests/worker_process.h"

namespace ferry::testing {

inline constexpr std::chrono::seconds kBrokerDeadline{60};

class BrokerProcess {
 public:
  explicit BrokerProcess(const std::filesystem::path& dir, const std::string& extra = "",
                         const std::string& run = "")
      : dir_(dir) {
    const std::filesystem::path properties = dir / "server.properties";
    std::ofstream(properties) << "# Kafka's sample keys, as a user's file has them\n"
                                 "broker.id=0\n"
                                 "zookeeper.connect=localhost:2181\n"
                                 "listeners=PLAINTEXT://127.0.0.1:0\n"
                                 "log.dirs="
                              << (dir / "data").string()
                              << "\n"
                                 "num.partitions=1\n"
                                 "offsets.topic.num.partitions=3\n"
                                 "group.initial.rebalance.delay.ms=0\n"
                              << extra;
    process_ = std::make_unique<WorkerProcess>(
        ferry_binary(), std::vector<std::string>{"broker", properties},
        dir / ("broker" + run + ".out"), dir / ("broker" + run + ".err"));
    if (!process_->wait_for_log("Ferry broker started", kBrokerDeadline)) {
      ADD_FAILURE() << "broker did not start:\n" << process_->standard_error();
      return;
    }
    std::smatch match;
    const std::string log = process_->standard_error();
    if (std::regex_search(log, match, std::regex("listening on (127\\.0\\.0\\.1:[0-9]+)"))) {
      address_ = match[1];
    }
  }
  ~BrokerProcess() {
    if (killed_) return;
    process_->signal(SIGTERM);
    const auto code = process_->wait(kBrokerDeadline);
    EXPECT_EQ(code, 0) << process_->standard_error();
  }

  const std::string& address() const { return address_; }
  // Crashes it (SIGKILL) and waits until it is gone.
  void kill() {
    process_->signal(SIGKILL);
    process_->wait(kBrokerDeadline);
    killed_ = true;
  }
  std::string log() const { return process_->standard_error(); }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<WorkerProcess> process_;
  std::string address_;
  bool killed_ = false;
};

}  // namespace ferry::testing
