#include "broker/protocol/message_schema.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <utility>

namespace ferry::broker::protocol {

extern const std::string_view kMessageDefinitions;

namespace {

// A table line: its indentation level and its words.
struct Line {
  int number = 0;
  int level = 0;
  std::vector<std::string_view> words;
};

[[noreturn]] void table_error(int line, const std::string& what) {
  throw std::logic_error("message definitions line " + std::to_string(line) + ": " + what);
}

std::vector<Line> split_lines(std::string_view text) {
  std::vector<Line> lines;
  int number = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++number;
    std::size_t indent = 0;
    while (indent < line.size() && line[indent] == ' ') ++indent;
    line.remove_prefix(indent);
    if (line.empty() || line.front() == '#') continue;
    if (indent % 2 != 0) table_error(number, "odd indentation");
    Line parsed{number, static_cast<int>(indent / 2), {}};
    while (!line.empty()) {
      const auto space = line.find(' ');
      parsed.words.push_back(line.substr(0, space));
      line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    }
    lines.push_back(std::move(parsed));
  }
  return lines;
}

std::int64_t parse_integer(int line, std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    table_error(line, "not an integer: " + std::string(text));
  }
  return value;
}

// "3", "3-7" or "3+".
VersionRange parse_range(int line, std::string_view text) {
  if (text.ends_with('+')) {
    return {static_cast<std::int16_t>(parse_integer(line, text.substr(0, text.size() - 1))),
            kMaxVersion};
  }
  if (const auto dash = text.find('-'); dash != std::string_view::npos) {
    return {static_cast<std::int16_t>(parse_integer(line, text.substr(0, dash))),
            static_cast<std::int16_t>(parse_integer(line, text.substr(dash + 1)))};
  }
  const auto version = static_cast<std::int16_t>(parse_integer(line, text));
  return {version, version};
}

FieldType parse_type(int line, std::string_view text) {
  static const std::pair<std::string_view, FieldType> kTypes[] = {
      {"bool", FieldType::kBool},          {"int8", FieldType::kInt8},
      {"int16", FieldType::kInt16},        {"int32", FieldType::kInt32},
      {"int64", FieldType::kInt64},        {"uuid", FieldType::kUuid},
      {"string", FieldType::kString},      {"bytes", FieldType::kBytes},
      {"records", FieldType::kRecords},    {"[]int32", FieldType::kInt32Array},
      {"[]int64", FieldType::kInt64Array}, {"[]string", FieldType::kStringArray},
      {"[]", FieldType::kStructArray},     {"{}", FieldType::kStruct},
  };
  for (const auto& [name, type] : kTypes) {
    if (name == text) return type;
  }
  table_error(line, "unknown type " + std::string(text));
}

// Parses the fields at `level` starting at lines[at] into def, advancing at.
void parse_fields(const std::vector<Line>& lines, std::size_t& at, int level, StructDef& def) {
  while (at < lines.size() && lines[at].level == level) {
    const Line& line = lines[at++];
    if (line.words.size() < 3) table_error(line.number, "a field needs a name, type and range");
    FieldDef field;
    field.name = std::string(line.words[0]);
    field.type = parse_type(line.number, line.words[1]);
    field.versions = parse_range(line.number, line.words[2]);
    for (std::size_t i = 3; i < line.words.size(); ++i) {
      const std::string_view option = line.words[i];
      if (option.starts_with("null=")) {
        field.nullable = parse_range(line.number, option.substr(5));
      } else if (option.starts_with("tag=")) {
        field.tag = static_cast<std::int32_t>(parse_integer(line.number, option.substr(4)));
      } else if (option == "default=null") {
        field.default_null = true;
      } else if (option.starts_with("default=")) {
        field.default_integer = parse_integer(line.number, option.substr(8));
      } else {
        table_error(line.number, "unknown option " + std::string(option));
      }
    }
    if (field.type == FieldType::kStructArray || field.type == FieldType::kStruct) {
      field.fields = std::make_unique<StructDef>();
      field.fields->name = def.name + "." + field.name;
      parse_fields(lines, at, level + 1, *field.fields);
      if (field.fields->fields.empty()) table_error(line.number, "a struct without fields");
    }
    def.fields.push_back(std::move(field));
  }
  if (at < lines.size() && lines[at].level > level) {
    table_error(lines[at].number, "unexpected indentation");
  }
}

std::vector<ApiDef> parse_definitions(std::string_view text) {
  const std::vector<Line> lines = split_lines(text);
  std::vector<ApiDef> apis;
  std::size_t at = 0;
  while (at < lines.size()) {
    const Line& header = lines[at++];
    if (header.level != 0 || header.words.size() < 3 || !header.words[2].starts_with("versions=")) {
      table_error(header.number, "expected '<Name> <key> versions=<range>'");
    }
    ApiDef api;
    api.name = std::string(header.words[0]);
    api.key = static_cast<std::int16_t>(parse_integer(header.number, header.words[1]));
    api.versions = parse_range(header.number, header.words[2].substr(9));
    api.flexible_from = kMaxVersion;
    if (header.words.size() > 3) {
      if (!header.words[3].starts_with("flexible=")) table_error(header.number, "bad option");
      api.flexible_from = parse_range(header.number, header.words[3].substr(9)).min;
    }
    for (StructDef* message : {&api.request, &api.response}) {
      const bool request = message == &api.request;
      if (at >= lines.size() || lines[at].level != 0 ||
          lines[at].words != std::vector<std::string_view>{request ? "request" : "response"}) {
        table_error(at < lines.size() ? lines[at].number : header.number,
                    std::string("expected '") + (request ? "request" : "response") + "'");
      }
      ++at;
      message->name = api.name + (request ? "Request" : "Response");
      parse_fields(lines, at, 1, *message);
    }
    apis.push_back(std::move(api));
  }
  std::sort(apis.begin(), apis.end(),
            [](const ApiDef& a, const ApiDef& b) { return a.key < b.key; });
  return apis;
}

}  // namespace

std::size_t StructDef::index_of(std::string_view field_name) const {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == field_name) return i;
  }
  throw std::logic_error(name + " has no field " + std::string(field_name));
}

std::span<const ApiDef> api_definitions() {
  static const std::vector<ApiDef> apis = parse_definitions(kMessageDefinitions);
  return apis;
}

const ApiDef* find_api(std::int16_t key) {
  for (const ApiDef& api : api_definitions()) {
    if (api.key == key) return &api;
  }
  return nullptr;
}

}  // namespace ferry::broker::protocol
