// GET /metrics: the worker's metrics in Prometheus' text exposition format (version 0.0.4).
//
// Per task (labels connector and task), named after Kafka Connect's metric groups and metrics
// ("source-task-metrics" / "source-record-poll-total" -> kafka_connect_source_task_
// source_record_poll_total): records polled, written, read and sent; poll and put batch times
// and batch sizes as summaries (sum and count) with their largest value as a gauge; offset commit
// successes and failures; record errors, skipped records and logged errors; a sink's lag (total
// and largest partition) and partition count. Totals only: Prometheus' rate() gives the
// per-second figures Kafka's JMX beans show. Per worker: connector and task counts and each
// connector's tasks by state; per process: the usual process_* metrics.
//
// Thread-safety: a function of the herder's state, callable from any thread.
#pragma once

#include <string>

#include "runtime/worker/herder.h"

namespace ferry::rest {

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string prometheus_metrics(const runtime::Herder& herder);

}  // namespace ferry::rest
