// The vocabulary of the HTTP(S) client: URLs, requests, responses and the outcome of one
// exchange on the wire. Plain C++ with no Boost.Beast/Asio, so the REST engine and the CLI that
// include it never pay for the networking headers (docs/http.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connector/core/result.h"

namespace mahnwerk::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete };
std::string_view to_string(Method method);  // "GET", "HEAD", ...
// GET, HEAD, PUT and DELETE may be repeated without changing the result (RFC 9110 §9.2.2).
bool idempotent(Method method);

struct Header {
  std::string name;
  std::string value;
};
using Headers = std::vector<Header>;

// The first header named `name` (case-insensitive), or nullptr.
const std::string* find_header(const Headers& headers, std::string_view name);
bool iequals(std::string_view a, std::string_view b);

// An absolute http or https URL split into its parts.
struct Url {
  std::string scheme;  // "http" | "https", lower case
  std::string host;    // lower case; IPv6 literals without brackets
  std::uint16_t port = 0;
  std::string target;  // path and query, at least "/"

  // Errors (kInvalidInput): another scheme, no host, a bad port, user info, a fragment is dropped.
  static core::Result<Url> parse(std::string_view text);
  // `location` (absolute, scheme-relative, or a path) resolved against this URL (RFC 3986 §5,
  // without dot-segment removal). Errors as parse().
  core::Result<Url> resolve(std::string_view location) const;

  bool tls() const { return scheme == "https"; }
  bool default_port() const { return port == (tls() ? 443 : 80); }
  std::string authority() const;  // "host" or "host:port" when the port is not the default
  std::string origin() const;     // "https://host:port" (always with the port)
  std::string to_string() const;  // scheme://authority/target
};

// Time limits of one exchange. connect covers the TCP connect, the proxy's CONNECT and the TLS
// handshake; read is the longest silence while the request is written and the response read;
// total caps the whole exchange from start to the last byte.
struct Timeouts {
  std::chrono::milliseconds connect{10'000};
  std::chrono::milliseconds read{30'000};
  std::chrono::milliseconds total{60'000};
};

class ErrorPolicy;  // errors.h: envelope parser and status rules of one remote system

// What retries and waits the client may make for one request.
struct RetryPolicy {
  int max_attempts = 4;                                // first try included; 1 = never retry
  std::chrono::milliseconds base_delay{500};           // before the 2nd attempt, doubled per attempt
  std::chrono::milliseconds max_delay{30'000};         // cap of the backoff
  std::chrono::milliseconds max_retry_after{120'000};  // a longer Retry-After is not waited for
};

struct Request {
  Method method = Method::kGet;
  std::string url;  // absolute http(s) URL
  Headers headers;  // Host, User-Agent and Content-Length are set by the transport
  std::string body;

  // The name of the credential whose rate budget this request spends ("tenant-7/lexoffice");
  // never the secret itself. Empty: no budget.
  std::string credential;
  // PEM file of the certificate authorities to trust; empty: the system's CAs.
  std::string ca_file;

  Timeouts timeouts;
  std::size_t max_body_bytes = 32u << 20;  // a longer response body fails the exchange
  int max_redirects = 5;                   // 0: a 3xx response is returned as it is
  RetryPolicy retry;
  // Overrides idempotent(method): a POST the remote deduplicates (Idempotency-Key) may say true.
  std::optional<bool> repeatable;
  const ErrorPolicy* errors = nullptr;  // not owned; nullptr: the built-in classification

  bool may_repeat() const { return repeatable.value_or(idempotent(method)); }
};

struct Response {
  int status = 0;
  Headers headers;
  std::string body;
  std::string tls_version;         // "TLSv1.3"; empty over plain http
  bool reused_connection = false;  // came over a pooled keep-alive connection
};

// Why one exchange failed below HTTP (no response, or no complete one).
enum class Failure {
  kNone,
  kBadUrl,          // the URL could not be used
  kResolve,         // the host name did not resolve
  kConnect,         // TCP connect refused or reset
  kProxy,           // the proxy refused the CONNECT or broke the tunnel
  kTls,             // handshake failed: certificate not trusted, wrong host name, old protocol
  kConnectTimeout,  // connect, CONNECT or handshake took longer than Timeouts::connect
  kReadTimeout,     // the server was silent longer than Timeouts::read
  kTotalTimeout,    // the exchange took longer than Timeouts::total
  kBodyTooLarge,    // the body exceeded Request::max_body_bytes
  kProtocol,        // malformed response or connection closed mid-response
};
std::string_view to_string(Failure failure);

// The result of one request/response on the wire: no retries, no redirects.
struct Exchange {
  Failure failure = Failure::kNone;
  // Some of the request may have reached the server: a failure after this point is ambiguous
  // for a non-repeatable request (the write may have landed).
  bool request_sent = false;
  std::string message;  // the failure in words; names host and port, never headers or bodies
  Response response;    // valid when failure == kNone
};

}  // namespace mahnwerk::http
