// SIGINT and SIGTERM for a long-running command, taken by a wait rather than a handler: blocked
// when constructed, which must happen before any thread exists so that every thread inherits the
// mask and none is interrupted; wait() returns the signal that came.
#pragma once

#include <signal.h>

namespace ferry::app {

class StopSignals {
 public:
  StopSignals();
  // Blocks until SIGINT or SIGTERM; returns "SIGINT" or "SIGTERM".
  const char* wait();

 private:
  sigset_t signals_{};
};

}  // namespace ferry::app
