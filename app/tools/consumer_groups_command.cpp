#include "app/tools/consumer_groups_command.h"

#include <cstdio>
#include <set>

#include "app/tools/broker_access.h"
#include "broker/client/admin.h"

namespace ferry::app {
namespace {

std::vector<OptionSpec> specs() {
  return tool_options({
      {"list", false, "List all consumer groups."},
      {"describe", false, "Describe a consumer group: offsets, lag and members."},
      {"delete", false, "Delete a consumer group without active members."},
      {"reset-offsets", false, "Reset the offsets of a consumer group (it must be inactive)."},
      {"group", true, "The consumer group; repeatable."},
      {"all-groups", false, "Apply to all consumer groups."},
      {"topic", true, "With --reset-offsets: topic or topic:partition,partition; repeatable."},
      {"all-topics", false, "With --reset-offsets: every topic the group has offsets for."},
      {"to-earliest", false, "Reset to the earliest offset."},
      {"to-latest", false, "Reset to the latest offset."},
      {"to-offset", true, "Reset to this offset."},
      {"shift-by", true, "Move the current offset by this many (may be negative)."},
      {"to-current", false, "Reset to the current offset."},
      {"to-datetime", true,
       "Reset to the first offset at or after this time "
       "(milliseconds since the epoch)."},
      {"execute", false, "Carry out the reset."},
      {"dry-run", false, "Only show what the reset would do (the default)."},
      {"members", false, "With --describe: the members."},
      {"offsets", false, "With --describe: the offsets (the default)."},
      {"state", false, "With --describe: the group's state."},
  });
}

std::string pad(const std::string& text, std::size_t width) {
  return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

// The partitions named by --topic values ("t" or "t:0,2") or every partition with an offset.
Result<std::set<broker::TopicPartition>> reset_scope(
    const CommandLine& line, broker::Admin& admin,
    const std::map<broker::TopicPartition, std::int64_t>& committed) {
  std::set<broker::TopicPartition> scope;
  if (line.has("all-topics")) {
    for (const auto& [where, offset] : committed) scope.insert(where);
    return scope;
  }
  for (const std::string& item : line.values("topic")) {
    const std::size_t colon = item.find(':');
    const std::string topic = item.substr(0, colon);
    if (colon != std::string::npos) {
      std::string_view rest = std::string_view(item).substr(colon + 1);
      while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        scope.insert({topic, std::stoi(std::string(rest.substr(0, comma)))});
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      }
      continue;
    }
    auto listing = admin.describe_topic(topic);
    if (!listing.ok()) return listing.status();
    for (std::int32_t p = 0; p < listing->partitions; ++p) scope.insert({topic, p});
  }
  if (scope.empty()) {
    return Status::invalid_argument(
        "One of the reset scopes should be defined: --all-topics, "
        "--topic.");
  }
  return scope;
}

}  // namespace

int run_consumer_groups_command(std::span<const std::string_view> args, std::ostream& out,
                                std::ostream& err) {
  int parse_exit = 0;
  const auto line = parse_tool_command_line(
      args, specs(),
      "This tool helps to list all consumer groups, describe a consumer group, delete "
      "consumer group info, or reset consumer group offsets.\n",
      out, err, &parse_exit);
  if (!line) return parse_exit;
  const int actions =
      line->has("list") + line->has("describe") + line->has("delete") + line->has("reset-offsets");
  if (actions != 1) {
    err << "Command must include exactly one action: --list, --describe, --delete, "
           "--reset-offsets\n";
    return 2;
  }
  const bool reads_only = line->has("list") || line->has("describe");
  auto broker = ToolBroker::open(*line, reads_only ? ToolAccess::kRead : ToolAccess::kWrite);
  if (!broker.ok()) {
    err << "Error: " << broker.status().message() << "\n";
    return 1;
  }
  // Beside a running broker the tool sees the committed offsets in its files, but not its groups'
  // members, which live in that process's memory.
  const bool read_only = (*broker)->read_only();
  const std::string read_only_note =
      "Note: " + (*broker)->data_directory() +
      " is in use by a running broker or worker, so it was read from its files: committed "
      "offsets are shown, but not the groups' members, assignments or states (ask the running "
      "process with --bootstrap-server for those).\n";
  broker::Admin& admin = (*broker)->clients().admin();
  auto all = admin.list_groups();
  if (!all.ok()) {
    err << "Error: " << all.status().message() << "\n";
    return 1;
  }
  if (read_only) err << read_only_note;
  if (line->has("list")) {
    for (const broker::ConsumerGroupListing& group : *all) out << group.group_id << "\n";
    return 0;
  }
  std::vector<std::string> groups = line->values("group");
  if (line->has("all-groups")) {
    groups.clear();
    for (const broker::ConsumerGroupListing& group : *all) groups.push_back(group.group_id);
  }
  if (groups.empty()) {
    err << "Option [" << (line->has("describe") ? "describe" : "delete or reset-offsets")
        << "] takes one of these options: [all-groups], [group]\n";
    return 2;
  }

  int exit_code = 0;
  for (const std::string& group : groups) {
    if (line->has("delete")) {
      if (const Status status = admin.delete_group(group); !status.ok()) {
        err << "Error: Deletion of some consumer groups failed:\n* Group '" << group
            << "' could not be deleted due to: " << status.message() << "\n";
        exit_code = 1;
      } else {
        out << "Deletion of requested consumer groups ('" << group << "') was successful.\n";
      }
      continue;
    }
    auto description = admin.describe_group(group);
    auto committed = admin.list_group_offsets(group);
    // Resetting a group that does not exist yet creates its offsets, as Kafka's tool does.
    if (!description.ok() && line->has("reset-offsets")) {
      description = broker::ConsumerGroupListing{group, "Empty", "", "", {}};
    }
    if (!description.ok() || !committed.ok()) {
      err << "Error: Consumer group '" << group << "' does not exist.\n";
      exit_code = 1;
      continue;
    }
    if (line->has("describe")) {
      if (line->has("state")) {
        out << "\n"
            << pad("GROUP", 30) << pad("COORDINATOR (ID)", 30) << pad("ASSIGNMENT-STRATEGY", 20)
            << pad("STATE", 20) << "#MEMBERS\n"
            << pad(group, 30) << pad("localhost:9092 (0)", 30) << pad(description->assignor, 20)
            << pad(read_only ? "Unknown" : description->state, 20)
            << (read_only ? "-" : std::to_string(description->members.size())) << "\n";
        continue;
      }
      if (line->has("members")) {
        out << "\n"
            << pad("GROUP", 16) << pad("CONSUMER-ID", 50) << pad("HOST", 16) << pad("CLIENT-ID", 16)
            << "#PARTITIONS\n";
        for (const broker::ConsumerGroupMember& member : description->members) {
          out << pad(group, 16) << pad(member.member_id, 50)
              << pad(member.host.empty() ? "/" : member.host, 16) << pad(member.client_id, 16)
              << member.assignment.size() << "\n";
        }
        continue;
      }
      if (description->members.empty() && !read_only) {
        err << "\nConsumer group '" << group << "' has no active members.\n";
      }
      // Every partition with a committed offset or an owner.
      std::map<broker::TopicPartition, const broker::ConsumerGroupMember*> owners;
      for (const auto& [where, offset] : *committed) owners[where] = nullptr;
      for (const broker::ConsumerGroupMember& member : description->members) {
        for (const broker::TopicPartition& where : member.assignment) owners[where] = &member;
      }
      out << "\n"
          << pad("GROUP", 16) << pad("TOPIC", 16) << pad("PARTITION", 11)
          << pad("CURRENT-OFFSET", 16) << pad("LOG-END-OFFSET", 16) << pad("LAG", 16)
          << pad("CONSUMER-ID", 50) << pad("HOST", 16) << "CLIENT-ID\n";
      for (const auto& [where, owner] : owners) {
        const auto current = committed->find(where);
        auto end = admin.list_offset(where, broker::kLatestOffset);
        const std::string end_text = end.ok() && *end ? std::to_string(**end) : "-";
        const std::string current_text =
            current == committed->end() ? "-" : std::to_string(current->second);
        const std::string lag = current != committed->end() && end.ok() && *end
                                    ? std::to_string(**end - current->second)
                                    : "-";
        out << pad(group, 16) << pad(where.topic, 16) << pad(std::to_string(where.partition), 11)
            << pad(current_text, 16) << pad(end_text, 16) << pad(lag, 16)
            << pad(owner ? owner->member_id : "-", 50)
            << pad(owner ? (owner->host.empty() ? "/" : owner->host) : "-", 16)
            << (owner ? owner->client_id : "-") << "\n";
      }
      continue;
    }
    // --reset-offsets
    auto scope = reset_scope(*line, admin, *committed);
    if (!scope.ok()) {
      err << "Error: " << scope.status().message() << "\n";
      return 2;
    }
    std::map<broker::TopicPartition, std::int64_t> targets;
    for (const broker::TopicPartition& where : *scope) {
      auto earliest = admin.list_offset(where, broker::kEarliestOffset);
      auto latest = admin.list_offset(where, broker::kLatestOffset);
      if (!earliest.ok() || !latest.ok()) {
        err << "Error: " << (earliest.ok() ? latest.status() : earliest.status()).message() << "\n";
        return 1;
      }
      const std::int64_t low = **earliest;
      const std::int64_t high = **latest;
      const auto current = committed->find(where);
      std::int64_t target = current == committed->end() ? high : current->second;
      if (line->has("to-earliest")) {
        target = low;
      } else if (line->has("to-latest")) {
        target = high;
      } else if (line->has("to-offset")) {
        target = *line->integer("to-offset", target);
      } else if (line->has("shift-by")) {
        target += *line->integer("shift-by", 0);
      } else if (line->has("to-datetime")) {
        auto at = admin.list_offset(where, *line->integer("to-datetime", 0));
        target = at.ok() && *at ? **at : high;
      } else if (!line->has("to-current")) {
        err << "Error: Option [reset-offsets] takes one of these options: [to-datetime], "
               "[by-duration], [to-earliest], [to-latest], [shift-by], [from-file], "
               "[to-current], [to-offset]\n";
        return 2;
      }
      // Kafka clamps a target outside the log to its ends.
      targets[where] = std::clamp(target, low, high);
    }
    if (line->has("execute")) {
      if (const Status status = admin.alter_group_offsets(group, targets); !status.ok()) {
        err << "Error: " << status.message() << "\n";
        return 1;
      }
    }
    out << "\n" << pad("GROUP", 30) << pad("TOPIC", 30) << pad("PARTITION", 10) << "NEW-OFFSET\n";
    for (const auto& [where, offset] : targets) {
      out << pad(group, 30) << pad(where.topic, 30) << pad(std::to_string(where.partition), 10)
          << offset << "\n";
    }
  }
  return exit_code;
}

}  // namespace ferry::app
