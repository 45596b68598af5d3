// Status and Result<T>: how every library function reports failure.
// Library code never exits, aborts or throws across its API; it returns one of these,
// and callers add context ("file.pth: conv1.weight: ...") as errors travel up.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace pt2tf {

enum class ErrorKind {
  kInvalidInput,  // the input file or graph is malformed or inconsistent
  kUnsupported,   // well-formed, but uses something we do not convert
  kUsage,         // bad command-line or option value
  kIo,            // the operating system refused a read or write
  kInternal,      // a bug in pt2tf
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // success
  Status(ErrorKind kind, std::string message) : error_(Error{kind, std::move(message)}) {}

  bool ok() const { return !error_.has_value(); }
  ErrorKind kind() const { return error_ ? error_->kind : ErrorKind::kInternal; }
  const std::string& message() const;

  // Returns a copy whose message is "context: message" (no-op on success).
  Status WithContext(std::string_view context) const;

 private:
  struct Error {
    ErrorKind kind;
    std::string message;
  };
  std::optional<Error> error_;
};

inline Status OkStatus() { return Status(); }
inline Status InvalidInput(std::string m) { return {ErrorKind::kInvalidInput, std::move(m)}; }
inline Status Unsupported(std::string m) { return {ErrorKind::kUnsupported, std::move(m)}; }
inline Status UsageError(std::string m) { return {ErrorKind::kUsage, std::move(m)}; }
inline Status IoError(std::string m) { return {ErrorKind::kIo, std::move(m)}; }
inline Status InternalError(std::string m) { return {ErrorKind::kInternal, std::move(m)}; }

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {
    assert(!std::get<Status>(state_).ok() && "Result built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(state_);
  }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace pt2tf

#define PT2TF_CONCAT_INNER(a, b) a##b
#define PT2TF_CONCAT(a, b) PT2TF_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function if `expr` failed.
#define PT2TF_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::pt2tf::Status pt2tf_status_ = (expr);        \
    if (!pt2tf_status_.ok()) return pt2tf_status_; \
  } while (0)

// `lhs = value of expr`, or return its Status from the enclosing function.
#define PT2TF_ASSIGN_OR_RETURN(lhs, expr)                  \
  auto PT2TF_CONCAT(pt2tf_result_, __LINE__) = (expr);     \
  if (!PT2TF_CONCAT(pt2tf_result_, __LINE__).ok())         \
    return PT2TF_CONCAT(pt2tf_result_, __LINE__).status(); \
  lhs = std::move(PT2TF_CONCAT(pt2tf_result_, __LINE__)).value()
