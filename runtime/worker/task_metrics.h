// What a task's loop counts for GET /metrics: Kafka Connect's source-task-metrics,
// sink-task-metrics, task-metrics and task-error-metrics, kept as running totals (a Prometheus
// server derives the per-second rates Kafka's JMX beans show from them) and a few gauges.
//
// Thread-safety: the task's thread writes (one writer per field, so no read-modify-write is
// needed on the record path); any thread may read a snapshot at any time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace ferry::runtime {

// A running count, written by one thread.
class Counter {
 public:
  void add(std::uint64_t amount = 1) {
    value_.store(value_.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
  }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// A gauge, written by one thread.
class Gauge {
 public:
  void set(std::int64_t value) { value_.store(value, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

// Observations of one quantity (a batch's size, a call's duration): how many, their sum and the
// largest, written by one thread (Prometheus' summary without quantiles, plus Kafka's -max).
class Observations {
 public:
  void observe(std::uint64_t value) {
    count_.add();
    sum_.add(value);
    if (value > max_.load(std::memory_order_relaxed)) max_.store(value, std::memory_order_relaxed);
  }
  std::uint64_t count() const { return count_.value(); }
  std::uint64_t sum() const { return sum_.value(); }
  std::uint64_t max() const { return max_.load(std::memory_order_relaxed); }

 private:
  Counter count_;
  Counter sum_;
  std::atomic<std::uint64_t> max_{0};
};

struct TaskMetrics {
  // Source tasks.
  Counter source_record_poll;   // records poll() returned
  Counter source_record_write;  // records the broker acknowledged (after transformations)
  Gauge source_record_active;   // sent and not yet acknowledged
  Observations poll_batch_nanos;
  // Sink tasks.
  Counter sink_record_read;  // records consumed
  Counter sink_record_send;  // records handed to put() (after transformations)
  Observations put_batch_nanos;
  Gauge sink_record_lag;      // sum over the assigned partitions of log end - position
  Gauge sink_record_lag_max;  // the largest of them
  Gauge partition_count;      // partitions assigned
  // Both.
  Observations batch_size;  // records per poll() or put()
  Counter offset_commit_success;
  Counter offset_commit_failure;
  // Errors under errors.tolerance.
  Counter record_errors;    // records that failed in a stage (converter, transformation, ...)
  Counter records_skipped;  // of those, skipped under errors.tolerance=all
  Counter errors_logged;
  Counter dead_letter_queue_requests;  // records sent to the dead letter queue
  Counter dead_letter_queue_failures;  // of those, the queue did not take
};

// Nanoseconds since start, for Observations of durations.
inline std::uint64_t nanos_since(std::chrono::steady_clock::time_point start) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count());
}

}  // namespace ferry::runtime
