#include "app/tools/console_producer_command.h"

#include <atomic>
#include <string>

#include "app/tools/broker_access.h"
#include "broker/client/client_config.h"
#include "broker/client/producer.h"

namespace ferry::app {
namespace {

std::vector<OptionSpec> specs() {
  return tool_options({
      {"topic", true, "REQUIRED: the topic to produce messages to."},
      {"property", true,
       "A mechanism to pass properties to the message reader: parse.key, key.separator, "
       "null.marker, ignore.error (key=value; repeatable)."},
      {"producer-property", true, "A producer property (key=value; repeatable)."},
      {"producer.config", true, "Producer properties file."},
      {"compression-codec", true, "none, gzip, snappy, lz4 or zstd."},
      {"batch-size", true, "Messages to send in a single batch (batch.size in bytes here)."},
      {"timeout", true, "linger.ms: how long to wait for a batch to fill."},
      {"request-required-acks", true, "The acks the producer asks for (default all)."},
      {"sync", false, "Send each message synchronously."},
  });
}

broker::RecordBytes bytes_of(std::string_view text) {
  return broker::RecordBytes(text.begin(), text.end());
}

}  // namespace

int run_console_producer_command(std::span<const std::string_view> args, std::istream& in,
                                 std::ostream& out, std::ostream& err) {
  int parse_exit = 0;
  const auto line = parse_tool_command_line(
      args, specs(), "This tool reads lines from standard input and sends each as a message.\n",
      out, err, &parse_exit);
  if (!line) return parse_exit;
  const auto topic = line->value("topic");
  if (!topic) {
    err << "Missing required argument \"[topic]\"\n";
    return 2;
  }
  auto reader = line->key_values("property");
  if (!reader.ok()) {
    err << reader.status().message() << "\n";
    return 2;
  }
  auto loaded = client_properties(*line, "producer.config", "producer-property");
  if (!loaded.ok()) {
    err << loaded.status().message() << "\n";
    return 1;
  }
  std::map<std::string, std::string> properties = std::move(*loaded);
  if (const auto codec = line->value("compression-codec")) properties["compression.type"] = *codec;
  if (const auto size = line->value("batch-size")) properties["batch.size"] = *size;
  if (const auto linger = line->value("timeout")) properties["linger.ms"] = *linger;
  if (const auto acks = line->value("request-required-acks")) properties["acks"] = *acks;
  auto config = broker::producer_config_from_properties(properties);
  if (!config.ok()) {
    err << config.status().message() << "\n";
    return 2;
  }

  const bool parse_key = reader->contains("parse.key") && reader->at("parse.key") == "true";
  const std::string separator =
      reader->contains("key.separator") ? reader->at("key.separator") : "\t";
  const std::optional<std::string> null_marker =
      reader->contains("null.marker") ? std::optional(reader->at("null.marker")) : std::nullopt;
  const bool ignore_error =
      reader->contains("ignore.error") && reader->at("ignore.error") == "true";

  auto broker = ToolBroker::open(*line, ToolAccess::kWrite);
  if (!broker.ok()) {
    err << broker.status().message() << "\n";
    return 1;
  }
  std::atomic<int> failures{0};
  {
    auto made = (*broker)->clients().producer(properties);
    if (!made.ok()) {
      err << made.status().message() << "\n";
      return 1;
    }
    broker::Producer& producer = **made;
    std::string text;
    int number = 0;
    while (std::getline(in, text)) {
      ++number;
      broker::ProducerRecord record{.topic = *topic};
      std::string_view value = text;
      if (parse_key) {
        const std::size_t at = text.find(separator);
        if (at == std::string::npos) {
          if (!ignore_error) {
            err << "No key separator found on line number " << number << ": '" << text << "'\n";
            producer.close();
            return 1;
          }
        } else {
          const std::string_view key = std::string_view(text).substr(0, at);
          if (!(null_marker && key == *null_marker)) record.key = bytes_of(key);
          value = std::string_view(text).substr(at + separator.size());
        }
      }
      if (!(null_marker && value == *null_marker)) record.value = bytes_of(value);
      producer.send(std::move(record), [&err, &failures, topic = *topic](
                                           const Result<broker::RecordMetadata>& result) {
        if (!result.ok()) {
          ++failures;
          err << "Error when sending message to topic " << topic
              << " with error: " << result.status().message() << "\n";
        }
      });
      if (line->has("sync")) (void)producer.flush();
    }
    (void)producer.flush();
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace ferry::app
