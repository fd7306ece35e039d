#include "common/thread_name.h"

#include <array>
#include <thread>

#include <gtest/gtest.h>
#include <pthread.h>

namespace ferry {
namespace {

TEST(ThreadName, ShortNamesStayAsTheyAre) {
  EXPECT_EQ(thread_name_that_fits("bench-source-0"), "bench-source-0");
  EXPECT_EQ(thread_name_that_fits("123456789012345"), "123456789012345");
}

TEST(ThreadName, LongNamesKeepTheirTaskNumber) {
  EXPECT_EQ(thread_name_that_fits("orders-jdbc-source-12"), "orders-jdbc~-12");
  EXPECT_EQ(thread_name_that_fits("orders-jdbc-source-13"), "orders-jdbc~-13");
  // No short last part: the start is kept.
  EXPECT_EQ(thread_name_that_fits("a-very-long-connector"), "a-very-long-co~");
  EXPECT_EQ(thread_name_that_fits("abcdefghijklmnopqrstuvwxyz"), "abcdefghijklmn~");
  EXPECT_EQ(thread_name_that_fits("a-very-long-connector-name-123456").size(), 15u);
}

TEST(ThreadName, TheThreadCarriesTheName) {
  std::array<char, 16> seen{};
  std::thread([&] {
    name_this_thread("orders-jdbc-source-12");
    pthread_getname_np(pthread_self(), seen.data(), seen.size());
  }).join();
  EXPECT_STREQ(seen.data(), "orders-jdbc~-12");
}

}  // namespace
}  // namespace ferry
