// URL parsing and the text forms of the HTTP vocabulary.
#include "adapters/http/types.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace mahnwerk::http {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

core::Error bad_url(std::string_view text, std::string why) {
  return core::invalid_input(std::move(why), "URL \"" + std::string(text.substr(0, 200)) + "\"");
}

}  // namespace

std::string_view to_string(Method method) {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
  }
  return "GET";
}

bool idempotent(Method method) { return method != Method::kPost && method != Method::kPatch; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

const std::string* find_header(const Headers& headers, std::string_view name) {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) return &h.value;
  }
  return nullptr;
}

core::Result<Url> Url::parse(std::string_view text) {
  const std::size_t colon = text.find("://");
  if (colon == std::string_view::npos) return bad_url(text, "not an absolute URL");
  Url url;
  url.scheme = lower(text.substr(0, colon));
  if (url.scheme != "http" && url.scheme != "https") return bad_url(text, "scheme must be http or https");
  std::string_view rest = text.substr(colon + 3);
  rest = rest.substr(0, rest.find('#'));
  const std::size_t path_at = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_at);
  std::string_view target = path_at == std::string_view::npos ? std::string_view("/") : rest.substr(path_at);
  if (authority.find('@') != std::string_view::npos)
    return bad_url(text, "user info in URLs is not supported");
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad_url(text, "unclosed IPv6 literal");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad_url(text, "junk after IPv6 literal");
      port = after.substr(1);
    }
  } else if (const std::size_t c = authority.rfind(':'); c != std::string_view::npos) {
    host = authority.substr(0, c);
    port = authority.substr(c + 1);
  }
  if (host.empty()) return bad_url(text, "no host");
  url.host = lower(host);
  url.port = url.tls() ? 443 : 80;
  if (!port.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return bad_url(text, "bad port \"" + std::string(port) + "\"");
    }
    url.port = static_cast<std::uint16_t>(value);
  }
  url.target = target.front() == '?' ? "/" + std::string(target) : std::string(target);
  return url;
}

core::Result<Url> Url::resolve(std::string_view location) const {
  if (location.find("://") != std::string_view::npos) return parse(location);
  if (location.starts_with("//")) return parse(scheme + ":" + std::string(location));
  Url out = *this;
  if (location.empty()) return out;
  if (location.front() == '/') {
    out.target = std::string(location);
  } else if (location.front() == '?') {
    out.target = target.substr(0, target.find('?')) + std::string(location);
  } else {
    const std::string path = target.substr(0, target.find('?'));
    out.target = path.substr(0, path.rfind('/') + 1) + std::string(location);
  }
  out.target = out.target.substr(0, out.target.find('#'));
  return out;
}

std::string Url::authority() const {
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return default_port() ? h : h + ":" + std::to_string(port);
}

std::string Url::origin() const {
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return scheme + "://" + h + ":" + std::to_string(port);
}

std::string Url::to_string() const { return scheme + "://" + authority() + target; }

std::string_view to_string(Failure failure) {
  switch (failure) {
    case Failure::kNone:
      return "none";
    case Failure::kBadUrl:
      return "bad URL";
    case Failure::kResolve:
      return "host name not resolved";
    case Failure::kConnect:
      return "connect failed";
    case Failure::kProxy:
      return "proxy failed";
    case Failure::kTls:
      return "TLS handshake failed";
    case Failure::kConnectTimeout:
      return "connect timeout";
    case Failure::kReadTimeout:
      return "read timeout";
    case Failure::kTotalTimeout:
      return "total timeout";
    case Failure::kBodyTooLarge:
      return "response body too large";
    case Failure::kProtocol:
      return "protocol error";
  }
  return "none";
}

}  // namespace mahnwerk::http
