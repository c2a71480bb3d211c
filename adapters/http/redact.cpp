// Redaction of secrets in everything the client writes or returns.
#include "adapters/http/redact.h"

#include <algorithm>

namespace mahnwerk::http {
namespace {

const std::vector<std::string> kSecretHeaders{"authorization", "proxy-authorization", "cookie",
                                              "set-cookie",    "x-api-key",           "x-auth-token"};
const std::vector<std::string> kSecretQuery{"token",  "access_token",  "refresh_token", "api_key",
                                            "apikey", "client_secret", "password",      "code"};

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::any_of(names.begin(), names.end(), [&](const std::string& n) { return iequals(n, name); });
}

// Calls fn(name, value_begin, value_end) for each query parameter of `url`.
template <typename Fn>
void for_each_query_value(std::string_view url, Fn fn) {
  std::size_t at = url.find('?');
  while (at != std::string_view::npos && at < url.size()) {
    const std::size_t start = at + 1;
    const std::size_t end = std::min(url.find('&', start), url.find('#', start));
    const std::size_t stop = end == std::string_view::npos ? url.size() : end;
    const std::size_t eq = url.find('=', start);
    if (eq != std::string_view::npos && eq < stop) fn(url.substr(start, eq - start), eq + 1, stop);
    at = end == std::string_view::npos || url[end] == '#' ? std::string_view::npos : end;
  }
}

}  // namespace

Redactor::Redactor(std::vector<std::string> extra_headers, std::vector<std::string> extra_query)
    : headers_(kSecretHeaders), query_(kSecretQuery) {
  headers_.insert(headers_.end(), extra_headers.begin(), extra_headers.end());
  query_.insert(query_.end(), extra_query.begin(), extra_query.end());
}

bool Redactor::secret_header(std::string_view name) const { return contains(headers_, name); }

std::string Redactor::headers(const Headers& headers) const {
  std::string out;
  for (const Header& h : headers) {
    if (!out.empty()) out += '\n';
    // A redirect's Location may carry a token in its query like any request URL.
    const bool is_url = iequals(h.name, "Location") || iequals(h.name, "Content-Location");
    out += h.name + ": " + (secret_header(h.name) ? std::string(kRedacted) : is_url ? url(h.value) : h.value);
  }
  return out;
}

std::string Redactor::url(std::string_view url) const {
  std::string out;
  std::size_t copied = 0;
  for_each_query_value(url, [&](std::string_view name, std::size_t begin, std::size_t end) {
    if (!contains(query_, name)) return;
    out.append(url.substr(copied, begin - copied));
    out.append(kRedacted);
    copied = end;
  });
  out.append(url.substr(copied));
  return out;
}

std::vector<std::string> Redactor::secrets_of(const Request& request) const {
  std::vector<std::string> secrets;
  for (const Header& h : request.headers) {
    if (!secret_header(h.name) || h.value.empty()) continue;
    secrets.push_back(h.value);
    if (const std::size_t space = h.value.find(' '); space != std::string::npos) {
      secrets.push_back(h.value.substr(space + 1));
    }
  }
  for_each_query_value(request.url, [&](std::string_view name, std::size_t begin, std::size_t end) {
    if (contains(query_, name) && end > begin) secrets.emplace_back(request.url.substr(begin, end - begin));
  });
  return secrets;
}

std::string Redactor::scrub(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.size() < 4) continue;
    for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
      text.replace(at, secret.size(), kRedacted);
      at += kRedacted.size();
    }
  }
  return text;
}

}  // namespace mahnwerk::http
