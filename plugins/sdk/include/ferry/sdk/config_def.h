// ConfigDef: the table of configuration keys a connector, task, converter or transform accepts,
// and the one place parsing, validation, the REST `validate` answer, the REST plugin-config
// listing, masking of secrets and the docs all come from. It mirrors Kafka's
// org.apache.kafka.common.config.ConfigDef (with ConfigValue, types.Password) and AbstractConfig
// (here ParsedConfig), with the same rules and the same message texts, so a plugin author and a
// REST client see what they would see from Kafka Connect 3.9:
//
//   ConfigDef def = ConfigDef()
//       .define({.name = "topic", .type = ConfigType::kString,  // no default: required
//                .validator = NonEmptyString(), .importance = Importance::kHigh,
//                .documentation = "The topic to publish data to"})
//       .define({.name = "batch.size", .type = ConfigType::kInt, .default_value = 2000,
//                .validator = Range::at_least(1), .importance = Importance::kLow,
//                .documentation = "The maximum number of records to return per poll"});
//   ParsedConfig config = def.parse(props);      // throws ConfigException naming every problem
//   int batch_size = config.get_int("batch.size");
//   std::vector<ConfigValue> report = def.validate(props);  // never throws for bad values
//
// Values are parsed once into a typed ParsedValue. Strings are parsed as Kafka's parseType does:
// values are trimmed (Java String.trim: every char <= ' ') for every type, PASSWORD included;
// BOOLEAN is "true"/"false" in any case; INT, SHORT and LONG are decimal integers within the Java
// range (int32, int16, int64); DOUBLE is Java's Double.parseDouble grammar; LIST splits on commas
// and trims around each comma, and the empty string is the empty list; CLASS is the class name
// as a string (loading it is the plugin loader's business, so "Class ... could not be found." is
// never produced here).
//
// Secrets: PASSWORD values live in a Password, whose every printer says "[hidden]"; the secret
// is reachable only through Password::value(). Everything here that renders a value (validate
// results, ParsedConfig::to_string, masked(), error messages of validators) therefore hides it.
//
// Thread-safety: a ConfigDef is built (define, embed) by one thread and is immutable afterwards;
// its const members may then be called from any number of threads at once, provided the
// validators and recommenders it holds are themselves safe to call concurrently (the ones in
// this header are). ConfigKey, ParsedValue, ConfigValue and ParsedConfig are plain values.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace ferry::sdk {

// The same alias converter.h declares: the string properties a plugin is configured with.
using ConfigMap = std::map<std::string, std::string>;

enum class ConfigType { kBoolean, kString, kInt, kShort, kLong, kDouble, kList, kClass, kPassword };
enum class Importance { kHigh, kMedium, kLow };
enum class Width { kNone, kShort, kMedium, kLong };

// Kafka's upper-case names, as REST shows them: "BOOLEAN", ...; "HIGH", ...; "NONE", ...
std::string_view type_name(ConfigType type);
std::string_view importance_name(Importance importance);
std::string_view width_name(Width width);

// A secret (Kafka's types.Password). Printing it in any way gives "[hidden]"; the secret itself
// comes only from value(), so a secret in a log line is always a deliberate call.
class Password {
 public:
  static constexpr std::string_view kHidden = "[hidden]";

  Password() = default;
  explicit Password(std::string value) : value_(std::move(value)) {}

  const std::string& value() const { return value_; }

  friend bool operator==(const Password& a, const Password& b) = default;

 private:
  std::string value_;
};

std::string to_string(const Password& password);  // always "[hidden]"
std::ostream& operator<<(std::ostream& out, const Password& password);

// A parsed configuration value. The alternative follows the key's type:
//   nullptr                   null (a null default, or a value that did not parse)
//   bool                      BOOLEAN
//   std::int16_t              SHORT (a distinct alternative, so the range is Java's short)
//   std::int32_t              INT
//   std::int64_t              LONG
//   double                    DOUBLE
//   std::string               STRING, and CLASS (the class name)
//   std::vector<std::string>  LIST
//   Password                  PASSWORD
using ParsedValue = std::variant<std::nullptr_t, bool, std::int16_t, std::int32_t, std::int64_t,
                                 double, std::string, std::vector<std::string>, Password>;

// Kafka's ConfigDef.convertToString: the string REST shows for a value. null is nullopt, lists are
// comma-joined without spaces, doubles are written as Java writes them ("1.0", "1.0E10"),
// passwords are "[hidden]".
std::optional<std::string> convert_to_string(const ParsedValue& value);

// The value as Java's toString renders it, used in "Invalid value <v> ..." messages and printers:
// null is "null", a list is "[a, b]", a password "[hidden]".
std::string display_string(const ParsedValue& value);

// Kafka's ConfigException. SDK code throws it (plugin authors expect to, as in Kafka Connect);
// ConfigDef::validate catches it and reports the message per key instead.
class ConfigException : public std::runtime_error {
 public:
  explicit ConfigException(const std::string& message);
  // "Invalid value <value> for configuration <name>: <reason>", Kafka's three-argument form.
  ConfigException(std::string_view name, const ParsedValue& value, std::string_view reason);
  // Every problem found, in definition order; the message joins them with "; ". A single problem
  // is the message itself.
  explicit ConfigException(std::vector<std::string> errors);

  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::vector<std::string> errors_;
};

// Checks one key's parsed value; Kafka's ConfigDef.Validator. It is called with nullptr when the
// key is missing or did not parse, as Kafka does, so Range and ValidString then add their own
// error ("Value must be non-null", "String must be one of: ...") to the parse error.
//
// A custom validator is any callable (std::string_view name, const ParsedValue& value) that
// either returns std::optional<std::string> (a reason; the SDK writes Kafka's "Invalid value <v>
// for configuration <name>: <reason>" around it) or returns void and throws ConfigException with
// the whole message. The description is what the docs show under "Valid Values".
class Validator {
 public:
  using Check = std::function<void(std::string_view name, const ParsedValue& value)>;

  Validator() = default;
  template <typename F>
  requires(!std::derived_from<std::remove_cvref_t<F>, Validator> &&
           std::invocable<const F&, std::string_view, const ParsedValue&>)
      Validator(F check, std::string description = "")  // NOLINT: implicit, so lambdas read well
      : check_(wrap(std::move(check))), description_(std::move(description)) {}

  explicit operator bool() const { return static_cast<bool>(check_); }
  // Throws ConfigException when the value is invalid; does nothing for an empty Validator.
  void ensure_valid(std::string_view name, const ParsedValue& value) const;
  const std::string& description() const { return description_; }

 private:
  template <typename F>
  static Check wrap(F check) {
    using Result = std::invoke_result_t<const F&, std::string_view, const ParsedValue&>;
    if constexpr (std::is_void_v<Result>) {
      return Check(std::move(check));
    } else {
      return [check = std::move(check)](std::string_view name, const ParsedValue& value) {
        std::optional<std::string> reason = check(name, value);
        if (reason) throw ConfigException(name, value, *reason);
      };
    }
  }

  Check check_;
  std::string description_;
};

// The Kafka validators. Each is a Validator (no extra state, so storing one as a Validator
// loses nothing) built by Kafka's factory names.
class Range : public Validator {
 public:
  // Bounds are inclusive and printed as Java prints the number given (1, 0.5, 1.0).
  template <typename T>
  requires std::is_arithmetic_v<T>
  static Range at_least(T min) { return Range(bound(min), std::nullopt); }
  template <typename T, typename U>
  requires std::is_arithmetic_v<T> && std::is_arithmetic_v<U>
  static Range between(T min, U max) { return Range(bound(min), bound(max)); }

 private:
  using Bound = std::variant<std::int64_t, double>;
  template <typename T>
  static Bound bound(T n) {
    if constexpr (std::is_floating_point_v<T>) {
      return static_cast<double>(n);
    } else {
      return static_cast<std::int64_t>(n);
    }
  }
  Range(std::optional<Bound> min, std::optional<Bound> max);
};

class ValidString : public Validator {
 public:
  static ValidString in(std::vector<std::string> valid);

 private:
  explicit ValidString(Validator base) : Validator(std::move(base)) {}
};

class CaseInsensitiveValidString : public Validator {
 public:
  static CaseInsensitiveValidString in(std::vector<std::string> valid);

 private:
  explicit CaseInsensitiveValidString(Validator base) : Validator(std::move(base)) {}
};

// Kafka 3.9's ValidList: every element must be one of the valid strings. A null list passes
// (Kafka 3.9 throws NullPointerException there).
class ValidList : public Validator {
 public:
  static ValidList in(std::vector<std::string> valid);

 private:
  explicit ValidList(Validator base) : Validator(std::move(base)) {}
};

class NonEmptyString : public Validator {
 public:
  NonEmptyString();
};

// Used for the connector "name": non-empty and without ISO control characters (U+0000-U+001F,
// U+007F-U+009F).
class NonEmptyStringWithoutControlChars : public Validator {
 public:
  NonEmptyStringWithoutControlChars();
};

class NonNullValidator : public Validator {
 public:
  NonNullValidator();
};

// Runs the validators in order and stops at the first failure, as Kafka's CompositeValidator.
class CompositeValidator : public Validator {
 public:
  static CompositeValidator of(std::vector<Validator> validators);

 private:
  explicit CompositeValidator(Validator base) : Validator(std::move(base)) {}
};

// Parsed values of the keys a validate pass has seen, by name; what a Recommender decides from.
using ParsedValues = std::map<std::string, ParsedValue, std::less<>>;

// Kafka's ConfigDef.Recommender: the values to offer and whether to show a key, given the others.
// Either function may be empty (no recommendations; always visible) and may throw
// ConfigException, which validate reports as an error of the key.
struct Recommender {
  std::function<std::vector<ParsedValue>(std::string_view name, const ParsedValues& parsed)>
      valid_values;
  std::function<bool(std::string_view name, const ParsedValues& parsed)> visible;

  explicit operator bool() const { return valid_values || visible; }
};

// One key of the table, Kafka's ConfigDef.ConfigKey, meant to be written with designated
// initializers (see the top of this file); the members are in Kafka's define(...) order.
struct ConfigKey {
  std::string name;
  ConfigType type = ConfigType::kString;
  // nullopt: required (Kafka's NO_DEFAULT_VALUE). nullptr: the default is null. A std::string
  // is parsed as a property value would be ("1" for an INT); other values must fit the type and
  // are converted to its alternative (an int literal for LONG becomes std::int64_t).
  std::optional<ParsedValue> default_value;
  Validator validator;
  Importance importance = Importance::kMedium;
  std::string documentation;
  std::optional<std::string> group;  // REST shows null when unset
  int order_in_group = -1;
  Width width = Width::kNone;
  std::string display_name;  // empty: the name, as Kafka's short define overloads do
  std::vector<std::string> dependents;
  Recommender recommender;
  bool internal = false;  // left out of the docs

  bool has_default() const { return default_value.has_value(); }
};

// What REST's ConfigKeyInfo.default_value shows: nullopt (JSON null) for a required key or a null
// default; otherwise convert_to_string of the default ("a,b" for lists, "[hidden]" for passwords).
std::optional<std::string> default_value_string(const ConfigKey& key);

// One key's validation result, Kafka's ConfigValue; exactly REST's ConfigValueInfo.
struct ConfigValue {
  std::string name;
  ParsedValue parsed;                // the parsed value, the default, or nullptr
  std::optional<std::string> value;  // convert_to_string(parsed): what REST shows
  std::vector<std::string> recommended_values;
  std::vector<std::string> errors;  // every problem, in the order found
  bool visible = true;

  friend bool operator==(const ConfigValue&, const ConfigValue&) = default;
};

std::string to_string(const ConfigValue& value);  // Kafka's "[name,value,[..],[..],visible]"
std::ostream& operator<<(std::ostream& out, const ConfigValue& value);

// ConfigInfos.error_count: the number of error strings over all keys.
std::size_t error_count(const std::vector<ConfigValue>& values);

class ParsedConfig;

class ConfigDef {
 public:
  // Adds a key. Throws ConfigException when the name is taken ("Configuration <name> is defined
  // twice."), when the default does not fit the type, or when the validator rejects the default.
  ConfigDef& define(ConfigKey key) &;
  ConfigDef&& define(ConfigKey key) &&;

  // Kafka's embed, used for transforms and predicates: defines each key of child (in Kafka's docs
  // order: required first, then by importance, then by name) as key_prefix + name in group
  // group_prefix (+ ": " + its own group), numbered from starting_order. Validators see the
  // name without the prefix, as in Kafka, so messages name the transform's own key.
  ConfigDef& embed(std::string_view key_prefix, std::string_view group_prefix, int starting_order,
                   const ConfigDef& child) &;
  ConfigDef&& embed(std::string_view key_prefix, std::string_view group_prefix, int starting_order,
                    const ConfigDef& child) &&;

  // The keys of *this, then the keys of later that *this does not define. For the REST plugin
  // config listing (Kafka 3.5+, KAFKA-14843) it is plugin_def.merged_with(framework_def).
  ConfigDef merged_with(const ConfigDef& later) const;

  const std::vector<ConfigKey>& keys() const { return keys_; }        // in definition order
  const std::vector<std::string>& groups() const { return groups_; }  // distinct, first seen
  std::vector<std::string> names() const;
  const ConfigKey* find(std::string_view name) const;  // nullptr when not defined

  // Validates every key and never throws for bad values: one ConfigValue per key in definition
  // order, each carrying all its errors (parse error, missing value, validator, recommender),
  // then one per dependent named but not defined ("<name> is referred in the dependents, but not
  // defined.", not visible). Keys in props that are not defined are ignored.
  std::vector<ConfigValue> validate(const ConfigMap& props) const;

  // Parses every key (default when absent) and keeps props as the originals. Throws one
  // ConfigException listing every problem validate would report.
  ParsedConfig parse(const ConfigMap& props) const;

  // props with the value of every PASSWORD key replaced by "[hidden]"; for logging props.
  ConfigMap masked(const ConfigMap& props) const;

  // Kafka's toRst: every non-internal key, required first, then by importance, then by name.
  std::string to_rst() const;

 private:
  std::vector<ConfigKey> keys_;
  std::map<std::string, std::size_t, std::less<>> index_;
  std::vector<std::string> groups_;
};

// The parsed configuration, Kafka's AbstractConfig: a typed value for every defined key (its
// default when absent) plus the original props, unknown keys included. A getter throws
// ConfigException for a name that is not defined ("Unknown configuration '<name>'"), for a key
// of another type, and for a null value (check is_null first where null is allowed).
// Kafka's originalsWithPrefix on a plain map: the keys that start with prefix and are longer than
// it, with the prefix removed when strip is set ("key.converter.schemas.enable" ->
// "schemas.enable" for prefix "key.converter.").
ConfigMap originals_with_prefix(const ConfigMap& props, std::string_view prefix, bool strip = true);

class ParsedConfig {
 public:
  const ConfigDef& definition() const { return definition_; }
  const ParsedValues& values() const { return values_; }
  const ParsedValue& get(std::string_view name) const;
  bool is_null(std::string_view name) const;

  bool get_bool(std::string_view name) const;
  std::int16_t get_short(std::string_view name) const;
  std::int32_t get_int(std::string_view name) const;
  std::int64_t get_long(std::string_view name) const;
  double get_double(std::string_view name) const;
  const std::string& get_string(std::string_view name) const;
  const std::vector<std::string>& get_list(std::string_view name) const;
  const Password& get_password(std::string_view name) const;
  const std::string& get_class(std::string_view name) const;  // the class name

  const ConfigMap& originals() const { return originals_; }
  // The originals whose key starts with prefix and is longer than it, with the prefix removed
  // when strip is set: originals_with_prefix("key.converter.") is the key converter's config.
  ConfigMap originals_with_prefix(std::string_view prefix, bool strip = true) const;
  // Kafka's valuesWithPrefixOverride: these values, with each defined key overridden by
  // <prefix><key> from the originals when present. Throws ConfigException for bad overrides.
  ParsedConfig values_with_prefix_override(std::string_view prefix) const;
  // originals() through ConfigDef::masked.
  ConfigMap masked_originals() const { return definition_.masked(originals_); }

 private:
  friend class ConfigDef;
  ParsedConfig(ConfigDef definition, ParsedValues values, ConfigMap originals)
      : definition_(std::move(definition)),
        values_(std::move(values)),
        originals_(std::move(originals)) {}

  const ParsedValue& typed(std::string_view name, ConfigType type) const;

  ConfigDef definition_;
  ParsedValues values_;
  ConfigMap originals_;
};

// One "\t<name> = <value>\n" line per defined key, sorted by name, as AbstractConfig logs its
// values; passwords are "[hidden]".
std::string to_string(const ParsedConfig& config);
std::ostream& operator<<(std::ostream& out, const ParsedConfig& config);

}  // namespace ferry::sdk
