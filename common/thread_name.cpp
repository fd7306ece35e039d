#include "common/thread_name.h"

#include <pthread.h>

namespace ferry {
namespace {

constexpr std::size_t kMaxName = 15;  // without the terminating NUL
constexpr std::size_t kMaxTail = 6;   // "-" and up to five digits of a task number

}  // namespace

std::string thread_name_that_fits(std::string_view name) {
  if (name.size() <= kMaxName) return std::string(name);
  std::string_view tail;
  if (const std::size_t dash = name.rfind('-');
      dash != std::string_view::npos && name.size() - dash <= kMaxTail) {
    tail = name.substr(dash);
  }
  std::string fitted(name.substr(0, kMaxName - 1 - tail.size()));
  fitted += '~';
  fitted += tail;
  return fitted;
}

void name_this_thread(std::string_view name) {
  const std::string fitted = thread_name_that_fits(name);
  (void)pthread_setname_np(pthread_self(), fitted.c_str());
}

}  // namespace ferry
