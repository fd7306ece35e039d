#include "app/tools/console_consumer_command.h"

#include <atomic>
#include <csignal>
#include <random>
#include <regex>

#include "app/tools/broker_access.h"
#include "broker/client/client_config.h"
#include "broker/client/consumer.h"

namespace ferry::app {
namespace {

std::vector<OptionSpec> specs() {
  return tool_options({
      {"topic", true, "The topic to consume from."},
      {"include", true, "A regular expression of the topics to consume from."},
      {"group", true, "The consumer group id."},
      {"from-beginning", false, "Start with the earliest message when the group has no offset."},
      {"partition", true, "The partition to consume from (no group membership)."},
      {"offset", true, "With --partition: earliest, latest or an offset to start from."},
      {"max-messages", true, "Exit after this many messages."},
      {"timeout-ms", true, "Exit when no message arrived for this long."},
      {"property", true,
       "Formatter properties: print.key, print.value, print.partition, print.offset, "
       "print.timestamp, print.headers, key.separator, line.separator, null.literal "
       "(key=value; repeatable)."},
      {"consumer-property", true, "A consumer property (key=value; repeatable)."},
      {"consumer.config", true, "Consumer properties file."},
      {"formatter", true, "Accepted: Kafka's default formatter is the one used."},
      {"skip-message-on-error", false, "Accepted."},
  });
}

std::atomic<bool> stop_requested{false};

extern "C" void request_stop(int) { stop_requested = true; }

// Kafka's DefaultMessageFormatter.
struct Formatter {
  bool print_key = false;
  bool print_value = true;
  bool print_partition = false;
  bool print_offset = false;
  bool print_timestamp = false;
  bool print_headers = false;
  std::string key_separator = "\t";
  std::string line_separator = "\n";
  std::string null_literal = "null";

  void write(std::ostream& out, const broker::ConsumerRecord& record) const {
    const auto text = [this](const auto& bytes) {  // a key or value, or a header's value
      return bytes ? std::string(bytes->begin(), bytes->end()) : null_literal;
    };
    const auto separator = [&](bool more) {
      if (more) out << key_separator;
    };
    if (print_timestamp) {
      switch (record.timestamp_type) {
        case broker::RecordTimestampType::kCreateTime:
          out << "CreateTime:" << record.timestamp;
          break;
        case broker::RecordTimestampType::kLogAppendTime:
          out << "LogAppendTime:" << record.timestamp;
          break;
        case broker::RecordTimestampType::kNoTimestampType:
          out << "NO_TIMESTAMP";
          break;
      }
      separator(print_partition || print_offset || print_headers || print_key || print_value);
    }
    if (print_partition) {
      out << "Partition:" << record.partition;
      separator(print_offset || print_headers || print_key || print_value);
    }
    if (print_offset) {
      out << "Offset:" << record.offset;
      separator(print_headers || print_key || print_value);
    }
    if (print_headers) {
      if (record.headers.empty()) {
        out << "NO_HEADERS";
      } else {
        for (std::size_t i = 0; i < record.headers.size(); ++i) {
          if (i > 0) out << ",";
          out << record.headers[i].key << ":" << text(record.headers[i].value);
        }
      }
      separator(print_key || print_value);
    }
    if (print_key) {
      out << text(record.key);
      separator(print_value);
    }
    if (print_value) out << text(record.value) << line_separator;
  }
};

Result<Formatter> formatter_from(const std::map<std::string, std::string>& properties) {
  Formatter formatter;
  for (const auto& [key, value] : properties) {
    const bool on = value == "true";
    if (key == "print.key") {
      formatter.print_key = on;
    } else if (key == "print.value") {
      formatter.print_value = on;
    } else if (key == "print.partition") {
      formatter.print_partition = on;
    } else if (key == "print.offset") {
      formatter.print_offset = on;
    } else if (key == "print.timestamp") {
      formatter.print_timestamp = on;
    } else if (key == "print.headers") {
      formatter.print_headers = on;
    } else if (key == "key.separator") {
      formatter.key_separator = value;
    } else if (key == "line.separator") {
      formatter.line_separator = value;
    } else if (key == "null.literal") {
      formatter.null_literal = value;
    }
  }
  return formatter;
}

}  // namespace

int run_console_consumer_command(std::span<const std::string_view> args, std::ostream& out,
                                 std::ostream& err) {
  int parse_exit = 0;
  const auto line = parse_tool_command_line(
      args, specs(),
      "This tool helps to read data from Kafka topics and outputs it to standard output.\n", out,
      err, &parse_exit);
  if (!line) return parse_exit;
  const auto topic = line->value("topic");
  const auto include = line->value("include");
  if (topic.has_value() == include.has_value()) {
    err << "Exactly one of --include/--topic is required.\n";
    return 2;
  }
  if (line->has("offset") && !line->has("partition")) {
    err << "The partition is required when offset is specified.\n";
    return 2;
  }
  if (line->has("partition") && !topic) {
    err << "The topic is required when partition is specified.\n";
    return 2;
  }
  auto max_messages = line->integer("max-messages", -1);
  auto timeout_ms = line->integer("timeout-ms", -1);
  auto partition = line->integer("partition", -1);
  auto formatter_properties = line->key_values("property");
  for (const Status& status : {max_messages.status(), timeout_ms.status(), partition.status(),
                               formatter_properties.status()}) {
    if (!status.ok()) {
      err << status.message() << "\n";
      return 2;
    }
  }
  auto formatter = formatter_from(*formatter_properties);

  auto loaded = client_properties(*line, "consumer.config", "consumer-property");
  if (!loaded.ok()) {
    err << loaded.status().message() << "\n";
    return 1;
  }
  std::map<std::string, std::string> properties = std::move(*loaded);
  // A group the user names keeps its offsets, so the tool writes them; the throwaway group below
  // needs nothing kept, and without a group the tool only reads.
  const bool named_group = line->has("group") || properties.contains("group.id");
  if (const auto group = line->value("group")) {
    properties["group.id"] = *group;
  } else if (!properties.contains("group.id") && !line->has("partition")) {
    // Kafka's console consumer joins a throwaway group of its own.
    properties["group.id"] = "console-consumer-" + std::to_string(std::random_device{}() % 100000);
  }
  properties.try_emplace("auto.offset.reset", line->has("from-beginning") ? "earliest" : "latest");
  // The tool commits what it printed, not what its last poll fetched, so records fetched but
  // left unprinted by --max-messages are not lost to the group (Kafka's tool auto-commits the
  // fetch position). A user's own enable.auto.commit=true still wins.
  bool commit_printed = !properties.contains("enable.auto.commit");
  properties.try_emplace("enable.auto.commit", "false");
  auto config = broker::consumer_config_from_properties(properties);
  if (!config.ok()) {
    err << config.status().message() << "\n";
    return 2;
  }

  auto broker = ToolBroker::open(*line, named_group ? ToolAccess::kWrite : ToolAccess::kRead);
  if (!broker.ok()) {
    err << broker.status().message() << "\n";
    return 1;
  }
  // Beside a running broker the directory is read-only: the throwaway group's offsets are not
  // kept (nobody reads them again anyway).
  if ((*broker)->read_only()) commit_printed = false;
  auto made = (*broker)->clients().consumer(properties);
  if (!made.ok()) {
    err << made.status().message() << "\n";
    return 1;
  }
  broker::Consumer& consumer = **made;
  Status subscribed;
  if (line->has("partition")) {
    const broker::TopicPartition where{*topic, static_cast<std::int32_t>(*partition)};
    subscribed = consumer.assign({where});
    const std::string offset =
        line->value("offset").value_or(line->has("from-beginning") ? "earliest" : "latest");
    if (subscribed.ok() && offset == "earliest") {
      subscribed = consumer.seek_to_beginning({where});
    } else if (subscribed.ok() && offset == "latest") {
      subscribed = consumer.seek_to_end({where});
    } else if (subscribed.ok()) {
      try {
        subscribed = consumer.seek(where, std::stoll(offset));
      } catch (const std::exception&) {
        err << "The offset " << offset << " is not earliest, latest or a number.\n";
        return 2;
      }
    }
  } else if (topic) {
    subscribed = consumer.subscribe(std::vector<std::string>{*topic});
  } else {
    try {
      std::regex check(*include);  // checked here for the tool's own message and exit code
    } catch (const std::regex_error& e) {
      err << "--include " << *include << ": not a regular expression (" << e.what() << ")\n";
      return 2;
    }
    subscribed = consumer.subscribe_pattern(*include);
  }
  if (!subscribed.ok()) {
    err << subscribed.message() << "\n";
    return 1;
  }

  stop_requested = false;
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  std::int64_t processed = 0;
  std::map<broker::TopicPartition, std::int64_t> printed;
  auto last_message = std::chrono::steady_clock::now();
  int exit_code = 0;
  while (!stop_requested && (*max_messages < 0 || processed < *max_messages)) {
    auto records = consumer.poll(std::chrono::milliseconds(100));
    if (!records.ok()) {
      err << "Error processing message, terminating consumer process: "
          << records.status().message() << "\n";
      exit_code = 1;
      break;
    }
    for (const broker::ConsumerRecord& record : *records) {
      if (*max_messages >= 0 && processed >= *max_messages) break;
      formatter->write(out, record);
      printed[{record.topic, record.partition}] = record.offset + 1;
      ++processed;
    }
    out.flush();
    if (!records->empty()) {
      last_message = std::chrono::steady_clock::now();
    } else if (*timeout_ms >= 0 && std::chrono::steady_clock::now() - last_message >
                                       std::chrono::milliseconds(*timeout_ms)) {
      break;
    }
  }
  if (commit_printed && !line->has("partition") && !printed.empty()) {
    if (const Status status = consumer.commit_sync(printed); !status.ok()) {
      err << "Failed to commit the offsets of the printed messages: " << status.message() << "\n";
      exit_code = 1;
    }
  }
  (void)consumer.close();
  err << "Processed a total of " << processed << " messages\n";
  return exit_code;
}

}  // namespace ferry::app
