// Errors as values for Ferry's internal code (the SDK, which plugins see, keeps to the standard
// library and uses exceptions the way Kafka Connect authors expect).
//
// A Status names the reaction the caller should take, not what broke:
//   invalid_argument  reject the input (REST answers 400)
//   not_found         the thing asked for does not exist (REST 404)
//   out_of_range      a position outside what exists (an offset before the log start or past
//                     its end: Kafka's OFFSET_OUT_OF_RANGE)
//   too_large         the input is bigger than a configured limit (Kafka's RECORD_TOO_LARGE)
//   conflict          the request clashes with current state (REST 409)
//   retriable         back off and try the same call again
//   corruption        stored bytes are damaged: truncate and recover, or fail the partition
//   fatal             stop the task or process and report the trace
// Each layer that passes a Status up adds where it happened with with_context(), e.g.
//   "worker.properties:12: line continuation at end of file".
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace ferry {

class [[nodiscard]] Status {
 public:
  enum class Kind {
    kOk,
    kInvalidArgument,
    kNotFound,
    kOutOfRange,
    kTooLarge,
    kConflict,
    kRetriable,
    kCorruption,
    kFatal
  };

  Status() = default;

  static Status ok_status() { return Status(); }
  static Status invalid_argument(std::string message) {
    return Status(Kind::kInvalidArgument, std::move(message));
  }
  static Status not_found(std::string message) {
    return Status(Kind::kNotFound, std::move(message));
  }
  static Status out_of_range(std::string message) {
    return Status(Kind::kOutOfRange, std::move(message));
  }
  static Status too_large(std::string message) {
    return Status(Kind::kTooLarge, std::move(message));
  }
  static Status conflict(std::string message) {
    return Status(Kind::kConflict, std::move(message));
  }
  static Status retriable(std::string message) {
    return Status(Kind::kRetriable, std::move(message));
  }
  static Status corruption(std::string message) {
    return Status(Kind::kCorruption, std::move(message));
  }
  static Status fatal(std::string message) { return Status(Kind::kFatal, std::move(message)); }

  bool ok() const { return kind_ == Kind::kOk; }
  Kind kind() const { return kind_; }
  const std::string& message() const { return message_; }

  // Prefixes the message with where the error happened: "<where>: <message>".
  Status with_context(const std::string& where) const {
    if (ok()) return *this;
    return Status(kind_, where + ": " + message_);
  }

  friend bool operator==(const Status&, const Status&) = default;

 private:
  Status(Kind kind, std::string message) : kind_(kind), message_(std::move(message)) {}

  Kind kind_ = Kind::kOk;
  std::string message_;
};

// A value of T, or the Status that says why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : state_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(state_); }
  const Status& status() const {
    static const Status kOk;
    const Status* failure = std::get_if<Status>(&state_);
    return failure != nullptr ? *failure : kOk;
  }

  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace ferry
