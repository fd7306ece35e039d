#include "rest/listener.h"

#include <cctype>
#include <charconv>

namespace ferry::rest {
namespace {

Status bad_listener(std::string_view text, std::string_view problem) {
  return Status::invalid_argument("Invalid value " + std::string(text) +
                                  " for configuration listeners: " + std::string(problem));
}

}  // namespace

Result<Listener> parse_listener(std::string_view text) {
  Listener listener{std::string(text), false, {}, 0};
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    return bad_listener(text, "expected http://host:port");
  }
  std::string scheme(text.substr(0, scheme_end));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http" && scheme != "https") {
    return bad_listener(text, "the protocol must be http or https");
  }
  listener.https = scheme == "https";
  std::string_view rest = text.substr(scheme_end + 3);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  std::string_view port_text;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos || rest.substr(close + 1, 1) != ":") {
      return bad_listener(text, "expected http://[ipv6-address]:port");
    }
    listener.host = std::string(rest.substr(1, close - 1));
    port_text = rest.substr(close + 2);
  } else {
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) return bad_listener(text, "the port is missing");
    listener.host = std::string(rest.substr(0, colon));
    port_text = rest.substr(colon + 1);
  }
  unsigned port = 0;
  const auto [end, error] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || error != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return bad_listener(text, "the port must be a number from 0 to 65535");
  }
  listener.port = static_cast<std::uint16_t>(port);
  return listener;
}

Result<std::vector<Listener>> parse_listeners(const std::vector<std::string>& texts) {
  std::vector<Listener> listeners;
  for (const std::string& text : texts) {
    auto listener = parse_listener(text);
    if (!listener.ok()) return listener.status();
    listeners.push_back(std::move(*listener));
  }
  if (listeners.empty()) {
    return Status::invalid_argument("Invalid value for configuration listeners: no listener");
  }
  return listeners;
}

}  // namespace ferry::rest
