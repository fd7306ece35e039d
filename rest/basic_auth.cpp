#include "rest/basic_auth.h"

#include <array>
#include <cctype>
#include <fstream>
#include <optional>
#include <sstream>

#include "runtime/config/properties_file.h"

namespace ferry::rest {
namespace {

namespace http = boost::beast::http;

constexpr std::string_view kConnectSection = "KafkaConnect";
constexpr std::string_view kUnauthorizedBody = "User cannot access the resource.";

// JAAS ConfigFile tokens: words, quoted strings and the punctuation { } ; =.
struct Token {
  enum class Kind { kWord, kQuoted, kPunct, kEnd } kind;
  std::string text;
};

class JaasLexer {
 public:
  explicit JaasLexer(std::string_view text) : text_(text) {}

  Result<Token> next() {
    skip_blanks_and_comments();
    if (position_ >= text_.size()) return Token{Token::Kind::kEnd, {}};
    const char c = text_[position_];
    if (c == '{' || c == '}' || c == ';' || c == '=') {
      ++position_;
      return Token{Token::Kind::kPunct, std::string(1, c)};
    }
    if (c == '"' || c == '\'') {
      std::string value;
      for (++position_; position_ < text_.size() && text_[position_] != c; ++position_) {
        if (text_[position_] == '\\' && position_ + 1 < text_.size()) ++position_;
        value += text_[position_];
      }
      if (position_ >= text_.size()) return error("unterminated quoted value");
      ++position_;
      return Token{Token::Kind::kQuoted, std::move(value)};
    }
    std::string word;
    while (position_ < text_.size()) {
      const char w = text_[position_];
      if (std::isspace(static_cast<unsigned char>(w)) || w == '{' || w == '}' || w == ';' ||
          w == '=' || w == '"' || w == '\'') {
        break;
      }
      word += w;
      ++position_;
    }
    return Token{Token::Kind::kWord, std::move(word)};
  }

  Status error(std::string_view problem) const {
    return Status::invalid_argument(std::string(problem) + " at line " + std::to_string(line()));
  }

 private:
  void skip_blanks_and_comments() {
    while (position_ < text_.size()) {
      if (std::isspace(static_cast<unsigned char>(text_[position_]))) {
        ++position_;
      } else if (text_.substr(position_, 2) == "//" || text_[position_] == '#') {
        const auto end = text_.find('\n', position_);
        position_ = end == std::string_view::npos ? text_.size() : end;
      } else if (text_.substr(position_, 2) == "/*") {
        const auto end = text_.find("*/", position_ + 2);
        position_ = end == std::string_view::npos ? text_.size() : end + 2;
      } else {
        break;
      }
    }
  }
  int line() const {
    int line = 1;
    for (std::size_t i = 0; i < position_ && i < text_.size(); ++i) line += text_[i] == '\n';
    return line;
  }

  std::string_view text_;
  std::size_t position_ = 0;
};

std::optional<std::string> base64_decode(std::string_view text) {
  std::string decoded;
  unsigned buffer = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (const char c : text) {
    int value = -1;
    if (c >= 'A' && c <= 'Z') value = c - 'A';
    if (c >= 'a' && c <= 'z') value = c - 'a' + 26;
    if (c >= '0' && c <= '9') value = c - '0' + 52;
    if (c == '+') value = 62;
    if (c == '/') value = 63;
    if (c == '=') {
      ++padding;
      continue;
    }
    if (value < 0 || padding > 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      decoded += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  if (padding > 2) return std::nullopt;
  return decoded;
}

// Compares without returning early on the first difference, so the time taken says nothing about
// how much of a password was right.
bool same_secret(std::string_view a, std::string_view b) {
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return difference == 0;
}

// Kafka's JaasBasicAuthFilter lets requests between workers through without credentials:
// POST /connectors/{c}/tasks and PUT /connectors/{c}/fence (with an optional leading and trailing
// slash, as its patterns allow).
bool internal_request(const Request& request) {
  std::string_view path = request.target();
  path = path.substr(0, path.find('?'));
  if (path.starts_with('/')) path.remove_prefix(1);
  if (path.ends_with('/')) path.remove_suffix(1);
  if (!path.starts_with("connectors/")) return false;
  path.remove_prefix(std::string_view("connectors/").size());
  const auto slash = path.find('/');
  if (slash == 0 || slash == std::string_view::npos) return false;
  const std::string_view rest = path.substr(slash + 1);
  return (request.method() == http::verb::post && rest == "tasks") ||
         (request.method() == http::verb::put && rest == "fence");
}

Result<std::string> read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::invalid_argument("cannot read " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<std::vector<JaasLoginModule>> parse_jaas_section(std::string_view text,
                                                        std::string_view section,
                                                        std::string_view source) {
  JaasLexer lexer(text);
  const auto fail = [&](const Status& status) {
    return Status::invalid_argument(std::string(source) + ": " + status.message());
  };
  std::optional<std::vector<JaasLoginModule>> found;
  while (true) {
    auto name = lexer.next();
    if (!name.ok()) return fail(name.status());
    if (name->kind == Token::Kind::kEnd) break;
    if (name->kind != Token::Kind::kWord) return fail(lexer.error("expected a section name"));
    auto open = lexer.next();
    if (!open.ok()) return fail(open.status());
    if (open->text != "{") return fail(lexer.error("expected '{' after " + name->text));
    std::vector<JaasLoginModule> modules;
    while (true) {
      auto token = lexer.next();
      if (!token.ok()) return fail(token.status());
      if (token->kind == Token::Kind::kPunct && token->text == "}") break;
      if (token->kind != Token::Kind::kWord) {
        return fail(lexer.error("expected a login module class name"));
      }
      JaasLoginModule module{token->text, {}, {}};
      auto flag = lexer.next();
      if (!flag.ok()) return fail(flag.status());
      if (flag->kind != Token::Kind::kWord) return fail(lexer.error("expected a control flag"));
      module.flag = flag->text;
      while (true) {
        auto key = lexer.next();
        if (!key.ok()) return fail(key.status());
        if (key->kind == Token::Kind::kPunct && key->text == ";") break;
        if (key->kind != Token::Kind::kWord) return fail(lexer.error("expected an option or ';'"));
        auto equals = lexer.next();
        if (!equals.ok()) return fail(equals.status());
        if (equals->text != "=") return fail(lexer.error("expected '=' after " + key->text));
        auto value = lexer.next();
        if (!value.ok()) return fail(value.status());
        if (value->kind != Token::Kind::kWord && value->kind != Token::Kind::kQuoted) {
          return fail(lexer.error("expected a value for " + key->text));
        }
        module.options[key->text] = value->text;
      }
      modules.push_back(std::move(module));
    }
    auto semicolon = lexer.next();
    if (!semicolon.ok()) return fail(semicolon.status());
    if (semicolon->text != ";") return fail(lexer.error("expected ';' after the section's '}'"));
    if (name->text == section) found = std::move(modules);
  }
  if (!found) {
    return Status::not_found(std::string(source) + ": no " + std::string(section) + " section");
  }
  return std::move(*found);
}

Result<std::unique_ptr<BasicAuthenticator>> BasicAuthenticator::from_jaas_file(
    const std::filesystem::path& jaas_file) {
  auto text = read_file(jaas_file);
  if (!text.ok()) return Status::invalid_argument("JAAS file: " + text.status().message());
  auto modules = parse_jaas_section(*text, kConnectSection, jaas_file.string());
  if (!modules.ok()) return Status::invalid_argument(modules.status().message());
  if (modules->size() != 1 || (*modules)[0].class_name != kPropertyFileLoginModule) {
    return Status::invalid_argument(
        jaas_file.string() + ": the KafkaConnect section must hold exactly one login module, " +
        std::string(kPropertyFileLoginModule) + " (the one Ferry provides)");
  }
  const auto file = (*modules)[0].options.find("file");
  if (file == (*modules)[0].options.end() || file->second.empty()) {
    return Status::invalid_argument(jaas_file.string() +
                                    ": PropertyFileLoginModule needs file=\"<credentials file>\"");
  }
  auto credentials = runtime::load_properties_file(file->second);
  if (!credentials.ok()) {
    return Status::invalid_argument("Basic authentication credentials: " +
                                    credentials.status().message());
  }
  if (credentials->values.empty()) {
    return Status::invalid_argument(
        "Basic authentication credentials: " + file->second +
        " holds no user (Kafka would let every request in; Ferry refuses to start)");
  }
  return std::make_unique<BasicAuthenticator>(std::move(credentials->values));
}

bool BasicAuthenticator::allows(const Request& request) const {
  if (internal_request(request)) return true;
  const auto header = request.find(http::field::authorization);
  if (header == request.end()) return false;
  const std::string_view value = header->value();
  const auto space = value.find(' ');
  if (space == std::string_view::npos || space == 0) return false;
  if (!boost::beast::iequals(value.substr(0, space), "basic")) return false;
  const auto credentials = base64_decode(value.substr(space + 1));
  if (!credentials) return false;
  const auto colon = credentials->find(':');
  if (colon == std::string::npos || colon == 0) return false;
  const auto user = passwords_by_user_.find(credentials->substr(0, colon));
  if (user == passwords_by_user_.end()) return false;
  return same_secret(std::string_view(*credentials).substr(colon + 1), user->second);
}

Response BasicAuthenticator::handle(const Request& request, const HttpServer::Handler& next) const {
  if (allows(request)) return next(request);
  Response response{http::status::unauthorized, request.version()};
  response.set(http::field::www_authenticate, "Basic realm=\"KafkaConnect\", charset=\"UTF-8\"");
  response.set(http::field::content_type, "text/plain");
  response.body() = std::string(kUnauthorizedBody);
  response.prepare_payload();
  return response;
}

}  // namespace ferry::rest
