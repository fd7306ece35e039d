// Private to the SDK tests: wall-clock budgets for the tests that guard against quadratic work.
//
// A budget is set well above what the code takes (about ten times) and well below what the
// quadratic code it replaced took, so the test neither flakes on a busy machine nor passes a
// regression. Sanitizers slow this code down about ten times, so they get ten times the budget.
#pragma once

#include <chrono>

namespace ferry::sdk::test {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr int kSanitizerSlowdown = 10;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr int kSanitizerSlowdown = 10;
#else
inline constexpr int kSanitizerSlowdown = 1;
#endif
#else
inline constexpr int kSanitizerSlowdown = 1;
#endif

inline std::chrono::milliseconds budget(std::chrono::milliseconds unsanitized) {
  return unsanitized * kSanitizerSlowdown;
}

}  // namespace ferry::sdk::test
