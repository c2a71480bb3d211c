// How a failed request is classified and explained: the error classes the REST engine acts on,
// a remote system's error envelope (JSON pointers to its message fields), status rules for
// systems that disguise one class as another, and Retry-After.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/http/types.h"
#include "connector/core/result.h"

namespace mahnwerk::http {

enum class ErrorClass {
  kRetryable,    // may pass later: 408, 5xx, connect failures, timeouts, broken responses
  kRateLimited,  // 429 (or a rule's disguised form): wait as told, then retry
  kAuth,         // 401, 403: the credential is missing, expired or refused
  kInvalid,      // other 4xx, a body over the limit, too many redirects: retrying cannot help
  kConflict,     // 409, 412: the remote state changed underneath us
  kNotFound,     // 404, 410
  kTls,          // the server could not be authenticated (certificate, host name, protocol)
};
std::string_view to_string(ErrorClass error_class);  // "retryable", "rate-limited", ...
// kRetryable and kRateLimited -> kUnavailable, kAuth and kTls -> kUnauthorized, kInvalid ->
// kInvalidInput, kConflict -> kConflict, kNotFound -> kNotFound.
core::ErrorKind error_kind(ErrorClass error_class);

// The class of an HTTP status >= 300 without rules (see ErrorClass).
ErrorClass classify_status(int status);
// The class of a failure below HTTP.
ErrorClass classify_failure(Failure failure);

// A remote system's error conventions, configured by its mapping.
class ErrorPolicy {
 public:
  // A status whose body contains `body_contains` (empty: any body) is of class `as`:
  // lexoffice's {"message":"Internal server error or rate limit exceeded"} 500 is rate-limited.
  struct Rule {
    int status = 0;
    std::string body_contains;
    ErrorClass as = ErrorClass::kRetryable;
  };

  // JSON pointers (RFC 6901) to the message fields of the error body, tried in order; a "*"
  // segment stands for every element of an array ("/details/*/message"). Every string found
  // joins the message; numbers are kept as their text.
  ErrorPolicy(std::vector<std::string> message_pointers, std::vector<Rule> rules = {});

  ErrorClass classify(int status, std::string_view body) const;
  // The message fields of `body` joined with "; ", at most `max_chars` characters; empty when
  // the body is not JSON or none of the pointers match.
  std::string message(std::string_view body, std::size_t max_chars = 600) const;

 private:
  std::vector<std::vector<std::string>> pointers_;  // split and unescaped segments
  std::vector<Rule> rules_;
};

// Retry-After as delta-seconds ("120") or HTTP-date ("Sun, 06 Nov 1994 08:49:37 GMT", also the
// obsolete RFC 850 and asctime forms), as a wait from `now` (a date in the past is 0).
// nullopt when the value is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::sys_time<std::chrono::milliseconds> now);

// A request that failed for good, after the retries its policy allowed.
struct HttpError {
  ErrorClass error_class = ErrorClass::kRetryable;
  int status = 0;                    // the last HTTP status; 0 when no response came
  Failure failure = Failure::kNone;  // the last failure below HTTP
  std::string endpoint;              // "POST https://api.example/v1/dunnings" (secret query values redacted)
  std::string message;               // the envelope's message or the failure; secrets scrubbed
  // The last attempt of a non-repeatable request may have been processed by the server
  // (timeout after sending, 5xx): look up before trying again (the 504-after-commit case).
  bool may_have_committed = false;
  std::optional<std::chrono::milliseconds> retry_after;  // the server's last Retry-After

  // "<endpoint>: HTTP 409 conflict: <message>"-style text, kind as error_kind(error_class).
  core::Error to_error() const;
};

}  // namespace mahnwerk::http
