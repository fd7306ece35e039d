#include "runtime/config/yaml_config_file.h"

#include <sstream>
#include <utility>
#include <vector>

#include <yaml-cpp/depthguard.h>  // YAML::DeepRecursion, not included by yaml.h
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "common/utf8.h"
#include "runtime/config/text_file.h"

namespace ferry::runtime {
namespace {

// Every visited node costs this much of the expansion budget even when it produces no key, so
// that aliases of empty maps cannot make the walk itself exponential.
constexpr std::size_t kNodeVisitCost = 32;
// What a key costs beyond its text: a node in each of PropertiesFile's two maps, with their
// string headers. The budget then tracks roughly the memory the result takes.
constexpr std::size_t kEntryCost = 256;

// yaml-cpp's marks are 0-based; a null mark (-1) comes with errors that have no position.
std::string at(const std::string& source, const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return source;
  return source + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

Status error_at(const std::string& source, const YAML::Mark& mark, const std::string& what) {
  return Status::invalid_argument(at(source, mark) + ": " + what);
}

const char* describe(YAML::NodeType::value type) {
  switch (type) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Null:
      return "null";
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

// Records where documents start and nothing else. It replaces YAML::LoadAll, which in yaml-cpp
// 0.7 loops forever, allocating until the process dies, when a document leaves a token unconsumed
// (a stray ',' at the top level, found by yaml_config_fuzzer): each round yields one more null
// document at the same place (jbeder/yaml-cpp#1040, fixed upstream by #1319 after 0.8.0). Asking
// for at most two documents bounds the loop, and two starting at the same place expose the bug.
class DocumentStarts final : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> marks;

  void OnDocumentStart(const YAML::Mark& mark) override { marks.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// Throws YAML::Exception on a syntax error, as YAML::Load would.
Status check_single_document(std::string_view text, const std::string& source) {
  std::istringstream stream{std::string(text)};
  YAML::Parser parser(stream);
  DocumentStarts documents;
  while (documents.marks.size() < 2 && parser.HandleNextDocument(documents)) {
  }
  if (documents.marks.size() < 2) return Status::ok_status();
  if (documents.marks[1].pos == documents.marks[0].pos) {
    return error_at(source, documents.marks[1], "not valid YAML here");
  }
  return error_at(source, documents.marks[1],
                  "a config file holds one YAML document, found another after the first");
}

// Walks the document tree and writes flattened keys into a PropertiesFile.
class Flattener {
 public:
  explicit Flattener(PropertiesFile& out) : out_(out) {}

  Status flatten_map(const YAML::Node& map, const std::string& prefix, int depth) {
    if (depth > kMaxYamlConfigDepth) {
      return error_at(out_.source, map.Mark(),
                      "maps nested deeper than " + std::to_string(kMaxYamlConfigDepth) +
                          " levels (an alias that refers to its own map?)");
    }
    // Not `it->first`: yaml-cpp's operator-> returns a temporary proxy, and a reference into it
    // dangles at the end of the statement. Range-for keeps the dereferenced pair alive.
    for (const auto& entry : map) {
      const YAML::Node& key_node = entry.first;
      const YAML::Node& value = entry.second;
      if (Status s = charge(kNodeVisitCost, key_node.Mark()); !s.ok()) return s;
      if (!key_node.IsScalar() || key_node.Scalar().empty()) {
        return error_at(out_.source, key_node.Mark(),
                        std::string("a key must be a non-empty scalar, found ") +
                            (key_node.IsScalar() ? "an empty string" : describe(key_node.Type())));
      }
      // yaml-cpp 0.7 does not implement merge keys; it would hand us a key literally named "<<"
      // and produce keys like "<<.tasks.max" that nothing reads.
      if (key_node.Scalar() == "<<" && key_node.Tag() == "?") {
        return error_at(out_.source, key_node.Mark(), "YAML merge keys (<<) are not supported");
      }
      const std::string key = prefix.empty() ? key_node.Scalar() : prefix + "." + key_node.Scalar();
      if (Status s = flatten_value(key, key_node.Mark(), value, depth); !s.ok()) return s;
    }
    return Status::ok_status();
  }

 private:
  Status flatten_value(const std::string& key, const YAML::Mark& key_mark, const YAML::Node& value,
                       int depth) {
    switch (value.Type()) {
      case YAML::NodeType::Map:
        return flatten_map(value, key, depth + 1);
      case YAML::NodeType::Sequence:
        return add(key, key_mark, join_sequence(value));
      case YAML::NodeType::Scalar:
        if (Status s = charge(value.Scalar().size(), key_mark); !s.ok()) return s;
        return add(key, key_mark, value.Scalar());
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return add(key, key_mark, std::string());
    }
    return Status::ok_status();
  }

  // Kafka's LIST type splits on ',' and has no escape, so an item holding a comma, or a nested
  // structure, cannot be written as a list value without changing its meaning.
  Result<std::string> join_sequence(const YAML::Node& sequence) {
    std::string joined;
    bool first = true;
    for (const YAML::Node& item : sequence) {
      if (Status s = charge(kNodeVisitCost, item.Mark()); !s.ok()) return s;
      if (item.IsMap() || item.IsSequence()) {
        return error_at(
            out_.source, item.Mark(),
            std::string("a list may hold only scalars, found ") + describe(item.Type()));
      }
      const std::string text = item.IsScalar() ? item.Scalar() : std::string();
      // Charged item by item: a list of aliases to one long scalar must be stopped before the
      // joined string is built, not after.
      if (Status s = charge(text.size(), item.Mark()); !s.ok()) return s;
      if (text.find(',') != std::string::npos) {
        return error_at(out_.source, item.Mark(),
                        "a list item contains ',', which would split it in two in the "
                        "comma-separated value");
      }
      if (!first) joined += ',';
      joined += text;
      first = false;
    }
    return joined;
  }

  // The value's text has been charged by the caller.
  Status add(const std::string& key, const YAML::Mark& key_mark, Result<std::string> value) {
    if (!value.ok()) return value.status();
    if (Status s = charge(kEntryCost + 2 * key.size(), key_mark); !s.ok()) return s;
    const int line = key_mark.line + 1;
    if (const auto first = out_.line_of_key.find(key); first != out_.line_of_key.end()) {
      return error_at(out_.source, key_mark,
                      "duplicate key '" + key + "' (first defined at line " +
                          std::to_string(first->second) + ")");
    }
    out_.line_of_key.emplace(key, line);
    out_.values.emplace(key, std::move(*value));
    return Status::ok_status();
  }

  Status charge(std::size_t cost, const YAML::Mark& mark) {
    if (cost > budget_) {
      return error_at(out_.source, mark,
                      "the config expands to more than " +
                          std::to_string(kMaxYamlConfigExpandedBytes / (1024 * 1024)) +
                          " MiB (aliases repeated too often?)");
    }
    budget_ -= cost;
    return Status::ok_status();
  }

  PropertiesFile& out_;
  std::size_t budget_ = kMaxYamlConfigExpandedBytes;
};

}  // namespace

Result<PropertiesFile> parse_yaml_config(std::string_view text, std::string source) {
  PropertiesFile file;
  file.source = std::move(source);
  // yaml-cpp passes invalid UTF-8 bytes through into scalars unchanged.
  if (const auto bad = find_invalid_utf8(text)) {
    const TextPosition position = position_of(text, *bad);
    return Status::invalid_argument(file.source + ":" + std::to_string(position.line) + ":" +
                                    std::to_string(position.column) + ": invalid UTF-8");
  }

  // Parsed twice, once for the document count and once into a tree: config files are small.
  YAML::Node root;
  try {
    if (Status s = check_single_document(text, file.source); !s.ok()) return s;
    root = YAML::Load(std::string(text));
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp says only "bad file" here.
    return error_at(file.source, e.mark, "nesting too deep for the YAML parser");
  } catch (const YAML::Exception& e) {
    return error_at(file.source, e.mark, e.msg);
  }
  if (root.IsNull()) return file;  // empty, only comments, or a lone null
  if (!root.IsMap()) {
    return error_at(
        file.source, root.Mark(),
        std::string("the top level must be a map of config keys, found ") + describe(root.Type()));
  }
  // The tree is walked through yaml-cpp's accessors, which throw on misuse; none is expected on a
  // tree yaml-cpp built itself, but a parser of untrusted text must not let one escape.
  try {
    if (Status s = Flattener(file).flatten_map(root, "", 1); !s.ok()) return s;
  } catch (const YAML::Exception& e) {
    return error_at(file.source, e.mark, e.msg);
  }
  return file;
}

Result<PropertiesFile> load_yaml_config_file(const std::filesystem::path& path) {
  Result<std::string> text = read_text_file(path);
  if (!text.ok()) return text.status();
  return parse_yaml_config(*text, path.string());
}

}  // namespace ferry::runtime
