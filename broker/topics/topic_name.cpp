#include "broker/topics/topic_name.h"

namespace ferry::broker {

Status validate_topic_name(std::string_view name) {
  if (name.empty()) return Status::invalid_argument("Topic name is illegal, it can't be empty");
  if (name == "." || name == "..") {
    return Status::invalid_argument("Topic name cannot be \".\" or \"..\"");
  }
  if (name.size() > kMaxTopicNameLength) {
    return Status::invalid_argument("Topic name is illegal, it can't be longer than " +
                                    std::to_string(kMaxTopicNameLength) +
                                    " characters, topic name: " + std::string(name));
  }
  for (const char c : name) {
    const bool legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '_' || c == '-';
    if (!legal) {
      return Status::invalid_argument(
          "Topic name \"" + std::string(name) +
          "\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and "
          "'-'");
    }
  }
  return Status::ok_status();
}

std::string unify_collision_chars(std::string_view name) {
  std::string unified(name);
  for (char& c : unified) {
    if (c == '.') c = '_';
  }
  return unified;
}

bool is_internal_topic(std::string_view name) {
  return name == "__consumer_offsets" || name == "__transaction_state";
}

}  // namespace ferry::broker
