#include "app/tools/topics_command.h"

#include <regex>

#include "app/tools/broker_access.h"
#include "broker/client/admin.h"

namespace ferry::app {
namespace {

std::vector<OptionSpec> specs() {
  return tool_options({
      {"create", false, "Create a new topic."},
      {"list", false, "List all available topics."},
      {"describe", false, "List details for the given topics."},
      {"delete", false, "Delete a topic."},
      {"alter", false, "Alter the number of partitions and configuration of a topic."},
      {"topic", true,
       "The topic to create, alter, describe or delete (a regular expression "
       "for --list, --describe and --delete)."},
      {"partitions", true, "The number of partitions for the topic being created or altered."},
      {"replication-factor", true,
       "The replication factor (default: the cluster's; Ferry's broker keeps one copy)."},
      {"config", true, "A topic configuration override (key=value); repeatable."},
      {"delete-config", true, "A topic configuration override to remove (--alter); repeatable."},
      {"if-not-exists", false, "With --create: only if the topic does not exist."},
      {"if-exists", false, "With --alter, --describe or --delete: only if the topic exists."},
      {"exclude-internal", false, "Leave out internal topics with --list and --describe."},
      {"topics-with-overrides", false, "With --describe: only topics that have overrides."},
  });
}

// The topics a --topic value names: an exact name, else a regular expression over them all.
std::vector<std::string> matching(broker::Admin& admin, const std::optional<std::string>& topic,
                                  bool include_internal) {
  std::vector<std::string> names;
  auto listings = admin.list_topics(include_internal);
  if (!listings.ok()) return names;
  for (const broker::TopicListing& listing : *listings) {
    if (!topic) {
      names.push_back(listing.name);
      continue;
    }
    if (listing.name == *topic) {
      names.push_back(listing.name);
      continue;
    }
    try {
      if (std::regex_match(listing.name, std::regex(*topic))) names.push_back(listing.name);
    } catch (const std::regex_error&) {
      // Not a pattern: only the exact name matches.
    }
  }
  return names;
}

std::string configs_text(const std::map<std::string, std::string>& overrides) {
  std::string text;
  for (const auto& [key, value] : overrides) {
    if (!text.empty()) text += ",";
    text += key + "=" + value;
  }
  return text;
}

}  // namespace

int run_topics_command(std::span<const std::string_view> args, std::ostream& out,
                       std::ostream& err) {
  int parse_exit = 0;
  const auto line = parse_tool_command_line(
      args, specs(), "This tool helps to create, delete, describe, or change a topic.\n", out, err,
      &parse_exit);
  if (!line) return parse_exit;
  const int actions = line->has("create") + line->has("list") + line->has("describe") +
                      line->has("delete") + line->has("alter");
  if (actions != 1) {
    err << "Command must include exactly one action: --list, --describe, --create, --alter or "
           "--delete\n";
    return 2;
  }
  const std::optional<std::string> topic = line->value("topic");
  if ((line->has("create") || line->has("delete") || line->has("alter")) && !topic) {
    err << "Missing required argument \"[topic]\"\n";
    return 2;
  }
  auto partitions = line->integer("partitions", -1);
  auto replication = line->integer("replication-factor", -1);
  auto configs = line->key_values("config");
  for (const Status& status : {partitions.status(), replication.status(), configs.status()}) {
    if (!status.ok()) {
      err << status.message() << "\n";
      return 2;
    }
  }

  const bool reads_only = line->has("list") || line->has("describe");
  auto broker = ToolBroker::open(*line, reads_only ? ToolAccess::kRead : ToolAccess::kWrite);
  if (!broker.ok()) {
    err << "Error while executing topic command : " << broker.status().message() << "\n";
    return 1;
  }
  broker::Admin& admin = (*broker)->clients().admin();
  const bool include_internal = !line->has("exclude-internal");
  const auto fail = [&err](const Status& status) {
    err << "Error while executing topic command : " << status.message() << "\n";
    return 1;
  };

  if (line->has("create")) {
    if (line->has("if-not-exists") && admin.describe_topic(*topic).ok()) return 0;
    const Status status =
        admin.create_replicated_topic(*topic, static_cast<std::int32_t>(*partitions),
                                      static_cast<std::int16_t>(*replication), *configs);
    if (!status.ok()) return fail(status);
    out << "Created topic " << *topic << ".\n";
    return 0;
  }
  if (line->has("list")) {
    for (const std::string& name : matching(admin, topic, include_internal)) out << name << "\n";
    return 0;
  }
  const std::vector<std::string> names = matching(admin, topic, include_internal);
  if (topic && names.empty() && !line->has("if-exists")) {
    return fail(Status::not_found("Topic '" + *topic + "' does not exist as expected"));
  }
  if (line->has("describe")) {
    for (const std::string& name : names) {
      auto listing = admin.describe_topic(name);
      if (!listing.ok()) continue;
      if (line->has("topics-with-overrides") && listing->overrides.empty()) continue;
      out << "Topic: " << name << "\tTopicId: " << listing->topic_id
          << "\tPartitionCount: " << listing->partitions
          << "\tReplicationFactor: 1\tConfigs: " << configs_text(listing->overrides) << "\n";
      for (std::int32_t p = 0; p < listing->partitions; ++p) {
        out << "\tTopic: " << name << "\tPartition: " << p << "\tLeader: 0\tReplicas: 0\tIsr: 0\n";
      }
    }
    return 0;
  }
  if (line->has("delete")) {
    for (const std::string& name : names) {
      if (const Status status = admin.delete_topic(name); !status.ok()) return fail(status);
    }
    return 0;
  }
  // --alter
  for (const std::string& name : names) {
    if (*partitions > 0) {
      if (const Status status =
              admin.create_partitions(name, static_cast<std::int32_t>(*partitions));
          !status.ok()) {
        return fail(status);
      }
    }
    const auto removed = line->values("delete-config");
    if (!configs->empty() || !removed.empty()) {
      const Status status = admin.alter_topic_configs(
          name, *configs, std::set<std::string>(removed.begin(), removed.end()));
      if (!status.ok()) return fail(status);
    }
  }
  return 0;
}

}  // namespace ferry::app
