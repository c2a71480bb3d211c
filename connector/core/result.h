// Result<T>: a value or a classified error. Used at every parse, I/O and network boundary;
// exceptions are reserved for bugs and start-up failure (STYLE.md).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace mahnwerk::core {

// What kind of failure, so callers (and the CLI's exit codes) can react without parsing text.
enum class ErrorKind {
  kInvalidInput,  // the data is wrong: malformed file, bad field, negative amount
  kNotFound,      // a named thing does not exist: file, item, tenant
  kUnauthorized,  // credentials missing, expired or refused
  kConflict,      // the remote or stored state changed underneath us
  kUnavailable,   // temporary: retry later
  kBadConfig,     // the configuration (office file, policy, rate table) is wrong
  kInternal,      // a bug or an impossible state
};

std::string_view to_string(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string message;  // what is wrong, naming the field and the offending value
  std::string context;  // where: "file.json, items[3].amount" or "line 17, column 11"

  // "context: message", or just the message without context.
  std::string to_string() const;
  // A copy with `outer` put in front of the context ("STATE.json" + "items[3]").
  Error within(std::string_view outer) const;
};

inline Error invalid_input(std::string message, std::string context = {}) {
  return Error{ErrorKind::kInvalidInput, std::move(message), std::move(context)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !ok()
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result of an operation that yields nothing but may fail.
struct Ok {};
using Status = Result<Ok>;

}  // namespace mahnwerk::core

// Assigns the value of a Result expression to `target`, or returns its error from the enclosing
// function (which must return a Result or Status). The one macro of the project, as in abseil.
#define MW_ASSIGN_OR_RETURN(target, expr)       \
  do {                                          \
    auto mw_result_ = (expr);                   \
    if (!mw_result_) return mw_result_.error(); \
    target = std::move(mw_result_).value();     \
  } while (false)
