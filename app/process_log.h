// The log of a long-running command (`ferry standalone`, `ferry broker`): standard error (standard
// output stays free for FileStreamSink and the tools), log4j-like lines, INFO unless
// FERRY_LOG_LEVEL says otherwise, flushed at every line so a killed process loses nothing.
#pragma once

#include "runtime/worker/worker_log.h"

namespace ferry::app {

runtime::Logger make_process_log();

}  // namespace ferry::app
