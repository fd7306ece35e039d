// Names the calling thread, so that top -H, ps -L, perf and /proc/<pid>/task/*/comm tell a
// worker's threads apart (a task's loop from the producer's sender, say).
#pragma once

#include <string>
#include <string_view>

namespace ferry {

// Linux keeps 15 bytes of a thread's name. A longer name keeps its last '-'-separated part when
// that is short (a task number) and as much of its start as fits, joined by '~', so that the
// tasks of one connector still differ: "orders-jdbc-source-12" becomes "orders-jdbc~-12".
std::string thread_name_that_fits(std::string_view name);

// Sets the calling thread's name to thread_name_that_fits(name). Best effort: a failure changes
// nothing else.
void name_this_thread(std::string_view name);

}  // namespace ferry
