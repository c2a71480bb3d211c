// Text forms of errors.
#include "connector/core/result.h"

namespace mahnwerk::core {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidInput:
      return "invalid input";
    case ErrorKind::kNotFound:
      return "not found";
    case ErrorKind::kUnauthorized:
      return "unauthorized";
    case ErrorKind::kConflict:
      return "conflict";
    case ErrorKind::kUnavailable:
      return "unavailable";
    case ErrorKind::kBadConfig:
      return "bad configuration";
    case ErrorKind::kInternal:
      return "internal error";
  }
  return "internal error";
}

std::string Error::to_string() const {
  if (context.empty()) return message;
  return context + ": " + message;
}

Error Error::within(std::string_view outer) const {
  Error e = *this;
  if (e.context.empty()) {
    e.context = std::string(outer);
  } else if (!outer.empty()) {
    e.context = std::string(outer) + ", " + e.context;
  }
  return e;
}

}  // namespace mahnwerk::core
