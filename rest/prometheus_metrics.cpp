#include "rest/prometheus_metrics.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "rest/process_stats.h"

namespace ferry::rest {
namespace {

using Labels = std::vector<std::pair<std::string_view, std::string>>;

// Label values escape backslash, double quote and newline (the exposition format's rules).
void append_label_value(std::string& out, std::string_view value) {
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_number(std::string& out, double value) {
  std::array<char, 32> text{};
  const auto [end, error] = std::to_chars(text.data(), text.data() + text.size(), value);
  out.append(text.data(), error == std::errc() ? end : text.data());
}

// Families in the order first added, each with its HELP and TYPE lines once and its samples
// together, as the format requires.
class Exposition {
 public:
  void sample(std::string_view family, std::string_view type, std::string_view help,
              std::string_view suffix, const Labels& labels, double value) {
    auto [it, added] = index_.try_emplace(std::string(family), families_.size());
    if (added) families_.push_back({std::string(family), std::string(type), std::string(help), {}});
    std::string& out = families_[it->second].samples;
    out.append(family).append(suffix);
    if (!labels.empty()) {
      out += '{';
      for (std::size_t i = 0; i < labels.size(); ++i) {
        if (i > 0) out += ',';
        out.append(labels[i].first).append("=\"");
        append_label_value(out, labels[i].second);
        out += '"';
      }
      out += '}';
    }
    out += ' ';
    append_number(out, value);
    out += '\n';
  }
  void counter(std::string_view name, std::string_view help, const Labels& labels, double value) {
    sample(name, "counter", help, "", labels, value);
  }
  void gauge(std::string_view name, std::string_view help, const Labels& labels, double value) {
    sample(name, "gauge", help, "", labels, value);
  }
  // A summary without quantiles (sum and count) and its largest observation as a gauge; values
  // are divided by unit (nanoseconds per second: dividing keeps 8e6 ns exactly 0.008 s).
  void summary(std::string_view name, std::string_view max_name, std::string_view help,
               const Labels& labels, const runtime::Observations& observations, double unit) {
    sample(name, "summary", help, "_sum", labels, static_cast<double>(observations.sum()) / unit);
    sample(name, "summary", help, "_count", labels, static_cast<double>(observations.count()));
    gauge(max_name, std::string("The largest of ") + std::string(name) + ".", labels,
          static_cast<double>(observations.max()) / unit);
  }

  std::string text() const {
    std::string out;
    for (const Family& family : families_) {
      out.append("# HELP ").append(family.name).append(" ").append(family.help).append("\n");
      out.append("# TYPE ").append(family.name).append(" ").append(family.type).append("\n");
      out.append(family.samples);
    }
    return out;
  }

 private:
  struct Family {
    std::string name;
    std::string type;
    std::string help;
    std::string samples;
  };
  std::vector<Family> families_;
  std::map<std::string, std::size_t, std::less<>> index_;
};

constexpr double kNanosPerSecond = 1e9;

void task_metrics(Exposition& out, const runtime::TaskId& id, runtime::ConnectorType type,
                  const runtime::TaskMetrics& m) {
  const Labels labels{{"connector", id.connector}, {"task", std::to_string(id.task)}};
  const auto count = [](const runtime::Counter& counter) {
    return static_cast<double>(counter.value());
  };
  if (type == runtime::ConnectorType::kSource) {
    out.counter("kafka_connect_source_task_source_record_poll_total",
                "Records the task's poll() returned.", labels, count(m.source_record_poll));
    out.counter("kafka_connect_source_task_source_record_write_total",
                "Records written to the broker after transformations (acknowledged).", labels,
                count(m.source_record_write));
    out.gauge("kafka_connect_source_task_source_record_active_count",
              "Records sent and not yet acknowledged.", labels,
              static_cast<double>(m.source_record_active.value()));
    out.summary("kafka_connect_source_task_poll_batch_time_seconds",
                "kafka_connect_source_task_poll_batch_max_time_seconds",
                "Time poll() took for the batches that returned records.", labels,
                m.poll_batch_nanos, kNanosPerSecond);
  } else {
    out.counter("kafka_connect_sink_task_sink_record_read_total", "Records read from the broker.",
                labels, count(m.sink_record_read));
    out.counter("kafka_connect_sink_task_sink_record_send_total",
                "Records handed to put() after transformations.", labels,
                count(m.sink_record_send));
    out.summary("kafka_connect_sink_task_put_batch_time_seconds",
                "kafka_connect_sink_task_put_batch_max_time_seconds",
                "Time put() took for each batch.", labels, m.put_batch_nanos, kNanosPerSecond);
    out.gauge("kafka_connect_sink_task_sink_record_lag",
              "Records in the assigned partitions not yet put, over all of them.", labels,
              static_cast<double>(m.sink_record_lag.value()));
    out.gauge("kafka_connect_sink_task_sink_record_lag_max",
              "Records not yet put in the assigned partition furthest behind.", labels,
              static_cast<double>(m.sink_record_lag_max.value()));
    out.gauge("kafka_connect_sink_task_partition_count", "Partitions assigned to the task.", labels,
              static_cast<double>(m.partition_count.value()));
  }
  out.summary("kafka_connect_task_batch_size", "kafka_connect_task_batch_size_max",
              "Records per poll() (sources) or put() (sinks).", labels, m.batch_size, 1.0);
  out.counter("kafka_connect_task_offset_commit_success_total", "Offset commits that succeeded.",
              labels, count(m.offset_commit_success));
  out.counter("kafka_connect_task_offset_commit_failure_total", "Offset commits that failed.",
              labels, count(m.offset_commit_failure));
  out.counter("kafka_connect_task_error_record_errors_total",
              "Records that failed in a converter or transformation, or that the task reported.",
              labels, count(m.record_errors));
  out.counter("kafka_connect_task_error_records_skipped_total",
              "Failed records skipped under errors.tolerance=all.", labels,
              count(m.records_skipped));
  out.counter("kafka_connect_task_error_errors_logged_total",
              "Errors logged under errors.log.enable=true.", labels, count(m.errors_logged));
  out.counter("kafka_connect_task_error_deadletterqueue_produce_requests_total",
              "Records sent to the dead letter queue.", labels,
              count(m.dead_letter_queue_requests));
  out.counter("kafka_connect_task_error_deadletterqueue_produce_failures_total",
              "Records the dead letter queue did not take.", labels,
              count(m.dead_letter_queue_failures));
}

void worker_metrics(Exposition& out, const runtime::Herder& herder) {
  const std::vector<std::string> connectors = herder.connectors();
  std::size_t tasks = 0;
  std::vector<std::pair<std::string, std::map<runtime::State, int>>> by_state;
  for (const std::string& name : connectors) {
    auto status = herder.connector_status(name);
    if (!status.ok()) continue;  // deleted meanwhile
    std::map<runtime::State, int>& states =
        by_state.emplace_back(name, std::map<runtime::State, int>{}).second;
    for (const auto& [number, task] : status->tasks) ++states[task.state];
    tasks += status->tasks.size();
  }
  out.gauge("kafka_connect_worker_connector_count", "Connectors on this worker.", {},
            static_cast<double>(connectors.size()));
  out.gauge("kafka_connect_worker_task_count", "Tasks on this worker.", {},
            static_cast<double>(tasks));
  for (const auto& [name, states] : by_state) {
    for (const runtime::State state :
         {runtime::State::kRunning, runtime::State::kPaused, runtime::State::kFailed,
          runtime::State::kUnassigned, runtime::State::kRestarting}) {
      const auto found = states.find(state);
      std::string state_label(runtime::state_name(state));
      for (char& c : state_label)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.gauge("kafka_connect_worker_connector_tasks", "The connector's tasks in each state.",
                {{"connector", name}, {"state", std::move(state_label)}},
                found == states.end() ? 0.0 : static_cast<double>(found->second));
    }
  }
}

void process_metrics(Exposition& out) {
  const ProcessStats stats = read_process_stats();
  out.counter("process_cpu_seconds_total", "User and system CPU time spent, in seconds.", {},
              stats.cpu_seconds);
  out.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", {},
            static_cast<double>(stats.resident_bytes));
  out.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", {},
            static_cast<double>(stats.virtual_bytes));
  out.gauge("process_open_fds", "Open file descriptors.", {}, static_cast<double>(stats.open_fds));
  out.gauge("process_max_fds", "The limit of open file descriptors.", {},
            static_cast<double>(stats.max_fds));
  out.gauge("process_threads", "Threads of the process.", {}, static_cast<double>(stats.threads));
  out.gauge("process_start_time_seconds", "Start time of the process since the Unix epoch.", {},
            stats.start_time_seconds);
}

}  // namespace

std::string prometheus_metrics(const runtime::Herder& herder) {
  Exposition out;
  herder.visit_task_metrics(
      [&out](const runtime::TaskId& id, runtime::ConnectorType type,
             const runtime::TaskMetrics& metrics) { task_metrics(out, id, type, metrics); });
  worker_metrics(out, herder);
  process_metrics(out);
  return out.text();
}

}  // namespace ferry::rest
