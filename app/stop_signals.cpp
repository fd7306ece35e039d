#include "app/stop_signals.h"

#include <pthread.h>

namespace ferry::app {

StopSignals::StopSignals() {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGINT);
  sigaddset(&signals_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
}

const char* StopSignals::wait() {
  int signal = 0;
  sigwait(&signals_, &signal);
  return signal == SIGINT ? "SIGINT" : "SIGTERM";
}

}  // namespace ferry::app
