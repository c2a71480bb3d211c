// Keeps secrets out of logs and errors: header values of credential headers, secret query
// parameters, and any occurrence of a request's secret values in text that came back from the
// server (an error body that echoes the token).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "adapters/http/types.h"

namespace mahnwerk::http {

inline constexpr std::string_view kRedacted = "<redacted>";

class Redactor {
 public:
  // Secret headers: Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key,
  // X-Auth-Token plus `extra_headers`. Secret query parameters: token, access_token,
  // refresh_token, api_key, apikey, client_secret, password, code plus `extra_query`.
  // Names compare case-insensitively.
  explicit Redactor(std::vector<std::string> extra_headers = {}, std::vector<std::string> extra_query = {});

  bool secret_header(std::string_view name) const;
  // "Name: value" lines joined by "\n", values of secret headers replaced by <redacted>.
  std::string headers(const Headers& headers) const;
  // `url` with the values of secret query parameters replaced by <redacted>.
  std::string url(std::string_view url) const;
  // The secret values a request carries: whole values of secret headers, their credential part
  // after a scheme word ("Bearer abc" -> also "abc"), values of secret query parameters.
  std::vector<std::string> secrets_of(const Request& request) const;
  // `text` with every occurrence of every secret (of 4 characters or more) replaced.
  static std::string scrub(std::string text, const std::vector<std::string>& secrets);

 private:
  std::vector<std::string> headers_;
  std::vector<std::string> query_;
};

}  // namespace mahnwerk::http
