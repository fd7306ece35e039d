// The topics a connector's tasks used, as GET /connectors/{c}/topics shows them.
#include "runtime/worker/active_topics.h"

#include <thread>

#include <gtest/gtest.h>

namespace ferry::runtime {
namespace {

using Topics = std::vector<std::string>;

TEST(ActiveTopics, RecordersAddEachTopicOncePerConnectorSorted) {
  ActiveTopics store;
  ActiveTopics::Recorder task0(store, "c");
  ActiveTopics::Recorder task1(store, "c");
  ActiveTopics::Recorder other(store, "d");
  task0.record("orders");
  task0.record("orders");
  task1.record("audit");
  task0.record("payments");
  other.record("logs");
  EXPECT_EQ(store.topics("c"), (Topics{"audit", "orders", "payments"}));
  EXPECT_EQ(store.topics("d"), Topics{"logs"});
  EXPECT_EQ(store.topics("nobody"), Topics{});
}

TEST(ActiveTopics, AResetForgetsAndTheNextRecordsAddAgain) {
  ActiveTopics store;
  ActiveTopics::Recorder task(store, "c");
  ActiveTopics::Recorder other(store, "d");
  task.record("orders");
  other.record("logs");
  store.reset("c");
  EXPECT_EQ(store.topics("c"), Topics{});
  EXPECT_EQ(store.topics("d"), Topics{"logs"});  // another connector's stay
  // The same topic again, which the recorder's cache alone would skip.
  task.record("orders");
  EXPECT_EQ(store.topics("c"), Topics{"orders"});
}

// A reset racing with a task's records never leaves the store missing a topic the task goes on
// using: after the race, one more record puts it back.
TEST(ActiveTopics, ResetsRacingWithRecordsLoseNothingForGood) {
  ActiveTopics store;
  ActiveTopics::Recorder task(store, "c");
  std::thread resetter([&] {
    for (int i = 0; i < 2000; ++i) store.reset("c");
  });
  for (int i = 0; i < 20000; ++i) task.record(i % 2 == 0 ? "a" : "b");
  resetter.join();
  task.record("a");
  task.record("b");
  EXPECT_EQ(store.topics("c"), (Topics{"a", "b"}));
}

}  // namespace
}  // namespace ferry::runtime
